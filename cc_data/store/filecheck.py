"""Is a file a sound DuckDB database? What is wrong with it, in words, and the one-line error that says so.

Leaf functions for cc_data.store.db, which owns the file's life (open, working copy, publish): nothing here
opens, copies or writes a file.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from cc_data.errors import DatabaseUnreadable

# DuckDB's file layout: a 4 KiB main header with the magic at byte 8 and two 4 KiB database headers, then the
# blocks. A file may legitimately end before its last free block, so its size alone does not prove truncation.
HEADER_BYTES = 3 * 4096
_MAGIC = b"DUCK"
_SQLITE_MAGIC = b"SQLite format 3\x00"


def unreadable(path: Path, what: str) -> DatabaseUnreadable:
    return DatabaseUnreadable(
        f"The database {path} {what}; it was left untouched. To recover, move it aside "
        f"(`mv {path} {path}.broken`) and run a full sync (`cc-data sync --full`, or `cc-data demo` for the demo)."
    )


def header_problem(path: Path) -> str | None:
    """What is wrong with the file as seen from its first bytes and its size, or None when it looks sound."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEADER_BYTES)
            size = os.fstat(fh.fileno()).st_size
    except OSError as err:
        return f"cannot be read ({err.strerror})"
    if not head:
        return "is empty (0 bytes)"
    if head.startswith(_SQLITE_MAGIC):
        return "is a SQLite database, not a DuckDB one"
    if head[8:12] != _MAGIC:
        return "is not a DuckDB database (it looks like text)" if _looks_like_text(head) else "is not a DuckDB database"
    if len(head) < HEADER_BYTES:
        return f"is truncated ({size:,} bytes)"
    return None


def _looks_like_text(head: bytes) -> bool:
    try:
        head[:512].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


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
    needed = HEADER_BYTES + (last + 1) * block_size
    size = path.stat().st_size
    return f"is truncated ({size:,} bytes; its tables need {needed:,})" if size < needed else None


def first_line(err: BaseException) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]
