"""Bulk writes: one frame per API page, one INSERT per table, text timestamps turned into UTC.

Rows arrive as dicts whose keys are column names. Values the sync read through `cc_data.api.parse` are
already typed (naive-UTC datetimes, ints); text from other writers (a CSV import) is cast inside DuckDB, and
ISO-8601 timestamps in text are stored as naive UTC.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import duckdb
import polars as pl

from cc_data.store.frames import Scan

_types_cache: dict[tuple[int, str], dict[str, str]] = {}


def column_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    key = (id(con), table)
    if key not in _types_cache:
        rows = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
            "ORDER BY ordinal_position", [table],
        ).fetchall()
        _types_cache[key] = dict(rows)
    return _types_cache[key]


_keys_cache: dict[tuple[int, str], tuple[str, ...]] = {}


def primary_key(con: duckdb.DuckDBPyConnection, table: str) -> tuple[str, ...]:
    """The table's primary key columns, read from the schema (none: plain inserts)."""
    cache_key = (id(con), table)
    if cache_key not in _keys_cache:
        row = con.execute(
            "SELECT constraint_column_names FROM duckdb_constraints() "
            "WHERE table_name = ? AND constraint_type = 'PRIMARY KEY'", [table]).fetchone()
        _keys_cache[cache_key] = tuple(row[0]) if row else ()
    return _keys_cache[cache_key]


def _cast(column: str, sql_type: str, dtype: pl.DataType | None = None) -> str:
    quoted = f'"{column}"'
    if dtype is not None and (dtype.is_temporal() or dtype == pl.Null):
        return f"CAST({quoted} AS {sql_type})"  # already typed by the reader (naive UTC)
    if sql_type == "TIMESTAMP":
        return f"CAST(TRY_CAST({quoted} AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS TIMESTAMP)"
    if sql_type == "DATE":
        return f"TRY_CAST(left(CAST({quoted} AS VARCHAR), 10) AS DATE)"
    return f"TRY_CAST({quoted} AS {sql_type})"


def frame(rows: Sequence[dict], columns: Sequence[str]) -> pl.DataFrame:
    """A frame with exactly `columns`; lists stay lists, anything else odd becomes text."""
    data = {c: [_plain(r.get(c)) for r in rows] for c in columns}
    return pl.DataFrame(data, strict=False, infer_schema_length=None)


def _plain(value: object) -> object:
    if isinstance(value, dict):
        return json.dumps(value)
    return value


def _select(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str],
            schema: pl.Schema | None = None) -> str:
    types = column_types(con, table)
    missing = [c for c in columns if c not in types]
    if missing:
        raise KeyError(f"{table} has no column(s) {missing}")
    return ", ".join(f"{_cast(c, types[c], schema.get(c) if schema else None)} AS \"{c}\"" for c in columns)


def upsert(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[dict], key: Sequence[str]) -> int:
    """Insert rows, updating the columns each row carries where its key already exists (a column a row does not
    carry keeps its stored value). Returns rows written."""
    if not rows:
        return 0
    latest = {tuple(r.get(k) for k in key) if key else i: r for i, r in enumerate(rows)}  # last copy wins
    by_columns: dict[tuple[str, ...], list[dict]] = {}
    for row in latest.values():
        by_columns.setdefault(tuple(row), []).append(row)
    for columns, group in by_columns.items():
        rows_in = frame(group, columns)
        page = Scan(rows_in)  # noqa: F841 - read by DuckDB's replacement scan
        cols = ", ".join(f'"{c}"' for c in columns)
        updates = [c for c in columns if c not in key]
        conflict = "" if not key else (
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET " + ", ".join(f'"{c}" = excluded."{c}"' for c in updates)
            if updates else f"ON CONFLICT ({', '.join(key)}) DO NOTHING"
        )
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {_select(con, table, columns, rows_in.schema)} "
                    f"FROM page {conflict}")
    return len(latest)


def replace_children(
    con: duckdb.DuckDBPyConnection, table: str, parent_column: str, parent_ids: Iterable[str],
    rows: Sequence[dict], columns: Sequence[str],
) -> int:
    """Make `table`'s rows for these parents exactly `rows` (e.g. a contact's list memberships)."""
    ids = Scan(pl.DataFrame({"parent_id": list(dict.fromkeys(parent_ids))}, schema={"parent_id": pl.Utf8}))  # noqa: F841
    con.execute(f"DELETE FROM {table} WHERE {parent_column} IN (SELECT parent_id FROM ids)")
    if not rows:
        return 0
    unique = list({tuple(r.get(c) for c in columns): r for r in rows}.values())
    rows_in = frame(unique, columns)
    page = Scan(rows_in)  # noqa: F841 - read by DuckDB's replacement scan
    cols = ", ".join(f'"{c}"' for c in columns)
    con.execute(f"INSERT INTO {table} ({cols}) SELECT {_select(con, table, columns, rows_in.schema)} FROM page")
    return len(unique)


