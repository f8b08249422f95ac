"""The dashboard's Connect Constant Contact: a sign-in is bound to the browser session that prepared it and
expires; a redirect opened in another session hands its code over instead of logging in; strangers' states
are refused in one line. Against the sandbox's OAuth server."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from streamlit.testing.v1 import AppTest

from cc_data import audit
from pages.components.oauth import PENDING_KEY
from tests.app.harness import app_test, open_page

SCRIPT = """
import json, os
from pathlib import Path
from cc_data.config import Settings
from pages.components.oauth import connect_section
cfg = json.loads(os.environ["CC_TEST_OAUTH"])
connect_section(Settings(client_id=cfg["client_id"], oauth_base_url=cfg["oauth"], token_file=Path(cfg["token_file"]),
                         db_path=Path(cfg["token_file"]).with_name("cc.duckdb")))
"""
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def token_file(sandbox, tmp_path, monkeypatch) -> Path:
    path = tmp_path / "tokens.json"
    monkeypatch.setenv("CC_TEST_OAUTH", json.dumps({"client_id": sandbox.client_id, "token_file": str(path),
                                                    "oauth": sandbox.oauth_base_url}))
    monkeypatch.chdir(ROOT)
    return path


def _session() -> AppTest:
    at = AppTest.from_string(SCRIPT, default_timeout=30)
    at.run()
    return at


def _prepare(at: AppTest) -> str:
    """Press Prepare sign-in link; returns the sign-in address the link button opens."""
    next(b for b in at.button if b.label == "Prepare sign-in link").click().run()
    links = at.get("link_button")
    assert links, "no sign-in link"
    return links[0].proto.url


def _approve(url: str) -> dict[str, str]:
    """The person approves on Constant Contact's page; returns the redirect's query (code, state)."""
    answer = requests.get(url + "&approve=1", allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}


def _redirect(at: AppTest, query: dict[str, str]) -> AppTest:
    for name, value in query.items():
        at.query_params[name] = value
    return at.run()


def test_redirect_back_into_the_session_that_prepared_it_connects(sandbox, token_file):
    at = _session()
    query = _approve(_prepare(at))
    _redirect(at, query)
    assert [s.value for s in at.success] and not at.error
    assert json.loads(token_file.read_text())["refresh_token"]
    assert PENDING_KEY not in at.session_state
    # recorded in the audit log of the account it connected (the settings' database), nowhere else
    connected = audit.recent(token_file.with_name("cc.duckdb"), actions=("connect",))
    assert connected.select("what", "outcome").rows() == [("Constant Contact", "ok")]
    replay = _redirect(_session(), query)             # the same redirect again, anywhere: refused
    assert len(replay.error) == 1 and "\n" not in replay.error[0].value


def test_redirect_in_another_session_hands_the_code_to_the_owner_and_logs_in_only_there(sandbox, token_file):
    owner = _session()
    query = _approve(_prepare(owner))
    landing = _redirect(_session(), query)            # the redirect opened a new tab: a new session
    assert landing.info and not landing.success and not token_file.exists()
    owner.run()                                       # the owner's poll picks the code up
    assert owner.success and json.loads(token_file.read_text())["refresh_token"]


def test_state_of_no_pending_sign_in_of_any_session_is_refused_in_one_line(sandbox, token_file):
    at = _session()
    _prepare(at)
    stranger = _redirect(_session(), {"code": "whatever", "state": "forged-state"})
    assert len(stranger.error) == 1 and "\n" not in stranger.error[0].value
    assert "Prepare sign-in link" in stranger.error[0].value and not token_file.exists()


def test_a_sign_in_expires_after_ten_minutes(sandbox, token_file):
    at = _session()
    query = _approve(_prepare(at))
    at.session_state[PENDING_KEY] = {**at.session_state[PENDING_KEY], "expires_at": 0.0}   # ten minutes later
    _redirect(at, query)
    assert len(at.error) == 1 and not at.success and not token_file.exists()


def test_data_sync_page_hosts_the_button_and_binds_the_sign_in_to_the_session(sandbox, app_env, tmp_path,
                                                                              monkeypatch):
    monkeypatch.setenv("CONSTANT_CONTACT_CLIENT_ID", sandbox.client_id)
    monkeypatch.setenv("CC_OAUTH_BASE_URL", sandbox.oauth_base_url)
    monkeypatch.setenv("CC_TOKEN_FILE", str(tmp_path / "page-tokens.json"))
    at = app_test()
    at.run()
    open_page(at, "pages/data_sync.py")
    url = _prepare(at)
    assert at.session_state[PENDING_KEY]["state"] == parse_qs(urlsplit(url).query)["state"][0]


def test_a_refused_consent_ends_the_sign_in_in_one_line(sandbox, token_file):
    at = _session()
    state = parse_qs(urlsplit(_prepare(at)).query)["state"][0]
    _redirect(at, {"error": "access_denied[x](http://evil)", "state": state})
    assert len(at.error) == 1 and "access_denied" in at.error[0].value and "evil" not in at.error[0].value
    assert PENDING_KEY not in at.session_state and not token_file.exists()
