"""Read-only views of sync health for `cc-data status` and the Data & sync page (polars frames)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from cc_data.store.db import read

MAIN_TABLE = {
    "account": "account", "custom_fields": "custom_fields", "lists": "contact_lists", "tags": "contact_tags",
    "segments": "segments", "contacts": "contacts", "campaigns": "campaigns",
    "campaign_details": "campaign_activities", "campaign_summaries": "campaign_summaries",
    "activity_details": "campaign_activities", "activity_stats": "activity_stats", "tracking": "tracking_events",
}


def status_frame(db_path: Path) -> pl.DataFrame:
    """Per stream: when it last completed (API clock, UTC) and the rows in its main table."""
    out = []
    with read(db_path) as con:
        done = dict(con.execute("SELECT stream, value FROM sync_state WHERE key = 'completed_at'").fetchall())
        for stream, table in MAIN_TABLE.items():
            rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            finished = datetime.fromisoformat(done[stream]) if stream in done else None
            out.append({"stream": stream, "last_synced_at": finished, "rows": rows})
        last_run = con.execute(
            "SELECT max(finished_at) FROM sync_runs WHERE outcome IN ('success', 'quota_exceeded')").fetchone()[0]
    frame = pl.DataFrame(out, schema={"stream": pl.Utf8, "last_synced_at": pl.Datetime, "rows": pl.Int64})
    return frame.with_columns(pl.lit(last_run, dtype=pl.Datetime).alias("last_run_finished_at"))


def last_runs(db_path: Path, limit: int = 10) -> pl.DataFrame:
    with read(db_path) as con:
        return pl.from_arrow(con.sql(
            "SELECT run_id, started_at, finished_at, outcome, mode, calls, rows, message FROM sync_runs "
            f"ORDER BY started_at DESC LIMIT {int(limit)}").to_arrow_table())


def calls_today(db_path: Path) -> int:
    with read(db_path) as con:
        row = con.execute("SELECT calls FROM api_calls_daily WHERE day = ?", [datetime.now(UTC).date()]).fetchone()
    return int(row[0]) if row else 0
