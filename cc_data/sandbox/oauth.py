"""The sandbox's OAuth2 server under /oauth2/default/v1: authorization code (+PKCE), refresh, device flow.

Rotating refresh tokens behave as Okta (Constant Contact's OAuth server) documents them in "Refresh token
rotation" (developer.okta.com/docs/guides/refresh-tokens/refresh-token-rotation/): using a refresh token
invalidates it and returns a new one; the previous token stays valid for a grace period (the app's refresh
token `leeway`, 30 s by default, 0-60) so a client whose answer got lost can retry; presenting a rotated-away
token outside it is reuse: Okta "immediately invalidates the most recently issued refresh token and all
access tokens issued since the user authenticated", and logs `app.oauth2.as.token.detect_reuse`.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from cc_data.sandbox.limits import TokenBucket
from cc_data.sandbox.wire import Response

ALL_SCOPES = ("contact_data", "campaign_data", "account_read", "account_update", "offline_access")
CODE_SECONDS = 300
DEVICE_SECONDS = 600
REFRESH_GRACE_SECONDS = 30.0   # Okta's default refresh token leeway
REUSE_EVENT = "app.oauth2.as.token.detect_reuse"


@dataclass
class AccessToken:
    client_id: str
    scopes: tuple[str, ...]
    expires_wall: float
    issued_clock: int


@dataclass
class RefreshChain:
    """The refresh tokens of one login, newest last; Okta revokes the whole chain on reuse."""
    client_id: str
    scopes: tuple[str, ...]
    current: str
    previous: str | None = None
    rotated_at: float = 0.0             # wall time `previous` was rotated away (its grace starts)
    access: set[str] = field(default_factory=set)
    revoked: bool = False


@dataclass
class Grant:
    client_id: str
    scopes: tuple[str, ...]
    redirect_uri: str = ""
    challenge: str | None = None
    expires_wall: float = 0.0
    approved: bool = False
    user_code: str = ""


def oauth_error(status: int, error: str, description: str) -> Response:
    return Response(status, {"error": error, "error_description": description})


@dataclass
class OAuthServer:
    client_id: str
    client_secret: str
    base_url: str
    clock: object                       # callable -> the sandbox clock (epoch seconds)
    access_token_lifetime: int = 86_400
    rotate_refresh_tokens: bool = True
    token_rps: float = 1.0
    refresh_grace_seconds: float = REFRESH_GRACE_SECONDS
    drop_after_rotation: int = 0        # drop the connection on the next N refreshes, after rotating
    wall: Callable[[], float] = time.time   # the grace period's clock (tests move it)
    access: dict[str, AccessToken] = field(default_factory=dict)
    refresh: dict[str, RefreshChain] = field(default_factory=dict)   # every token ever issued -> its chain
    system_log: list[str] = field(default_factory=list)
    codes: dict[str, Grant] = field(default_factory=dict)
    devices: dict[str, Grant] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.bucket = TokenBucket(self.token_rps, capacity=2)

    # -- tokens ------------------------------------------------------------------------------------
    def check(self, token: str | None) -> AccessToken | None:
        found = self.access.get(token or "")
        if found is None or time.time() >= found.expires_wall:
            return None
        if self.clock() - found.issued_clock >= self.access_token_lifetime:
            return None
        return found

    def expire_access_tokens(self) -> None:
        self.access.clear()

    def mint_refresh_token(self, scopes: tuple[str, ...] | list[str]) -> str:
        token = "rt_" + secrets.token_urlsafe(32)
        self.refresh[token] = RefreshChain(self.client_id, tuple(scopes), token)
        return token

    def _rotate(self, chain: RefreshChain, presented: str) -> str:
        """The next refresh token of `chain` after `presented` (its current or its previous, within grace)."""
        token = "rt_" + secrets.token_urlsafe(32)
        self.refresh[token] = chain
        if presented == chain.current:
            chain.previous, chain.rotated_at = presented, self.wall()
        # else a retry within the grace period: the undelivered token is dropped; the grace is not extended
        chain.current = token
        return token

    def _refresh(self, token: str) -> Response:
        chain = self.refresh.get(token)
        if chain is None or chain.revoked:
            return oauth_error(400, "invalid_grant", "The refresh token is invalid or expired.")
        if not self.rotate_refresh_tokens:
            return self._issue(chain.scopes, refresh_token=token, chain=chain)
        in_grace = token == chain.previous and self.wall() - chain.rotated_at < self.refresh_grace_seconds
        if token != chain.current and not in_grace:
            chain.revoked = True
            for access in chain.access:
                self.access.pop(access, None)
            self.system_log.append(REUSE_EVENT)
            return oauth_error(400, "invalid_grant", "The refresh token is invalid or expired.")
        response = self._issue(chain.scopes, refresh_token=self._rotate(chain, token), chain=chain)
        if self.drop_after_rotation > 0:
            self.drop_after_rotation -= 1
            response.drop = True
        return response

    def _issue(self, scopes: tuple[str, ...], refresh_token: str | None = None,
               chain: RefreshChain | None = None) -> Response:
        header = base64.urlsafe_b64encode(b'{"alg":"RS256","kid":"sandbox"}').rstrip(b"=").decode()
        payload = base64.urlsafe_b64encode(json.dumps({"cid": self.client_id, "scp": list(scopes),
                                                       "jti": secrets.token_hex(8)}).encode()).rstrip(b"=").decode()
        access = f"{header}.{payload}.{secrets.token_urlsafe(24)}"
        self.access[access] = AccessToken(self.client_id, scopes, time.time() + self.access_token_lifetime,
                                          self.clock())
        body = {"token_type": "Bearer", "expires_in": self.access_token_lifetime, "access_token": access,
                "scope": " ".join(scopes)}
        if "offline_access" in scopes:
            if refresh_token is None:
                refresh_token = self.mint_refresh_token(scopes)
                chain = self.refresh[refresh_token]
            body["refresh_token"] = refresh_token
        if chain is not None:
            chain.access.add(access)
        return Response(200, body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _client_from_basic(self, authorization: str | None) -> tuple[str, str] | None:
        if not authorization or not authorization.startswith("Basic "):
            return None
        try:
            decoded = base64.b64decode(authorization[6:]).decode()
        except ValueError:
            return None
        client_id, _, secret = decoded.partition(":")
        return client_id, secret

    def token(self, params: dict[str, str], authorization: str | None) -> Response:
        if not self.bucket.take():
            return Response(429, {"errorCode": "E0000047",
                                  "errorSummary": "API call exceeded rate limit due to too many requests."})
        basic = self._client_from_basic(authorization)
        if basic is not None and basic != (self.client_id, self.client_secret):
            return oauth_error(401, "invalid_client", "Client authentication failed.")
        confidential = basic is not None
        client_id = basic[0] if basic else params.get("client_id")
        if client_id != self.client_id:
            return oauth_error(401, "invalid_client", "Client authentication failed.")
        grant_type = params.get("grant_type")
        if grant_type == "authorization_code":
            return self._exchange_code(params, confidential)
        if grant_type == "refresh_token":
            return self._refresh(params.get("refresh_token", ""))
        if grant_type == "urn:ietf:params:oauth:grant-type:device_code":
            grant = self.devices.get(params.get("device_code", ""))
            if grant is None or time.time() > grant.expires_wall:
                return oauth_error(400, "expired_token", "The device code has expired.")
            if not grant.approved:
                return oauth_error(400, "authorization_pending", "The device authorization is pending.")
            del self.devices[params["device_code"]]
            return self._issue(grant.scopes)
        return oauth_error(400, "unsupported_grant_type", f"grant_type {grant_type!r} is not supported.")

    def _exchange_code(self, params: dict[str, str], confidential: bool) -> Response:
        grant = self.codes.pop(params.get("code", ""), None)
        if grant is None or time.time() > grant.expires_wall:
            return oauth_error(400, "invalid_grant", "The authorization code is invalid or has expired.")
        if params.get("redirect_uri", grant.redirect_uri) != grant.redirect_uri:
            return oauth_error(400, "invalid_grant", "The redirect_uri does not match the authorization request.")
        if grant.challenge is not None:
            verifier = params.get("code_verifier", "")
            computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if computed != grant.challenge:
                return oauth_error(400, "invalid_grant", "PKCE verification failed.")
        elif not confidential:
            return oauth_error(401, "invalid_client", "Client authentication failed.")
        return self._issue(grant.scopes)

    # -- browser / device approval -----------------------------------------------------------------
    def authorize(self, params: dict[str, str]) -> Response:
        if params.get("client_id") != self.client_id:
            return Response(400, "<h1>Unknown client_id</h1>", content_type="text/html")
        if params.get("response_type") != "code" or not params.get("redirect_uri"):
            return Response(400, "<h1>response_type=code and redirect_uri are required</h1>", content_type="text/html")
        if params.get("code_challenge") and params.get("code_challenge_method", "S256") != "S256":
            return Response(400, "<h1>Only code_challenge_method=S256 is supported</h1>", content_type="text/html")
        scopes = tuple(s for s in params.get("scope", "").replace("+", " ").split() if s)
        unknown = [s for s in scopes if s not in ALL_SCOPES]
        if unknown:
            return Response(400, f"<h1>Unknown scope {html.escape(unknown[0])}</h1>", content_type="text/html")
        if params.get("approve") == "1":
            code = secrets.token_urlsafe(24)
            self.codes[code] = Grant(self.client_id, scopes, params["redirect_uri"], params.get("code_challenge"),
                                     time.time() + CODE_SECONDS)
            query = {"code": code, **({"state": params["state"]} if "state" in params else {})}
            separator = "&" if "?" in params["redirect_uri"] else "?"
            return Response(302, "", headers={"Location": params["redirect_uri"] + separator + urlencode(query)},
                            content_type="text/plain")
        approve = f"{self.base_url}/authorize?{urlencode({**params, 'approve': '1'})}"
        page = (f"<!doctype html><title>Constant Contact sandbox: approve access</title>"
                f"<h1>Riverbend Community Food Bank (sandbox)</h1><p>An application asks for: "
                f"{html.escape(', '.join(scopes) or 'no scopes')}.</p>"
                f"<p><a id='approve' href='{html.escape(approve)}'>Approve</a></p>")
        return Response(200, page, content_type="text/html")

    def device_authorize(self, params: dict[str, str]) -> Response:
        if params.get("client_id") != self.client_id:
            return oauth_error(401, "invalid_client", "Client authentication failed.")
        scopes = tuple(s for s in params.get("scope", "").replace("+", " ").split() if s)
        device_code = secrets.token_urlsafe(24)
        user_code = "-".join(secrets.token_hex(2).upper() for _ in range(2))
        self.devices[device_code] = Grant(self.client_id, scopes, expires_wall=time.time() + DEVICE_SECONDS,
                                          user_code=user_code)
        verify = f"{self.base_url}/device"
        return Response(200, {"device_code": device_code, "user_code": user_code, "verification_uri": verify,
                              "verification_uri_complete": f"{verify}?user_code={user_code}",
                              "expires_in": DEVICE_SECONDS, "interval": 1})

    def approve_device(self, user_code: str) -> bool:
        for grant in self.devices.values():
            if grant.user_code == user_code.strip().upper():
                grant.approved = True
                return True
        return False

    def device_page(self, params: dict[str, str]) -> Response:
        user_code = params.get("user_code", "")
        if params.get("approve") == "1":
            ok = self.approve_device(user_code)
            return Response(200 if ok else 404, "<h1>Device approved</h1>" if ok else "<h1>Unknown code</h1>",
                            content_type="text/html")
        link = f"{self.base_url}/device?{urlencode({'user_code': user_code, 'approve': '1'})}"
        return Response(200, f"<!doctype html><h1>Approve device {html.escape(user_code)}?</h1>"
                             f"<a id='approve' href='{html.escape(link)}'>Approve</a>", content_type="text/html")
