"""Who did what: the audit log, in its own small DuckDB file beside the database (`<db>.audit.duckdb`).

Not in the published database: that file is read-only to the dashboard and replaced whole by each writer, and a
row per download or sign-in must not copy it. Each record opens the audit file under its own lock
(`<db>.audit.duckdb.lock`), appends one row and closes it, so the dashboard's sessions, `cc-data` and the
scheduled syncs can all write. Created mode 0600, like the database.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl

from cc_data.clock import naive_utc, utc_now
from cc_data.config import ACCOUNT_ENV
from cc_data.errors import UserError
from cc_data.store.locks import take_flock

ACTIONS = ("sign_in", "refused", "sign_out", "sync", "connect", "import", "donations_sync", "mapping", "push",
           "download", "report")
LOCK_WAIT_S = 10.0
_SCHEMA = """CREATE TABLE IF NOT EXISTS audit_log (
    at_utc TIMESTAMP NOT NULL,
    who VARCHAR NOT NULL,           -- the signed-in email address, or how the action came (command line, local)
    action VARCHAR NOT NULL,        -- one of cc_data.audit.ACTIONS
    what VARCHAR,                   -- which list, file, stream or campaign
    rows BIGINT,                    -- how many people or gifts (downloads, imports, pushes)
    outcome VARCHAR,                -- ok, failed, partial, quota_exceeded, started ...
    detail VARCHAR,                 -- one line: the reason when it did not succeed
    account VARCHAR                 -- the account (its folder's name) on a many-account install; NULL for one
)"""
_ADD_ACCOUNT = "ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS account VARCHAR"   # a log from before accounts


class AuditUnavailable(UserError):
    """The audit file could not be written (locked too long, or unreadable)."""


def audit_path(db_path: Path | str) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".audit.duckdb")


@contextlib.contextmanager
def _open(db_path: Path | str) -> Iterator[duckdb.DuckDBPyConnection]:
    path = audit_path(db_path)
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if not take_flock(fd, LOCK_WAIT_S):
            raise AuditUnavailable(f"The audit log {path} stayed locked for {LOCK_WAIT_S:g} s; try again.")
        con = duckdb.connect(str(path), config={"autoload_known_extensions": False,
                                                "autoinstall_known_extensions": False})
        os.chmod(path, 0o600)   # before the first row: the file holds who took which list
        try:
            con.execute(_SCHEMA)
            con.execute(_ADD_ACCOUNT)
            yield con
        finally:
            con.close()
    except (duckdb.IOException, duckdb.InvalidInputException) as err:   # locked elsewhere, or not DuckDB
        raise AuditUnavailable(f"The audit log {path} could not be opened ({type(err).__name__}); move it aside "
                               "and a new one is started.") from None
    finally:
        os.close(fd)


def record(db_path: Path | str, who: str, action: str, *, what: str | None = None, rows: int | None = None,
           outcome: str | None = "ok", detail: str | None = None) -> None:
    """Append one row to the audit log."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    detail = detail.splitlines()[0][:500] if detail else None
    with _open(db_path) as con:
        con.execute("INSERT INTO audit_log (at_utc, who, action, what, rows, outcome, detail, account) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [naive_utc(utc_now()), who, action, what, rows, outcome, detail, account_of(db_path)])


def account_of(db_path: Path | str) -> str | None:
    """The account a database belongs to: its folder's name when the folder is an account's (it holds
    account.env), None on a single-account install."""
    folder = Path(db_path).parent
    return folder.name if (folder / ACCOUNT_ENV).exists() else None


def recent(db_path: Path | str, limit: int = 500, actions: tuple[str, ...] = ()) -> pl.DataFrame:
    """The newest rows first (an empty frame with the columns when nothing was recorded yet)."""
    if not audit_path(db_path).exists():
        return pl.DataFrame(schema={"at_utc": pl.Datetime, "who": pl.Utf8, "action": pl.Utf8, "what": pl.Utf8,
                                    "rows": pl.Int64, "outcome": pl.Utf8, "detail": pl.Utf8, "account": pl.Utf8})
    where = f"WHERE action IN ({', '.join('?' for _ in actions)})" if actions else ""
    with _open(db_path) as con:
        table = con.sql(f"SELECT * FROM audit_log {where} ORDER BY at_utc DESC LIMIT ?",  # noqa: S608
                        params=[*actions, limit]).to_arrow_table()
    return pl.DataFrame(pl.from_arrow(table))


def last_sync(db_path: Path | str, action: str = "sync") -> dict | None:
    """The newest finished sync (from the app or `cc-data sync`; `donations_sync` for DonorPerfect), as a dict,
    or None."""
    rows = recent(db_path, limit=20, actions=(action,)).filter(pl.col("outcome") != "started")
    return rows.row(0, named=True) if rows.height else None
