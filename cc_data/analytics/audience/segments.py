"""Re-engagement segments: emailable contacts who were sent mail but have not engaged lately.

Only emailable contacts (see audience.reach.emailable) can ever be in a segment; the rule is applied here,
not left to the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import polars as pl

from cc_data.analytics.audience.reach import emailable
from cc_data.analytics.email.sends import per_send_source
from cc_data.analytics.history import NO_GAPS, HistoryGaps
from cc_data.store.query import frame


@dataclass(frozen=True)
class SegmentCriteria:
    inactive_days: int = 180
    min_emails: int = 3
    min_tenure_days: int = 60
    list_ids: tuple[str, ...] = ()
    tag_ids: tuple[str, ...] = ()
    lapsed_donors_only: bool = False
    lapsed_donor_days: int = 365
    exclude_machine_only_openers: bool = False


SEGMENT_COLUMNS = ("contact_id", "email", "first_name", "last_name", "permission_to_send", "emails_received",
                   "last_engaged_at", "list_names", "last_gift_date")


def reengagement_segment(audience: pl.DataFrame, sends: pl.DataFrame, criteria: SegmentCriteria,
                         as_of: datetime, gaps: HistoryGaps = NO_GAPS) -> pl.DataFrame:
    """Emailable contacts sent >= min_emails in the last inactive_days, with no click and no human open in
    that time, who joined more than min_tenure_days ago, filtered by lists/tags (any of) and lapsed giving."""
    since = since_of(criteria, as_of)
    recent = sends.filter(pl.col("sent_at").is_not_null() & (pl.col("sent_at") > since) & (pl.col("sent_at") <= as_of))
    in_window = lambda col: pl.col(col).is_not_null() & (pl.col(col) > since) & (pl.col(col) <= as_of)  # noqa: E731
    activity = sends.group_by("contact_id").agg(
        (in_window("first_click_at") | in_window("first_human_open_at")).any().alias("engaged"),
        (in_window("first_open_at") & ~in_window("first_human_open_at")).any().alias("machine_opened"),
        pl.max_horizontal("first_click_at", "first_human_open_at").max().alias("last_engaged_at"),
    )
    received = recent.group_by("contact_id").agg(pl.len().alias("emails_received"))
    return _members(audience, received.join(activity, on="contact_id", how="left"), criteria, as_of, gaps)


# reengagement_segment's per-contact activity, aggregated in DuckDB over the per-send rows ($since, $as_of): a
# contact with a send in the window, how many, whether they clicked or opened (a person) in it, whether an open in
# it was only a machine's, and their latest click or human open.
ACTIVITY_SQL = """
SELECT contact_id,
       CAST(count(*) FILTER (WHERE sent_at > $since AND sent_at <= $as_of) AS UINTEGER) AS emails_received,
       bool_or(coalesce(first_click_at > $since AND first_click_at <= $as_of, false)
               OR coalesce(first_human_open_at > $since AND first_human_open_at <= $as_of, false)) AS engaged,
       bool_or(coalesce(first_open_at > $since AND first_open_at <= $as_of, false)
               AND NOT coalesce(first_human_open_at > $since AND first_human_open_at <= $as_of, false))
           AS machine_opened,
       max(greatest(first_click_at, first_human_open_at)) AS last_engaged_at
