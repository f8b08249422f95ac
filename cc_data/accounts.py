"""Several Constant Contact accounts on one install: a folder per account under CC_ACCOUNTS_DIR.

A folder holds everything of one account: `account.env` (its own settings, laid over the shared ones: its client
id or login seed, its rate limit and daily quota, its viewers and admins), `tokens.json` (its login), `cc.duckdb`
(its database, published as usual) and the audit log beside the database. With no account folder the install is
a single account at CC_DB_PATH, exactly as before.

Roles: the shared settings' CC_ADMINS and CC_ALLOWED_USERS/DOMAINS are the network's (they see every account and
All accounts); an account's own CC_ALLOWED_USERS/DOMAINS and CC_ADMINS in its account.env see that account only.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cc_data.access import Role, role_for
from cc_data.clock import utc_now
from cc_data.config import ACCOUNT_ENV, SETTINGS, Settings, file_values
from cc_data.errors import ConfigError, UserError

DB_NAME = "cc.duckdb"
TOKENS_NAME = "tokens.json"
REMOVED_DIR = ".removed"
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")   # no _: a MotherDuck name writes - as _
# Files, not settings of an account: always the account's own folder.
FOLDER_SETTINGS = ("CC_DB_PATH", "CC_TOKEN_FILE", "CC_ACCOUNTS_DIR", "CC_ROLLUP_PATH")
SIGN_IN_LISTS = ("allowed_users", "allowed_domains", "admins")


@dataclass(frozen=True)
class Account:
    name: str
    folder: Path
    settings: Settings   # the shared settings with account.env laid over them (its viewers and admins added to the
                         # network's); its files in its folder
    own: Settings        # what account.env alone sets (defaults elsewhere): the account's own viewers and admins

    @property
    def db_path(self) -> Path:
        return self.settings.db_path


def check_name(name: str) -> str:
    """The account name, or ConfigError: lower-case letters, digits and -, up to 40, starting with a letter or
    digit (it names a folder and a MotherDuck database, where - is written _: two names must not meet there)."""
    if not NAME_PATTERN.match(name or ""):
        raise ConfigError(f"{name!r} is not an account name; use lower-case letters, digits and - (up to 40), "
                          "e.g. north-chapter.")
    return name


def names(settings: Settings) -> list[str]:
    """The accounts configured, sorted; [] for a single-account install."""
    root = Path(settings.accounts_dir)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and NAME_PATTERN.match(p.name)
                  and (p / ACCOUNT_ENV).exists())


def is_multi(settings: Settings) -> bool:
    return bool(names(settings))


def _parsed(values: dict[str, str]) -> dict[str, object]:
    return {s.name: s.read(values) for s in SETTINGS if s.env in values and s.env not in FOLDER_SETTINGS}


def load(settings: Settings, name: str) -> Account:
    """One account: ConfigError naming the fix when there is no such account or its account.env is wrong."""
    folder = Path(settings.accounts_dir) / check_name(name)
    env_file = folder / ACCOUNT_ENV
    if not env_file.exists():
        known = ", ".join(names(settings)) or "none yet"
        raise ConfigError(f"There is no account {name!r} in {settings.accounts_dir} (accounts: {known}); add it with "
                          f"`cc-data accounts add {name}`.")
    try:
        own = _parsed(file_values(env_file))
    except ConfigError as err:
        raise ConfigError(f"{env_file}: {err}") from None
    files = {"db_path": folder / DB_NAME, "token_file": folder / TOKENS_NAME}
    mine = Settings(**own, **files)
    # who may open it: the network's people and the account's own (so the sign-in gate, given the account's
    # settings, admits exactly them)
    people = {field: getattr(settings, field) | getattr(mine, field) for field in SIGN_IN_LISTS}
    return Account(name, folder, settings.with_(**{**own, **files, **people}), mine)


def all_accounts(settings: Settings) -> list[Account]:
    return [load(settings, name) for name in names(settings)]


def add(settings: Settings, name: str, values: dict[str, str] | None = None) -> Account:
    """Make the account's folder (0700) and its account.env (0600) with `values` (environment names). Refuses a
    name in use; nothing is written when a value is wrong."""
    folder = Path(settings.accounts_dir) / check_name(name)
    if folder.exists():
        raise UserError(f"The account {name!r} already exists ({folder}); pick another name or remove it first.")
    values = dict(values or {})
    bad = sorted(set(values) & set(FOLDER_SETTINGS))
    if bad:
        raise ConfigError(f"{bad[0]} cannot be set per account: each account's files live in its own folder.")
    known = {s.env for s in SETTINGS}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"{unknown[0]} is not a setting (see docs/settings.md).")
    _parsed(values)   # a wrong value is refused before anything is written
    folder.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder.mkdir(mode=0o700)
    text = "".join(f"{key}={value}\n" for key, value in values.items())
    fd = os.open(folder / ACCOUNT_ENV, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(f"# Settings of the account {name!r}, laid over the shared .env (see docs/operations.md).\n{text}")
    return load(settings, name)


def remove(settings: Settings, name: str, now: datetime | None = None) -> Path:
    """Take the account off the dashboard and the syncs. Nothing is deleted: its folder is moved to
    <accounts dir>/.removed/<name>-<UTC time>, returned, where it can be restored or deleted by hand."""
    account = load(settings, name)
    stamp = (now or utc_now()).strftime("%Y%m%dT%H%M%SZ")
    target = Path(settings.accounts_dir) / REMOVED_DIR / f"{name}-{stamp}"
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    lock = account.db_path.with_name(account.db_path.name + ".lock")
    from cc_data.store.locks import take_flock

    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600) if account.folder.exists() else None
    try:
        if fd is not None and not take_flock(fd, 0.0):
            raise UserError(f"The account {name!r} is syncing right now; remove it when the sync has finished.")
        os.replace(account.folder, target)
    finally:
        if fd is not None:
            os.close(fd)
    return target


def visible(email: str | None, accounts: list[Account]) -> dict[str, Role]:
    """The accounts `email` may see and its role in each: the network's people see every account, an account's own
    viewers and admins that account only."""
    roles = {a.name: role_for(email, a.settings) for a in accounts}
    return {name: role for name, role in roles.items() if role is not None}


def sees_rollup(email: str | None, settings: Settings) -> bool:
    """All accounts is for the network: its admins and viewers (the shared settings), not a chapter's."""
    return role_for(email, settings) is not None
