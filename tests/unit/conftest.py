"""Unit fixtures: an empty database with the schema, in memory."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from cc_data.store.schema import migrate


@pytest.fixture
def empty_db() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB with the current schema and no rows."""
    connection = duckdb.connect()
    migrate(connection)
    yield connection
    connection.close()
