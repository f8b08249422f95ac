"""Every setting in one place: environment variables, then `.env`, then defaults.

A bad value raises ConfigError naming the setting and how to fix it.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

from cc_data.errors import ConfigError

DEFAULT_API_BASE_URL = "https://api.cc.email/v3"
DEFAULT_OAUTH_BASE_URL = "https://authz.constantcontact.com/oauth2/default/v1"
DEFAULT_DP_API_URL = "https://www.donorperfect.net/prod/xmlrequest.asp"
SCOPES = ("contact_data", "campaign_data", "account_read", "offline_access")


@dataclass(frozen=True)
class Settings:
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    api_base_url: str = DEFAULT_API_BASE_URL
    oauth_base_url: str = DEFAULT_OAUTH_BASE_URL
    redirect_uri: str = "http://127.0.0.1:8765/callback"
    db_path: Path = Path("data/cc.duckdb")
    token_file: Path = Path("data/tokens.json")
    anchor_date: date | None = None  # None: one year before today
    rate_limit_rps: float = 4.0
    daily_quota: int = 10_000
    rescan_days: int = 30
    full_sync_days: int = 7
    dp_api_key: str | None = field(default=None, repr=False)
    dp_api_url: str = DEFAULT_DP_API_URL

    @property
    def has_credentials(self) -> bool:
        """True when a real Constant Contact app is configured; otherwise the demo sandbox is used."""
        return bool(self.client_id)

    @property
    def effective_anchor_date(self) -> date:
        return self.anchor_date or (datetime.now(UTC).date() - timedelta(days=365))

    @property
    def token_url(self) -> str:
        return f"{self.oauth_base_url.rstrip('/')}/token"

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)


def _text(env: dict[str, str], name: str, default: str | None = None) -> str | None:
    value = env.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip()


def _number(env: dict[str, str], name: str, default: float, kind: type, minimum: float) -> float:
    raw = _text(env, name)
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number; set it to a {kind.__name__} such as {default}.") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} is too small; it must be at least {minimum}.")
    return value


def _url(env: dict[str, str], name: str, default: str) -> str:
    value = _text(env, name, default) or default
    if not value.startswith(("http://", "https://")):
        raise ConfigError(f"{name}={value!r} is not a URL; it must start with https:// (or http:// for loopback).")
    if value.startswith("http://") and not _is_loopback(urlsplit(value).hostname):
        raise ConfigError(f"{name}={value!r} uses plain http:// to another machine, which would send secrets "
                          "unencrypted; it must start with https:// (or http:// for loopback).")
    return value.rstrip("/")


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def _date(env: dict[str, str], name: str) -> date | None:
    raw = _text(env, name)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a date; write it as YYYY-MM-DD, e.g. 2025-01-01.") from None


def load_settings(env: dict[str, str] | None = None, env_file: str | Path = ".env") -> Settings:
    """Read settings from `env` (default: the process environment laid over `.env`)."""
    if env is None:
        file_values = {k: v for k, v in dotenv_values(env_file).items() if v is not None} if Path(env_file).exists() else {}
        env = {**file_values, **os.environ}
    client_id = _text(env, "CONSTANT_CONTACT_CLIENT_ID")
    return Settings(
        client_id=client_id,
        client_secret=_text(env, "CONSTANT_CONTACT_CLIENT_SECRET"),
        refresh_token=_text(env, "CONSTANT_CONTACT_REFRESH_TOKEN"),
        api_base_url=_url(env, "CC_API_BASE_URL", DEFAULT_API_BASE_URL),
        oauth_base_url=_url(env, "CC_OAUTH_BASE_URL", DEFAULT_OAUTH_BASE_URL),
        redirect_uri=_url(env, "CC_REDIRECT_URI", Settings.redirect_uri),
        db_path=Path(_text(env, "CC_DB_PATH", "data/cc.duckdb") or "data/cc.duckdb"),
        token_file=Path(_text(env, "CC_TOKEN_FILE", "data/tokens.json") or "data/tokens.json"),
        anchor_date=_date(env, "CC_ANCHOR_DATE"),
        rate_limit_rps=float(_number(env, "CC_RATE_LIMIT_RPS", 4.0, float, 0.1)),
        daily_quota=int(_number(env, "CC_DAILY_QUOTA", 10_000, int, 1)),
        rescan_days=int(_number(env, "CC_RESCAN_DAYS", 30, int, 0)),
        full_sync_days=int(_number(env, "CC_FULL_SYNC_DAYS", 7, int, 1)),
        dp_api_key=_text(env, "DP_API_KEY"),
        dp_api_url=_url(env, "DP_API_URL", DEFAULT_DP_API_URL),
    )
