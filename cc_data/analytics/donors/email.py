"""Donors joined to their email: engagement per fiscal year, retention by engagement, first gifts after an email.

Donors are matched to contacts as attribution matches them (attribution.match: cc_contact_id, then email).

Email group of a contact in a fiscal year, first match wins (emails *sent* in that year, from the per-send rows):
  clicked_appeal: clicked an appeal email (rules.appeals: a campaign of type Fundraiser, or one a gift code is
                  mapped to);
  opened_only:    opened an email (a human open, not a likely machine open) or clicked a non-appeal one;
  no_engagement:  was sent at least one email, neither opened nor clicked;
  not_on_email:   was sent nothing that year (or the donor matches no contact).
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import polars as pl

from cc_data.analytics.attribution.queries import ATTRIBUTION_TOUCHES, TOUCHES_TABLE
from cc_data.analytics.attribution.stored import stored_or_live
from cc_data.analytics.audience.scoring import TIERS
from cc_data.analytics.donors.years import RETAINED
from cc_data.analytics.email.sends import per_send_source
from cc_data.analytics.rules.appeals import APPEALS_SQL
from cc_data.analytics.rules.fiscal_years import fiscal_year_expr, fiscal_year_span
from cc_data.analytics.rules.gifts import revenue_gift
from cc_data.analytics.rules.rates import ratio
from cc_data.store.query import frame

EMAIL_GROUPS: dict[str, str] = {
    "clicked_appeal": "Clicked an appeal this year", "opened_only": "Opened only",
    "no_engagement": "Emailed, no engagement", "not_on_email": "Not on email",
}
NOT_ON_EMAIL = "Not on email"   # the tier of a donor with no contact or no score
FIRST_GIFT_WINDOW_HOURS = 48


def email_year(con: duckdb.DuckDBPyConnection, year: int, start_month: int) -> pl.DataFrame:
    """contact_id, emails, email_group of every contact sent an email in fiscal year `year` (contacts sent nothing
    are absent: their group is not_on_email)."""
    first, last = fiscal_year_span(year, start_month)
    return frame(con, f"""
        WITH appeals AS ({APPEALS_SQL}),
        rows AS (
            SELECT p.contact_id, p.campaign_id IN (SELECT campaign_id FROM appeals) AS appeal, p.first_human_open_at,
                   p.first_click_at
            FROM {per_send_source(con)} AS p
            WHERE p.sent_at >= $first AND p.sent_at < $end AND p.contact_id IS NOT NULL)
        SELECT contact_id, count(*) AS emails,
               CASE WHEN bool_or(appeal AND first_click_at IS NOT NULL) THEN 'clicked_appeal'
                    WHEN bool_or(first_human_open_at IS NOT NULL OR first_click_at IS NOT NULL) THEN 'opened_only'
                    ELSE 'no_engagement' END AS email_group
        FROM rows GROUP BY 1 ORDER BY 1""",
        {"first": first, "end": last + timedelta(days=1)}, own_cursor=True)


def with_email(per_donor: pl.DataFrame, contacts: pl.DataFrame, emails: pl.DataFrame,
               tiers: pl.DataFrame | None) -> pl.DataFrame:
    """per_donor (donor_id, ...) + contact_id, email_group (label) and tier (label; "Not on email" without a
    contact or a score)."""
    out = (per_donor.join(contacts.select("donor_id", "contact_id"), on="donor_id", how="left")
           .join(emails.select("contact_id", "email_group"), on="contact_id", how="left")
           .with_columns(pl.col("email_group").fill_null("not_on_email")
                         .replace_strict(EMAIL_GROUPS, return_dtype=pl.Utf8)))
    if tiers is None or tiers.is_empty():
        return out.with_columns(tier=pl.lit(NOT_ON_EMAIL))
    tier_of = tiers.select(pl.col("contact_id").cast(pl.Utf8), pl.col("tier").cast(pl.Utf8))
    return out.join(tier_of, on="contact_id", how="left").with_columns(pl.col("tier").fill_null(NOT_ON_EMAIL))


def retention_by(per_donor: pl.DataFrame, column: str, order: tuple[str, ...] = ()) -> pl.DataFrame:
    """Of the previous year's donors (per_donor from gain_loss + with_email), per value of `column` (in `order`,
    then any other value by name): donors (previous year), retained, donor_retention, previous_amount,
    retained_amount, dollar_retention."""
    base = per_donor.filter(pl.col("previous_amount") > 0)
    kept = pl.col("category").is_in(RETAINED)
    return (base.group_by(column).agg(
        pl.len().alias("donors"), kept.sum().alias("retained"),
        pl.col("previous_amount").sum().round(2).alias("previous_amount"),
        pl.col("amount").filter(kept).sum().round(2).alias("retained_amount"))
        .with_columns(donor_retention=pl.col("retained") / pl.col("donors"),
                      dollar_retention=pl.when(pl.col("previous_amount") > 0)
                      .then(pl.col("retained_amount") / pl.col("previous_amount")))
        .with_columns(_order=pl.col(column).replace_strict({v: i for i, v in enumerate(order)}, default=len(order),
                                                           return_dtype=pl.Int32))
        .sort("_order", column).drop("_order"))


def first_gifts(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame, start_month: int,
                touches: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per donor with a positive gift, from donors.years.gift_rows(): donor_id, contact_id, first_gift_id,
    first_gift_date, fiscal_year (of the first gift), amount, touch (click, open, send: the best email touch within
    the window before the first gift, as attribution finds it before codes; null: none). `touches`: first_gift_id,
    touch as stored at publish (donors.stored); read from attribution's touches when not given."""
    firsts = (rows.filter(revenue_gift())
              .sort("donor_id", "gift_day", "gift_time", "gift_id").group_by("donor_id", maintain_order=True).first()
              .select("donor_id", "contact_id", pl.col("gift_id").alias("first_gift_id"),
                      pl.col("gift_day").alias("first_gift_date"), fiscal_year_expr("gift_day", start_month),
                      "amount"))
    if touches is None:
        touches = stored_or_live(con, TOUCHES_TABLE, ATTRIBUTION_TOUCHES, FIRST_GIFT_WINDOW_HOURS, "gift_id").select(
            pl.col("gift_id").alias("first_gift_id"), pl.col("tier").alias("touch"))
    return firsts.join(touches, on="first_gift_id", how="left")


