"""An appeal series year over year, in people and in dollars, at equal age since the year's first send.

A year of a series is every campaign of that series in that year (waves and resends together; the year from the
campaign name, else the fiscal year of its first send, see rules.appeals.with_series). At an age (24 h, 48 h, 7 days,
30 days) a year's row counts what had happened by its first send + that age:

- emails sent: send rows (a contact sent the primary email and its resend counts twice, as Constant Contact does);
- people reached: unique contacts delivered (sent and not bounced);
- openers, clickers: unique contacts who opened or clicked any email of that year;
- open rate and click rate per person reached: openers or clickers ÷ people reached (rules.rates; a resend to
  non-openers does not lower it);
- gifts, donors, revenue: the gifts attributed (for the attribution window in use) to that year's campaigns,
  dated by then: gifts are revenue gifts counted once per transaction (not adjustments or refunds), donors are
  distinct donors, revenue is net of adjustments and refunds;
- average gift = revenue ÷ gifts; revenue per 1,000 emails = revenue ÷ emails sent × 1,000 (M+R's definition).

The change is against the previous year of the same series at the same age: in percent for counts and money, in
percentage points for rates. `complete` is False while a year is younger than the age (its numbers can still rise).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import polars as pl

from cc_data.analytics.email.sends import per_send_source
from cc_data.analytics.rules.gifts import donor_count, gift_count, net_revenue
from cc_data.analytics.rules.rates import RATES as RATE_DEFINITIONS
from cc_data.analytics.rules.rates import rate, ratio
from cc_data.store.query import frame

AGES: dict[str, int] = {"24 h": 24, "48 h": 48, "7 days": 168, "30 days": 720}
COUNTS = ("emails_sent", "people_reached", "openers", "clickers", "gifts", "donors")
MONEY = ("revenue", "average_gift", "revenue_per_1000")
RATES = ("open_rate_per_person", "click_rate_per_person")
LABELS = {
    "year": "Year", "age": "At", "campaigns": "Campaigns", "first_send": "First send",
    "emails_sent": "Emails sent", "people_reached": "People reached", "openers": "Openers", "clickers": "Clickers",
    **{key: RATE_DEFINITIONS[key].label for key in RATES}, "gifts": "Gifts", "donors": "Donors",
    "revenue": "Revenue", "average_gift": "Average gift", "revenue_per_1000": "Revenue per 1,000 emails",
}


# Per year of the series: emails sent, and per person their first delivery, open and click, as hours since the
# year's first send, so every age is a count of rows under a cut-off (no distinct counts over millions of rows).
PEOPLE_SQL = """
WITH r AS (
    SELECT c.year, p.contact_id, date_diff('second', c.first_send, p.sent_at) / 3600.0 AS sent_h,
           CASE WHEN NOT p.bounced THEN date_diff('second', c.first_send, p.sent_at) / 3600.0 END AS delivered_h,
           date_diff('second', c.first_send, p.{open_column}) / 3600.0 AS opened_h,
           date_diff('second', c.first_send, p.first_click_at) / 3600.0 AS clicked_h
    FROM {source} p JOIN _series_years c USING (campaign_id)
),
emails AS (SELECT year, {emails} FROM r GROUP BY year),
people AS (SELECT year, contact_id, min(delivered_h) AS d, min(opened_h) AS o, min(clicked_h) AS c
           FROM r GROUP BY year, contact_id)
