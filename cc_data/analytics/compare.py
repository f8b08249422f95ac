"""Compare appeals fairly: at equal age since the send, and as series of same-named campaigns by year.

A series is cc_data.analytics.series.appeal_series (the rule Donation attribution uses too): "Year-End Appeal
2024 Wave 2" and "Year-End Appeal 2025" are both in the series "Year-End Appeal".
"""

from __future__ import annotations

import polars as pl

from cc_data.analytics.series import appeal_series, name_wave, name_year

AGES_HOURS = (24, 48, 168)


def with_series(campaigns: pl.DataFrame) -> pl.DataFrame:
    """Adds series, year (from the name, else the send year) and wave."""
    names = campaigns["name"].to_list()
    return campaigns.with_columns(
        pl.Series("series", [appeal_series(n) for n in names], dtype=pl.Utf8),
        pl.Series("wave", [name_wave(n) for n in names], dtype=pl.Int64),
        pl.Series("_year", [name_year(n) for n in names], dtype=pl.Int64),
    ).with_columns(pl.coalesce("_year", pl.col("send_time").dt.year().cast(pl.Int64)).alias("year")).drop("_year")


def _cumulative(ages: pl.DataFrame, campaign_ids: list[str], hours: int, name: str) -> pl.DataFrame:
    """ages: campaign_id, age_h (hours since send). Count of ages <= h for every whole hour 0..hours."""
    grid = pl.DataFrame({"campaign_id": campaign_ids}).join(
        pl.DataFrame({"hours": list(range(hours + 1))}), how="cross")
    buckets = (
        ages.filter(pl.col("age_h") <= hours)
        .with_columns(pl.col("age_h").clip(lower_bound=0).ceil().cast(pl.Int64).alias("hours"))
        .group_by("campaign_id", "hours").agg(pl.len().alias(name))
    )
    return (grid.join(buckets, on=["campaign_id", "hours"], how="left").with_columns(pl.col(name).fill_null(0))
            .sort("campaign_id", "hours").with_columns(pl.col(name).cum_sum().over("campaign_id")))


def equal_age_curves(sends: pl.DataFrame, campaigns: pl.DataFrame, campaign_ids: list[str], hours: int = 168, *,
                     human_opens_only: bool = False, gifts: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per campaign and whole hour since its first send (0..hours): cumulative unique openers and clickers
    (and gifts, when `gifts` has campaign_id and gift_time), with open_rate and click_rate over what had been
    delivered by that age (a resend to non-openers counts from the hour it went out)."""
    chosen = campaigns.filter(pl.col("campaign_id").is_in(campaign_ids)).select("campaign_id", "name", "send_time",
                                                                                  "delivered")
    ids = chosen["campaign_id"].to_list()
    open_col = "first_human_open_at" if human_opens_only else "first_open_at"
    base = sends.filter(pl.col("campaign_id").is_in(ids)).join(chosen.select("campaign_id", "send_time"),
                                                               on="campaign_id")

    def ages(column: str, frame: pl.DataFrame = base) -> pl.DataFrame:
        return frame.filter(pl.col(column).is_not_null()).select(
            "campaign_id", ((pl.col(column) - pl.col("send_time")).dt.total_seconds() / 3600).alias("age_h"))

    # A resend reaches its contacts days later: at each age the denominator is what was delivered so far.
    delivered_rows = base.filter(pl.col("sent_at").is_not_null() & ~pl.col("bounced"))
    curves = _cumulative(ages(open_col), ids, hours, "opens").join(
        _cumulative(ages("first_click_at"), ids, hours, "clicks"), on=["campaign_id", "hours"]).join(
        _cumulative(ages("sent_at", delivered_rows), ids, hours, "delivered_so_far"), on=["campaign_id", "hours"])
    if gifts is not None:
        gift_base = gifts.filter(pl.col("campaign_id").is_in(ids)).join(
            chosen.select("campaign_id", "send_time"), on="campaign_id")
        curves = curves.join(_cumulative(ages("gift_time", gift_base), ids, hours, "gifts"),
                             on=["campaign_id", "hours"])
    curves = curves.join(chosen, on="campaign_id")
    rate = pl.when(pl.col("delivered_so_far") > 0)
    return curves.with_columns(
        rate.then(pl.col("opens") / pl.col("delivered_so_far")).alias("open_rate"),
        rate.then(pl.col("clicks") / pl.col("delivered_so_far")).alias("click_rate"),
    ).sort("send_time", "hours")


def rates_at_ages(curves: pl.DataFrame, ages: tuple[int, ...] = AGES_HOURS) -> pl.DataFrame:
    """One row per campaign: open and click rate (and gifts) at each age, e.g. open_rate_24h, clicks_168h."""
    metrics = [m for m in ("open_rate", "click_rate", "opens", "clicks", "gifts") if m in curves.columns]
    at = curves.filter(pl.col("hours").is_in(list(ages)))
    wide = at.pivot(on="hours", index=["campaign_id", "name", "send_time", "delivered"], values=metrics)
    renames = {f"{m}_{h}": f"{m}_{h}h" for m in metrics for h in ages}
    if len(metrics) == 1:
        renames = {str(h): f"{metrics[0]}_{h}h" for h in ages}
    return wide.rename({k: v for k, v in renames.items() if k in wide.columns}).sort("send_time")
