"""The sync's record, asked once: its last runs, when each stream last completed and last checkpointed, and the
API calls used on a day. `cc-data status` (cc_data.sync.status), the Data & sync page (cc_data.analytics.status)
and the writers that count calls (the sync, a push) all read and write it here.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import polars as pl

from cc_data.store.query import frame


def recent_runs(con: duckdb.DuckDBPyConnection, n: int = 10) -> pl.DataFrame:
    """The newest `n` runs, newest first: run_id, started_at, finished_at, outcome, mode, calls and rows (JSON by
    endpoint and by table), message, seconds."""
    return frame(con, """
        SELECT run_id, started_at, finished_at, outcome, mode, calls, rows, message,
               date_diff('second', started_at, finished_at) AS seconds
        FROM sync_runs ORDER BY started_at DESC LIMIT $n""", {"n": n})


def last_finished(con: duckdb.DuckDBPyConnection) -> dict[str, datetime]:
    """outcome -> when the newest run with that outcome finished (UTC)."""
    return dict(con.execute(
        "SELECT outcome, max(finished_at) FROM sync_runs WHERE finished_at IS NOT NULL GROUP BY 1").fetchall())


def stream_checkpoints(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per name in the checkpoints (sync_state), in name order: last_updated (its newest checkpoint, UTC) and
    completed_at (when it last ran to its end, on the API's clock; null if never)."""
    return frame(con, """
        SELECT stream, max(updated_at) AS last_updated,
               TRY_CAST(max(value) FILTER (WHERE key = 'completed_at') AS TIMESTAMP) AS completed_at
        FROM sync_state GROUP BY 1 ORDER BY 1""")


def calls_on(con: duckdb.DuckDBPyConnection, day: date) -> int:
    """API calls counted on this UTC day."""
    rows = con.execute("SELECT calls FROM api_calls_daily WHERE day = ?", [day]).fetchall()
    return int(rows[0][0]) if rows else 0


def record_calls(con: duckdb.DuckDBPyConnection, day: date, calls: int) -> None:
    con.execute("INSERT OR REPLACE INTO api_calls_daily VALUES (?, ?)", [day, calls])
