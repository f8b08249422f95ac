"""Token store atomicity and permissions, refresh rotation, redaction, messages for bad settings."""

from __future__ import annotations

import base64
import hashlib
import os
import stat
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from cc_data.api import auth
from cc_data.api.auth import TokenManager, TokenSet, TokenStore
from cc_data.api.ratelimit import TokenBucket
from cc_data.config import Settings
from cc_data.errors import AuthError, ConfigError


def test_token_file_is_private_and_replaced_atomically(tmp_path):
    store = TokenStore(tmp_path / "d" / "tokens.json")
    store.save(TokenSet("a1", "r1", 10.0, 5.0))
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    inode = os.stat(store.path).st_ino
    store.save(TokenSet("a2", "r2", 20.0, 6.0))
    assert os.stat(store.path).st_ino != inode  # a new file renamed over the old, never rewritten in place
    assert store.load() == TokenSet("a2", "r2", 20.0, 6.0)
    assert [p.name for p in store.path.parent.iterdir()] == ["tokens.json"]


def test_damaged_token_file_says_to_log_in_again(tmp_path):
    (tmp_path / "t.json").write_text("{half")
    with pytest.raises(AuthError, match="cc-data auth"):
        TokenStore(tmp_path / "t.json").load()


def test_secrets_never_in_repr(tmp_path):
    tokens = TokenSet("access-secret", "refresh-secret", 1.0, 1.0)
    assert "secret" not in repr(tokens)
    settings = Settings(client_id="x", client_secret="client-secret", refresh_token="refresh-secret")
    assert "secret" not in repr(settings)
    assert auth.redact("bad refresh-secret here", "refresh-secret") == "bad *** here"


def test_missing_client_id_and_missing_login_messages(tmp_path):
    with pytest.raises(ConfigError, match="CONSTANT_CONTACT_CLIENT_ID"):
        TokenManager(Settings(token_file=tmp_path / "t.json"))
    with pytest.raises(AuthError, match="run `cc-data auth`"):
        TokenManager(Settings(client_id="x", token_file=tmp_path / "t.json"))


class FakeSession:
    def __init__(self, responses):
        self.responses = list(responses)
        self.posts = []

    def post(self, url, data=None, auth=None, timeout=None, headers=None):
        self.posts.append(data)
        status, body = self.responses.pop(0)
        return type("R", (), {"status_code": status, "json": lambda self: body})()


def test_refresh_rotation_saved_and_rate_limited(tmp_path):
    settings = Settings(client_id="x", client_secret="s", refresh_token="seed", token_file=tmp_path / "t.json")
    session = FakeSession([(200, {"access_token": "A1", "refresh_token": "R1", "expires_in": 100}),
                           (200, {"access_token": "A2", "refresh_token": "R2", "expires_in": 100})])
    manager = TokenManager(settings, session)
    assert manager.access_token() == "A1"
    assert TokenStore(settings.token_file).load().refresh_token == "R1"
    assert manager.access_token() == "A1"  # still valid: no second refresh
    started = time.monotonic()
    assert manager.refresh_after_401("A1") == "A2"
    assert time.monotonic() - started >= 0.9  # never more than one refresh a second
    assert manager.refresh_after_401("A1") == "A2"  # a stale rejection does not refresh again
    assert [p["refresh_token"] for p in session.posts] == ["seed", "R1"]


def test_dead_refresh_token_says_to_log_in_again_without_the_token(tmp_path):
    settings = Settings(client_id="x", client_secret="s", refresh_token="dead-token-value",
                        token_file=tmp_path / "t.json")
    manager = TokenManager(settings, FakeSession([(400, {"error": "invalid_grant"})]))
    with pytest.raises(AuthError, match="cc-data auth") as err:
        manager.access_token()
    assert "dead-token-value" not in str(err.value)


def test_pkce_and_authorization_url():
    verifier, challenge = auth.new_pkce()
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert challenge == expected and 43 <= len(verifier) <= 128
    url = auth.authorization_url(Settings(client_id="cid"), "http://127.0.0.1:8765/callback", "st", challenge)
    query = parse_qs(urlsplit(url).query)
    assert query["scope"] == ["contact_data campaign_data account_read offline_access"]
    assert query["code_challenge_method"] == ["S256"] and query["state"] == ["st"]


def test_token_status_has_no_secrets(tmp_path):
    settings = Settings(client_id="x", token_file=tmp_path / "t.json")
    TokenStore(settings.token_file).save(TokenSet("acc-secret", "ref-secret", time.time() + 50, time.time()))
    status = auth.token_status(settings)
    assert status["logged_in"] and "secret" not in str(status)


def test_token_bucket_never_exceeds_rate():
    now = [0.0]
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    bucket = TokenBucket(4.0, burst=1.0, clock=lambda: now[0], sleep=sleep)
    stamps = []
    for _ in range(20):
        bucket.acquire()
        stamps.append(now[0])
    gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    assert min(gaps) == pytest.approx(0.25)
    assert stamps[-1] == pytest.approx(19 * 0.25)  # and never slower than the limit


def test_refused_refresh_token_names_both_ways_back_in_one_line(tmp_path):
    settings = Settings(client_id="x", refresh_token="dead-token-value", token_file=tmp_path / "t.json")
    for error in ("invalid_grant", "invalid_token"):
        with pytest.raises(AuthError) as err:
            TokenManager(settings, FakeSession([(400, {"error": error})])).access_token()
        message = str(err.value)
        assert "\n" not in message and error in message and "dead-token-value" not in message
        assert "`cc-data auth`" in message and "Data & sync" in message and "Connect Constant Contact" in message


def test_rotated_refresh_token_is_on_disk_even_if_the_rest_of_the_answer_is_odd(tmp_path):
    settings = Settings(client_id="x", client_secret="s", refresh_token="seed", token_file=tmp_path / "t.json")
    odd = {"access_token": "A1", "refresh_token": "R1", "expires_in": "soon"}
    assert TokenManager(settings, FakeSession([(200, odd)])).access_token() == "A1"
    assert TokenStore(settings.token_file).load().refresh_token == "R1"


def test_a_refresh_waits_for_the_token_file_lock_then_uses_what_the_holder_wrote(tmp_path):
    settings = Settings(client_id="x", client_secret="s", refresh_token="seed", token_file=tmp_path / "t.json")
    TokenStore(settings.token_file).save(TokenSet("A0", "R0", 0.0, time.time()))
    session = FakeSession([])
    manager = TokenManager(settings, session)
    with auth.token_file_lock(settings.token_file):   # another process is mid-refresh
        got = []
        waiter = threading.Thread(target=lambda: got.append(manager.access_token()))
        waiter.start()
        time.sleep(0.3)
        assert not got   # waiting for the lock, not posting with R0
        TokenStore(settings.token_file).save(TokenSet("A1", "R1", time.time() + 3_600, time.time()))
    waiter.join(5)
    assert got == ["A1"] and session.posts == []