FROM {per_send} WHERE contact_id IS NOT NULL
GROUP BY contact_id HAVING emails_received > 0
"""
# Only the emails of the window: the per-send rows lie in campaign order, so the sent_at filter skips the row groups
# of older campaigns.
RECEIVED_SQL = """
SELECT contact_id, CAST(count(*) AS UINTEGER) AS emails_received
FROM {per_send} WHERE sent_at > $since AND sent_at <= $as_of AND contact_id IS NOT NULL
GROUP BY contact_id
"""


def segment_parts(sends: pl.DataFrame, as_of: datetime) -> pl.DataFrame:
    """Per contact, what any inactive window's engagement follows from: last_engaged_at (the latest click or human
    open), engaged_until (the latest at or before as_of: engaged in (since, as_of] when later than since) and
    machine_open_until (the latest first open at or before as_of of an email with no human open by as_of: an open in
    (since, as_of] that was only a machine's, when later than since; a human open is never before the first open)."""
    known = lambda col: pl.when(pl.col(col) <= as_of).then(pl.col(col))  # noqa: E731
    no_human_yet = pl.col("first_human_open_at").is_null() | (pl.col("first_human_open_at") > as_of)
    return sends.group_by("contact_id").agg(
        pl.max_horizontal("first_click_at", "first_human_open_at").max().alias("last_engaged_at"),
        pl.max_horizontal(known("first_click_at"), known("first_human_open_at")).max().alias("engaged_until"),
        known("first_open_at").filter(no_human_yet).max().alias("machine_open_until"))


def segment_in_db(con: duckdb.DuckDBPyConnection, audience: pl.DataFrame, criteria: SegmentCriteria,
                  as_of: datetime, gaps: HistoryGaps = NO_GAPS, parts: pl.DataFrame | None = None) -> pl.DataFrame:
    """reengagement_segment(audience, the per-send rows, criteria, as_of, gaps), with the per-send rows aggregated
    in DuckDB: one row per contact comes back instead of every send. With `parts` (segment_parts() of every send
    for this as_of) only the emails of the window are counted (RECEIVED_SQL); else ACTIVITY_SQL reads every send."""
    since = since_of(criteria, as_of)
    source, window = per_send_source(con, own_cursor=True), {"since": since, "as_of": as_of}
    if parts is None:
        activity = frame(con, ACTIVITY_SQL.format(per_send=source), window, own_cursor=True)
    else:
        received = frame(con, RECEIVED_SQL.format(per_send=source), window, own_cursor=True)
        activity = received.join(parts.with_columns(pl.col("contact_id").cast(pl.Utf8)), on="contact_id",
                                 how="left").select(
            "contact_id", "emails_received", (pl.col("engaged_until") > since).alias("engaged"),
            (pl.col("machine_open_until") > since).alias("machine_opened"), "last_engaged_at")
    return _members(audience.with_columns(pl.col("contact_id").cast(pl.Utf8)), activity, criteria, as_of, gaps)


def _members(audience: pl.DataFrame, activity: pl.DataFrame, criteria: SegmentCriteria, as_of: datetime,
             gaps: HistoryGaps) -> pl.DataFrame:
    """The segment from each contact's activity (emails_received in the window, engaged, machine_opened,
    last_engaged_at; only contacts sent an email in the window)."""
    people = (emailable(audience).join(activity, on="contact_id", how="inner")
              .filter(pl.col("emails_received") >= criteria.min_emails)
              .filter(~pl.col("engaged").fill_null(False))
              .filter(pl.col("created_at").is_null()
                      | (pl.col("created_at") <= as_of - timedelta(days=criteria.min_tenure_days))))
    if criteria.list_ids:
        people = people.filter(pl.col("list_ids").list.eval(pl.element().is_in(list(criteria.list_ids))).list.any())
    if criteria.tag_ids:
        people = people.filter(pl.col("tag_ids").list.eval(pl.element().is_in(list(criteria.tag_ids))).list.any())
    if criteria.lapsed_donors_only:
        cutoff = (as_of - timedelta(days=criteria.lapsed_donor_days)).date()
        people = people.filter(pl.col("last_gift_date").is_not_null() & (pl.col("last_gift_date") < cutoff))
    if criteria.exclude_machine_only_openers:
        people = people.filter(~pl.col("machine_opened").fill_null(False))
    # While an email of the window lacks its opens or clicks (analytics.history), no one is shown not to have engaged
    people = people.filter(pl.lit(not gaps.engagement_missing(since_of(criteria, as_of), as_of)))
    return people.select(SEGMENT_COLUMNS).sort("contact_id")


def since_of(criteria: SegmentCriteria, as_of: datetime) -> datetime:
    """The start of the inactive window."""
    return as_of - timedelta(days=criteria.inactive_days)
