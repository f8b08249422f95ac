"""Each donor's net giving per fiscal year, and the Fundraising Effectiveness Project's gain/loss over it.

Revenue rows are attribution's (attribution.queries.REVENUE_GIFTS, rules.gifts): `G` gifts (split-gift parts included) and `A`
adjustments; pledges, split main records and soft credits never count. An adjustment or negative gift that names
the gift it adjusts (`glink`) counts in that gift's fiscal year, so a refund nets its gift out where it was given;
otherwise it counts on its own date. A donor gave in a fiscal year when the year's net is above zero. Donor
identity is the DonorPerfect `donor_id` (no households, no soft credits).

Fiscal years are cc_data.analytics.rules.fiscal_years': named by the calendar year they end in.

Categories for fiscal year Y against Y-1 (every donor who gave in Y or Y-1 gets one):
  new: gave in Y, never before Y;  recaptured: gave in Y, not in Y-1, in some year before;
  upgraded / same / downgraded: gave in Y-1 and Y, more / the same / less in Y (together: retained);
  lapsed new: gave in Y-1 for the first time, not in Y;  lapsed repeat: gave in Y-1 and some earlier year, not in Y.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from cc_data.analytics.attribution.queries import REVENUE_GIFTS
from cc_data.analytics.rules.fiscal_years import fiscal_year_expr
from cc_data.analytics.rules.gifts import revenue_gift
from cc_data.store.query import frame

CATEGORIES: tuple[str, ...] = ("new", "recaptured", "upgraded", "same", "downgraded", "lapsed_new", "lapsed_repeat")
LABELS: dict[str, str] = {
    "new": "New", "recaptured": "Recaptured", "upgraded": "Upgraded", "same": "Same amount",
    "downgraded": "Downgraded", "lapsed_new": "Lapsed, new last year", "lapsed_repeat": "Lapsed, repeat",
}
RETAINED = ("upgraded", "same", "downgraded")
LAPSED = ("lapsed_new", "lapsed_repeat")
TREND_YEARS = 5


GIFT_ROWS = f"""
WITH rev AS ({REVENUE_GIFTS})
SELECT r.donor_id, r.contact_id, r.gift_id, r.gift_day, r.gift_time, r.amount, r.is_adjustment,
       -- an adjustment that names its gift counts on that gift's date
       coalesce(CASE WHEN r.is_adjustment THEN parent.gift_day END, r.gift_day) AS counted_day
FROM rev r LEFT JOIN rev parent ON r.is_adjustment AND parent.gift_id = r.glink AND NOT parent.is_adjustment
ORDER BY r.donor_id, r.gift_day, r.gift_id
"""


def gift_rows(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every revenue row (attribution's REVENUE_GIFTS): donor_id, contact_id, gift_id, gift_day, gift_time,
    amount, is_adjustment, counted_day (the day it counts on: its gift's for an adjustment naming one)."""
    return frame(con, GIFT_ROWS, own_cursor=True)


def years_from_rows(rows: pl.DataFrame, start_month: int = 1) -> pl.DataFrame:
    """donor_years() from gift_rows()."""
    return (rows.with_columns(fiscal_year_expr("counted_day", start_month))
            .group_by("donor_id", "fiscal_year")
            .agg(pl.col("amount").sum().round(2), revenue_gift().sum().alias("gifts"))
            .sort("donor_id", "fiscal_year"))


def donor_years(con: duckdb.DuckDBPyConnection, start_month: int = 1) -> pl.DataFrame:
    """donor_id, fiscal_year, amount (net), gifts (revenue gift rows): one row per donor and fiscal year with a
    revenue row, net of refunds and adjustments (which may leave 0 or less: then the donor did not give that year)."""
    return years_from_rows(gift_rows(con), start_month)


def gain_loss(years: pl.DataFrame, year: int) -> pl.DataFrame:
    """One row per donor who gave in `year` or the year before: donor_id, category, amount (in `year`),
    previous_amount (in `year - 1`), first_year (the first fiscal year the donor gave)."""
    gave = years.filter(pl.col("amount") > 0)
    first = gave.group_by("donor_id").agg(pl.col("fiscal_year").min().alias("first_year"))
    now = gave.filter(pl.col("fiscal_year") == year).select("donor_id", "amount")
    before = gave.filter(pl.col("fiscal_year") == year - 1).select("donor_id", pl.col("amount").alias("previous_amount"))
    both = now.join(before, on="donor_id", how="full", coalesce=True).join(first, on="donor_id", how="left")
    this, last = pl.col("amount"), pl.col("previous_amount")
    category = (pl.when(this.is_not_null() & last.is_not_null())
                .then(pl.when(this > last).then(pl.lit("upgraded")).when(this == last).then(pl.lit("same"))
                      .otherwise(pl.lit("downgraded")))
                .when(this.is_not_null() & (pl.col("first_year") == year)).then(pl.lit("new"))
                .when(this.is_not_null()).then(pl.lit("recaptured"))
                .when(pl.col("first_year") == year - 1).then(pl.lit("lapsed_new"))
                .otherwise(pl.lit("lapsed_repeat")))
    return (both.with_columns(category.alias("category"))
            .select("donor_id", "category", pl.col("amount").fill_null(0.0), pl.col("previous_amount").fill_null(0.0),
                    "first_year").sort("donor_id"))


