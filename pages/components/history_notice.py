"""One notice for every page that reads per-contact history, while the sync has not fetched all of it
(cc_data.analytics.history): how much is in, and when the rest will be."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from cc_data.analytics.history import HistoryStatus, history_status
from cc_data.store.db import read
from pages.components.formats import count


@st.cache_data(show_spinner=False, max_entries=4)
def _status(db_path: str, version: str) -> HistoryStatus:  # noqa: ARG001 - version keys the cache
    with read(Path(db_path)) as con:
        return history_status(con)


def notice_text(status: HistoryStatus, daily_quota: int) -> str | None:
    """The notice's words, or None when every email's reports are in (or nothing says otherwise)."""
    if status.emails == 0 or status.complete:
        return None
    emails = count(status.emails)
    days = status.days_left(daily_quota)
    when = "in about 1 day" if days == 1 else f"in about {count(days)} days"
    return (f"**History still coming in.** Opens and clicks for {count(status.engagement_in)} of {emails} emails, "
            f"per-contact sends for {count(status.sends_in)} of {emails}; complete {when} at this account's quota "
            f"({count(daily_quota)} API calls a day, {count(status.calls_left)} calls left). Until then, figures "
            "from per-contact rows leave those emails out, and a contact whose tier rests on them is "
            "**Not enough history yet** rather than Lapsed or Not emailed.")


def history_notice(page) -> None:   # a PageStart or DataPage (pages.components.page_start)
    """Show the notice on this page while the per-contact history is incomplete."""
    if page.version == "missing":
        return
    text = notice_text(_status(page.db, page.version), page.cfg.daily_quota)
    if text:
        st.info(text, icon=":material/hourglass_top:")
