"""Every rate by its own name: numerator, denominator, label and formula, and pooled totals.

Two denominators, two rates. Constant Contact's open and click rates divide unique openers (clickers) by the
**emails delivered** (sends − bounces, where a primary email and its resend to the same person are two emails):
Overview, Campaign trends and the campaign tables use them. Comparing appeals at equal age divides by the **people
reached** (unique contacts delivered), so a resend to non-openers adds emails but no people and never drags the rate
down: Compare appeals uses those, under their own names and labels (`*_per_person`).

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
    label: str         # in full, saying the denominator where two rates share a name
    numerator: str
    denominator: str
    formula: str
    short: str = ""    # for a card or a column header (18 characters fit a card at 1024 px); the label if empty

    @property
    def title(self) -> str:
        return self.short or self.label

    @property
    def help(self) -> str:
        """The label in full and the formula, for a card's or a column's help."""
        return f"{self.label} = {self.formula}."


RATES: dict[str, Rate] = {
    r.key: r
    for r in (
        Rate("open_rate", "Open rate per email delivered", "opens", "delivered",
             "unique openers ÷ emails delivered (delivered = sends − bounces; a resend is a second email)",
             "Open rate (emails)"),
        Rate("click_rate", "Click rate per email delivered", "clicks", "delivered",
             "unique clickers ÷ emails delivered", "Click rate (emails)"),
        Rate("click_to_open", "Click-to-open", "clicks", "opens", "unique clickers ÷ unique openers"),
        Rate("unsubscribe_rate", "Unsubscribe rate", "optouts", "delivered", "opt-outs ÷ delivered"),
        Rate("bounce_rate", "Bounce rate", "bounces", "sends", "bounces ÷ sends (every bounce code, auto-replies included)"),
        Rate("open_rate_per_person", "Open rate per person reached", "openers", "people_reached",
             "unique openers ÷ unique people delivered (a resend to the same person adds no one)",
             "Open rate (people)"),
        Rate("click_rate_per_person", "Click rate per person reached", "clickers", "people_reached",
             "unique clickers ÷ unique people delivered", "Click rate (people)"),
    )
}
CAMPAIGN_RATES = ("open_rate", "click_rate", "click_to_open", "unsubscribe_rate", "bounce_rate")

COUNT_HELP = {
    "sends": "emails sent: a primary email and its resend to the same contact are two emails",
    "bounces": "contacts whose email bounced, any code (vacation/auto-replies included, as Constant Contact counts)",
    "auto_replies": "contacts whose bounce was a vacation/auto-reply (code V); already counted in bounces",
    "delivered": "sends − bounces (auto-replies count as bounces, as in Constant Contact's reports)",
    "revenue": "attributed (influenced) revenue of gifts tied to a campaign in the period",
    "revenue_per_1000": "attributed revenue ÷ sends × 1,000 (M+R's headline fundraising metric)",
}


def ratio(numerator: str | pl.Expr, denominator: str | pl.Expr) -> pl.Expr:
    """numerator ÷ denominator, null (not zero, not infinite) when the denominator is not above zero."""
    num = pl.col(numerator) if isinstance(numerator, str) else numerator
    den = pl.col(denominator) if isinstance(denominator, str) else denominator
    return pl.when(den > 0).then(num / den).otherwise(None)


def rate(key: str, *, numerator: str | None = None, denominator: str | None = None) -> pl.Expr:
    """The rate `key` (a RATES key) over columns named as its numerator and denominator, or the columns given
    instead (e.g. human_opens for opens, or the counts at one age), named `key`."""
    r = RATES[key]
    return ratio(numerator or r.numerator, denominator or r.denominator).alias(key)


def with_rates(counts: pl.DataFrame, *, human_opens_only: bool = False) -> pl.DataFrame:
    """Add the campaign rate columns (CAMPAIGN_RATES) to a frame that has the count columns (one row per campaign,
    week, ...); `human_opens_only` counts opens not flagged as likely machine opens."""
    opens = "human_opens" if human_opens_only else "opens"
    return counts.with_columns(
        rate("open_rate", numerator=opens), rate("click_rate"), rate("click_to_open", denominator=opens),
        rate("unsubscribe_rate"), rate("bounce_rate"))


def pooled(counts: pl.DataFrame, *, human_opens_only: bool = False) -> dict[str, float | None]:
    """Totals and pooled rates over all rows of `counts`."""
    totals = counts.select([pl.col(c).sum().alias(c) for c in COUNT_COLUMNS if c in counts.columns])
    if counts.is_empty():
        totals = pl.DataFrame({c: [0] for c in COUNT_COLUMNS if c in counts.columns})
    return with_rates(totals, human_opens_only=human_opens_only).row(0, named=True)
