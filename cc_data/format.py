"""One way to write a number or a date for people: the dashboard (pages/components/formats.py), the board report
(cc_data/report) and messages (an import's report) all write through these, so a figure reads the same wherever
it appears.

Money: to the cent ("$15,036.79") or to the dollar ("$15,037"), chosen per context and kept for the figure's
changes ("$371.36", "-$20.13"; never "-$20" beside it); a negative amount with its sign before the dollar sign
("-$20", never "$-20"). The sign is the ASCII hyphen-minus: st.metric reads a change's direction from it. Counts with
separators. Rates as percentages, with one more decimal under 1% so a small rate never reads 0.0%. Changes of
rates in percentage points. An unknown value reads "–", never "None" or 0.
"""

from __future__ import annotations

from datetime import date

UNKNOWN = "–"
NO_CHANGE = "no change"
MINUS = "-"


def money(value: float | None, *, cents: bool = True) -> str:
    if value is None:
        return UNKNOWN
    text = f"${abs(value):,.2f}" if cents else f"${abs(value):,.0f}"
    return MINUS + text if value < 0 and text.strip("$0.,") else text   # never "-$0"


def signed_money(value: float | None, *, cents: bool = False) -> str | None:
    """A change in money: "+$20", "−$20"."""
    if value is None:
        return None
    shown = money(value, cents=cents)
    return shown if shown.startswith(MINUS) else "+" + shown


def count(value: float | None) -> str:
    if value is None:
        return UNKNOWN
    return f"{value:,.0f}"


def percent(value: float | None, decimals: int = 1) -> str:
    """A share or rate (0.298 → 29.8%); under 1% with one more decimal, so a small rate never reads 0.0%."""
    if value is None:
        return UNKNOWN
    places = decimals + 1 if 0 < abs(value) < 0.01 else decimals
    return f"{value:.{places}%}"


def points(change: float | None) -> str | None:
    """A change of a rate in percentage points (two decimals when small); one that rounds to zero reads "no
    change": a "-0.0 pts" in red would claim a fall that is not there."""
    if change is None:
        return None
    pts = change * 100
    if round(pts, 2) == 0:
        return NO_CHANGE
    return f"{pts:+.1f} pts" if abs(pts) >= 0.095 else f"{pts:+.2f} pts"


def signed_count(value: float | None) -> str | None:
    return None if value is None else f"{value:+,.0f}"


def relative_change(value: float | None) -> str | None:
    """A change in percent of the previous figure (+12%, -12%), for counts and money."""
    return None if value is None else f"{value:+.0%}"


def day(value: date) -> str:
    """Dec 7, 2026."""
    return f"{value:%b} {value.day}, {value.year}"


def span(first: date, last: date) -> str:
    """Nov 1 – Dec 7, 2026, or Dec 1, 2025 – Jan 31, 2026."""
    if first.year == last.year:
        return f"{first:%b} {first.day} – {last:%b} {last.day}, {last.year}"
    return f"{day(first)} – {day(last)}"

