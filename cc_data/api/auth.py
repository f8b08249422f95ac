"""OAuth2 for Constant Contact: authorization code + PKCE, device flow, refresh, and the token store.

The token file is JSON, mode 0600, replaced atomically. Constant Contact's OAuth server is Okta, whose
rotating refresh tokens are single use: presenting a rotated-away one outside the grace period (30 s by
default) revokes the newest one too. So every process sharing the file (the app, a cron sync, `cc-data auth`)
refreshes under one file lock (`<token file>.lock`), re-reads the file once it holds the lock, and writes the
rotated token to disk the moment the answer parses. A lost answer is retried once, inside the grace period.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import requests

from cc_data.config import SCOPES, Settings
from cc_data.errors import ApiError, AuthError, ConfigError
from cc_data.store.locks import take_flock

log = logging.getLogger(__name__)

REAUTH = "log in again with `cc-data auth`, or in the dashboard under Data & sync -> Connect Constant Contact"
REFRESH_TOKEN_IDLE_DAYS = 180
WARN_AFTER_IDLE_DAYS = 150
EXPIRY_MARGIN_S = 60
MIN_REFRESH_INTERVAL_S = 1.0
TOKEN_TIMEOUT_S = 30
# A refresh whose answer is lost is retried once with the same token, which Okta accepts for 30 s (its default
# grace period) after rotating it: connect 5 s + read 15 s + the 1 s pause keeps the retry inside it.
REFRESH_TIMEOUT_S = (5, 15)
LOCK_WAIT_S = 90.0   # longer than a refresh and its retry can hold the lock


@dataclass
class TokenSet:
    access_token: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: float = 0.0            # epoch seconds; 0 means unknown (refresh before first use)
    refresh_last_used: float = 0.0     # epoch seconds the refresh token was issued or last used
    scope: str = ""

    def expired(self, now: float | None = None) -> bool:
        return not self.access_token or (now or time.time()) >= self.expires_at - EXPIRY_MARGIN_S

    @classmethod
    def from_response(cls, body: dict, previous: TokenSet | None = None) -> TokenSet:
        now = time.time()
        refresh = body.get("refresh_token") or (previous.refresh_token if previous else None)
        try:
            lifetime = float(body.get("expires_in") or 86_400)
        except (TypeError, ValueError):
            lifetime = 86_400.0  # Constant Contact's documented lifetime; a 401 refreshes early if it is shorter
        return cls(
            access_token=str(body["access_token"]),
            refresh_token=str(refresh) if refresh else None,
            expires_at=now + lifetime,
            refresh_last_used=now,
            scope=str(body.get("scope") or ""),
        )


def redact(text: str, *secret_values: str | None) -> str:
    """`text` with every secret value replaced by '***'."""
    for value in secret_values:
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    return text


class TokenStore:
    """The token file: read, and atomic 0600 writes (tmp + fsync + os.replace)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def load(self) -> TokenSet | None:
        try:
            raw = self.path.read_text()
        except FileNotFoundError:
            return None
        try:
            data = json.loads(raw)
            return TokenSet(**{k: data[k] for k in TokenSet.__dataclass_fields__ if k in data})
        except (ValueError, TypeError) as err:
            raise AuthError(f"The token file {self.path} is damaged ({type(err).__name__}); {REAUTH}.") from None

    def save(self, tokens: TokenSet) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w") as fh:
                json.dump(asdict(tokens), fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


@contextlib.contextmanager
def token_file_lock(token_file: Path, wait_s: float = LOCK_WAIT_S) -> Iterator[None]:
    """Hold `<token_file>.lock` (flock, so it dies with its process) across read -> POST /token -> write."""
    path = Path(token_file).with_name(Path(token_file).name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if not take_flock(fd, wait_s):
            raise AuthError(f"Another cc-data process has been renewing the Constant Contact login for "
                            f"over {wait_s:.0f} s (it holds {path}); try again in a minute.")
        yield
    finally:
        os.close(fd)  # closing releases the lock


class _LostAnswer(ApiError):
    """The token endpoint may have acted on the request, but no answer arrived."""


def _require_client(settings: Settings) -> str:
    if not settings.client_id:
        raise ConfigError(
            "CONSTANT_CONTACT_CLIENT_ID is not set; add your app's API key to .env "
            "(see .env.example), or leave it empty to use the demo sandbox."
        )
    return settings.client_id


def _post_token(settings: Settings, data: dict, session: requests.Session | None = None,
                timeout: float | tuple[float, float] = TOKEN_TIMEOUT_S) -> dict:
    """POST to the token endpoint; returns the JSON body or raises AuthError/ApiError (no secrets inside)."""
    client_id = _require_client(settings)
    auth = (client_id, settings.client_secret) if settings.client_secret else None
    if auth is None:
        data = {**data, "client_id": client_id}
    poster = session.post if session is not None else requests.post
    try:
        resp = poster(settings.token_url, data=data, auth=auth, timeout=timeout,
                      headers={"Accept": "application/json"})
    except requests.RequestException as err:
        raise _LostAnswer(
            f"Could not reach the Constant Contact login server at {settings.token_url} "
            f"({type(err).__name__}); check your network and try again."
        ) from None
    try:
        body = resp.json()
    except ValueError:
        body = {}
    if resp.status_code == 200 and isinstance(body, dict) and body.get("access_token"):
        return body
    error = str(body.get("error", "")) if isinstance(body, dict) else ""
    if error in ("authorization_pending", "slow_down"):
        return {"error": error}
    secrets_ = (settings.client_secret, data.get("refresh_token"), data.get("code"), data.get("code_verifier"))
    detail = redact(f"{error or resp.status_code}", *secrets_)
    if error == "invalid_client":
        raise AuthError("Constant Contact refused this app's credentials (invalid_client); check "
                        "CONSTANT_CONTACT_CLIENT_ID and CONSTANT_CONTACT_CLIENT_SECRET in .env.")
    if resp.status_code in (400, 401, 403):
        raise AuthError(f"Constant Contact refused the stored login ({detail}); {REAUTH}.")
    raise ApiError(f"The Constant Contact login server answered {resp.status_code} ({detail}); try again later.")


class TokenManager:
    """Hands out a valid access token; refreshes when expired or after a 401, at most once a second."""

    def __init__(self, settings: Settings, session: requests.Session | None = None) -> None:
        _require_client(settings)
        self.settings = settings
        self.store = TokenStore(settings.token_file)
        self.session = session
        self._lock = threading.Lock()
        self._last_refresh = 0.0
        self.refreshes = 0
        tokens = self.store.load()
        if tokens is None:
            if not settings.refresh_token:
                raise AuthError(f"No Constant Contact login yet (no {settings.token_file}); run `cc-data auth`.")
            tokens = TokenSet(refresh_token=settings.refresh_token, refresh_last_used=time.time())
        if not tokens.refresh_token and tokens.expired():
            raise AuthError(f"The stored Constant Contact login has expired; {REAUTH}.")
        self.tokens = tokens
        _warn_if_idle(tokens)

    def access_token(self) -> str:
        with self._lock:
            if self.tokens.expired():
                self._refresh_locked(rejected=None)
            assert self.tokens.access_token
            return self.tokens.access_token

    def refresh_after_401(self, rejected_token: str) -> str:
        """Called when the API rejected `rejected_token`; refreshes unless another caller already did."""
        with self._lock:
            if self.tokens.access_token == rejected_token:
                self._refresh_locked(rejected=rejected_token)
            assert self.tokens.access_token
            return self.tokens.access_token

    def _refresh_locked(self, rejected: str | None) -> None:
        with token_file_lock(self.store.path):
            on_disk = self.store.load()
            if on_disk is not None:
                # Every refresh is saved before use, so the file is never older than what we hold: when another
                # process rotated meanwhile, only its refresh token is still valid.
                self.tokens = on_disk
                if not on_disk.expired() and on_disk.access_token != rejected:
                    return
            if not self.tokens.refresh_token:
                raise AuthError(f"The Constant Contact login has expired and cannot be renewed; {REAUTH}.")
            try:
                fresh = self._post_refresh()
            except _LostAnswer:
                # The server may have rotated and the answer got lost: the token we sent stays valid for Okta's
                # grace period, so one prompt retry gets a new set; after it, the old token counts as reuse.
                log.warning("no answer from the Constant Contact login server; retrying the renewal once")
                fresh = self._post_refresh()
        self.tokens = fresh
        self.refreshes += 1
        log.info("access token refreshed; valid until %s", _iso(fresh.expires_at))

    def _post_refresh(self) -> TokenSet:
        """POST the refresh grant and save the answer before anything else: a rotated token only in memory is lost."""
        wait = self._last_refresh + MIN_REFRESH_INTERVAL_S - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last_refresh = time.monotonic()
        body = _post_token(self.settings, {"grant_type": "refresh_token", "refresh_token": self.tokens.refresh_token},
                           self.session, timeout=REFRESH_TIMEOUT_S)
        fresh = TokenSet.from_response(body, previous=self.tokens)
        self.store.save(fresh)
        return fresh


def _warn_if_idle(tokens: TokenSet) -> None:
    if not tokens.refresh_last_used:
        return
    idle_days = (time.time() - tokens.refresh_last_used) / 86_400
    if idle_days >= WARN_AFTER_IDLE_DAYS:
        log.warning(
            "The Constant Contact refresh token has not been used for %d days; it expires after %d days unused. "
            "Run a sync soon or `cc-data auth` again.", idle_days, REFRESH_TOKEN_IDLE_DAYS,
        )


def _iso(epoch: float) -> str | None:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds") if epoch else None


def token_status(settings: Settings) -> dict:
    """What the app and `cc-data status` show about the login. Never includes a token."""
    try:
        tokens = TokenStore(settings.token_file).load()
    except AuthError as err:
        return {"logged_in": False, "message": str(err)}
    if tokens is None:
        seeded = bool(settings.refresh_token)
        return {"logged_in": seeded, "expires_at": None, "refresh_last_used": None,
                "message": "refresh token from settings, not used yet" if seeded else "run `cc-data auth`"}
    idle_days = (time.time() - tokens.refresh_last_used) / 86_400 if tokens.refresh_last_used else None
    return {
        "logged_in": bool(tokens.refresh_token or not tokens.expired()),
        "expires_at": _iso(tokens.expires_at),
        "access_token_valid": not tokens.expired(),
        "refresh_last_used": _iso(tokens.refresh_last_used),
        "refresh_idle_days": round(idle_days, 1) if idle_days is not None else None,
        "refresh_expires_in_days": round(REFRESH_TOKEN_IDLE_DAYS - idle_days, 1) if idle_days is not None else None,
        "scope": tokens.scope,
    }


# --- Authorization code + PKCE (used by `cc-data auth` and the app's "Connect" button) ---------------

def new_pkce() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge)."""
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(48)).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def new_state() -> str:
    return secrets.token_urlsafe(24)


def authorization_url(settings: Settings, redirect_uri: str, state: str, code_challenge: str) -> str:
    query = {
        "client_id": _require_client(settings),
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": " ".join(SCOPES),
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    }
    return f"{settings.oauth_base_url.rstrip('/')}/authorize?{urlencode(query)}"


def exchange_code(settings: Settings, code: str, verifier: str, redirect_uri: str) -> TokenSet:
    """Trade an authorization code for tokens and save them."""
    body = _post_token(settings, {
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "code_verifier": verifier,
    })
    return _save_login(settings, body)


def _save_login(settings: Settings, body: dict) -> TokenSet:
    tokens = TokenSet.from_response(body)
    with token_file_lock(settings.token_file):
        TokenStore(settings.token_file).save(tokens)
    return tokens


def start_device_flow(settings: Settings) -> dict:
    """Begin the device flow: returns {device_code, user_code, verification_uri[_complete], interval, expires_in}."""
    client_id = _require_client(settings)
    url = f"{settings.oauth_base_url.rstrip('/')}/device/authorize"
    try:
        resp = requests.post(url, data={"client_id": client_id, "scope": " ".join(SCOPES)}, timeout=TOKEN_TIMEOUT_S)
        body = resp.json()
    except (requests.RequestException, ValueError) as err:
        raise ApiError(f"Could not start the device login at {url} ({type(err).__name__}).") from None
    if resp.status_code != 200 or "device_code" not in body:
        raise AuthError(
            f"The device login was refused ({resp.status_code}); enable the device flow for your app "
            "in the Constant Contact developer portal, or use `cc-data auth` without --device."
        )
    return body


def poll_device_flow(settings: Settings, device: dict, sleep=time.sleep) -> TokenSet:
    """Poll the token endpoint until the user approves; saves and returns the tokens."""
    interval = float(device.get("interval") or 5)
    deadline = time.time() + float(device.get("expires_in") or 600)
    while time.time() < deadline:
        body = _post_token(settings, {
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": device["device_code"],
        })
        if body.get("access_token"):
            return _save_login(settings, body)
        if body.get("error") == "slow_down":
            interval += 5
        sleep(interval)
    raise AuthError("The device login was not approved in time; run `cc-data auth --device` again.")