@dataclass(frozen=True)
class Summary:
    year: int
    donors: int                 # gave in `year`
    previous_donors: int        # gave in `year - 1`
    amount: float               # net giving in `year` of every donor who gave
    previous_amount: float
    counts: dict[str, int]      # donors per category
    amounts: dict[str, float]   # giving in `year` per category (lapsed: 0)
    previous_amounts: dict[str, float]   # giving in `year - 1` per category

    @property
    def retained(self) -> int:
        return sum(self.counts[c] for c in RETAINED)

    @property
    def donor_retention(self) -> float | None:
        """Retained donors ÷ donors of the previous year."""
        return self.retained / self.previous_donors if self.previous_donors else None

    @property
    def dollar_retention(self) -> float | None:
        """This year's giving by retained donors ÷ the previous year's giving by all its donors."""
        kept = sum(self.amounts[c] for c in RETAINED)
        return kept / self.previous_amount if self.previous_amount else None

    @property
    def new_donor_retention(self) -> float | None:
        """Retained donors whose first year was the previous year ÷ the previous year's new donors."""
        return _share(self.new_retained, self.new_retained + self.counts["lapsed_new"])

    @property
    def repeat_donor_retention(self) -> float | None:
        """Retained donors who had given before the previous year ÷ the previous year's repeat donors."""
        repeat_retained = self.retained - self.new_retained
        return _share(repeat_retained, repeat_retained + self.counts["lapsed_repeat"])

    new_retained: int = 0       # retained donors whose first year was `year - 1`


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def summarise(per_donor: pl.DataFrame, year: int) -> Summary:
    """The gain/loss totals of gain_loss(years, year)."""
    by = per_donor.group_by("category").agg(pl.len().alias("n"), pl.col("amount").sum().alias("amount"),
                                            pl.col("previous_amount").sum().alias("previous_amount"))
    rows = {r["category"]: r for r in by.iter_rows(named=True)}
    counts = {c: int(rows[c]["n"]) if c in rows else 0 for c in CATEGORIES}
    amounts = {c: round(float(rows[c]["amount"]), 2) if c in rows else 0.0 for c in CATEGORIES}
    previous = {c: round(float(rows[c]["previous_amount"]), 2) if c in rows else 0.0 for c in CATEGORIES}
    new_retained = per_donor.filter(pl.col("category").is_in(RETAINED) & (pl.col("first_year") == year - 1)).height
    return Summary(year=year, donors=per_donor.filter(pl.col("amount") > 0).height,
                   previous_donors=per_donor.filter(pl.col("previous_amount") > 0).height,
                   amount=round(float(per_donor["amount"].sum()), 2),
                   previous_amount=round(float(per_donor["previous_amount"].sum()), 2),
                   counts=counts, amounts=amounts, previous_amounts=previous, new_retained=new_retained)


def trend(years: pl.DataFrame, last_year: int, count: int = TREND_YEARS) -> pl.DataFrame:
    """One row per fiscal year from last_year - count + 1 to last_year: donors, amount, the rates and every
    category's count (columns named as CATEGORIES)."""
    rows = []
    for year in range(last_year - count + 1, last_year + 1):
        s = summarise(gain_loss(years, year), year)
        rows.append({"fiscal_year": year, "donors": s.donors, "previous_donors": s.previous_donors,
                     "amount": s.amount, "retained": s.retained, "donor_retention": s.donor_retention,
                     "dollar_retention": s.dollar_retention, "new_donor_retention": s.new_donor_retention,
                     "repeat_donor_retention": s.repeat_donor_retention, **s.counts})
    return pl.DataFrame(rows, schema_overrides={k: pl.Float64 for k in (
        "donor_retention", "dollar_retention", "new_donor_retention", "repeat_donor_retention")})
