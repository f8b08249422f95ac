"""`cc-data auth` end to end against the sandbox's OAuth2 server: the browser flow with PKCE and a loopback
redirect, the device flow, and a login that then syncs. No token ever reaches the terminal."""

from __future__ import annotations

import json
import logging
import socket
import stat
import threading
import time

import pytest
import requests

from cc_data.api import auth
from cc_data.cli import main
from cc_data.cli.auth import _code_from
from cc_data.config import load_settings
from cc_data.errors import AuthError
from cc_data.sync.runner import run_sync


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def env(start_sandbox, tmp_path, monkeypatch):
    sandbox = start_sandbox()
    values = {
        "CONSTANT_CONTACT_CLIENT_ID": sandbox.client_id,
        "CC_API_BASE_URL": sandbox.api_base_url, "CC_OAUTH_BASE_URL": sandbox.oauth_base_url,
        "CC_REDIRECT_URI": f"http://127.0.0.1:{_free_port()}/callback",
        "CC_TOKEN_FILE": str(tmp_path / "tokens.json"), "CC_DB_PATH": str(tmp_path / "cc.duckdb"),
        "CC_ANCHOR_DATE": "2000-01-01", "CC_RATE_LIMIT_RPS": "100",
    }
    for name in ("CONSTANT_CONTACT_CLIENT_SECRET", "CONSTANT_CONTACT_REFRESH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    # Nobody types at the "or paste the redirect URL" prompt: the browser comes back to the loopback port.
    monkeypatch.setattr("builtins.input", lambda *a: threading.Event().wait() or "")
    return sandbox, values


def test_browser_login_with_pkce_and_loopback_redirect_then_sync(env, monkeypatch, capsys):
    sandbox, values = env
    visited = []

    def browser(url: str) -> bool:
        # The person approves on the sandbox's consent page; the redirect lands on cc-data's loopback listener.
        def approve() -> None:
            page = requests.get(url, timeout=10)
            assert page.status_code == 200 and "Approve" in page.text
            visited.append(requests.get(url + "&approve=1", timeout=10).url)
        threading.Thread(target=approve, daemon=True).start()
        return True

    monkeypatch.setattr("webbrowser.open", browser)
    assert main(["auth"]) == 0
    out = capsys.readouterr().out
    assert visited and visited[0].startswith(values["CC_REDIRECT_URI"])
    assert "code_challenge_method=S256" in out and "state=" in out
    tokens_path = load_settings().token_file
    stored = json.loads(tokens_path.read_text())
    assert stat.S_IMODE(tokens_path.stat().st_mode) == 0o600
    assert stored["refresh_token"] and stored["refresh_token"] not in out and stored["access_token"] not in out
    result = run_sync(load_settings(), only=["account", "lists"])
    assert result.outcome == "success" and result.rows["contact_lists"] > 0


def test_device_login(env, monkeypatch, capsys):
    sandbox, _ = env
    real_start = auth.start_device_flow
    approved = []

    def start(settings):   # the person reads the code and approves on another device a moment later
        device = {**real_start(settings), "interval": 1.0}  # the token endpoint allows 1 req/s
        threading.Timer(0.5, lambda: approved.append(sandbox.approve_device(device["user_code"]))).start()
        return device

    monkeypatch.setattr(auth, "start_device_flow", start)
    assert main(["auth", "--device"]) == 0
    assert approved == [True]
    out = capsys.readouterr().out
    assert "enter the code" in out and "Logged in" in out
    status = auth.token_status(load_settings())
    assert status["logged_in"] and status["access_token_valid"]


def test_redirect_checks_refuse_a_wrong_state_or_a_refusal():
    with pytest.raises(AuthError, match="state mismatch"):
        _code_from("http://127.0.0.1:8765/callback?code=abc&state=other", "mine")
    with pytest.raises(AuthError, match="refused the login"):
        _code_from("http://127.0.0.1:8765/callback?error=access_denied&state=mine", "mine")
    assert _code_from(" http://127.0.0.1:8765/callback?code=abc&state=mine\n", "mine") == "abc"


def test_idle_refresh_token_warns_before_it_expires(env, caplog):
    settings = load_settings()
    store = auth.TokenStore(settings.token_file)
    store.save(auth.TokenSet(refresh_token="rt-secret-value", refresh_last_used=time.time() - 170 * 86_400))
    with caplog.at_level(logging.WARNING):
        auth.TokenManager(settings)
    assert "has not been used for 170 days" in caplog.text and "rt-secret-value" not in caplog.text
    status = auth.token_status(settings)
    assert status["refresh_expires_in_days"] == pytest.approx(10, abs=0.1)
    assert "rt-secret-value" not in json.dumps(status)
