"""Rate definitions (as Constant Contact reports them) and pooled totals.

Rates over several campaigns are pooled: sum of numerators over sum of denominators, never a mean
of per-campaign rates (which would not match Constant Contact's dashboard).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

COUNT_COLUMNS = ("sends", "bounces", "auto_replies", "delivered", "opens", "human_opens", "clicks", "optouts",
                 "forwards")


@dataclass(frozen=True)
class Rate:
    key: str
    label: str
    numerator: str
    denominator: str
    formula: str


RATES: dict[str, Rate] = {
    r.key: r
    for r in (
        Rate("open_rate", "Open rate", "opens", "delivered", "unique openers ÷ delivered (delivered = sends − bounces)"),
        Rate("click_rate", "Click rate", "clicks", "delivered", "unique clickers ÷ delivered"),
        Rate("click_to_open", "Click-to-open", "clicks", "opens", "unique clickers ÷ unique openers"),
        Rate("unsubscribe_rate", "Unsubscribe rate", "optouts", "delivered", "opt-outs ÷ delivered"),
        Rate("bounce_rate", "Bounce rate", "bounces", "sends", "bounces ÷ sends (every bounce code, auto-replies included)"),
    )
}

COUNT_HELP = {
    "sends": "emails sent: a primary email and its resend to the same contact are two emails",
    "bounces": "contacts whose email bounced, any code (vacation/auto-replies included, as Constant Contact counts)",
    "auto_replies": "contacts whose bounce was a vacation/auto-reply (code V); already counted in bounces",
    "delivered": "sends − bounces (auto-replies count as bounces, as in Constant Contact's reports)",
    "revenue": "attributed (influenced) revenue of gifts tied to a campaign in the period",
    "revenue_per_1000": "attributed revenue ÷ sends × 1,000 (M+R's headline fundraising metric)",
}


def _opens_column(human_only: bool) -> str:
    return "human_opens" if human_only else "opens"


def _ratio(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    return pl.when(den > 0).then(num / den).otherwise(None)


def with_rates(counts: pl.DataFrame, *, human_opens_only: bool = False) -> pl.DataFrame:
    """Add the rate columns to a frame that has the count columns (one row per campaign, week, ...)."""
    opens = pl.col(_opens_column(human_opens_only))
    return counts.with_columns(
        _ratio(opens, pl.col("delivered")).alias("open_rate"),
        _ratio(pl.col("clicks"), pl.col("delivered")).alias("click_rate"),
        _ratio(pl.col("clicks"), opens).alias("click_to_open"),
        _ratio(pl.col("optouts"), pl.col("delivered")).alias("unsubscribe_rate"),
        _ratio(pl.col("bounces"), pl.col("sends")).alias("bounce_rate"),
    )


def pooled(counts: pl.DataFrame, *, human_opens_only: bool = False) -> dict[str, float | None]:
    """Totals and pooled rates over all rows of `counts`."""
    totals = counts.select([pl.col(c).sum().alias(c) for c in COUNT_COLUMNS if c in counts.columns])
    if counts.is_empty():
        totals = pl.DataFrame({c: [0] for c in COUNT_COLUMNS if c in counts.columns})
    return with_rates(totals, human_opens_only=human_opens_only).row(0, named=True)
