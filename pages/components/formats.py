"""Every number the pages show, written by cc_data/format.py (the one formatter the board report and import
messages share); this module adds only what the pages know: which metric is a rate or money.

Money as $15,036.79 (`cents=True`, tables and help texts) or $15,037 (cards round to the dollar), counts with
thousands separators, rates as percentages (two decimals under 1%), changes of rates in percentage points; an
unknown value reads "–", never "None" or 0.
"""

from __future__ import annotations

from cc_data.analytics.rules.rates import RATES
from cc_data.format import (
    NO_CHANGE,
    UNKNOWN,
    count,
    money,
    percent,
    points,
    relative_change,
    signed_count,
    signed_money,
)

__all__ = ["MONEY_KEYS", "NO_CHANGE", "RATE_KEYS", "UNKNOWN", "change", "count", "metric", "money", "percent",
           "relative_change"]

RATE_KEYS = frozenset(RATES)
MONEY_KEYS = frozenset({"revenue", "revenue_per_1000", "average_gift"})
CENTS_KEYS = frozenset({"revenue_per_1000"})   # money shown to the cent; other money to the dollar


def metric(key: str, value: float | None) -> str:
    """A figure by its metric's key: rates as percentages, money (revenue per 1,000 emails to the cent, other money
    to the dollar), everything else a count."""
    if key in RATE_KEYS:
        return percent(value)
    if key in MONEY_KEYS:
        return money(value, cents=key in CENTS_KEYS)
    return count(value)


def change(key: str, value: float | None) -> str | None:
    """A change as shown under a card: rates in points, money in dollars (to the cent where the figure is),
    counts signed."""
    if key in RATE_KEYS:
        return points(value)
    if key in MONEY_KEYS:
        return signed_money(value, cents=key in CENTS_KEYS)
    return signed_count(value)
