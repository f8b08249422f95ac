"""The sidebar: the data-source banner, and the campaign filters shared by the pages that use them.

The filters live in st.session_state (keys `f_*`) and in the URL (`?from=2025-01-01&to=2025-12-31&type=...`), so
a view can be bookmarked and shared. A page shows only the filters that change what it shows (APPLIES); the
others keep their values for the pages where they apply: the widgets persist their state for the session
(`persist_state="session"`), so a page that does not draw one still reads it and the next page that does shows it.

The URL is written here rather than by `bind="query-params"`: a bound widget names its URL parameter after its key
and a date range becomes one repeated parameter, which would break the links already shared (`from`, `to`, `type`,
`name`, `list`, `human`, `window`: the window is chosen on Donation attribution, not in the sidebar).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import streamlit as st

from cc_data.analytics.rules.machine_opens import DEFAULT_RULE
from cc_data.analytics.status import time_ago
from pages.components import data

DATES, TYPES, NAME, LISTS, HUMAN, WINDOW = "f_dates", "f_types", "f_name", "f_lists", "f_human_only", "f_window"
CAMPAIGN_FILTERS = (DATES, TYPES, NAME, LISTS)
# Which sidebar filters each page applies (by page title); a page not listed uses none of them.
APPLIES: dict[str, tuple[str, ...]] = {
    "Overview": (*CAMPAIGN_FILTERS, HUMAN),
    "Campaign trends": (*CAMPAIGN_FILTERS, HUMAN),
    "Compare appeals": (TYPES, NAME, LISTS, HUMAN),   # year over year needs campaigns older than any date range
    "Donation attribution": CAMPAIGN_FILTERS,
}
PAGE_PARAMS = ("email",)   # URL parameters a page sets for itself (Email report: ?email=<campaign_id>)
KEPT = "session"   # persist_state: a filter's value outlives the pages that do not draw it


def banner(core: data.Core) -> None:
    info = core.source
    if info.source == "live":
        st.sidebar.success(f"**Live:** {info.organization_name or 'your account'} · synced "
                           f"{time_ago(info.last_sync_finished_at)}")
    elif info.source == "demo":
        st.sidebar.warning(f"**Demo data** · {info.organization_name or 'synthetic nonprofit'} "
                           "(not a real account)")
    else:
        st.sidebar.info(f"Data source unknown · synced {time_ago(info.last_sync_finished_at)}")


def filters(core: data.Core, page_title: str) -> None:
    sent = core.campaigns["send_time"]
    if sent.is_empty():
        return
    latest, earliest = sent.max().date(), sent.min().date()
    lists = dict(zip(core.lists["list_id"].to_list(), core.lists["name"].to_list(), strict=True))
    types = sorted(core.campaigns["type"].unique().to_list())
    if "f_from_url" not in st.session_state:   # a bookmarked or shared link: its filters win, once per session
        st.session_state["f_from_url"] = True
        from_url(types, lists)
    if DATES not in st.session_state:
        st.session_state[DATES] = (max(earliest, latest - timedelta(days=364)), latest)
    shown = APPLIES.get(page_title, ())
    side = st.sidebar
    if DATES in shown:
        side.date_input("Campaigns sent between", key=DATES, persist_state=KEPT, min_value=earliest - timedelta(days=366),
                        max_value=latest + timedelta(days=366),
                        help="A campaign belongs to the day of its first send.")
    if TYPES in shown:
        side.multiselect("Campaign type", types, key=TYPES, placeholder="All types", persist_state=KEPT)
    if NAME in shown:
        side.text_input("Campaign name contains", key=NAME, placeholder="e.g. Year-End", persist_state=KEPT)
    if LISTS in shown:
        side.multiselect("Sent to list", list(lists), format_func=lambda i: lists.get(i, i), key=LISTS,
                         placeholder="All lists", persist_state=KEPT)
    if HUMAN in shown:
        side.toggle("Exclude likely machine opens", key=HUMAN, persist_state=KEPT,
                    help=f"Drops {DEFAULT_RULE.describe()} (Apple Mail Privacy Protection, scanners).")
    if not shown:
        side.caption("The campaign filters apply to Overview, Campaign trends, Compare appeals and Donation "
                     "attribution; they are kept for when you go back.")
    to_url()


def from_url(types: Iterable[str], lists: dict[str, str]) -> None:
    """Filters named in the URL, where they are valid (an unknown type or list is left out, a bad date ignored)."""
    params = st.query_params
    start, end = _day(params.get("from")), _day(params.get("to"))
    if start and end and start <= end:
        st.session_state[DATES] = (start, end)
    chosen_types = [t for t in params.get_all("type") if t in set(types)]
    if chosen_types:
        st.session_state[TYPES] = chosen_types
    if params.get("name"):
        st.session_state[NAME] = params.get("name")
    chosen_lists = [i for i in params.get_all("list") if i in lists]
    if chosen_lists:
        st.session_state[LISTS] = chosen_lists
    if params.get("human") == "1":
        st.session_state[HUMAN] = True
    if params.get("window"):
        st.session_state[WINDOW] = params.get("window")


def to_url() -> None:
    """The current filters into the address bar (only those set), so the view can be bookmarked."""
    state = st.session_state
    wanted: dict[str, str | list[str]] = {}
    dates = state.get(DATES) or ()
    if len(dates) == 2:
        wanted["from"], wanted["to"] = dates[0].isoformat(), dates[1].isoformat()
    if state.get(TYPES):
        wanted["type"] = list(state[TYPES])
    if state.get(NAME):
        wanted["name"] = state[NAME]
    if state.get(LISTS):
        wanted["list"] = list(state[LISTS])
    if state.get(HUMAN):
        wanted["human"] = "1"
    if state.get(WINDOW):
        wanted["window"] = state[WINDOW]
    for key in PAGE_PARAMS:   # a page's own choice (which email) stays in the address
        if key in st.query_params:
            wanted[key] = st.query_params[key]
    current = {key: st.query_params.get_all(key) for key in st.query_params}
    if current != {k: v if isinstance(v, list) else [v] for k, v in wanted.items()}:
        st.query_params.from_dict(wanted)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
