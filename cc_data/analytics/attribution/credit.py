"""Which emails raised money: gifts attributed to campaigns, revenue per campaign, series and tier.

The queries (revenue rows, tiers, windows) are in queries, the rows stored at publish for the standard windows in
stored, donor matching in match; this module credits gifts and sums them with the gift rules (rules.gifts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from cc_data.analytics.attribution.match import MatchReport, donor_contacts, match_report
from cc_data.analytics.attribution.queries import ATTRIBUTION, CREDITED_TIERS, TIERS, WINDOW_CHOICES
from cc_data.analytics.attribution.stored import (
    GIFT_ORDER,
    GIFTS_TABLE,
    RATES_TABLE,
    STORED_WINDOWS,
    baseline_counts,
    stored_or_live,
    stored_windows,
)
from cc_data.analytics.rules.appeals import with_series
from cc_data.analytics.rules.gifts import donor_count, gift_count, net_revenue, revenue_gift
from cc_data.analytics.rules.rates import ratio
from cc_data.store.query import frame
from cc_data.store.schema import CODE_FIELDS

__all__ = [
    "CODE_FIELDS", "CREDITED_TIERS", "GIFTS_TABLE", "RATES_TABLE", "STORED_WINDOWS", "TIERS", "WINDOW_CHOICES",
    "MatchReport", "campaign_revenue", "donor_contacts", "donor_names", "gift_attribution", "match_report",
    "revenue_by_campaign", "series_revenue", "stored_windows", "tier_breakdown",
]


def gift_attribution(con: duckdb.DuckDBPyConnection, window_hours: float = 48, *, count_machine_opens: bool = False,
                     count_bounced_sends: bool = False) -> pl.DataFrame:
    """One row per revenue gift: gift_id, donor_id, contact_id, amount, gift_time, time_basis, tier,
    campaign_id, campaign_activity_id, touch_time (+ record_type, is_adjustment, transaction_id,
    gift_date, attribution_note, campaign_name), ordered by gift_date, gift_id. Read from the rows stored at
    publish for a standard window. By default a likely machine open is not an open and a bounced send is not a
    send; `count_machine_opens` / `count_bounced_sends` count them (computed, not stored)."""
    return stored_or_live(con, GIFTS_TABLE, ATTRIBUTION, window_hours, GIFT_ORDER,
                          count_machine_opens=count_machine_opens, count_bounced_sends=count_bounced_sends)


SENT_NOT_OPENED = "sent_not_opened_revenue"
REVENUE_COLUMNS = ("gifts", "donors", "revenue", *(f"{tier}_revenue" for tier in CREDITED_TIERS), SENT_NOT_OPENED)


def revenue_by_campaign(gifts: pl.DataFrame) -> pl.DataFrame:
    """Per campaign, from gift_attribution() alone: the gifts, donors and revenue credited to it (coded, click and
    open: what is called revenue "from email"), revenue by those tiers, and apart from them, never added in, the
    revenue of gifts whose giver was sent its email but did not open it (`sent_not_opened_revenue`, not credited).
    (campaign_revenue adds sends and the gift rates, which need the tracking rows.)"""
    credited = gifts.filter(pl.col("campaign_id").is_not_null()).group_by("campaign_id").agg(
        gifts=gift_count(), donors=donor_count(), revenue=net_revenue(),
        **{f"{tier}_revenue": pl.col("amount").filter(pl.col("tier") == tier).sum().round(2)
           for tier in CREDITED_TIERS},
    )
    apart = gifts.filter(pl.col("sent_only_campaign_id").is_not_null()).group_by(
        pl.col("sent_only_campaign_id").alias("campaign_id")).agg(net_revenue().alias(SENT_NOT_OPENED))
    return credited.join(apart, on="campaign_id", how="full", coalesce=True).with_columns(
        pl.col(c).fill_null(0) for c in REVENUE_COLUMNS)


def campaign_revenue(con: duckdb.DuckDBPyConnection, window_hours: float = 48,
                     gifts: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per campaign: attributed gifts, donors, revenue (and by tier), sends, revenue per 1,000 sends, and the
    gift rates (a gift within the window after the send) of clickers, openers who did not click, and the
    baseline: contacts sent the email who neither opened nor clicked. Pass `gifts` (gift_attribution() for the
    same window) to avoid computing it twice. The gift rates' counts are read from the rows stored at publish for
    a standard window."""
    by_campaign = revenue_by_campaign(gift_attribution(con, window_hours) if gifts is None else gifts)
    rates = baseline_counts(con, window_hours)
    names = frame(
        con, "SELECT c.campaign_id, c.name, s.sends AS summary_sends FROM campaigns c "
        "LEFT JOIN campaign_summaries s USING (campaign_id)", own_cursor=True,
    )
    out = (
        names.join(rates, on="campaign_id", how="full", coalesce=True)
        .join(by_campaign, on="campaign_id", how="full", coalesce=True)
        # emails sent, as Constant Contact's summary counts them (a primary and its resend: two), not recipients
        .with_columns(sends=pl.coalesce("summary_sends", "sends"))
        .filter((pl.col("sends").fill_null(0) > 0) | pl.col("revenue").is_not_null())
    )
    return out.with_columns(
        [pl.col(name).fill_null(0) for name in REVENUE_COLUMNS],
    ).with_columns(
        revenue_per_1000=ratio("revenue", "sends") * 1000,
        clicker_gift_rate=ratio("clicker_givers", "clickers"),
        opener_gift_rate=ratio("opener_givers", "openers"),
        baseline_gift_rate=ratio("not_engaged_givers", "not_engaged"),
    ).drop("summary_sends").sort(["revenue", "campaign_id"], descending=[True, False])


