"""Where the data came from and how fresh it is: for the banner and the Data & sync page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import polars as pl

from cc_data.analytics.attribution.credit import gift_attribution
from cc_data.analytics.rules.gifts import revenue_gift
from cc_data.clock import naive_utc, utc_now
from cc_data.store import runs
from cc_data.store.query import table_exists


@dataclass(frozen=True)
class SourceInfo:
    source: str                      # "demo", "live" or "unknown"
    organization_name: str | None
    last_sync_finished_at: datetime | None
    time_zone: str = "UTC"           # the account's time_zone_id (IANA), for showing times as the account sees them


def source_info(con: duckdb.DuckDBPyConnection) -> SourceInfo:
    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    org = meta.get("organization_name")
    if not org and table_exists(con, "account"):
        rows = con.execute("SELECT organization_name FROM account WHERE organization_name IS NOT NULL LIMIT 1").fetchall()
        org = rows[0][0] if rows else None
    finished = meta.get("last_sync_finished_at")
    if not finished and table_exists(con, "sync_runs"):
        finished = runs.last_finished(con).get("success")
    # Only the demo builder marks its database; anything else the sync wrote came from a real account.
    source = meta.get("source") or ("live" if finished else "unknown")
    return SourceInfo(source, org, _as_datetime(finished), _time_zone(con))


def _time_zone(con: duckdb.DuckDBPyConnection) -> str:
    """The account summary's time_zone_id when it names a zone this machine knows, else UTC."""
    if not table_exists(con, "account"):
        return "UTC"
    rows = con.execute("SELECT time_zone_id FROM account WHERE time_zone_id IS NOT NULL LIMIT 1").fetchall()
    try:
        return str(ZoneInfo(rows[0][0])) if rows else "UTC"
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"


def _as_datetime(value: object) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return naive_utc(parsed)


def time_ago(moment: datetime | None, now: datetime | None = None) -> str:
    """'3 minutes ago', '2 hours ago', '5 days ago'; moments are naive UTC."""
    if moment is None:
        return "never"
    now = now or utc_now()
    seconds = max(0, int((now - moment).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def stream_freshness(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """stream, last_updated (latest checkpoint of the stream)."""
    return runs.stream_checkpoints(con).select("stream", "last_updated")


def recent_runs(con: duckdb.DuckDBPyConnection, n: int = 10) -> pl.DataFrame:
    return runs.recent_runs(con, n).select("run_id", "started_at", "finished_at", "outcome", "mode", "message",
                                           "seconds")


def calls_today(con: duckdb.DuckDBPyConnection, today: datetime | None = None) -> int:
    return runs.calls_on(con, (today or datetime.now(UTC)).date())


STORED = (("contacts", "Contacts"), ("contact_lists", "Lists"), ("campaigns", "Campaigns"),
          ("campaign_activities", "Emails (a campaign's primary email, resends, permalinks)"),
          ("tracking_events", "Tracking events (sends, opens, clicks, bounces, opt-outs)"), ("donors", "Donors"))


def table_counts(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """What is stored, in words: table, what, rows. Gift records are split the way every page counts gifts
    (docs/donations.md): revenue gifts once per transaction, adjustments and refunds, and the records that are not
    gifts (pledges, split-gift main records, soft credits)."""
    rows = [{"table": t, "what": what, "rows": _count(con, f'SELECT count(*) FROM "{t}"')}
            for t, what in STORED if table_exists(con, t)]
    if table_exists(con, "gifts"):
        rev = gift_attribution(con)   # the one definition of a gift
        positive = revenue_gift()
        gift_rows = _count(con, "SELECT count(*) FROM gifts")
        rows += [
            {"table": "gifts", "what": "Revenue gifts (one per transaction: the count every page shows)",
             "rows": rev.filter(positive)["transaction_id"].n_unique()},
            {"table": "gifts", "what": "Adjustments and refunds (change revenue, not the gift count)",
             "rows": rev.filter(~positive).height},
            {"table": "gifts", "what": "Other gift records (pledges, split-gift parts, soft credits, no date)",
             "rows": gift_rows - rev.filter(positive).height - rev.filter(~positive).height},
            {"table": "gifts", "what": "All gift records imported", "rows": gift_rows},
        ]
    return pl.DataFrame(rows, schema={"table": pl.Utf8, "what": pl.Utf8, "rows": pl.Int64})


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(sql).fetchall()[0][0])
