"""Is a file a sound DuckDB database? Connections with the project's settings, and complete private copies.

Every project connection to a database file goes through `connect`: extension autoloading and autoinstall are
off (a SQLite header would otherwise make DuckDB download its sqlite extension), and DuckDB refuses a second
connection to the same file with a different configuration, so there is one configuration for all of them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from cc_data.errors import DatabaseUnreadable

DUCKDB_CONFIG: dict[str, object] = {"autoload_known_extensions": False, "autoinstall_known_extensions": False}

# DuckDB's file layout: a 4 KiB main header with the magic at byte 8 and two 4 KiB database headers, then the
# blocks. A file may legitimately end before its last free block, so its size alone does not prove truncation.
_HEADER_BYTES = 3 * 4096
_MAGIC = b"DUCK"
_SQLITE_MAGIC = b"SQLite format 3\x00"


def connect(path: Path | str, *, read_only: bool, **config: object) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path), read_only=read_only, config={**DUCKDB_CONFIG, **config})
    # No progress bar: DuckDB prints it on stdout during long queries, in the middle of `cc-data sync --json`.
    con.execute("SET enable_progress_bar = false")
    return con


def unreadable(path: Path, what: str) -> DatabaseUnreadable:
    return DatabaseUnreadable(
        f"The database {path} {what}; it was left untouched. To recover, move it aside "
        f"(`mv {path} {path}.broken`) and run a full sync (`cc-data sync --full`, or `cc-data demo` for the demo)."
    )


def header_problem(path: Path) -> str | None:
    """What is wrong with the file as seen from its first bytes and its size, or None when it looks sound."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(_HEADER_BYTES)
            size = os.fstat(fh.fileno()).st_size
    except OSError as err:
        return f"cannot be read ({err.strerror})"
    if not head:
        return "is empty (0 bytes)"
    if head.startswith(_SQLITE_MAGIC):
        return "is a SQLite database, not a DuckDB one"
    if head[8:12] != _MAGIC:
        return "is not a DuckDB database (it looks like text)" if _looks_like_text(head) else "is not a DuckDB database"
    if len(head) < _HEADER_BYTES:
        return f"is truncated ({size:,} bytes)"
    return None


def _looks_like_text(head: bytes) -> bool:
    try:
        head[:512].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def open_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection, or DatabaseUnreadable when the file is no DuckDB database or does not open."""
    problem = header_problem(path)
    if problem:
        raise unreadable(path, problem)
    try:
        return connect(path, read_only=True)
    except duckdb.Error as err:
        raise unreadable(path, f"does not open ({first_line(err)})") from None


def verify(path: Path, *, every_block: bool = False) -> None:
    """Raise DatabaseUnreadable unless the file opens and its catalog reads; with every_block, also unless every
    block its tables use lies within the file (what a truncated file fails, however it still opens)."""
    con = open_read_only(path)
    try:
        problem = block_problem(con, path) if every_block else None
    except duckdb.Error as err:
        raise unreadable(path, f"cannot be read ({first_line(err)})") from None
    finally:
        con.close()
    if problem:
        raise unreadable(path, problem)


def block_problem(con: duckdb.DuckDBPyConnection, path: Path) -> str | None:
    """Whether the file ends before the last block its tables use. Reads the catalog and the storage layout,
    not the data: a fraction of a second where reading every value of a 2 GB file takes a minute."""
    block_size = con.execute(
        "SELECT block_size FROM pragma_database_size() WHERE database_name = current_database()").fetchone()[0]
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'"
    ).fetchall()]
    last = -1
    for table in tables:
        quoted = table.replace("'", "''")
        row = con.execute(
            "SELECT max(greatest(block_id, coalesce(list_max(additional_block_ids), -1))) "
            f"FROM pragma_storage_info('{quoted}') WHERE persistent").fetchone()
        last = max(last, row[0] if row and row[0] is not None else -1)
    needed = _HEADER_BYTES + (last + 1) * block_size
    size = path.stat().st_size
    return f"is truncated ({size:,} bytes; its tables need {needed:,})" if size < needed else None


def first_line(err: BaseException) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


def copy_complete(src: Path, dst: Path) -> None:
    """Copy src to dst (mode 0600) so that dst only ever appears complete and on disk: copy to a temporary
    name, fsync, rename. A kill mid-copy leaves only the temporary file, which the next copy replaces."""
    partial = partial_path(dst)
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    shutil.copyfile(src, partial)
    os.chmod(partial, 0o600)
    with open(partial, "rb") as fh:
        os.fsync(fh.fileno())
    wal_path(dst).unlink(missing_ok=True)   # a WAL left beside an old copy must never be replayed onto this one
    os.replace(partial, dst)
    fsync_dir(dst.parent)


def partial_path(path: Path) -> Path:
    return path.with_name(path.name + ".copying")


def wal_path(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
