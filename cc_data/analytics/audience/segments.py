"""Re-engagement segments: emailable contacts who were sent mail but have not engaged lately.

Only emailable contacts (see audience.reach.emailable) can ever be in a segment; the rule is applied here,
not left to the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl

from cc_data.analytics.audience.reach import emailable
from cc_data.analytics.history import NO_GAPS, HistoryGaps


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
    since = as_of - timedelta(days=criteria.inactive_days)
    recent = sends.filter(pl.col("sent_at").is_not_null() & (pl.col("sent_at") > since) & (pl.col("sent_at") <= as_of))
    in_window = lambda col: pl.col(col).is_not_null() & (pl.col(col) > since) & (pl.col(col) <= as_of)  # noqa: E731
    activity = sends.group_by("contact_id").agg(
        (in_window("first_click_at") | in_window("first_human_open_at")).any().alias("engaged"),
        (in_window("first_open_at") & ~in_window("first_human_open_at")).any().alias("machine_opened"),
        pl.max_horizontal("first_click_at", "first_human_open_at").max().alias("last_engaged_at"),
    )
    received = recent.group_by("contact_id").agg(pl.len().alias("emails_received"))
    people = (emailable(audience).join(received, on="contact_id", how="inner")
              .join(activity, on="contact_id", how="left")
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
    people = people.filter(pl.lit(not gaps.engagement_missing(since, as_of)))
    return people.select(SEGMENT_COLUMNS).sort("contact_id")
