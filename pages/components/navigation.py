"""The app's pages in their groups: what app.py routes with st.navigation (and what a page opened first after a
restart hands to st.navigation, see context.run_through_app)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[2]


def app_pages() -> dict[str, list[st.Page]]:
    return {
        "Email": [
            st.Page(ROOT / "pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
            st.Page(ROOT / "pages/campaign_trends.py", title="Campaign trends", icon=":material/trending_up:"),
            st.Page(ROOT / "pages/compare_appeals.py", title="Compare appeals", icon=":material/compare_arrows:"),
            st.Page(ROOT / "pages/email_report.py", title="Email report", icon=":material/mail:"),
            st.Page(ROOT / "pages/mailbox_providers.py", title="Mailbox providers", icon=":material/inbox:"),
        ],
        "Audience": [
            st.Page(ROOT / "pages/engagement.py", title="Engagement", icon=":material/groups:"),
            st.Page(ROOT / "pages/reengagement.py", title="Re-engagement", icon=":material/replay:"),
            st.Page(ROOT / "pages/list_growth.py", title="List growth", icon=":material/group_add:"),
        ],
        "Giving": [st.Page(ROOT / "pages/donation_attribution.py", title="Donation attribution",
                           icon=":material/volunteer_activism:"),
                   st.Page(ROOT / "pages/donors.py", title="Donors", icon=":material/diversity_3:")],
        "Admin": [st.Page(ROOT / "pages/data_sync.py", title="Data & sync", icon=":material/sync:")],
        **_network(),
    }


def _network() -> dict[str, list[st.Page]]:
    """All accounts, for the network's people on an install with several accounts (the page checks again)."""
    from cc_data.config import load_settings
    from cc_data.errors import UserError
    from pages.components.accounts import sees_rollup

    try:
        shown = sees_rollup(load_settings())
    except UserError:   # a wrong setting: app.py says so on every page
        shown = False
    return {"Network": [st.Page(ROOT / "pages/all_accounts.py", title="All accounts",
                                icon=":material/hub:")]} if shown else {}
