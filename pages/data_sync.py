"""Data & sync: where the data comes from, freshness, sync, connecting an account, reconciliation, donations."""

import polars as pl
import streamlit as st

from cc_data import datasource
from cc_data.analytics.email.reconcile import OPENS_NOTE, RECONCILED
from cc_data.analytics.status import time_ago
from cc_data.errors import UserError
from cc_data.sync.progress import step_name
from pages.components import audit_panel, context, data, oauth, schedule, signin, tables
from pages.components.donations_upload import render_donations_upload
from pages.components.page_start import current, open_page
from pages.components.push_panel import pushes_section
from pages.components.sync_progress import SyncProgressBar

page = open_page("Data & sync")
cfg = page.cfg
demo = datasource.is_demo(cfg)
if demo:
    st.markdown("**Source: the built-in demo** (a synthetic nonprofit served by the local sandbox). Add "
                "`CONSTANT_CONTACT_CLIENT_ID` to `.env` to use your own Constant Contact account.")
else:
    st.markdown("**Source: your Constant Contact account.** Constant Contact stays the source of truth for "
                "subscriber preferences; this dashboard only reads.")

admin = signin.is_admin()   # a viewer sees no admin control; each action checks the role again itself
building = context.build_under_way(cfg)
if building:
    st.warning(context.BUILDING_NOTE)
if admin and st.button("Sync now", type="primary", key="sync_now", disabled=building,
                       help=context.BUILDING_NOTE if building else "Fetch what changed since the last sync."):
    bar = SyncProgressBar()
    try:
        signin.require_admin("sync now")
        with signin.audited("sync", "Constant Contact (Sync now)", cfg=cfg, started=True) as entry:
            result = datasource.sync_now(cfg, progress=bar)
            entry.outcome, entry.detail = getattr(result, "outcome", "ok"), getattr(result, "message", None)
    except UserError as err:
        st.error(str(err))
    else:
        bar.finish()
        st.success(f"Sync finished: {getattr(result, 'outcome', 'done')}.")
        data.clear()

if not demo and admin:
    oauth.connect_section(cfg)
schedule.render(cfg, admin)   # the next scheduled sync; "last sync failed" and why, to admins

page = current(cfg)   # Sync now may just have published a new database
if page.core is None:
    context.empty_state(cfg, "this account")
else:
    core = page.core
    version = page.version
    freshness, runs, calls, counts = data.sync_status(page.db, version)
    st.caption(f"Last successful sync {time_ago(core.source.last_sync_finished_at)} · "
               f"API calls used today: {calls:,} of {cfg.daily_quota:,}")
    st.subheader("Recent runs")
    if runs.is_empty():
        st.caption("No sync runs recorded yet.")
    else:
        shown = runs.drop("run_id").with_columns(pl.col("message").fill_null(""))   # no "None" for a clean run
        st.dataframe(shown, hide_index=True, width="stretch", column_config={
            "started_at": st.column_config.DatetimeColumn("Started (UTC)", format="MMM D, YYYY HH:mm", pinned=True),
            "finished_at": st.column_config.DatetimeColumn("Finished (UTC)", format="MMM D, YYYY HH:mm"),
            "outcome": "Outcome", "mode": "Mode", "message": "Message", "seconds": "Seconds"})
    # one under the other: side by side, the descriptions and the row counts were cut off at 1024 px
    st.subheader("What is stored")
    st.dataframe(counts.select("rows", "what", "table"), hide_index=True, width="stretch", column_config={
        "table": None, "what": "What", "rows": st.column_config.NumberColumn("Rows", format="localized")})
    st.subheader("Freshness", help="When each kind of data last brought something new.")
    if freshness.is_empty():
        st.caption("Nothing synced yet.")
    else:
        st.dataframe(freshness.select(
            pl.col("stream").map_elements(step_name, return_dtype=pl.Utf8),
            pl.col("last_updated").map_elements(time_ago, return_dtype=pl.Utf8).alias("age"), "last_updated"),
            hide_index=True, width="stretch", column_config={
                "stream": "Data", "age": "Age",
                "last_updated": st.column_config.DatetimeColumn("Last updated (UTC)", format="MMM D, HH:mm")})

    st.subheader("Reconciliation with Constant Contact's own counts",
                 help="Counts per campaign recomputed from the per-contact tracking rows, against Constant "
                      "Contact's campaign summaries, counted the same way: sends add up over the primary email and "
                      "its resend, every other count is unique people per campaign, and bounces include "
                      "auto-replies (code V, also shown apart). Differences are shown, not hidden.")
    rec = data.reconciliation(page.db, version)
    only_diff = st.toggle("Only campaigns with differences", value=False)
    shown = rec.filter(pl.col("mismatches") > 0) if only_diff else rec
    st.caption(f"{rec.filter(pl.col('mismatches') > 0).height} of {rec.height} campaigns differ on at least one "
               f"count; differences come first, largest first. {OPENS_NOTE}")
    diff_cols = [f"{c}_diff" for c in RECONCILED]

    def highlight(value: object) -> str:
        return "background-color: #f8d7da; font-weight: 600" if isinstance(value, int | float) and value else ""

    labels = {"name": tables.key("Campaign"),
              "send_time": st.column_config.DatetimeColumn("First sent (UTC)", format="MMM D, YYYY"),
              "auto_replies": "Auto-replies (in bounces)", "mismatches": "Counts that differ",
              "difference": "Size of difference", "reason": "Likely reason"}
    for count in RECONCILED:
        word = count.replace("optouts", "opt-outs").capitalize()
        labels |= {f"{count}_ours": tables.count(f"{word} (ours)"), f"{count}_cc": tables.count(f"{word} (CC)"),
                   f"{count}_diff": tables.count(f"{word} diff.")}
    styled = shown.drop("campaign_id").to_pandas().style.map(
        highlight, subset=diff_cols + ["mismatches", "difference"])
    st.dataframe(styled, hide_index=True, width="stretch", column_config=labels)
    pushes_section(page.db)

st.subheader("Donations")
render_donations_upload(cfg)

if admin:
    audit_panel.render(cfg)
