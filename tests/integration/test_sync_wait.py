"""What a scheduled `cc-data sync --quiet --wait N` does: waits for another writer, prints nothing when it
succeeds, exits 2 in one line when it cannot, and leaves its outcome in the audit log for Data & sync."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from cc_data import audit
from cc_data.cli import main
from cc_data.store.db import locked
from tests.integration.conftest import settings_for


@pytest.fixture
def account(start_sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cfg = settings_for(start_sandbox(), tmp_path)
    env = {"CONSTANT_CONTACT_CLIENT_ID": cfg.client_id, "CONSTANT_CONTACT_CLIENT_SECRET": cfg.client_secret,
           "CONSTANT_CONTACT_REFRESH_TOKEN": cfg.refresh_token, "CC_API_BASE_URL": cfg.api_base_url,
           "CC_OAUTH_BASE_URL": cfg.oauth_base_url, "CC_DB_PATH": str(cfg.db_path),
           "CC_TOKEN_FILE": str(cfg.token_file), "CC_ANCHOR_DATE": "2000-01-01", "CC_RATE_LIMIT_RPS": "150"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)   # no developer's .env
    return cfg.db_path


def hold_lock(db: Path, seconds: float) -> threading.Thread:
    taken = threading.Event()

    def hold() -> None:
        with locked(db):
            taken.set()
            time.sleep(seconds)

    thread = threading.Thread(target=hold)
    thread.start()
    taken.wait(5)
    return thread


def test_a_scheduled_sync_waits_for_the_lock_then_syncs_quietly(account: Path, capsys) -> None:
    holder = hold_lock(account, 1.5)
    started = time.monotonic()
    assert main(["sync", "--quiet", "--wait", "30"]) == 0
    assert time.monotonic() - started >= 1.4   # it waited for the other writer instead of failing
    holder.join()
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    last = audit.last_sync(account)
    assert last is not None and last["outcome"] == "success" and last["who"].startswith("command line")


def test_without_wait_a_busy_lock_fails_in_one_line_and_is_recorded(account: Path, capsys) -> None:
    holder = hold_lock(account, 1.0)
    try:
        assert main(["sync", "--quiet"]) == 2
    finally:
        holder.join()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--wait" in err
    last = audit.last_sync(account)
    assert last is not None and last["outcome"] == "failed" and "--wait" in last["detail"]
