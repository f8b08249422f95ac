"""Run SQL on a DuckDB connection and get a polars frame (through Arrow, which keeps column types)."""

from __future__ import annotations

from typing import Any

import duckdb
import polars as pl


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> pl.DataFrame:
    out = pl.from_arrow(con.sql(sql, params=params).to_arrow_table())
    assert isinstance(out, pl.DataFrame)
    return out


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchall()[0][0]
    )


def row_count(con: duckdb.DuckDBPyConnection, name: str) -> int:
    """Rows in a table, 0 when the table does not exist (an older file)."""
    if not table_exists(con, name):
        return 0
    return int(con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0])
