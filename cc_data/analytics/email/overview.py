"""Headline numbers for a period, the previous period of the same length, and weekly series for sparklines."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from cc_data.analytics.email.campaigns import Filters, apply_filters
from cc_data.analytics.rules.rates import COUNT_COLUMNS, pooled, with_rates

KPI_KEYS = ("delivered", "open_rate", "click_rate", "click_to_open", "unsubscribe_rate", "bounce_rate")


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length that ends the day before `start`."""
    days = (end - start).days + 1
    return start - timedelta(days=days), start - timedelta(days=1)


def period_kpis(campaigns: pl.DataFrame, filters: Filters, *, human_opens_only: bool = False,
                revenue: pl.DataFrame | None = None) -> pl.DataFrame:
    """metric, current, previous, change (current − previous; for rates, in rate points) over the filtered
    campaigns and the same filters shifted to the previous period. `revenue` (campaign_id, revenue) adds
    attributed revenue and revenue per 1,000 emails."""
    if filters.start is None or filters.end is None:
        raise ValueError("period_kpis needs a start and an end date")
    prev_start, prev_end = previous_period(filters.start, filters.end)
    prev_filters = Filters(prev_start, prev_end, filters.types, filters.name_contains, filters.list_ids)
    rows = []
    periods = [apply_filters(campaigns, filters), apply_filters(campaigns, prev_filters)]
    totals = [pooled(p, human_opens_only=human_opens_only) for p in periods]
    keys = list(KPI_KEYS)
    if revenue is not None:
        for total, period in zip(totals, periods, strict=True):
            amount = float(period.join(revenue, on="campaign_id", how="inner")["revenue"].sum() or 0.0)
            total["revenue"] = amount
            total["revenue_per_1000"] = amount / total["sends"] * 1000 if total["sends"] else None
        keys += ["revenue", "revenue_per_1000"]
    for key in keys:
        cur, prev = totals[0][key], totals[1][key]
        comparable = totals[1]["sends"] > 0   # no change against a period with nothing sent
        change = cur - prev if comparable and cur is not None and prev is not None else None
        rows.append({"metric": key, "current": _f(cur), "previous": _f(prev), "change": _f(change)})
    return pl.DataFrame(rows, schema={"metric": pl.Utf8, "current": pl.Float64, "previous": pl.Float64,
                                      "change": pl.Float64})


def _f(value: float | int | None) -> float | None:
    return None if value is None else float(value)


def weekly_series(campaigns: pl.DataFrame, *, human_opens_only: bool = False) -> pl.DataFrame:
    """Pooled counts and rates per calendar week (Monday start) of the campaigns' first send."""
    if campaigns.is_empty():
        return with_rates(pl.DataFrame(schema={"week": pl.Date} | {c: pl.Int64 for c in COUNT_COLUMNS}),
                          human_opens_only=human_opens_only)
    weekly = (
        campaigns.with_columns(pl.col("send_time").dt.truncate("1w").dt.date().alias("week"))
        .group_by("week").agg([pl.col(c).sum() for c in COUNT_COLUMNS]).sort("week")
    )
    return with_rates(weekly, human_opens_only=human_opens_only)


def latest_campaigns(campaigns: pl.DataFrame, n: int = 10) -> pl.DataFrame:
    return campaigns.sort("send_time", descending=True).head(n)
