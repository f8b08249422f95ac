"""An independent reference for the re-engagement segment, to check the product's DuckDB rule against: the rule
written again in polars over every per-send row (the product keeps its rule once, in SQL, in
cc_data.analytics.audience.segments). Emailable contacts sent >= min_emails emails in (as_of - inactive_days,
as_of], none clicked or opened by a person in that window, joined more than min_tenure_days ago, on any of the
lists and tags asked for, lapsed donors only if asked, machine-only openers left out if asked; nobody while an
email of the window lacks its opens or clicks."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from cc_data.analytics.audience.reach import emailable
from cc_data.analytics.audience.segments import SEGMENT_COLUMNS, SegmentCriteria
from cc_data.analytics.history import NO_GAPS, HistoryGaps


def expected_segment(audience: pl.DataFrame, sends: pl.DataFrame, criteria: SegmentCriteria, as_of: datetime,
                     gaps: HistoryGaps = NO_GAPS) -> pl.DataFrame:
    since = as_of - timedelta(days=criteria.inactive_days)
    in_window = lambda col: pl.col(col).is_not_null() & (pl.col(col) > since) & (pl.col(col) <= as_of)  # noqa: E731
    sends = sends.with_columns(pl.col("contact_id").cast(pl.Utf8))
    activity = sends.group_by("contact_id").agg(
        in_window("sent_at").sum().cast(pl.UInt32).alias("emails_received"),
        (in_window("first_click_at") | in_window("first_human_open_at")).any().alias("engaged"),
        (in_window("first_open_at") & ~in_window("first_human_open_at")).any().alias("machine_opened"),
        pl.max_horizontal("first_click_at", "first_human_open_at").max().alias("last_engaged_at"))
    people = (emailable(audience.with_columns(pl.col("contact_id").cast(pl.Utf8)))
              .join(activity, on="contact_id", how="inner")
              .filter(pl.col("emails_received") >= max(criteria.min_emails, 1), ~pl.col("engaged"))
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
        people = people.filter(~pl.col("machine_opened"))
    if gaps.engagement_missing(since, as_of):
        people = people.clear()
    return people.select(SEGMENT_COLUMNS).sort("contact_id")