SELECT * FROM emails JOIN (SELECT year, {reach} FROM people GROUP BY year) USING (year)
"""


def year_rows(con: duckdb.DuckDBPyConnection, campaigns: pl.DataFrame, gifts: pl.DataFrame | None, as_of: datetime,
              *, ages: dict[str, int] = AGES, open_column: str = "first_open_at",
              source: str | None = None) -> pl.DataFrame:
    """One row per year of the campaigns given (one series: compare.with_series rows with campaign_id, year,
    send_time) and per age, from the per-send rows in `source` (a FROM item; default: the database's, see
    sends.per_send_source); `gifts`: attributed gifts (campaign_id, gift_time, amount, donor_id, transaction_id,
    is_adjustment) or None."""
    if open_column not in ("first_open_at", "first_human_open_at"):
        raise ValueError(f"no open column {open_column!r}")
    years = campaigns.group_by("year").agg(first_send=pl.col("send_time").min(), campaigns=pl.len())
    of_year = campaigns.select("campaign_id", "year")
    n = range(len(ages))
    hours = list(ages.values())
    sql = PEOPLE_SQL.format(
        source=source or per_send_source(con), open_column=open_column,
        emails=", ".join(f"count(*) FILTER (WHERE sent_h <= {hours[i]}) AS emails_sent_{i}" for i in n),
        reach=", ".join(f"count(*) FILTER (WHERE {col} <= {hours[i]}) AS {name}_{i}" for i in n
                        for col, name in (("d", "people_reached"), ("o", "openers"), ("c", "clickers"))))
    con.register("_series_years", of_year.join(years.select("year", "first_send"), on="year").to_arrow())
    try:
        counted = frame(con, sql)
    finally:
        con.unregister("_series_years")
    gift_rows = (gifts.join(of_year, on="campaign_id") if gifts is not None
                 else pl.DataFrame(schema={"year": pl.Int64, "gift_time": pl.Datetime, "amount": pl.Float64,
                                           "donor_id": pl.Utf8, "transaction_id": pl.Utf8, "is_adjustment": pl.Boolean}))
    out = []
    for i, (label, age_hours) in enumerate(ages.items()):
        at = years.with_columns(cutoff=pl.col("first_send") + timedelta(hours=age_hours))
        people_side = counted.select(
            pl.col("year").cast(years.schema["year"]),
            *[pl.col(f"{name}_{i}").alias(name) for name in ("emails_sent", "people_reached", "openers", "clickers")])
        gift_side = gift_rows.join(at.select("year", "cutoff"), on="year").filter(
            pl.col("gift_time") <= pl.col("cutoff")).group_by("year").agg(
            gifts=gift_count(), donors=donor_count(), revenue=net_revenue())
        out.append(at.join(people_side, on="year", how="left").join(gift_side, on="year", how="left").with_columns(
            age=pl.lit(label), hours=pl.lit(age_hours), complete=pl.col("cutoff") <= as_of))
    rows = pl.concat(out, how="diagonal_relaxed").with_columns(
        [pl.col(c).fill_null(0) for c in (*COUNTS, "revenue")])
    return _with_change(rows.with_columns(
        *[rate(key) for key in RATES], average_gift=ratio("revenue", "gifts"),
        revenue_per_1000=ratio("revenue", "emails_sent") * 1000,
    )).sort("hours", "year").drop("cutoff")


def default_age(rows: pl.DataFrame) -> str:
    """The age to open at: the largest of AGES that every year in `rows` (year_rows()) has reached, so the youngest
    year (this year's appeal, hours old) is compared with the others at an age it has lived through; the smallest age
    when even that one has not passed (its figures so far)."""
    reached = rows.group_by("age", "hours").agg(pl.col("complete").all()).filter("complete").sort("hours")
    return reached["age"][-1] if reached.height else next(iter(AGES))


def _with_change(rows: pl.DataFrame) -> pl.DataFrame:
    """change_<metric> against the row of year − 1 at the same age (None when there is no such year)."""
    metrics = (*COUNTS, *MONEY, *RATES)
    previous = rows.select("hours", (pl.col("year") + 1).alias("year"),
                           *[pl.col(m).alias(f"_prev_{m}") for m in metrics])
    joined = rows.join(previous, on=["hours", "year"], how="left")
    changes = [(pl.col(m) - pl.col(f"_prev_{m}")).alias(f"change_{m}") if m in RATES
               else pl.when(pl.col(f"_prev_{m}") > 0).then(pl.col(m) / pl.col(f"_prev_{m}") - 1).alias(f"change_{m}")
               for m in metrics]
    return joined.with_columns(changes).drop([f"_prev_{m}" for m in metrics])
