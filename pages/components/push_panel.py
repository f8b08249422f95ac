"""Send to Constant Contact: push a segment, or any contact list the dashboard built, to a Constant Contact list.

`push_panel(title, members, criteria=... | segment_name=..., key=...)`. With criteria (or a saved segment's name)
the push re-evaluates the segment after the contacts sync that runs right before it; with only `members` (a frame
with contact_id) those contacts are sent. Either way only emailable contacts are ever sent (cc_data.push).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import streamlit as st

from cc_data.analytics.audience.reach import list_names
from cc_data.analytics.audience.segments import SegmentCriteria
from cc_data.config import Settings
from cc_data.errors import UserError
from cc_data.push import record
from cc_data.push.run import PushResult, Target, push
from cc_data.push.saved import save_segment
from cc_data.store.db import read, writer
from pages.components import context, data, signin

# Constant Contact's page for one list (its web app's address form; a list_id opens that list's contacts).
LIST_URL = "https://app.constantcontact.com/pages/contacts/ui#contacts/list/{list_id}"


def _target(title: str, members: pl.DataFrame, criteria: SegmentCriteria | None, segment_name: str | None) -> Target:
    if criteria is not None:
        return Target(segment_name or title, criteria=criteria)
    if segment_name is not None:
        return Target(segment_name)
    return Target(title, contact_ids=tuple(members["contact_id"].cast(pl.Utf8).to_list()))


def _existing_lists(db: Path) -> list[str]:
    with read(db) as con:
        return list_names(con)["name"].to_list()


def push_panel(title: str, members: pl.DataFrame, *, criteria: SegmentCriteria | None = None,
               segment_name: str | None = None, key: str) -> None:
    """The "Send to Constant Contact" expander for one contact list (`key` keeps widgets apart on a page)."""
    with st.expander("Send to Constant Contact", expanded=bool(st.session_state.get(f"{key}_preview"))):
        if not signin.is_admin():
            st.caption("Only an admin can send a list to Constant Contact.")
            return
        cfg = context.settings()
        if context.build_under_way(cfg):
            st.caption(context.BUILDING_NOTE)
        _panel(cfg, title, members, _target(title, members, criteria, segment_name), criteria, key,
               context.build_under_way(cfg))


def _panel(cfg: Settings, title: str, members: pl.DataFrame, target: Target, criteria: SegmentCriteria | None,
           key: str, building: bool = False) -> None:
    st.caption("Adds these contacts to a Constant Contact list with its list-membership activities. Contacts are "
               "synced from Constant Contact first, and anyone not emailable as of that sync (unsubscribed, "
               "bounced, deleted, on hold) is left out. Nobody's email permission is changed.")
    mode = st.radio("Send to", ["A new list", "An existing list"], horizontal=True, key=f"{key}_mode")
    if mode == "A new list":
        list_name = st.text_input("New list name", value=f"{title} {date.today():%Y-%m}", key=f"{key}_new")
    else:
        choices = _existing_lists(Path(cfg.db_path))
        list_name = st.selectbox("Existing list", choices, key=f"{key}_existing") or ""
    remove = st.checkbox("Also remove contacts who left the segment", value=False, key=f"{key}_remove",
                         help="Only for a list cc-data created; off by default.")
    if criteria is not None:
        _save_control(cfg, criteria, key, building)
    asked = (list_name.strip(), remove)
    if st.button("Preview", key=f"{key}_preview_button",
                 disabled=building or (members.is_empty() and criteria is None)):
        st.session_state.pop(f"{key}_result", None)
        try:
            signin.require_admin("send a list to Constant Contact")
            with st.spinner("Syncing contacts from Constant Contact…"):
                preview = push(cfg, target, list_name, remove_missing=remove, dry_run=True)
        except UserError as err:
            st.error(str(err))
        else:
            st.session_state[f"{key}_preview"] = (asked, preview.plan.summary())
            data.clear()
    stored = st.session_state.get(f"{key}_preview")
    if stored and stored[0] == asked:
        _show_preview(stored[1])
        if st.button("Confirm and send", type="primary", key=f"{key}_confirm", disabled=building):
            _send(cfg, target, list_name, remove, key)
    result = st.session_state.get(f"{key}_result")
    if result is not None:
        _show_result(result)


def _save_control(cfg: Settings, criteria: SegmentCriteria, key: str, building: bool = False) -> None:
    cols = st.columns([3, 1], vertical_alignment="bottom")
    name = cols[0].text_input("Save these criteria as a segment (for `cc-data segments push`)", key=f"{key}_save_name")
    if cols[1].button("Save segment", key=f"{key}_save", disabled=building or not name.strip()):
        try:
            signin.require_admin("save a segment")
            with writer(Path(cfg.db_path)) as w:
                saved = save_segment(w.con, name, criteria)
        except UserError as err:
            st.error(str(err))
        else:
            st.success(f"Saved segment {saved.name!r}.")
            data.clear()


def _show_preview(s: dict) -> None:
    where = "a new list" if s["new_list"] else "the list"
    cols = st.columns(4)
    cols[0].metric("Will be added", f"{s['to_add']:,}")
    cols[1].metric("Already on it", f"{s['already_on']:,}")
    cols[2].metric("Left out: not emailable", f"{s['left_out']:,}",
                   help="As of the sync made for this preview. " + ", ".join(
                       f"{n:,} {why}" for why, n in sorted(s["left_out_by_reason"].items())))
    cols[3].metric("Left the segment", f"{s['left_segment']:,}" if s["created_by_cc_data"] else "–",
                   help="On a list cc-data created but no longer in the segment: removed only when the box is ticked.")
    st.caption(f"Sends to {where} {s['list']!r}; about {s['api_calls']:,} API calls"
               + (f"; removes {s['to_remove']:,}." if s["to_remove"] else "."))


def _send(cfg: Settings, target: Target, list_name: str, remove: bool, key: str) -> None:
    bar = st.progress(0.0, text="Syncing contacts from Constant Contact…")

    def progress(event: dict) -> None:
        if event.get("step") == "poll":
            counts = event["activity"].get("status") or {}
            total = counts.get("items_total_count") or 0
            share = (counts.get("items_completed_count") or 0) / total if total else 1.0
            done = (event["batch"] - 1 + share) / max(event["of"], 1)
            bar.progress(min(done, 1.0), text=f"Activity {event['batch']} of {event['of']}: "
                                              f"{event['activity'].get('state')}")
        elif event.get("text"):
            bar.progress(0.0, text=event["text"][:1].upper() + event["text"][1:])

    try:
        who = signin.require_admin("send a list to Constant Contact").who
        with signin.audited("push", f"{target.name} -> {list_name}", cfg=cfg) as entry:
            result = push(cfg, target, list_name, remove_missing=remove, actor=f"dashboard ({who})",
                          progress=progress)
            entry.outcome, entry.rows = result.state, result.push["added"]
    except UserError as err:
        bar.empty()
        st.error(str(err))
        return
    bar.progress(1.0, text="Done")
    st.session_state.pop(f"{key}_preview", None)
    st.session_state[f"{key}_result"] = result
    data.clear()


def _show_result(result: PushResult) -> None:
    row = result.push
    text = (f"{row['added']:,} added, {row['removed']:,} removed, {row['cannot_add']:,} Constant Contact could not "
            f"add, to {row['list_name']!r}.")
    if row["state"] == "completed":
        st.success(("Resumed the interrupted push and finished it: " if result.resumed else "Sent: ") + text)
    else:
        st.warning(f"The push ended {row['state']}: {text} {row.get('message') or ''}")
    errors = json.loads(row.get("errors") or "[]")
    if errors:
        st.caption("Errors Constant Contact reported: " + "; ".join(map(str, errors)))
    if row.get("list_id"):
        st.markdown(f"[Open the list in Constant Contact]({LIST_URL.format(list_id=row['list_id'])})")


def pushes_section(db: str) -> None:
    """Data & sync: every push to Constant Contact (list_pushes), newest first."""
    st.subheader("Pushes to Constant Contact", help="Segments sent to Constant Contact lists, from the dashboard or "
                 "`cc-data segments push`; an interrupted push resumes when it is run again.")
    with read(Path(db)) as con:
        shown = record.pushes(con)
    if shown.is_empty():
        st.caption("Nothing pushed yet. Use Send to Constant Contact on Re-engagement or Engagement.")
        return
    st.dataframe(shown.drop("list_id", "activity_ids").with_columns(pl.col("message").fill_null("")),
                 hide_index=True, width="stretch", column_config={
        "started_at": st.column_config.DatetimeColumn("Started (UTC)", format="MMM D, YYYY HH:mm", pinned=True),
        "finished_at": st.column_config.DatetimeColumn("Finished (UTC)", format="MMM D, YYYY HH:mm"),
        "actor": "By", "segment_name": "Segment", "list_name": "List", "list_created": "New list",
        "to_add": "To add", "already_on": "Already on", "left_out": "Left out", "to_remove": "To remove",
        "added": "Added", "removed": "Removed", "cannot_add": "Could not add", "api_calls": "API calls",
        "state": "State", "errors": "Errors", "message": "Message"})
