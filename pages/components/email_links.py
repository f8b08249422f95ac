"""Links that open one email on the Email report page (`/email_report?email=<campaign_id>`), from a campaign row on
another page."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import streamlit as st

PAGE = Path(__file__).resolve().parents[2] / "pages/email_report.py"
PROVIDERS_PAGE = PAGE.with_name("mailbox_providers.py")
PATH = "email_report"   # the page's URL path (st.Page names it after the file)
COLUMN = "email_report"


def url(campaign_id: str) -> str:
    return f"{PATH}?email={campaign_id}"


def with_link(frame: pl.DataFrame, id_column: str = "campaign_id") -> pl.DataFrame:
    """The frame with a column COLUMN holding each row's Email report address."""
    return frame.with_columns((pl.lit(f"{PATH}?email=") + pl.col(id_column)).alias(COLUMN))


def link_column() -> st.column_config.LinkColumn:
    return st.column_config.LinkColumn("Email report", display_text="Open", width="small",
                                       help="The email's funnel, links, bounce and opt-out reasons and providers, "
                                            "beside the median email of its type.")


def page_links(campaigns: dict[str, str], where=st) -> None:  # noqa: ANN001 - a Streamlit container
    """One "Open … in the Email report" link per campaign (campaign_id -> name)."""
    row = where.container(horizontal=True)
    for campaign_id, name in campaigns.items():
        row.page_link(PAGE, label=f"Email report: {name}", icon=":material/mail:",
                      query_params={"email": campaign_id})
