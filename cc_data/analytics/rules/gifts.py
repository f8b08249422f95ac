"""A revenue gift, and how gifts, donors and revenue are counted: one rule for every figure.

Revenue rows are DonorPerfect `G` gifts (split-gift parts are `G` rows too) and `A` adjustments; pledges (`P`),
split-gift main records (`M`) and soft credits (`S`) never count, as the Fundraising Effectiveness Project counts
hard credits only. An adjustment (an `A` row, or a negative amount) changes revenue but is never a gift.

A **revenue gift** is a revenue row that is not an adjustment and has an amount above zero. **Gifts** count revenue
gifts once per transaction (the parts of a split gift are one gift); **donors** count the distinct donors of those
gifts; **revenue** is every revenue row's amount, net of adjustments and refunds.

Each rule is given for SQL (over the `gifts` table, or over revenue rows that carry `is_adjustment` and `amount`)
and for polars (over frames with those columns), built from the same words.
"""

from __future__ import annotations

import polars as pl

REVENUE_RECORD_TYPES: tuple[str, ...] = ("G", "A")
ADJUSTMENT_RECORD_TYPE = "A"


def revenue_row_sql(alias: str = "g") -> str:
    """SQL: a row of the gifts table `alias` that counts toward revenue."""
    return f"{alias}.record_type IN {REVENUE_RECORD_TYPES}"


def adjustment_sql(alias: str = "g") -> str:
    """SQL: a row of the gifts table `alias` that adjusts revenue (never a gift)."""
    return f"({alias}.record_type = '{ADJUSTMENT_RECORD_TYPE}' OR {alias}.amount < 0)"


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
