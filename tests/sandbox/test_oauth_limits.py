"""OAuth2 flows, refresh-token rotation, rate limit, daily quota, faults and the moving clock."""

from __future__ import annotations

import base64
import hashlib
import http.client
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from cc_data.sandbox.limits import Faults, TokenBucket
from cc_data.sandbox.oauth import REUSE_EVENT
from tests.sandbox.helpers import get, token

SCOPES = "contact_data campaign_data account_read offline_access"


def _token(server, **data):
    return requests.post(f"{server.oauth_base_url}/token", data=data, timeout=10)


def test_pkce_code_flow_then_rotating_refresh(sandbox):
    verifier = "v" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = {"client_id": sandbox.client_id, "redirect_uri": "http://127.0.0.1:8765/callback",
              "response_type": "code", "scope": SCOPES, "state": "xyz", "code_challenge": challenge,
              "code_challenge_method": "S256"}
    page = requests.get(f"{sandbox.oauth_base_url}/authorize", params=params, timeout=10)
    assert page.status_code == 200 and "Approve" in page.text
    approved = requests.get(f"{sandbox.oauth_base_url}/authorize", params={**params, "approve": "1"},
                            allow_redirects=False, timeout=10)
    query = parse_qs(urlsplit(approved.headers["Location"]).query)
    assert approved.status_code == 302 and query["state"] == ["xyz"]
    code = query["code"][0]
    wrong = _token(sandbox, grant_type="authorization_code", code=code, client_id=sandbox.client_id,
                   redirect_uri=params["redirect_uri"], code_verifier="w" * 64)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    approved = requests.get(f"{sandbox.oauth_base_url}/authorize", params={**params, "approve": "1"},
                            allow_redirects=False, timeout=10)
    code = parse_qs(urlsplit(approved.headers["Location"]).query)["code"][0]
    first = _token(sandbox, grant_type="authorization_code", code=code, client_id=sandbox.client_id,
                   redirect_uri=params["redirect_uri"], code_verifier=verifier).json()
    assert first["token_type"] == "Bearer" and first["expires_in"] == 86_400 and first["scope"] == SCOPES
    assert get(sandbox, "contacts", first["access_token"]).status_code == 200
    again = _token(sandbox, grant_type="authorization_code", code=code, client_id=sandbox.client_id,
                   code_verifier=verifier)
    assert again.status_code == 400  # a code is single use
    rotated = _token(sandbox, grant_type="refresh_token", refresh_token=first["refresh_token"],
                     client_id=sandbox.client_id).json()
    assert rotated["refresh_token"] != first["refresh_token"]
    sandbox.oauth.wall = lambda: time.time() + sandbox.oauth.refresh_grace_seconds + 1
    reused = _token(sandbox, grant_type="refresh_token", refresh_token=first["refresh_token"],
                    client_id=sandbox.client_id)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    assert "error_description" in reused.json()


def _refresh(server, refresh_token):
    return _token(server, grant_type="refresh_token", refresh_token=refresh_token, client_id=server.client_id)


def test_previous_refresh_token_works_within_the_grace_period_and_reuse_after_it_revokes_the_newest(sandbox):
    oauth, now = sandbox.oauth, [1_000.0]
    oauth.wall = lambda: now[0]
    assert oauth.refresh_grace_seconds == 30  # Okta's default leeway
    other = _refresh(sandbox, sandbox.mint_refresh_token()).json()   # another login, untouched by what follows
    r0 = sandbox.mint_refresh_token()
    lost = _refresh(sandbox, r0).json()          # rotated; say the answer never reached the client
    now[0] += oauth.refresh_grace_seconds - 1
    retry = _refresh(sandbox, r0)                # the retry within the grace period gets a new set
    assert retry.status_code == 200 and retry.json()["refresh_token"] not in (r0, lost["refresh_token"])
    newest = retry.json()
    assert get(sandbox, "contacts", newest["access_token"]).status_code == 200
    assert _refresh(sandbox, "rt_never-issued").status_code == 400 and oauth.system_log == []
    now[0] += 2                                  # the grace period is counted from the rotation, not extended
    reused = _refresh(sandbox, r0)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    assert oauth.system_log == [REUSE_EVENT]
    assert _refresh(sandbox, newest["refresh_token"]).status_code == 400   # the newest token is revoked too
    assert get(sandbox, "contacts", newest["access_token"]).status_code == 401   # and the chain's access tokens
    assert get(sandbox, "contacts", other["access_token"]).status_code == 200
    assert _refresh(sandbox, other["refresh_token"]).status_code == 200


def test_drop_after_rotation_rotates_then_closes_the_connection(sandbox):
    sandbox.oauth.drop_after_rotation = 1
    r0 = sandbox.mint_refresh_token()
    with pytest.raises(requests.exceptions.ConnectionError):
        _refresh(sandbox, r0)
    assert sandbox.request_log[-1] == ("POST", "/oauth2/default/v1/token", 0)
    recovered = _refresh(sandbox, r0)            # within the grace period the old token still works
    assert recovered.status_code == 200 and sandbox.oauth.drop_after_rotation == 0
    sandbox.oauth.wall = lambda: time.time() + sandbox.oauth.refresh_grace_seconds + 1
    assert _refresh(sandbox, r0).status_code == 400     # outside it: reuse
    assert _refresh(sandbox, recovered.json()["refresh_token"]).status_code == 400


