"""`cc-data status`: the sync's record (cc_data.store.runs) for each stream and the last runs, as polars frames."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from cc_data.store import runs
from cc_data.store.db import read
from cc_data.store.query import row_count

MAIN_TABLE = {
    "account": "account", "custom_fields": "custom_fields", "lists": "contact_lists", "tags": "contact_tags",
    "segments": "segments", "contacts": "contacts", "campaigns": "campaigns",
    "campaign_details": "campaign_activities", "campaign_summaries": "campaign_summaries",
    "activity_details": "campaign_activities", "activity_stats": "activity_stats", "tracking": "tracking_events",
}
PUBLISHED = ("success", "quota_exceeded")   # runs that ended by publishing everything they fetched


def status_frame(db_path: Path) -> pl.DataFrame:
    """Per stream: when it last completed (API clock, UTC) and the rows in its main table; and when the last run
    that published finished."""
    with read(db_path) as con:
        completed = dict(runs.stream_checkpoints(con).select("stream", "completed_at").iter_rows())
        out = [{"stream": stream, "last_synced_at": completed.get(stream), "rows": row_count(con, table)}
               for stream, table in MAIN_TABLE.items()]
        finished = [at for outcome, at in runs.last_finished(con).items() if outcome in PUBLISHED]
    frame = pl.DataFrame(out, schema={"stream": pl.Utf8, "last_synced_at": pl.Datetime, "rows": pl.Int64})
    return frame.with_columns(pl.lit(max(finished, default=None), dtype=pl.Datetime).alias("last_run_finished_at"))


def last_runs(db_path: Path, limit: int = 10) -> pl.DataFrame:
    with read(db_path) as con:
        return runs.recent_runs(con, limit).select(
            "run_id", "started_at", "finished_at", "outcome", "mode", "calls", "rows", "message")


def calls_today(db_path: Path) -> int:
    with read(db_path) as con:
        return runs.calls_on(con, datetime.now(UTC).date())
