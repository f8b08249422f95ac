"""The sidebar: the data-source banner and the filters shared by the pages (kept in st.session_state)."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from cc_data.analytics.status import time_ago
from pages.components import data


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


def filters(core: data.Core) -> None:
    sent = core.campaigns["send_time"]
    if sent.is_empty():
        return
    latest, earliest = sent.max().date(), sent.min().date()
    if "f_dates" not in st.session_state:
        st.session_state["f_dates"] = (max(earliest, latest - timedelta(days=364)), latest)
    st.sidebar.date_input("Campaigns sent between", key="f_dates", min_value=earliest - timedelta(days=366),
                          max_value=latest + timedelta(days=366),
                          help="A campaign belongs to the day of its first send (UTC).")
    st.sidebar.multiselect("Campaign type", sorted(core.campaigns["type"].unique().to_list()), key="f_types",
                           placeholder="All types")
    st.sidebar.text_input("Campaign name contains", key="f_name", placeholder="e.g. Year-End")
    lists = dict(zip(core.lists["list_id"].to_list(), core.lists["name"].to_list(), strict=True))
    st.sidebar.multiselect("Sent to list", list(lists), format_func=lambda i: lists.get(i, i), key="f_lists",
                           placeholder="All lists")
    st.sidebar.toggle("Exclude likely machine opens", key="f_human_only",
                      help="Drops opens within 10 minutes of the send by contacts who were sent 5+ emails, "
                           "'opened' 90%+ of them and never clicked (Apple Mail Privacy Protection, scanners).")