TRACKING_SCHEMA = {
    "campaign_activity_id": pl.Utf8, "contact_id": pl.Utf8, "tracking_activity_type": pl.Utf8,
    "created_time": pl.Datetime("us"), "device_type": pl.Utf8, "url_id": pl.Utf8, "link_url": pl.Utf8,
    "bounce_code": pl.Utf8, "opt_out_reason": pl.Utf8, "ordinal": pl.Int32,
}
TRACKING_COLUMNS = tuple(TRACKING_SCHEMA)


def insert_tracking(con: duckdb.DuckDBPyConnection, activity_id: str, rows: Sequence[dict], *,
                    first_fetch: bool = False) -> int:
    """Add one activity's tracking rows not already stored; returns how many were new.

    Rows are typed by the sync's reader (cc_data.sync.records.tracking_row). A row's identity is (activity,
    contact, type, created_time, url_id, ordinal): `ordinal` numbers identical rows (see cc_data.sync.tracking),
    so a repeated row is kept and a page fetched again adds nothing. `first_fetch`: the caller knows none of this
    activity's rows of these types were stored before this run's listing (which never repeats a page), so the
    check against stored rows is skipped. The constant activity filter lets DuckDB skip row groups of other
    activities (rows arrive grouped by activity).
    """
    if not rows:
        return 0
    page = Scan(pl.from_dicts(rows, schema=TRACKING_SCHEMA))  # noqa: F841 - read by DuckDB's replacement scan
    cols = ", ".join(TRACKING_COLUMNS)
    if first_fetch:
        con.execute(f"INSERT INTO tracking_events ({cols}) SELECT {cols} FROM page")
        return len(rows)
    inserted = con.execute(
        f"""
        INSERT INTO tracking_events ({cols})
        SELECT {cols} FROM page p
        WHERE NOT EXISTS (
            SELECT 1 FROM tracking_events t
            WHERE t.campaign_activity_id = ?
              AND t.contact_id = p.contact_id AND t.created_time = p.created_time
              AND t.url_id IS NOT DISTINCT FROM p.url_id
              AND t.ordinal = p.ordinal
              AND t.campaign_activity_id = p.campaign_activity_id
              AND t.tracking_activity_type = p.tracking_activity_type)
        """,
        [activity_id],
    ).fetchone()
    return int(inserted[0]) if inserted else 0


# --- checkpoints --------------------------------------------------------------------------------

def get_state(con: duckdb.DuckDBPyConnection, stream: str, key: str) -> str | None:
    row = con.execute("SELECT value FROM sync_state WHERE stream = ? AND key = ?", [stream, key]).fetchone()
    return row[0] if row else None


def get_states(con: duckdb.DuckDBPyConnection, stream: str) -> dict[str, str]:
    return dict(con.execute("SELECT key, value FROM sync_state WHERE stream = ?", [stream]).fetchall())


def set_states(con: duckdb.DuckDBPyConnection, stream: str, values: dict[str, str]) -> None:
    """Several checkpoints of one stream in one statement (a statement costs milliseconds; a page, a few)."""
    if not values:
        return
    states = Scan(pl.DataFrame({"key": list(values), "value": list(values.values())},  # noqa: F841 - DuckDB scan
                               schema={"key": pl.Utf8, "value": pl.Utf8}))
    con.execute("INSERT OR REPLACE INTO sync_state SELECT ?, key, value, now() AT TIME ZONE 'UTC' FROM states",
                [stream])


def set_state(con: duckdb.DuckDBPyConnection, stream: str, key: str, value: str | None) -> None:
    if value is None:
        con.execute("DELETE FROM sync_state WHERE stream = ? AND key = ?", [stream, key])
        return
    con.execute(
        "INSERT OR REPLACE INTO sync_state VALUES (?, ?, ?, now() AT TIME ZONE 'UTC')", [stream, key, value]
    )


# --- what changed since the derived tables were refreshed (read by cc_data.analytics.derived) --------

CHANGED = "derived_stale"


def mark_changed(con: duckdb.DuckDBPyConnection, *what: str) -> None:
    """Record that a writer changed `what` ("contacts", "gifts", "mapping", "activity:<id>"), with its rows."""
    for item in what:
        con.execute("INSERT OR REPLACE INTO sync_state VALUES (?, ?, '1', now() AT TIME ZONE 'UTC')", [CHANGED, item])


def changed(con: duckdb.DuckDBPyConnection) -> set[str]:
    return set(get_states(con, CHANGED))


def clear_changed(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DELETE FROM sync_state WHERE stream = ?", [CHANGED])
