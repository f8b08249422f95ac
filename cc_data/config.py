"""Every setting in one place: environment variables, then `.env`, then defaults.

SETTINGS is the one table of settings (datasette's pattern): each with its environment name, its default, how its
text is read, what it is for and its topic. `Settings` takes its defaults from it and `load_settings` reads by it;
`cc-data --help` and docs/settings.md are written from it, and `.env.example` documents the same names (tests keep
the docs and the example in step). A bad value raises ConfigError naming the setting and how to fix it.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dotenv import dotenv_values

from cc_data.errors import ConfigError

DEFAULT_API_BASE_URL = "https://api.cc.email/v3"
DEFAULT_OAUTH_BASE_URL = "https://authz.constantcontact.com/oauth2/default/v1"
DEFAULT_DP_API_URL = "https://www.donorperfect.net/prod/xmlrequest.asp"
ACCOUNT_ENV = "account.env"   # what makes a folder under CC_ACCOUNTS_DIR an account's (cc_data.accounts)
SCOPES = ("contact_data", "campaign_data", "account_read", "offline_access")


@dataclass(frozen=True)
class Setting:
    """One setting: `parse(setting, text)` turns a non-empty, trimmed value into the field's value (or raises
    ConfigError); an unset or blank variable means `default`."""

    name: str                                  # the Settings field
    env: str                                   # the environment / .env variable
    default: Any
    parse: Callable[[Setting, str], Any]
    help: str
    secret: bool = False                       # kept out of repr (and so out of logs)
    topic: str = ""                            # its group in --help and the docs

    @property
    def shown_default(self) -> str:
        """The default as it is written in .env (empty: unset)."""
        value = self.default
        if value is None or value is False or value == frozenset():
            return ""
        if value is True:
            return "1"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    def read(self, env: Mapping[str, str | None]) -> Any:
        raw = env.get(self.env)
        if raw is None or raw.strip() == "":
            return self.default
        return self.parse(self, raw.strip())


def _text(setting: Setting, raw: str) -> str:
    return raw


def _path(setting: Setting, raw: str) -> Path:
    return Path(raw)


def _number(kind: type[int] | type[float], minimum: float) -> Callable[[Setting, str], float]:
    def parse(setting: Setting, raw: str) -> float:
        try:
            value = kind(raw)
        except ValueError:
            raise ConfigError(f"{setting.env}={raw!r} is not a number; set it to a {kind.__name__} such as "
                              f"{setting.default}.") from None
        if value < minimum:
            raise ConfigError(f"{setting.env}={raw!r} is too small; it must be at least {minimum}.")
        return value

    return parse


def _month(setting: Setting, raw: str) -> int:
    if not (raw.isdigit() and 1 <= int(raw) <= 12):
        raise ConfigError(f"{setting.env}={raw!r} is not a month; set it to a number from 1 (January) to 12, "
                          "e.g. 7 for a fiscal year starting in July.")
    return int(raw)


def _url(setting: Setting, value: str) -> str:
    name = setting.env
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


def _emails(setting: Setting, raw: str) -> frozenset[str]:
    """Comma- or space-separated email addresses, compared lower-case."""
    found = frozenset(part.strip().lower() for part in raw.replace(",", " ").split())
    bad = sorted(e for e in found if e.count("@") != 1 or e.startswith("@") or e.endswith("@"))
    if bad:
        raise ConfigError(f"{setting.env}: {bad[0]!r} is not an email address; list addresses separated by commas, "
                          "e.g. ed@example.org, dev@example.org.")
    return found


def _domains(setting: Setting, raw: str) -> frozenset[str]:
    """Comma- or space-separated domains (a leading @ is allowed), compared lower-case."""
    found = frozenset(part.strip().lower().lstrip("@") for part in raw.replace(",", " ").split())
    bad = sorted(d for d in found if "@" in d or "." not in d or d.startswith(".") or d.endswith("."))
    if bad:
        raise ConfigError(f"{setting.env}: {bad[0]!r} is not a domain; list domains separated by commas, "
                          "e.g. example.org.")
    return found


def _flag(setting: Setting, raw: str) -> bool:
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{setting.env}={raw!r} is not 1 or 0; set it to 1 to turn it on, or leave it empty.")


def _date(setting: Setting, raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ConfigError(f"{setting.env}={raw!r} is not a date; write it as YYYY-MM-DD, e.g. 2025-01-01.") from None


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _send_days(setting: Setting, raw: str) -> frozenset[str]:
    """Weekday names (or their first three letters) and days of the month 1-31, comma- or space-separated."""
    days = set()
    for part in raw.replace(",", " ").lower().split():
        weekday = next((w for w in WEEKDAYS if part in (w, w[:3])), None)
        if weekday is None and not (part.isdigit() and 1 <= int(part) <= 31):
            raise ConfigError(f"{setting.env}: {part!r} is neither a weekday nor a day of the month; write e.g. "
                              "monday, or 1 for the first of each month (31: each month's last day).")
        days.add(weekday or str(int(part)))
    return frozenset(days)


def _period(setting: Setting, raw: str) -> str:
    if raw not in ("12m", "fytd", "season"):
        raise ConfigError(f"{setting.env}={raw!r} is not a period; set it to 12m (the last 12 months), fytd (the "
                          "fiscal year to date) or season (the appeal's season).")
    return raw


def _topic(name: str, *settings: Setting) -> tuple[Setting, ...]:
    return tuple(replace(s, topic=name) for s in settings)


SETTINGS: tuple[Setting, ...] = (*_topic(
    "Constant Contact",
    Setting("client_id", "CONSTANT_CONTACT_CLIENT_ID", None, _text,
            "your Constant Contact V3 application's client id (the 'API key'); empty: the demo sandbox"),
    Setting("client_secret", "CONSTANT_CONTACT_CLIENT_SECRET", None, _text,
            "the app's client secret, only for the authorization-code flow with a secret", secret=True),
    Setting("refresh_token", "CONSTANT_CONTACT_REFRESH_TOKEN", None, _text,
            "seeds the token store on a headless machine when CC_TOKEN_FILE does not exist yet", secret=True),
    Setting("api_base_url", "CC_API_BASE_URL", DEFAULT_API_BASE_URL, _url, "the Constant Contact V3 API"),
    Setting("oauth_base_url", "CC_OAUTH_BASE_URL", DEFAULT_OAUTH_BASE_URL, _url, "the Constant Contact OAuth2 server"),
    Setting("redirect_uri", "CC_REDIRECT_URI", "http://127.0.0.1:8765/callback", _url,
            "where `cc-data auth` listens for the OAuth redirect; registered with the app"),
), *_topic(
    "Files",
    Setting("db_path", "CC_DB_PATH", Path("data/cc.duckdb"), _path, "the DuckDB file the data lives in"),
    Setting("token_file", "CC_TOKEN_FILE", Path("data/tokens.json"), _path, "the stored login (mode 0600)"),
), *_topic(
    "Accounts",
    Setting("accounts_dir", "CC_ACCOUNTS_DIR", Path("data/accounts"), _path,
            "one folder per Constant Contact account (its account.env, login, database, audit log); "
            "none there: one account, CC_DB_PATH"),
    Setting("account", "CC_ACCOUNT", None, _text,
            "the account a cc-data command works on (auth, status, donations, segments, report; sync takes "
            "--account or --all); empty: the single account at CC_DB_PATH"),
    Setting("rollup_path", "CC_ROLLUP_PATH", None, _text,
            "where All accounts reads each account's database: empty for the local folders, or an md: prefix "
            "(md:cc_ for md:cc_<account>) to read MotherDuck databases"),
), *_topic(
    "The sync",
    Setting("anchor_date", "CC_ANCHOR_DATE", None, _date,
            "campaigns sent before this date (YYYY-MM-DD) are not tracked per contact; empty: one year ago"),
    Setting("rate_limit_rps", "CC_RATE_LIMIT_RPS", 4.0, _number(float, 0.1), "API requests per second"),
    Setting("daily_quota", "CC_DAILY_QUOTA", 10_000, _number(int, 1), "API requests per UTC day"),
    Setting("rescan_days", "CC_RESCAN_DAYS", 30, _number(int, 0),
            "activities sent within this many days are re-scanned for late opens and clicks"),
    Setting("full_sync_days", "CC_FULL_SYNC_DAYS", 7, _number(int, 1),
            "a full contacts pass (memberships and deletions) runs at least this often, in days"),
), *_topic(
    "Figures",
    Setting("fiscal_year_start", "CC_FISCAL_YEAR_START", 1, _month,
            "the month (1-12) the fiscal year starts in, for every year-based giving figure; 1: January"),
), *_topic(
    "DonorPerfect",
    Setting("dp_api_key", "DP_API_KEY", None, _text, "the DonorPerfect XML API key (full read access)", secret=True),
    Setting("dp_api_url", "DP_API_URL", DEFAULT_DP_API_URL, _url, "the DonorPerfect XML API"),
), *_topic(
    "Sign-in",
    Setting("allowed_users", "CC_ALLOWED_USERS", frozenset(), _emails,
            "with sign-in configured: email addresses that may open the dashboard (viewers)"),
    Setting("allowed_domains", "CC_ALLOWED_DOMAINS", frozenset(), _domains,
            "with sign-in configured: every address at these domains may open the dashboard (viewers)"),
    Setting("admins", "CC_ADMINS", frozenset(), _emails,
            "with sign-in configured: email addresses with the admin role (sync, connect, import, mapping, pushes)"),
    Setting("allow_open_dashboard", "CC_ALLOW_OPEN_DASHBOARD", False, _flag,
            "1: serve on a non-loopback address without sign-in (anyone who reaches it can do everything)"),
), *_topic(
    "The board report",
    Setting("report_dir", "CC_REPORT_DIR", Path("data/reports"), _path,
            "where `cc-data report --scheduled` writes the board report (one PDF a day)"),
    Setting("report_appeal", "CC_REPORT_APPEAL", None, _text,
            "the appeal the board report follows; empty: the first one Compare appeals lists"),
    Setting("report_period", "CC_REPORT_PERIOD", "12m", _period,
            "the board report's period: 12m, fytd (fiscal year to date) or season (the appeal's)"),
    Setting("report_send_on", "CC_REPORT_SEND_ON", frozenset(), _send_days,
            "when the scheduled report is emailed: weekdays and/or days of the month; empty: never"),
    Setting("smtp_host", "CC_SMTP_HOST", None, _text, "the mail server that sends the board report"),
    Setting("smtp_port", "CC_SMTP_PORT", 587, _number(int, 1), "its port: 587 with STARTTLS, 465 for TLS from the start"),
    Setting("smtp_starttls", "CC_SMTP_STARTTLS", True, _flag, "1: STARTTLS before logging in (port 587); 0: none"),
    Setting("smtp_user", "CC_SMTP_USER", None, _text, "the mail server login; empty: no login"),
    Setting("smtp_password", "CC_SMTP_PASSWORD", None, _text, "its password (never logged)", secret=True),
    Setting("report_from", "CC_REPORT_FROM", None, _text, "the board report's sender, e.g. Reports <data@example.org>"),
    Setting("report_to", "CC_REPORT_TO", frozenset(), _emails, "who receives the board report, comma-separated"),
))
_BY_NAME = {s.name: s for s in SETTINGS}


def _default(name: str) -> Any:
    setting = _BY_NAME[name]
    return field(default=setting.default, repr=not setting.secret)


@dataclass(frozen=True)
class Settings:
    client_id: str | None = _default("client_id")
    client_secret: str | None = _default("client_secret")
    refresh_token: str | None = _default("refresh_token")
    api_base_url: str = _default("api_base_url")
    oauth_base_url: str = _default("oauth_base_url")
    redirect_uri: str = _default("redirect_uri")
    db_path: Path = _default("db_path")
    token_file: Path = _default("token_file")
    accounts_dir: Path = _default("accounts_dir")
    account: str | None = _default("account")
    rollup_path: str | None = _default("rollup_path")
    anchor_date: date | None = _default("anchor_date")  # None: one year before today
    rate_limit_rps: float = _default("rate_limit_rps")
    daily_quota: int = _default("daily_quota")
    rescan_days: int = _default("rescan_days")
    full_sync_days: int = _default("full_sync_days")
    fiscal_year_start: int = _default("fiscal_year_start")
    dp_api_key: str | None = _default("dp_api_key")
    dp_api_url: str = _default("dp_api_url")
    allowed_users: frozenset[str] = _default("allowed_users")
    allowed_domains: frozenset[str] = _default("allowed_domains")
    admins: frozenset[str] = _default("admins")
    allow_open_dashboard: bool = _default("allow_open_dashboard")
    report_dir: Path = _default("report_dir")
    report_appeal: str | None = _default("report_appeal")
    report_period: str = _default("report_period")
    report_send_on: frozenset[str] = _default("report_send_on")
    smtp_host: str | None = _default("smtp_host")
    smtp_port: int = _default("smtp_port")
    smtp_starttls: bool = _default("smtp_starttls")
    smtp_user: str | None = _default("smtp_user")
    smtp_password: str | None = _default("smtp_password")
    report_from: str | None = _default("report_from")
    report_to: frozenset[str] = _default("report_to")

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


def load_settings(env: Mapping[str, str | None] | None = None, env_file: str | Path = ".env") -> Settings:
    """Read settings from `env` (default: the process environment laid over `.env`)."""
    if env is None:
        env = environment(env_file)
    return Settings(**{setting.name: setting.read(env) for setting in SETTINGS})


def environment(env_file: str | Path = ".env") -> dict[str, str]:
    """The process environment laid over the values in `env_file` (what load_settings reads by default)."""
    return {**file_values(env_file), **os.environ}


def file_values(env_file: str | Path) -> dict[str, str]:
    """The values an env file sets ({} when it does not exist)."""
    if not Path(env_file).exists():
        return {}
    return {k: v for k, v in dotenv_values(env_file).items() if v is not None}
