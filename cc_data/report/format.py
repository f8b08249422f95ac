"""Numbers as the dashboard writes them (pages/components/charts.fmt and fmt_change), so a figure in the PDF reads
exactly as on the page it summarises (a test compares them)."""

from __future__ import annotations

from datetime import date, datetime

RATES = {"open_rate", "click_rate", "click_to_open", "unsubscribe_rate", "bounce_rate", "email_share",
         "donor_retention"}
MONEY = {"revenue", "revenue_per_1000", "appeal_revenue", "season_revenue"}


def fmt(metric: str, value: float | None) -> str:
    if value is None:
        return "–"
    if metric in RATES:
        return f"{value:.1%}" if abs(value) >= 0.01 or value == 0 else f"{value:.2%}"
    if metric in MONEY:
        return f"${value:,.2f}" if metric == "revenue_per_1000" else f"${value:,.0f}"
    return f"{value:,.0f}"


def change(metric: str, now: float | None, before: float | None) -> str:
    """Rates in percentage points; money and counts in percent of the earlier figure."""
    if now is None or before is None:
        return "–"
    if metric in RATES:
        points = (now - before) * 100
        if round(points, 2) == 0:
            return "no change"
        return f"{points:+.1f} pts" if abs(points) >= 0.095 else f"{points:+.2f} pts"
    if before == 0:
        return "new" if now else "no change"
    ratio = (now - before) / abs(before)
    return "no change" if abs(ratio) < 0.0005 else f"{ratio:+.0%}"


def percent(value: float | None) -> str:
    """The Donors page's percent."""
    return "–" if value is None else f"{value:.1%}"


def day(value: date) -> str:
    return f"{value:%b} {value.day}, {value.year}"


def span(first: date, last: date) -> str:
    if first.year == last.year:
        return f"{first:%b} {first.day} – {last:%b} {last.day}, {last.year}"
    return f"{day(first)} – {day(last)}"


def moment(value: datetime | None, zone_name: str) -> str:
    if value is None:
        return "never"
    return f"{day(value.date())} {value:%H:%M} ({zone_name})"
