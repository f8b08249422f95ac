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


# The re-engagement rule's activity, written once, over per-send rows ({per_send}) in DuckDB. PARTS_SQL: per contact
# as of $as_of, what any inactive window follows from: last_engaged_at (the latest click or human open),
# engaged_until (the latest at or before as_of: engaged in (since, as_of] when later than since) and
# machine_open_until (the latest first open at or before as_of of an email with no human open by then: an open in
# (since, as_of] that was only a machine's when later than since, as a human open is never before the first open).
# The publish stores it for the latest moment (table segment_parts), so a segment for other criteria only counts
# the emails of its window (RECEIVED_SQL).
PARTS_SQL = """
SELECT contact_id,
       max(greatest(first_click_at, first_human_open_at)) AS last_engaged_at,
       max(greatest(CASE WHEN first_click_at <= $as_of THEN first_click_at END,
                    CASE WHEN first_human_open_at <= $as_of THEN first_human_open_at END)) AS engaged_until,
       max(first_open_at) FILTER (WHERE first_open_at <= $as_of
                                  AND (first_human_open_at IS NULL OR first_human_open_at > $as_of))
           AS machine_open_until
FROM {per_send} WHERE contact_id IS NOT NULL
GROUP BY contact_id
"""
# The emails of the window: the per-send rows lie in campaign order, so the sent_at filter skips the row groups of
# older campaigns.
RECEIVED_SQL = """
SELECT contact_id, CAST(count(*) AS UINTEGER) AS emails_received
FROM {per_send} WHERE sent_at > $since AND sent_at <= $as_of AND contact_id IS NOT NULL
GROUP BY contact_id
"""
PARTS_COLUMNS = ("contact_id", "last_engaged_at", "engaged_until", "machine_open_until")


def reengagement_segment(con: duckdb.DuckDBPyConnection, audience: pl.DataFrame, criteria: SegmentCriteria,
                         as_of: datetime, gaps: HistoryGaps = NO_GAPS, parts: pl.DataFrame | None = None
                         ) -> pl.DataFrame:
    """Emailable contacts of `audience` sent >= min_emails emails in the last inactive_days, with no click and no
    human open in that time, who joined more than min_tenure_days ago, filtered by lists and tags (any of) and
    lapsed giving. The per-send rows are aggregated in DuckDB, so one row per contact comes back instead of every
    send; `parts` (PARTS_SQL for this as_of, as the publish stores it) saves reading every send again."""
    since = since_of(criteria, as_of)
    source = per_send_source(con)
    received = frame(con, RECEIVED_SQL.format(per_send=source), {"since": since, "as_of": as_of})
    if parts is None:
        parts = frame(con, PARTS_SQL.format(per_send=source), {"as_of": as_of})
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