def series_revenue(con: duckdb.DuckDBPyConnection, window_hours: float = 48, gifts: pl.DataFrame | None = None,
                   campaigns: pl.DataFrame | None = None, fiscal_start: int = 1,
                   first_sends: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per appeal series (rules.appeals.appeal_series) and year (the name's, else the fiscal year of
    the first send, as Compare appeals counts them): campaigns, emails sent, gifts, donors, revenue and revenue
    per 1,000 emails. Years are never added together. Pass `gifts` and `campaigns` (gift_attribution() and
    campaign_revenue() for the same window) to reuse them, and `first_sends` (campaign_id, send_time: the campaign
    counts' first send); without it the summary's last send date places a campaign in its year."""
    gifts = gift_attribution(con, window_hours) if gifts is None else gifts
    campaigns = campaign_revenue(con, window_hours, gifts) if campaigns is None else campaigns
    gifts = gifts.filter(pl.col("campaign_id").is_not_null())
    if first_sends is None:
        first_sends = frame(con, "SELECT campaign_id, last_sent_date AS send_time FROM campaign_summaries",
                            own_cursor=True)
    first_sends = first_sends.select("campaign_id", "send_time")
    per_campaign = campaigns.select("campaign_id", "name", "sends").join(first_sends, on="campaign_id", how="left")
    series_of = with_series(per_campaign, fiscal_start).select("campaign_id", "series", "year", "sends")
    keys = ["series", "year"]
    gift_side = gifts.join(series_of.select("campaign_id", *keys), on="campaign_id", how="left").group_by(keys).agg(
        gifts=gift_count(), donors=donor_count(), revenue=net_revenue())
    send_side = series_of.group_by(keys).agg(campaigns=pl.len(), sends=pl.col("sends").sum())
    return (
        send_side.join(gift_side, on=keys, how="full", coalesce=True)
        .with_columns(pl.col("gifts", "donors", "revenue").fill_null(0))
        .with_columns(revenue_per_1000=ratio("revenue", "sends") * 1000)
        .sort(["series", "year"], descending=[False, True])
    )


def series_by_revenue(series: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """series_revenue() rows of the series in `names`: the series that raised most first (over all its years),
    each series' years newest first."""
    return (series.filter(pl.col("series").is_in(names))
            .with_columns(pl.col("revenue").sum().over("series").alias("_total"))
            .sort(["_total", "series", "year"], descending=[True, False, True]).drop("_total"))


def donor_names(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """donor_id, donor_name ("First Last", else the organisation or email) for every donor."""
    return frame(con, """
        SELECT donor_id, coalesce(nullif(trim(concat_ws(' ', first_name, last_name)), ''), email, donor_id) AS donor_name
        FROM donors""", own_cursor=True)


def tier_breakdown(gifts: pl.DataFrame) -> pl.DataFrame:
    """gift_attribution() summed by tier, in tier order, every tier present."""
    summed = gifts.group_by("tier").agg(gifts=gift_count(), revenue=net_revenue())
    order = pl.DataFrame({"tier": list(TIERS), "order": list(range(len(TIERS)))})
    return order.join(summed, on="tier", how="left").with_columns(
        pl.col("gifts").fill_null(0), pl.col("revenue").fill_null(0.0)
    ).sort("order").drop("order")


@dataclass(frozen=True)
class Totals:
    revenue: float     # net of adjustments and refunds
    gifts: int         # revenue gifts, once per transaction
    rows: int          # gift rows (split-gift parts, adjustments and refunds are rows of their own)
    adjustments: int   # rows that are not revenue gifts (adjustments, refunds)


def totals(gifts: pl.DataFrame) -> Totals:
    """The rules' counts over gift_attribution() rows."""
    row = gifts.select(revenue=net_revenue(), gifts=gift_count(), adjustments=(~revenue_gift()).sum()).row(0, named=True)
    return Totals(float(row["revenue"] or 0.0), int(row["gifts"]), gifts.height, int(row["adjustments"] or 0))


@dataclass(frozen=True)
class GiftScope:
    credited: pl.DataFrame      # gifts credited to the chosen campaigns
    received: pl.DataFrame      # every gift dated in the period, attributed or not
    gifts: pl.DataFrame         # both, each gift once, by date: the audit table
    unattributed: pl.DataFrame  # gifts dated in the period credited to no campaign (sent-not-opened ones included)
    unsent: pl.DataFrame        # gifts credited to campaigns with no send on record (in no period's figures)
    sent_not_opened: pl.DataFrame  # gifts whose giver was sent a chosen campaign but did not open it: not credited


def gifts_in_scope(gifts: pl.DataFrame, campaign_ids: list[str], sent_ids: list[str], start: date | None,
                   end: date | None) -> GiftScope:
    """Donation attribution's scope over gift_attribution() rows: the campaigns chosen (`campaign_ids`) and the
    gifts dated in [start, end] (any date without a period); `sent_ids`: every campaign with a send on record."""
    in_period = pl.col("gift_date").is_between(start, end) if start and end else pl.lit(True)
    credited = gifts.filter(pl.col("campaign_id").is_in(campaign_ids))
    received = gifts.filter(in_period)
    return GiftScope(
        credited, received,
        pl.concat([credited, received]).unique("gift_id", keep="first").sort("gift_date", "gift_id"),
        received.filter(pl.col("campaign_id").is_null()),
        gifts.filter(pl.col("campaign_id").is_not_null() & ~pl.col("campaign_id").is_in(sent_ids)),
        gifts.filter(pl.col("sent_only_campaign_id").is_in(campaign_ids)))