def test_long_lived_refresh_tokens_and_basic_auth_in_query_string(sandbox_factory):
    server = sandbox_factory(rotate_refresh_tokens=False)
    refresh = server.mint_refresh_token()
    for _ in range(2):
        answer = requests.post(f"{server.oauth_base_url}/token", auth=(server.client_id, server.client_secret),
                               params={"grant_type": "refresh_token", "refresh_token": refresh}, timeout=10)
        assert answer.json()["refresh_token"] == refresh
    bad = requests.post(f"{server.oauth_base_url}/token", auth=(server.client_id, "wrong"),
                        data={"grant_type": "refresh_token", "refresh_token": refresh}, timeout=10)
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    assert server.client_secret not in bad.text


def test_device_flow_pending_until_approved(sandbox):
    start = requests.post(f"{sandbox.oauth_base_url}/device/authorize",
                          data={"client_id": sandbox.client_id, "scope": SCOPES}, timeout=10).json()
    poll = {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": start["device_code"],
            "client_id": sandbox.client_id}
    assert _token(sandbox, **poll).json()["error"] == "authorization_pending"
    assert requests.get(start["verification_uri_complete"] + "&approve=1", timeout=10).status_code == 200
    granted = _token(sandbox, **poll).json()
    assert get(sandbox, "contacts", granted["access_token"]).status_code == 200 and granted["refresh_token"]


def test_token_endpoint_is_limited_to_one_per_second(sandbox_factory):
    server = sandbox_factory(token_rps=1.0)
    answers = [_token(server, grant_type="refresh_token", refresh_token="x", client_id=server.client_id).status_code
               for _ in range(4)]
    assert 429 in answers


def test_token_bucket_pacing_at_rate_never_throttles_and_faster_does():
    moments = iter([i * 0.25 for i in range(400)])
    bucket = TokenBucket(4.0, clock=lambda: next(moments))
    assert all(bucket.take() for _ in range(399))
    moments = iter([i / 6 for i in range(400)])
    bucket = TokenBucket(4.0, clock=lambda: next(moments))
    assert not all(bucket.take() for _ in range(399))


def test_throttled_and_quota_bodies_and_quota_resets_at_utc_midnight(sandbox_factory):
    server = sandbox_factory(rate_limit_rps=4.0, daily_quota=6)
    access = token(server)
    codes = [get(server, "contact_lists", access) for _ in range(8)]
    throttled = [a for a in codes if a.status_code == 429]
    assert throttled and throttled[0].json() == {"error_key": "throttled", "error_message": "Too Many Requests"}
    server.set_rate_limit(1000)
    answers = [get(server, "contact_lists", access) for _ in range(6)]
    assert answers[-1].status_code == 429
    assert answers[-1].json() == {"error_key": "quota_exceeded", "error_message": "Limit Exceeded"}
    server.advance(0.25)  # 12:00 -> 18:00 the same UTC day: still exhausted
    assert get(server, "contact_lists", access).status_code == 429
    server.advance(0.5)   # past midnight UTC
    assert get(server, "contact_lists", token(server)).status_code == 200


def test_faults_are_a_function_of_seed_and_request_number():
    faults = Faults(error_rate=0.1, drop_rate=0.1, truncate_rate=0.1)
    fates = [faults.fate(7, n) for n in range(1, 2001)]
    assert fates == [faults.fate(7, n) for n in range(1, 2001)]
    assert fates != [faults.fate(8, n) for n in range(1, 2001)]
    for name in ("error", "drop", "truncate"):
        assert 0.07 < fates.count(name) / len(fates) < 0.13


def test_injected_faults_reach_the_client(sandbox):
    access = token(sandbox)
    sandbox.set_faults(error_rate=1.0)
    assert get(sandbox, "contact_lists", access).status_code in (500, 503)
    sandbox.set_faults(truncate_rate=1.0)
    with pytest.raises((requests.exceptions.RequestException, ValueError, http.client.HTTPException)):
        get(sandbox, "contact_lists", access).json()
    sandbox.set_faults(drop_rate=1.0)
    with pytest.raises(requests.exceptions.ConnectionError):
        get(sandbox, "contact_lists", access)
    sandbox.set_faults()
    assert get(sandbox, "contact_lists", access).status_code == 200
    assert (("GET", "/v3/contact_lists", 0) in sandbox.request_log)


def test_advance_brings_new_contacts_optouts_and_late_engagement(sandbox):
    access = token(sandbox)
    before = sandbox.account.counts()
    cut = sandbox.now.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    response = requests.post(f"{sandbox.url}/__sandbox__/advance", params={"days": 170}, timeout=30)
    assert response.status_code == 200 and response.json()["now"].startswith("2026-12-02")
    after = sandbox.account.counts()
    assert after["tracking_rows"] > before["tracking_rows"]
    assert after["contacts"] + after["contacts_deleted"] > before["contacts"] + before["contacts_deleted"]
    access = token(sandbox)
    changed = get(sandbox, "contacts", access, updated_after=cut, status="all", limit=500).json()["contacts"]
    assert changed
    opted = get(sandbox, "contacts", access, optout_after=cut, limit=500).json()["contacts"]
    for contact in opted:   # an opt-out moves email_address.updated_at, not the contact's updated_at
        assert contact["email_address"]["updated_at"] > cut
    state = requests.get(f"{sandbox.url}/__sandbox__/state", timeout=10).json()
    assert state["counts"] == after
