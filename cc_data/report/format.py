"""Numbers as the dashboard writes them: the same formatter (cc_data/format.py) keyed by the report's metrics, so
a figure in the PDF reads exactly as on the page it summarises (a test compares them)."""

from __future__ import annotations

from datetime import datetime

from cc_data import format as numbers
from cc_data.format import UNKNOWN, day, span

__all__ = ["change", "day", "fmt", "moment", "percent", "span"]

RATES = {"open_rate", "click_rate", "click_to_open", "unsubscribe_rate", "bounce_rate", "email_share",
         "donor_retention"}
MONEY = {"revenue", "revenue_per_1000", "appeal_revenue", "season_revenue"}


def fmt(metric: str, value: float | None) -> str:
    if metric in RATES:
        return numbers.percent(value)
    if metric in MONEY:
        return numbers.money(value, cents=metric == "revenue_per_1000")
    return numbers.count(value)


def change(metric: str, now: float | None, before: float | None) -> str:
    """Rates in percentage points; money and counts in percent of the earlier figure."""
    if now is None or before is None:
        return UNKNOWN
    if metric in RATES:
        return numbers.points(now - before) or UNKNOWN
    if before == 0:
        return "new" if now else numbers.NO_CHANGE
    ratio = (now - before) / abs(before)
    return numbers.NO_CHANGE if abs(ratio) < 0.0005 else numbers.relative_change(ratio) or UNKNOWN


def percent(value: float | None) -> str:
    """The Donors page's percent."""
    return numbers.percent(value)


def moment(value: datetime | None, zone_name: str) -> str:
    if value is None:
        return "never"
    return f"{day(value.date())} {value:%H:%M} ({zone_name})"
