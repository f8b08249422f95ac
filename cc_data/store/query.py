"""Run SQL on a DuckDB connection and get a polars frame (through Arrow, which keeps column types; no pyarrow).

The one SQL-to-polars helper: every reader (analytics, donations, pages' loaders) goes through `frame`."""

from __future__ import annotations

from typing import Any

import duckdb
import polars as pl

from cc_data.store.db import READER_CONFIG
from cc_data.store.frames import from_relation


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None, *, own_cursor: bool = False) -> pl.DataFrame:
    """The rows of `sql` as a frame. `own_cursor`: run on a cursor of its own, for a caller whose connection may
    hold a result it has not fully fetched (a cursor does not see frames registered on the connection)."""
    runner = con.cursor() if own_cursor else con
    try:
        try:
            out = from_relation(runner.sql(sql, params=params or None))
        except duckdb.OutOfMemoryException:
            if runner.execute("SELECT current_setting('access_mode')").fetchall()[0][0] != "read_only":
                raise   # a writer's failed transaction cannot go on (cc_data.store.db retries a publish whole)
            out = _with_more_memory(runner, sql, params)
    finally:
        if own_cursor:
            runner.close()
    assert isinstance(out, pl.DataFrame)
    return out


# The dashboard's read-only connections are capped (cc_data.store.db.READER_CONFIG) and spill bigger work to disk;
# a query with a step DuckDB cannot spill is run once more with this much, then the cap is put back.
RETRY_MEMORY = "2GB"


def _with_more_memory(con: duckdb.DuckDBPyConnection, sql: str, params: Any) -> pl.DataFrame:
    """`sql` again under RETRY_MEMORY, then the readers' cap back (as written in READER_CONFIG: a connection opened
    later in this process must find the configuration it asks for)."""
    con.execute(f"SET memory_limit = '{RETRY_MEMORY}'")
    try:
        return from_relation(con.sql(sql, params=params or None))
    finally:
        con.execute(f"SET memory_limit = '{READER_CONFIG['memory_limit']}'")


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchall()[0][0]
    )


def row_count(con: duckdb.DuckDBPyConnection, name: str) -> int:
    """Rows in a table, 0 when the table does not exist (an older file)."""
    if not table_exists(con, name):
        return 0
    return int(con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0])