EMAIL_COLUMNS = ("after_email", "share", "after_click", "after_open", "after_send", "after_email_amount")


def first_gifts_by_year(firsts: pl.DataFrame, years: list[int], first_email: date | None = None,
                        start_month: int = 1) -> pl.DataFrame:
    """Per fiscal year: first_gifts (new donors), on_email (matched to a contact), after_email (first gift within
    the window after an email touch), share (after_email ÷ first_gifts), after_click, after_open, after_send,
    after_email_amount, and email_data: "none" for a year that ended before the first email on record
    (`first_email`; None: no email at all), whose email columns are then unknown (null), not 0; "from <date>" for
    the year email data began in; "" otherwise."""
    rows = firsts.filter(pl.col("fiscal_year").is_in(years))
    summary = rows.group_by("fiscal_year").agg(
        pl.len().alias("first_gifts"), pl.col("contact_id").is_not_null().sum().alias("on_email"),
        pl.col("touch").is_not_null().sum().alias("after_email"),
        *[(pl.col("touch") == t).sum().alias(f"after_{t}") for t in ("click", "open", "send")],
        pl.col("amount").filter(pl.col("touch").is_not_null()).sum().round(2).alias("after_email_amount"))
    def coverage(first: date, last: date) -> str:
        if first_email is None or last < first_email:
            return "none"
        return f"from {first_email:%b} {first_email.day}, {first_email.year}" if first < first_email else ""

    spans = {year: coverage(*fiscal_year_span(year, start_month)) for year in years}
    table = (pl.DataFrame({"fiscal_year": years, "email_data": [spans[y] for y in years]},
                          schema={"fiscal_year": pl.Int32, "email_data": pl.Utf8})
             .join(summary.with_columns(pl.col("fiscal_year").cast(pl.Int32)), on="fiscal_year", how="left")
             .with_columns(pl.exclude("email_data").fill_null(0)).sort("fiscal_year")
             .with_columns(share=ratio("after_email", "first_gifts")))
    unknown = pl.col("email_data") == "none"
    return table.with_columns([pl.when(unknown).then(None).otherwise(pl.col(c)).alias(c) for c in EMAIL_COLUMNS])


def conversion(emails: pl.DataFrame, firsts: pl.DataFrame, year: int, start_month: int,
               tiers: pl.DataFrame | None) -> pl.DataFrame:
    """Never-donor subscribers in fiscal year `year`: contacts sent at least one email that year (`emails`:
    email_year()) who had not given before it. Per engagement tier (as of the latest activity): subscribers,
    converted (first gift that year), conversion (converted ÷ subscribers)."""
    first_day, last_day = fiscal_year_span(year, start_month)
    sent = emails.select("contact_id")
    donor_contacts = firsts.filter(pl.col("contact_id").is_not_null()).group_by("contact_id").agg(
        pl.col("first_gift_date").min())
    people = sent.join(donor_contacts, on="contact_id", how="left").filter(
        pl.col("first_gift_date").is_null() | (pl.col("first_gift_date") >= first_day))
    people = people.with_columns(converted=pl.col("first_gift_date").is_not_null()
                                 & (pl.col("first_gift_date") <= last_day))
    if tiers is None or tiers.is_empty():
        people = people.with_columns(tier=pl.lit("Not scored"))
    else:
        people = people.join(tiers.select(pl.col("contact_id").cast(pl.Utf8), pl.col("tier").cast(pl.Utf8)),
                             on="contact_id", how="left").with_columns(pl.col("tier").fill_null("Not scored"))
    return (people.group_by("tier").agg(pl.len().alias("subscribers"), pl.col("converted").sum().alias("converted"))
            .with_columns(conversion=pl.col("converted") / pl.col("subscribers"),
                          _order=pl.col("tier").replace_strict({t: i for i, t in enumerate(TIERS)}, default=len(TIERS),
                                                               return_dtype=pl.Int32))
            .sort("_order", "tier").drop("_order"))
