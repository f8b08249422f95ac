"""Data & sync, for admins: who did what (the audit log), the answer to "who has our donor list?"."""

from __future__ import annotations

import polars as pl
import streamlit as st

from cc_data import audit
from cc_data.config import Settings
from cc_data.errors import UserError

LABELS = {"sign_in": "signed in", "refused": "refused entry", "sign_out": "signed out", "sync": "sync",
          "connect": "connected Constant Contact", "import": "imported gifts", "donations_sync": "DonorPerfect sync",
          "mapping": "changed the code mapping", "push": "pushed to Constant Contact", "download": "downloaded",
          "report": "board report (cc-data report)"}


def render(cfg: Settings) -> None:
    st.subheader("Who did what", help="Every sign-in, sync, import, mapping change, push to Constant Contact, "
                                      "download of contact or donor data and board report written or emailed by "
                                      "cc-data report, newest first.")
    st.caption(f"Kept in `{audit.audit_path(cfg.db_path)}`, beside the database (mode 0600): the answer to "
               "\"who has our donor list?\" is every *downloaded* row below.")
    chosen = st.multiselect("Show", list(LABELS), format_func=LABELS.get, key="audit_actions",
                            placeholder="Everything")
    try:
        rows = audit.recent(cfg.db_path, limit=1000, actions=tuple(chosen))
    except UserError as err:
        st.error(str(err))
        return
    if rows.is_empty():
        st.caption("Nothing recorded yet.")
        return
    shown = rows.with_columns(   # empty cells, not "None"
        pl.col("rows").map_elements(lambda n: f"{n:,}", return_dtype=pl.Utf8).fill_null(""),
        *(pl.col(c).fill_null("") for c in ("what", "outcome", "detail")))
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        "at_utc": st.column_config.DatetimeColumn("When (UTC)", format="MMM D, YYYY HH:mm:ss", pinned=True),
        "who": "Who", "action": "Action", "what": "What",
        "rows": "Rows",
        "outcome": "Outcome", "detail": "Detail"})
