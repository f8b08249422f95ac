"""One way to write every number the pages show: money, counts, percentages and their changes.

Money as $15,036.79 (`cents=True`, tables and help texts) or $15,037 (cards round to the dollar), counts with
thousands separators, rates as percentages (two decimals under 1%), changes of rates in percentage points; an
unknown value reads "–", never "None" or 0.
"""

from __future__ import annotations

from cc_data.analytics.rules.rates import RATES

UNKNOWN = "–"
NO_CHANGE = "no change"
RATE_KEYS = frozenset(RATES)
MONEY_KEYS = frozenset({"revenue", "revenue_per_1000", "average_gift"})


def money(value: float | None, *, cents: bool = True) -> str:
    if value is None:
        return UNKNOWN
    return f"${value:,.2f}" if cents else f"${value:,.0f}"


def count(value: float | None) -> str:
    return UNKNOWN if value is None else f"{value:,.0f}"


def percent(value: float | None, decimals: int = 1) -> str:
    """A share or rate (0.298 → 29.8%); under 1% with one more decimal, so a small rate never reads 0.0%."""
    if value is None:
        return UNKNOWN
    places = decimals + 1 if 0 < abs(value) < 0.01 else decimals
    return f"{value:.{places}%}"


def metric(key: str, value: float | None) -> str:
    """A figure by its metric's key: rates as percentages, money (revenue per 1,000 emails to the cent, other money
    to the dollar), everything else a count."""
    if key in RATE_KEYS:
        return percent(value)
    if key in MONEY_KEYS:
        return money(value, cents=key == "revenue_per_1000")
    return count(value)


def change(key: str, value: float | None) -> str | None:
    """A change as shown under a card: rates in points (two decimals when small; one that rounds to zero reads "no
    change": a "-0.0 pts" in red would claim a fall that is not there), money in dollars, counts signed."""
    if value is None:
        return None
    if key in RATE_KEYS:
        points = value * 100
        if round(points, 2) == 0:
            return NO_CHANGE
        return f"{points:+.1f} pts" if abs(points) >= 0.095 else f"{points:+.2f} pts"
    if key in MONEY_KEYS:
        return f"{'+' if value >= 0 else '-'}${abs(value):,.0f}"
    return f"{value:+,.0f}"


def relative_change(value: float | None) -> str | None:
    """A change in percent of the previous figure (+12%), for counts and money."""
    return None if value is None else f"{value:+.0%}"
