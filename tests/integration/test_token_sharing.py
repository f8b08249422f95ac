"""One token file shared by the app, a cron sync and `cc-data auth`: refreshes under one file lock, so the
sandbox (strict: no grace period) never sees a rotated-away refresh token; a lost answer after rotation is
recovered by one retry within Okta's grace period; a refused login says so in one line."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pytest
import requests

from cc_data.api.auth import TokenManager, TokenSet, TokenStore
from cc_data.errors import ApiError, AuthError
from cc_data.sandbox.oauth import REUSE_EVENT
from tests.integration.conftest import settings_for

CHILD = """
import json, sys, time, requests
from pathlib import Path
from cc_data.api.auth import TokenManager
from cc_data.config import Settings
cfg = json.loads(sys.argv[1])
settings = Settings(client_id=cfg["client_id"], client_secret=cfg["client_secret"],
                    oauth_base_url=cfg["oauth"], token_file=Path(cfg["token_file"]))
manager = TokenManager(settings)
deadline = time.monotonic() + cfg["seconds"]
calls = 0
while time.monotonic() < deadline:
    token = manager.access_token()
    for _ in range(3):   # the test kills access tokens at random moments, even a just-renewed one
        answer = requests.get(cfg["api"], headers={"Authorization": f"Bearer {token}"}, timeout=10)
        if answer.status_code != 401:
            break
        token = manager.refresh_after_401(token)
    assert answer.status_code == 200, answer.status_code
    calls += 1
    time.sleep(0.02)
print(json.dumps({"calls": calls, "refreshes": manager.refreshes}))
"""


def _use(manager: TokenManager, url: str, seconds: float, outcome: dict) -> None:
    try:
        deadline, calls = time.monotonic() + seconds, 0
        while time.monotonic() < deadline:
            token = manager.access_token()
            for _ in range(3):
                answer = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
                if answer.status_code != 401:
                    break
                token = manager.refresh_after_401(token)
            assert answer.status_code == 200, answer.status_code
            calls += 1
            time.sleep(0.02)
        outcome["calls"] = calls
    except Exception as err:  # noqa: BLE001 - reported to the test thread
        outcome["error"] = f"{type(err).__name__}: {err}"


def test_two_managers_and_a_process_share_one_token_file_without_reuse(start_sandbox, tmp_path):
    sandbox = start_sandbox(token_rps=1000.0)
    sandbox.oauth.refresh_grace_seconds = 0.0   # every rotated-away token counts as reuse at once
    settings = settings_for(sandbox, tmp_path)
    TokenStore(settings.token_file).save(TokenSet(refresh_token=settings.refresh_token))
    url = f"{sandbox.api_base_url}/account/summary"
    seconds = 3.5
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps({
            "client_id": settings.client_id, "client_secret": settings.client_secret, "seconds": seconds,
            "oauth": settings.oauth_base_url, "token_file": str(settings.token_file), "api": url})],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    managers = [TokenManager(settings.with_(refresh_token=None)) for _ in range(2)]
    outcomes: list[dict] = [{}, {}]
    threads = [threading.Thread(target=_use, args=(m, url, seconds, o)) for m, o in zip(managers, outcomes,
                                                                                         strict=True)]
    for thread in threads:
        thread.start()
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:      # every access token dies now and then: all three refresh, often at once
        time.sleep(0.4)
        sandbox.expire_access_tokens()
    for thread in threads:
        thread.join(30)
    out, err = child.communicate(timeout=30)
    assert child.returncode == 0, err.strip().splitlines()[-1:]
    assert outcomes[0].get("calls") and outcomes[1].get("calls"), outcomes
    assert json.loads(out)["calls"] > 0
    assert REUSE_EVENT not in sandbox.oauth.system_log
    refreshes = sum(1 for method, path, status in sandbox.request_log if path.endswith("/token") and status == 200)
    assert refreshes >= 3   # the access tokens were killed several times; each kill cost one refresh, not three
    stored = TokenStore(settings.token_file).load()
    assert sandbox.oauth.refresh[stored.refresh_token].current == stored.refresh_token


def test_a_manager_uses_tokens_another_process_already_rotated(start_sandbox, tmp_path):
    sandbox = start_sandbox(token_rps=1000.0)
    sandbox.oauth.refresh_grace_seconds = 0.0
    settings = settings_for(sandbox, tmp_path)
    early = TokenManager(settings)                  # e.g. the app, started yesterday
    first = early.access_token()
    later = TokenManager(settings.with_(refresh_token=None))   # e.g. the cron sync
    sandbox.expire_access_tokens()
    rotated = later.refresh_after_401(later.access_token())
    assert rotated != first
    assert early.refresh_after_401(first) == rotated      # read from the file: no POST with the old token
    assert early.refreshes == 1 and REUSE_EVENT not in sandbox.oauth.system_log


def test_answer_lost_after_rotation_is_recovered_by_one_retry_within_the_grace_period(start_sandbox, tmp_path):
    sandbox = start_sandbox(token_rps=1000.0)
    settings = settings_for(sandbox, tmp_path)
    manager = TokenManager(settings)
    sandbox.oauth.drop_after_rotation = 1
    token = manager.access_token()
    assert requests.get(f"{sandbox.api_base_url}/account/summary", timeout=10,
                        headers={"Authorization": f"Bearer {token}"}).status_code == 200
    stored = TokenStore(settings.token_file).load()
    assert sandbox.oauth.refresh[stored.refresh_token].current == stored.refresh_token
    assert REUSE_EVENT not in sandbox.oauth.system_log
    drops = [entry for entry in sandbox.request_log if entry[1].endswith("/token")]
    assert [status for _, _, status in drops] == [0, 200]


def test_answer_lost_twice_fails_in_one_line_and_a_later_run_says_how_to_log_in_again(start_sandbox, tmp_path):
    sandbox = start_sandbox(token_rps=1000.0)
    settings = settings_for(sandbox, tmp_path)
    seed = settings.refresh_token
    sandbox.oauth.drop_after_rotation = 2
    with pytest.raises(ApiError) as lost:
        TokenManager(settings).access_token()
    assert "\n" not in str(lost.value) and seed not in str(lost.value)
    sandbox.oauth.wall = lambda: time.time() + sandbox.oauth.refresh_grace_seconds + 1
    with pytest.raises(AuthError) as refused:
        TokenManager(settings).access_token()
    message = str(refused.value)
    assert "\n" not in message and "cc-data auth" in message and "Connect Constant Contact" in message
    assert seed not in message
