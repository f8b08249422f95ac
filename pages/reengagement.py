"""Re-engagement: build a list of emailable contacts who stopped engaging, and download it."""

from dataclasses import astuple
from datetime import date, datetime

import polars as pl
import streamlit as st

from cc_data.analytics import export
from cc_data.analytics.audience import segments
from pages.components import data, tables
from pages.components.downloads import CSV_MIME, XLSX_MIME, personal_data_download
from pages.components.history_notice import history_notice
from pages.components.page_start import open_data_page
from pages.components.push_panel import push_panel

page = open_data_page("Re-engagement", "re-engagement lists")
history_notice(page)
core = page.core
tags = data.tag_names(page.db, page.version)
as_of: datetime = data.as_of(core)
st.caption("Lists only contacts Constant Contact lets you email: permission explicit or implicit. Left out: "
           "contacts who unsubscribed, are on temporary hold, are awaiting confirmation, hard-bounced or were "
           "deleted.")

d = segments.SegmentCriteria()
c1, c2, c3 = st.columns(3)
inactive = c1.slider("No click or human open in the last (days)", 30, 365, d.inactive_days, 15, key="seg_inactive")
# No min/max on these inputs: the browser refuses a value outside them with only a red box and keeps the old one,
# so the list and its downloads would follow a value no longer on screen. Every entry arrives; the page checks it.
min_emails = c1.number_input("Sent at least this many emails in that time", value=d.min_emails, step=1,
                             key="seg_min_emails")
tenure = c2.number_input("Joined more than (days ago)", value=d.min_tenure_days, step=1, key="seg_tenure")
list_names = dict(zip(core.lists["list_id"].to_list(), core.lists["name"].to_list(), strict=True))
lists = c2.multiselect("On any of these lists", list(list_names), format_func=lambda i: list_names.get(i, i),
                       placeholder="Any list", key="seg_lists")
tag_map = dict(zip(tags["tag_id"].to_list(), tags["name"].to_list(), strict=True))
chosen_tags = c3.multiselect("With any of these tags", list(tag_map), format_func=lambda i: tag_map.get(i, i),
                             placeholder="Any tag", key="seg_tags")
options = st.container(horizontal=True)   # below the columns: in one, labels were cut off at 1024 px
lapsed = options.checkbox("Lapsed donors only", key="seg_lapsed", disabled=not core.has_gifts,
                     help="Gave before, but not in the last year." if core.has_gifts else "Import donations first.")
no_machine = options.checkbox("Exclude machine-only openers", key="seg_no_machine",
                         help="Drop contacts whose only recent opens look like machine opens (they may be reading "
                              "on Apple Mail).")
problems = [problem for problem in (
    "“Sent at least this many emails” must be at least 1." if min_emails < 1 else "",
    "“Joined more than (days ago)” cannot be negative." if tenure < 0 else "") if problem]
if problems:
    st.error(" ".join(problems) + " No list is built or offered until the criteria are valid.")
    st.stop()
criteria = segments.SegmentCriteria(inactive_days=inactive, min_emails=int(min_emails), min_tenure_days=int(tenure),
                                    list_ids=tuple(lists), tag_ids=tuple(chosen_tags), lapsed_donors_only=lapsed,
                                    exclude_machine_only_openers=no_machine)
key = astuple(criteria)
segment = data.segment(page.db, page.version, key, as_of)

st.metric("Contacts in this segment", f"{segment.height:,}", help=f"As of the latest send, open or click recorded, {as_of:%b %d, %Y}.")
name = f"re-engagement inactive {inactive} days"
described = "; ".join(part for part in (
    f"no click or human open in the last {inactive} days", f"sent at least {int(min_emails)} emails in that time",
    f"joined more than {int(tenure)} days ago",
    "on any of: " + ", ".join(list_names.get(i, i) for i in lists) if lists else "",
    "tagged any of: " + ", ".join(tag_map.get(i, i) for i in chosen_tags) if chosen_tags else "",
    "lapsed donors only" if lapsed else "", "machine-only openers left out" if no_machine else "",
    "emailable contacts only (permission explicit or implicit)") if part)
about = {"List": f"Re-engagement segment: {name}", "Criteria": described,
         "Data as of": f"{as_of:%Y-%m-%d %H:%M} UTC (the latest send, open or click synced)",
         "Source": page.core.source.organization_name or "Constant Contact account"}
today = date.today()
downloads = st.container(horizontal=True)   # buttons sized to their labels: columns cut them off at 1024 px
# Files are built on click: an Excel workbook of 100k rows takes seconds, too slow for every rerun.
personal_data_download(downloads, "Download CSV", lambda: export.to_csv_bytes(segment),
                       file_name=export.export_filename(name, today, "csv"), mime=CSV_MIME, key="seg_csv",
                       what=name, rows=segment.height, disabled=segment.is_empty())
personal_data_download(downloads, "Download Excel", lambda: export.to_excel_bytes(segment, about=about),
                       file_name=export.export_filename(name, today, "xlsx"), mime=XLSX_MIME, key="seg_xlsx",
                       what=name, rows=segment.height, disabled=segment.is_empty(),
                       help="With an 'About this list' sheet: the criteria, how fresh the data is and the count.")
push_panel("Re-engagement", segment, criteria=criteria, key="seg_push")
if segment.is_empty():
    st.info("Nobody matches. Shorten the inactivity window, lower the minimum emails, or clear list and tag filters.")
else:
    first = segment.head(200)
    shown = first.with_columns(   # words, not "None": never engaged, never gave
        pl.col("last_engaged_at").dt.strftime("%b %d, %Y").fill_null("Never"),
        *([pl.col("last_gift_date").dt.strftime("%b %d, %Y").fill_null("No gift")]
          if "last_gift_date" in first.columns else []))
    shown = shown.select("first_name", "last_name", "last_engaged_at", "emails_received",   # the answer first
                         *[c for c in shown.columns if c not in ("first_name", "last_name", "last_engaged_at",
                                                                  "emails_received")])
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        "contact_id": None, "email": "Email address", "first_name": tables.key("First name"),
        "last_name": tables.key("Last name"),
        "permission_to_send": "Permission", "emails_received": "Emails in window", "last_engaged_at": "Last engaged",
        "list_names": "Lists", "last_gift_date": "Last gift"})
    if segment.height > 200:
        st.caption(f"Showing the first 200 of {segment.height:,}; the downloads hold all of them.")
