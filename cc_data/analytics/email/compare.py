"""Compare appeals fairly: at equal age since the send, and as series of same-named campaigns by year.

A series, its year and wave are cc_data.analytics.rules.appeals' (the rule Donation attribution uses too):
"Year-End Appeal 2024 Wave 2" and "Year-End Appeal 2025" are both in the series "Year-End Appeal". Rates here are
per person reached (rules.rates: open_rate_per_person, click_rate_per_person), not per email delivered.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from cc_data.analytics.rules.gifts import revenue_gift
from cc_data.analytics.rules.rates import rate

AGES_HOURS = (24, 48, 168)


def series_choices(campaigns: pl.DataFrame) -> list[str]:
    """The series worth comparing year over year, in the order a reader looks for them: appeals first (the board asks
    about this year's Year-End Appeal, not the weekly newsletter), then series with more years, more campaigns
    (multi-wave appeals), the latest sent; only series sent in more than one year, unless none is. `campaigns`:
    rules.appeals.with_series rows with appeal."""
    sizes = campaigns.group_by("series").agg(
        pl.col("appeal").any(), pl.col("year").n_unique().alias("years"), pl.len().alias("campaigns"),
        pl.col("send_time").max()).sort(["appeal", "years", "campaigns", "send_time"], descending=True)
    return sizes.filter(pl.col("years") > 1)["series"].to_list() or sizes["series"].to_list()


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
                     human_opens_only: bool = False, gifts: pl.DataFrame | None = None,
                     as_of: datetime | None = None) -> pl.DataFrame:
    """Per campaign and whole hour since its first send (0..hours): cumulative unique openers and clickers, and
    the unique people delivered so far, over all of the campaign's activities (sends: per-send rows with
    contact_id); open_rate_per_person and click_rate_per_person divide by the people delivered so far, so a resend
    to non-openers adds emails but no people and never drags the rate down. With `gifts` (campaign_id, gift_time, amount, and for
    counting transaction_id, is_adjustment): cumulative gifts and revenue. With `as_of`, a campaign's curve stops at
    its age then (whole hours since its first send): hours that have not happened are not drawn."""
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
            counted = gift_base.filter(revenue_gift()).unique(["campaign_id", "transaction_id"])
        curves = curves.join(_cumulative(ages("gift_time", counted), ids, hours, "gifts"),
                             on=["campaign_id", "hours"]).join(
            _cumulative(ages("gift_time", gift_base, ("amount",)), ids, hours, "revenue", "amount"),
            on=["campaign_id", "hours"])
    curves = curves.join(chosen, on="campaign_id")
    if as_of is not None:
        curves = curves.filter(pl.col("send_time") + pl.duration(hours=pl.col("hours")) <= as_of)
    return curves.with_columns(
        rate("open_rate_per_person", numerator="opens", denominator="delivered_so_far"),
        rate("click_rate_per_person", numerator="clicks", denominator="delivered_so_far"),
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
    """One row per campaign: open and click rate per person (and gifts) at each age, e.g.
    open_rate_per_person_24h, clicks_168h."""
    metrics = [m for m in ("open_rate_per_person", "click_rate_per_person", "opens", "clicks", "gifts", "revenue")
               if m in curves.columns]
    at = curves.filter(pl.col("hours").is_in(list(ages)))
    wide = at.pivot(on="hours", index=["campaign_id", "name", "send_time", "delivered"], values=metrics)
    renames = {f"{m}_{h}": f"{m}_{h}h" for m in metrics for h in ages}
    if len(metrics) == 1:
        renames = {str(h): f"{metrics[0]}_{h}h" for h in ages}
    return wide.rename({k: v for k, v in renames.items() if k in wide.columns}).sort("send_time")
