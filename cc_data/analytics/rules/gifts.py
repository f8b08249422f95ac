"""A revenue gift, and how gifts, donors and revenue are counted: one rule for every figure.

Revenue rows are DonorPerfect `G` gifts (split-gift parts are `G` rows too) and adjustments entered as rows of their
own with a negative amount (an `A` row, or a refund entered as a negative `G`). Pledges (`P`), split-gift main
records (`M`) and soft credits (`S`) never count, as the Fundraising Effectiveness Project counts hard credits only.

**An adjusted gift counts once, at its new amount.** DonorPerfect adjusts a gift by re-typing the original `A` (at its
original, full amount), writing an `H` row with the change (negative for a reduction, `glink` to the original) and a
new gift with the resulting amount (`G`; `C`, or `J` for a split gift, when the result is $0). The new gift is the
gift now; the `A` original and the `H` history count nothing (counting them gave $29.95 + $19.95 for a gift of
$19.95). So an `A` row counts only with a negative amount: the form a refund takes when entered as its own row.

A **revenue gift** is a revenue row that is not an adjustment and has an amount above zero. **Gifts** count revenue
gifts once per transaction (the parts of a split gift are one gift); **donors** count the distinct donors of those
gifts; **revenue** is every revenue row's amount, net of adjustments and refunds.

A **scheduled gift** arrives on a schedule, not in answer to an email: a pledge payment (`plink` names the pledge it
pays; DonorPerfect's recurring gifts are pledges paid month by month) or an automatic bank debit (gift type `EFT` or
`ACH`, a monthly sustainer's). Attribution credits it to a campaign only by its own code (rules of attribution).

Each rule is given for SQL (over the `gifts` table, or over revenue rows that carry `is_adjustment` and `amount`)
and for polars (over frames with those columns), built from the same words.
"""

from __future__ import annotations

import polars as pl

GIFT_RECORD_TYPE = "G"
ADJUSTMENT_RECORD_TYPE = "A"
SCHEDULED_GIFT_TYPES: tuple[str, ...] = ("EFT", "ACH")


def revenue_row_sql(alias: str = "g") -> str:
    """SQL: a row of the gifts table `alias` that counts toward revenue: a `G` gift, or an `A` row with a negative
    amount (an adjustment entered as its own row). An `A` row at $0 or more is the superseded original of an adjusted
    gift: DonorPerfect's new `G` row carries the amount now."""
    return (f"({alias}.record_type = '{GIFT_RECORD_TYPE}' "
            f"OR ({alias}.record_type = '{ADJUSTMENT_RECORD_TYPE}' AND {alias}.amount < 0))")


def adjustment_sql(alias: str = "g") -> str:
    """SQL: a revenue row of the gifts table `alias` that adjusts revenue (never a gift)."""
    return f"({alias}.record_type = '{ADJUSTMENT_RECORD_TYPE}' OR {alias}.amount < 0)"


def scheduled_gift_sql(alias: str = "g") -> str:
    """SQL: a row of the gifts table `alias` that is a scheduled gift (a pledge payment or an automatic debit)."""
    return (f"(nullif(trim({alias}.plink), '') IS NOT NULL "
            f"OR upper(trim(coalesce({alias}.gift_type, ''))) IN {SCHEDULED_GIFT_TYPES})")


def _revenue_gift(adjustment: str, amount: str) -> str:
    return f"(NOT {adjustment} AND {amount} > 0)"


def revenue_gift_sql(alias: str = "") -> str:
    """SQL: a revenue gift among revenue rows that carry `is_adjustment` and `amount` (`alias.` before them)."""
    prefix = f"{alias}." if alias else ""
    return _revenue_gift(f"{prefix}is_adjustment", f"{prefix}amount")


def gifts_table_revenue_gift_sql(alias: str = "g") -> str:
    """SQL: a revenue gift, read straight from the gifts table `alias`."""
    return f"({revenue_row_sql(alias)} AND {_revenue_gift(adjustment_sql(alias), f'{alias}.amount')})"


def revenue_gift() -> pl.Expr:
    """polars: a revenue gift, over rows with is_adjustment and amount."""
    return ~pl.col("is_adjustment") & (pl.col("amount") > 0)


def gift_count() -> pl.Expr:
    """polars aggregation: revenue gifts, once per transaction (needs transaction_id)."""
    return pl.col("transaction_id").filter(revenue_gift()).n_unique()


def donor_count() -> pl.Expr:
    """polars aggregation: distinct donors of revenue gifts."""
    return pl.col("donor_id").filter(revenue_gift()).n_unique()


def net_revenue() -> pl.Expr:
    """polars aggregation: every revenue row's amount, net of adjustments and refunds, to the cent."""
    return pl.col("amount").cast(pl.Float64).sum().round(2)
