"""Compare appeals fairly: at equal age since the send, and as series of same-named campaigns by year.

A series is cc_data.analytics.series.appeal_series (the rule Donation attribution uses too): "Year-End Appeal
2024 Wave 2" and "Year-End Appeal 2025" are both in the series "Year-End Appeal".
"""

from __future__ import annotations

import polars as pl

from cc_data.analytics.donors_years import fiscal_year_expr
from cc_data.analytics.series import appeal_series, name_wave, name_year

AGES_HOURS = (24, 48, 168)


def with_series(campaigns: pl.DataFrame, fiscal_start: int = 1) -> pl.DataFrame:
    """Adds series, year (from the name, else the fiscal year of the first send) and wave."""
    names = campaigns["name"].to_list()
    return campaigns.with_columns(
        pl.Series("series", [appeal_series(n) for n in names], dtype=pl.Utf8),
        pl.Series("wave", [name_wave(n) for n in names], dtype=pl.Int64),
        pl.Series("_year", [name_year(n) for n in names], dtype=pl.Int64),
    ).with_columns(pl.coalesce("_year", fiscal_year_expr("send_time", fiscal_start).cast(pl.Int64)).alias("year")
                   ).drop("_year")


def people(sends: pl.DataFrame, open_column: str = "first_open_at") -> pl.DataFrame:
    """One row per campaign and contact from per-send rows (campaign_id, contact_id, sent_at, bounced, the open
    column, first_click_at): first delivered, first open and first click over all of the campaign's activities."""
    delivered = pl.when(~pl.col("bounced")).then(pl.col("sent_at"))
    return sends.group_by("campaign_id", "contact_id").agg(
        delivered_at=delivered.min(),
        opened_at=pl.col(open_column).min(), clicked_at=pl.col("first_click_at").min())


def _cumulative(ages: pl.DataFrame, campaign_ids: list[str], hours: int, name: str,
                value: str | None = None) -> pl.DataFrame:
    """ages: campaign_id, age_h (hours since send) [, value]. The count (or the sum of `value`) of ages <= h for
    every whole hour 0..hours."""
    grid = pl.DataFrame({"campaign_id": campaign_ids}).join(
        pl.DataFrame({"hours": list(range(hours + 1))}), how="cross")
    amount = pl.col(value).cast(pl.Float64).sum() if value else pl.len()
    buckets = (
        ages.filter(pl.col("age_h") <= hours)
        .with_columns(pl.col("age_h").clip(lower_bound=0).ceil().cast(pl.Int64).alias("hours"))
        .group_by("campaign_id", "hours").agg(amount.alias(name))
    )
    return (grid.join(buckets, on=["campaign_id", "hours"], how="left").with_columns(pl.col(name).fill_null(0))
            .sort("campaign_id", "hours").with_columns(pl.col(name).cum_sum().over("campaign_id")))


def equal_age_curves(sends: pl.DataFrame, campaigns: pl.DataFrame, campaign_ids: list[str], hours: int = 168, *,
                     human_opens_only: bool = False, gifts: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per campaign and whole hour since its first send (0..hours): cumulative unique openers and clickers, and
    the unique people delivered so far, over all of the campaign's activities (sends: per-send rows with
    contact_id); open_rate and click_rate divide by the people delivered so far, so a resend to non-openers adds
    emails but no people and never drags the rate down. With `gifts` (campaign_id, gift_time, amount, and for
    counting transaction_id, is_adjustment): cumulative gifts and revenue."""
    chosen = campaigns.filter(pl.col("campaign_id").is_in(campaign_ids)).select("campaign_id", "name", "send_time",
                                                                                  "delivered")
    ids = chosen["campaign_id"].to_list()
    open_col = "first_human_open_at" if human_opens_only else "first_open_at"
    per_person = people(sends.filter(pl.col("campaign_id").is_in(ids)), open_col).join(
        chosen.select("campaign_id", "send_time"), on="campaign_id")

    def ages(column: str, frame: pl.DataFrame = per_person, keep: tuple[str, ...] = ()) -> pl.DataFrame:
        return frame.filter(pl.col(column).is_not_null()).select(
            "campaign_id", ((pl.col(column) - pl.col("send_time")).dt.total_seconds() / 3600).alias("age_h"), *keep)

    curves = _cumulative(ages("opened_at"), ids, hours, "opens").join(
        _cumulative(ages("clicked_at"), ids, hours, "clicks"), on=["campaign_id", "hours"]).join(
        _cumulative(ages("delivered_at"), ids, hours, "delivered_so_far"), on=["campaign_id", "hours"])
    if gifts is not None:
        gift_base = gifts.filter(pl.col("campaign_id").is_in(ids)).join(
            chosen.select("campaign_id", "send_time"), on="campaign_id")
        counted = gift_base
        if "is_adjustment" in gift_base.columns:
            counted = gift_base.filter(~pl.col("is_adjustment") & (pl.col("amount") > 0)).unique(
                ["campaign_id", "transaction_id"])
        curves = curves.join(_cumulative(ages("gift_time", counted), ids, hours, "gifts"),
                             on=["campaign_id", "hours"]).join(
            _cumulative(ages("gift_time", gift_base, ("amount",)), ids, hours, "revenue", "amount"),
            on=["campaign_id", "hours"])
    curves = curves.join(chosen, on="campaign_id")
    rate = pl.when(pl.col("delivered_so_far") > 0)
    return curves.with_columns(
        rate.then(pl.col("opens") / pl.col("delivered_so_far")).alias("open_rate"),
        rate.then(pl.col("clicks") / pl.col("delivered_so_far")).alias("click_rate"),
    ).sort("send_time", "hours")


def resend_hours(sends: pl.DataFrame, campaigns: pl.DataFrame) -> pl.DataFrame:
    """campaign_id, hours: when each later activity of a campaign (a resend to non-openers) went out, in hours
    since the campaign's first send. Needs campaign_activity_id on the per-send rows."""
    firsts = sends.filter(pl.col("sent_at").is_not_null()).group_by("campaign_id", "campaign_activity_id").agg(
        pl.col("sent_at").min())
    return firsts.join(campaigns.select("campaign_id", "send_time"), on="campaign_id").with_columns(
        hours=(pl.col("sent_at") - pl.col("send_time")).dt.total_seconds() / 3600).filter(
        pl.col("hours") > 1).select("campaign_id", "hours").sort("campaign_id", "hours")


def rates_at_ages(curves: pl.DataFrame, ages: tuple[int, ...] = AGES_HOURS) -> pl.DataFrame:
    """One row per campaign: open and click rate (and gifts) at each age, e.g. open_rate_24h, clicks_168h."""
    metrics = [m for m in ("open_rate", "click_rate", "opens", "clicks", "gifts", "revenue") if m in curves.columns]
    at = curves.filter(pl.col("hours").is_in(list(ages)))
    wide = at.pivot(on="hours", index=["campaign_id", "name", "send_time", "delivered"], values=metrics)
    renames = {f"{m}_{h}": f"{m}_{h}h" for m in metrics for h in ages}
    if len(metrics) == 1:
        renames = {str(h): f"{metrics[0]}_{h}h" for h in ages}
    return wide.rename({k: v for k, v in renames.items() if k in wide.columns}).sort("send_time")
