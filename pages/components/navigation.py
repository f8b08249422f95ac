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
    }
