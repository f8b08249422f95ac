"""Campaign-level counts and rates, and the dashboard's shared filters over them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import duckdb
import polars as pl

from cc_data.analytics.email.sends import PER_SEND, per_send_source
from cc_data.analytics.rules.appeals import is_appeal_sql
from cc_data.analytics.rules.machine_opens import DEFAULT_RULE, MachineOpenRule
from cc_data.analytics.rules.rates import with_rates
from cc_data.analytics.stored.registry import TRACKING, Changes, StoredResult
from cc_data.store.db import connect
from cc_data.store.query import frame


def campaign_catalog(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per campaign: campaign_id, name, type, appeal (rules.appeals), list_ids (lists its activities were
    sent to)."""
    return frame(
        con,
        f"""
        SELECT c.campaign_id, coalesce(c.name, c.campaign_id) AS name,
               -- the API's codes (NEWSLETTER, BUSINESS_LETTER) in words: "Newsletter", "Business letter"
               (SELECT upper(t[1]) || lower(replace(t[2:], '_', ' '))
                FROM (SELECT coalesce(c.type, s.campaign_type, 'Unknown') AS t)) AS type,
               {is_appeal_sql("c.campaign_id")} AS appeal,
               coalesce(list_distinct(flatten(list(a.contact_list_ids) FILTER (WHERE a.contact_list_ids IS NOT NULL))),
                        []::VARCHAR[]) AS list_ids
        FROM campaigns c
        LEFT JOIN campaign_activities a ON a.campaign_id = c.campaign_id AND a.role IN ('primary_email', 'resend')
        LEFT JOIN campaign_summaries s ON s.campaign_id = c.campaign_id
        GROUP BY ALL
        """,
    )


# Counts per campaign over per-send rows ({source}: a table, subquery or registered frame), as Constant Contact's
# campaign summary counts them: sends add up over the activities (a primary email and its resend are two emails);
# everything else counts each contact once per campaign (opened the primary and the resend: one open).
COUNTS_SQL = """
WITH people AS (
    SELECT campaign_id, contact_id, min(sent_at) AS sent_at, count(sent_at) AS sends,
           bool_or(bounced AND sent_at IS NOT NULL) AS bounced,
           bool_or(auto_replied AND sent_at IS NOT NULL) AS auto_replied, bool_or(opened) AS opened,
           bool_or(first_human_open_at IS NOT NULL) AS human_opened, bool_or(first_click_at IS NOT NULL) AS clicked,
           bool_or(opted_out) AS opted_out, bool_or(forwarded) AS forwarded
    FROM {source} GROUP BY campaign_id, contact_id
)
SELECT campaign_id, min(sent_at) AS send_time, CAST(sum(sends) AS BIGINT) AS sends,
       count(*) FILTER (WHERE bounced) AS bounces, count(*) FILTER (WHERE auto_replied) AS auto_replies,
       count(*) FILTER (WHERE opened) AS opens, count(*) FILTER (WHERE human_opened) AS human_opens,
       count(*) FILTER (WHERE clicked) AS clicks, count(*) FILTER (WHERE opted_out) AS optouts,
       count(*) FILTER (WHERE forwarded) AS forwards
FROM people GROUP BY campaign_id HAVING min(sent_at) IS NOT NULL
"""


def _with_catalog(counts: pl.DataFrame, catalog: pl.DataFrame) -> pl.DataFrame:
    counts = counts.with_columns((pl.col("sends") - pl.col("bounces")).alias("delivered"))
    return catalog.join(counts, on="campaign_id", how="inner").sort("send_time")


def campaign_counts(sends: pl.DataFrame, catalog: pl.DataFrame) -> pl.DataFrame:
    """Per campaign sent at least once: send_time (first send), sends (emails, over all its activities), and the
    unique contacts who bounced (any code; auto_replies: the V ones among them), opened, human-opened, clicked,
    opted out and forwarded, each contact once per campaign (COUNTS_SQL); delivered = sends − bounces."""
    con = connect(":memory:", read_only=False)
    try:
        con.register("per_send_rows", sends)
        return _with_catalog(frame(con, COUNTS_SQL.format(source="per_send_rows")), catalog)
    finally:
        con.close()


COUNTS_TABLE = "campaign_counts"


def _build_counts(con: duckdb.DuckDBPyConnection, changes: Changes | None) -> None:  # noqa: ARG001
    # Every campaign's counts, whatever changed: a contact's new emails can change whether their opens elsewhere
    # look like machine opens (human_opens of other campaigns).
    source = per_send_source(con)
    con.execute(f"CREATE OR REPLACE TABLE {COUNTS_TABLE} AS {COUNTS_SQL.format(source=source)}")


COUNTS = StoredResult("campaign_counts", (COUNTS_TABLE,), _build_counts, frozenset({TRACKING}), (COUNTS_SQL,),
                      needs=(PER_SEND,))


def campaign_counts_in_db(con: duckdb.DuckDBPyConnection, rule: MachineOpenRule | None = None) -> pl.DataFrame:
    """campaign_counts over the database's per-send rows, aggregated in DuckDB: read from the counts stored at
    publish for the default rule (regrouping 14M per-send rows by campaign and contact takes 7-12 s at large
    scale), computed for another rule or a file without them."""
    live = COUNTS_SQL.format(source=per_send_source(con, rule or DEFAULT_RULE))
    query = f"SELECT * FROM {COUNTS.source(con, live)}" if rule in (None, DEFAULT_RULE) else live
    return _with_catalog(frame(con, query), campaign_catalog(con))


@dataclass(frozen=True)
class Filters:
    """The sidebar's filters. Empty collections mean "all"."""

    start: date | None = None
    end: date | None = None
    types: tuple[str, ...] = ()
    name_contains: str = ""
    list_ids: tuple[str, ...] = field(default=())


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min)


def apply_filters(campaigns: pl.DataFrame, filters: Filters) -> pl.DataFrame:
    """Campaigns whose first send falls in [start, end] (whole days, UTC) and match type, name and list."""
    out = campaigns
    if filters.start:
        out = out.filter(pl.col("send_time") >= _day_start(filters.start))
    if filters.end:
        out = out.filter(pl.col("send_time") < _day_start(filters.end + timedelta(days=1)))
    if filters.types:
        out = out.filter(pl.col("type").is_in(list(filters.types)))
    if filters.name_contains.strip():
        out = out.filter(pl.col("name").str.to_lowercase().str.contains(filters.name_contains.strip().lower(), literal=True))
    if filters.list_ids:
        out = out.filter(pl.col("list_ids").list.eval(pl.element().is_in(list(filters.list_ids))).list.any())
    return out


def campaign_rates(counts: pl.DataFrame, *, human_opens_only: bool = False) -> pl.DataFrame:
    return with_rates(counts, human_opens_only=human_opens_only)
