"""Polars frames into and out of DuckDB through the Arrow PyCapsule stream interface (`__arrow_c_stream__`).

DuckDB reads a polars frame it finds by name (or one registered) by converting it to a pyarrow table, and
`relation.to_arrow_table()` builds one: either way pyarrow and numpy are imported, about 40 MB of the process's
memory (the sync and its publish peaked 40 MB higher, bench/results/dlt.md). Both libraries speak the Arrow
C stream interface, which needs neither: `Scan(frame)` is what DuckDB scans, `from_relation(rel)` what it returns.
"""

from __future__ import annotations

import duckdb
import polars as pl


class Scan:
    """A polars frame as DuckDB scans it: assign it to a local name the SQL reads, or `con.register` it."""

    __slots__ = ("frame",)

    def __init__(self, frame: pl.DataFrame) -> None:
        # DuckDB 2.0.1 refuses polars' all-null columns over this interface ("a non-zero null count but no validity
        # bitmap": Arrow's null type has no buffers); typed as text they carry the same nulls (and text casts to any column type).
        nulls = [name for name, dtype in frame.schema.items() if dtype == pl.Null]
        self.frame = frame.with_columns(pl.col(nulls).cast(pl.Utf8)) if nulls else frame

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        return self.frame.__arrow_c_stream__(requested_schema)


def from_relation(relation: duckdb.DuckDBPyRelation) -> pl.DataFrame:
    """The relation's rows as a polars frame, batch by batch, without pyarrow."""
    return pl.DataFrame(relation)
