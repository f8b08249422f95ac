"""The attribution window and evidence rule: chosen on Donation attribution, followed by every revenue figure
(Overview's card, Compare appeals, Top links). The window is kept in st.session_state["f_window"] (hours, as
text) and in the URL (`?window=48`); "count machine opens and bounced sends" in st.session_state["f_lenient"]."""

from __future__ import annotations

import streamlit as st

from cc_data.analytics.attribution.queries import WINDOW_CHOICES

DEFAULT_HOURS = 48.0


def hours() -> float:
    try:
        chosen = float(st.session_state.get("f_window") or DEFAULT_HOURS)
    except ValueError:
        return DEFAULT_HOURS
    return chosen if 1 <= chosen <= 24 * 90 else DEFAULT_HOURS


def remember(chosen: float) -> None:
    st.session_state["f_window"] = f"{chosen:g}"


def label(window_hours: float) -> str:
    """e.g. "48-hour window", "7-day window"."""
    if window_hours % 24 == 0 and window_hours >= 72:
        return f"{window_hours / 24:g}-day window"
    return f"{window_hours:g}-hour window"


def choice_of(window_hours: float) -> str:
    """The segmented-control option for a window ("Custom" when it is not one of the standard ones)."""
    return next((name for name, h in WINDOW_CHOICES.items() if h == window_hours), "Custom")


def lenient() -> bool:
    """True when likely machine opens and bounced sends count as evidence (off by default)."""
    return bool(st.session_state.get("f_lenient", False))


def remember_lenient(value: bool) -> None:
    st.session_state["f_lenient"] = bool(value)


def describe(window_hours: float) -> str:
    """e.g. "48-hour window" or "48-hour window, machine opens and bounced sends counted"."""
    return label(window_hours) + (", machine opens and bounced sends counted" if lenient() else "")
