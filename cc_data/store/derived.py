"""Derived tables, rebuilt on the working copy just before every publish, so readers never compute them.

`refresh(con)` is called by `Writer.publish()`; it must be idempotent and only read the source tables.
"""

from __future__ import annotations

import duckdb


def refresh(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild every derived table from the source tables (nothing yet)."""
