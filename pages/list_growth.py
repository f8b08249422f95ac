"""List growth: month by month, who joined and who left (and why), and how many people may be emailed at each
month's end, for the whole account or one list; over a year or five."""

from datetime import date

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from cc_data.analytics.audience import list_growth as growth
from pages.components import charts, data, formats, report_data, tables
from pages.components.page_start import open_data_page

# Joined in blue, left in orange, grey and near-black, each with its own fill pattern: no red against green, no two
# greys told apart by shade alone
ADDED_COLOUR = "#1f5fa8"
LEFT_COLOURS = {growth.UNSUBSCRIBED: "#b35806", growth.HARD_BOUNCED: "#9e9e9e", growth.DELETED: "#3a3a3a"}
LEFT_PATTERNS = {growth.UNSUBSCRIBED: "", growth.HARD_BOUNCED: "/", growth.DELETED: "x"}
LABELS = {growth.ADDED: "Added", growth.NOT_EMAILABLE: "Not emailable", growth.UNSUBSCRIBED: "Unsubscribed",
          growth.HARD_BOUNCED: "Hard-bounced", growth.DELETED: "Deleted", "net": "Net change",
          "emailable": "Emailable"}

page = open_data_page("List growth", "list growth")
core = page.core
tz = core.source.time_zone
rows = report_data.growth(page.db, page.version, tz)
latest = report_data.latest_contact_time(page.db, page.version)
if rows.is_empty() or latest is None:
    st.info("No contacts synced yet. Run a sync from **Data & sync**.")
    st.stop()
through: date = tables.local_times(pl.DataFrame({"t": [max(latest, data.as_of(core))]}), ("t",), tz)["t"][0].date()

c1, c2 = st.columns([2, 1])
lists = dict(zip(core.lists["list_id"].to_list(), core.lists["name"].to_list(), strict=True))
scope = c1.selectbox("Contacts", [growth.ACCOUNT, *lists], key="lg_scope",
                     format_func=lambda s: "Everyone in the account" if s == growth.ACCOUNT else f"List: {lists[s]}")
span = c2.segmented_control("Over", ["12 months", "5 years"], default="12 months", key="lg_span")
months = growth.monthly(rows, scope, through)
keep = 60 if span == "5 years" else 12
shown = months.tail(keep)
if shown.is_empty():
    st.info("Nobody on this list yet.")
    st.stop()
first, last = shown["month"][0], shown["month"][-1]
partial = last == through.replace(day=1)
period = f"{first:%b %Y} – {last:%b %Y}" + (f" (to {through:%b %d})" if partial else "")
start_total = months.filter(pl.col("month") < first)["emailable"].tail(1)
before = int(start_total[0]) if start_total.len() else 0

cols = [c for _ in range(2) for c in st.columns(2)]   # two by two: four in a row were cut off at 1024 px
left_total = int(shown.select(pl.sum_horizontal(*growth.LEFT).sum()).item())
for col, (label, value, help_text) in zip(cols, (
    ("Emailable now", formats.count(shown["emailable"][-1]),
     "Contacts with permission to email (explicit or implicit), not unsubscribed, hard-bounced or deleted, at the "
     f"end of {last:%B %Y}" + (" so far" if partial else "") + "."),
    ("Added", formats.count(shown[growth.ADDED].sum()), f"Became emailable in {period}."),
    ("Left", formats.count(left_total), f"Unsubscribed, hard-bounced or deleted in {period}, each once."),
    ("Net change", f"{int(shown['net'].sum()):+,}", f"Added − left in {period}: from {before:,} to "
                                                    f"{int(shown['emailable'][-1]):,}."),
), strict=True):
    with col, st.container(border=True):
        st.metric(label, value, help=help_text)
st.caption(f"{'Everyone in the account' if scope == growth.ACCOUNT else 'List ' + lists[scope]}, {period}; months in "
           f"{tables.zone_name(tz)}.")

x = shown["month"].to_list()   # a date axis thins its labels (60 months of categories overlapped)
fig = go.Figure()
fig.add_bar(x=x, y=shown[growth.ADDED].to_list(), name="Added", marker_color=ADDED_COLOUR,
            hovertemplate="Added: %{y:,}<extra></extra>")
for flow, colour in LEFT_COLOURS.items():
    fig.add_bar(x=x, y=[-v for v in shown[flow].to_list()], name=LABELS[flow], marker_color=colour,
                marker_pattern_shape=LEFT_PATTERNS[flow],
                customdata=shown[flow].to_list(), hovertemplate=LABELS[flow] + ": %{customdata:,}<extra></extra>")
fig.add_scatter(x=x, y=shown["net"].to_list(), name="Net change", mode="markers", xperiod="M1",
                xperiodalignment="middle",
                marker={"symbol": "diamond", "size": 10, "color": "#1f3b73"},
                hovertemplate="Net change: %{y:+,}<extra></extra>")
fig.update_layout(barmode="relative", title="Joined (up) and left (down) each month", yaxis={"title": "People"})
fig.update_traces(xperiod="M1", xperiodalignment="middle", selector={"type": "bar"})
fig.update_xaxes(tickformat="%b %Y")
st.plotly_chart(charts.layout(fig, 340), width="stretch", key="lg_chart")
total = go.Figure(go.Scatter(x=x, y=shown["emailable"].to_list(), mode="lines+markers", name="Emailable",
                             line={"color": "#1f3b73", "width": 3},
                             hovertemplate="%{x|%b %Y}: %{y:,}<extra></extra>"))
total.update_layout(title="Who may be emailed at each month's end", showlegend=False)
total.update_xaxes(tickformat="%b %Y")
total.update_yaxes(rangemode="tozero", tickformat=",d")
st.plotly_chart(charts.layout(total, 260), width="stretch", key="lg_total")

st.subheader("Month by month")
table = shown.sort("month", descending=True).select("month", "emailable", "net", *growth.FLOWS)   # totals first
st.dataframe(table, hide_index=True, width="stretch", column_config={
    "month": st.column_config.DateColumn("Month", format="MMM YYYY", pinned=True),
    **{flow: tables.count(LABELS[flow]) for flow in growth.FLOWS},
    "net": st.column_config.NumberColumn("Net", format="%+d", help="added − unsubscribed − hard-bounced − deleted"),
    "emailable": tables.count("Emailable", "At the month's end (so far, for the month in progress).")})

st.subheader("How they were added")   # one under the other: side by side, the counts were cut off at 1024 px
how = growth.details(rows, scope, growth.ADDED, first, last)
st.dataframe(how.select("contacts", "detail"), hide_index=True, width="stretch", column_config={
    "detail": "As Constant Contact records it", "contacts": tables.count("People")})
st.subheader("Why they unsubscribed")
why = growth.details(rows, scope, growth.UNSUBSCRIBED, first, last)
st.dataframe(why.select("contacts", "detail"), hide_index=True, width="stretch", column_config={
    "detail": "Reason given", "contacts": tables.count("People")})

with st.expander("How are these counted, and what the data cannot say"):
    st.markdown(
        "- **Added**: the contact was created that month with permission to email (explicit or implicit, or "
        "unsubscribed since). *Signed up themselves* is Constant Contact's `create_source` Contact; *added by the "
        "organisation* is Account (imported or typed in). **Added, not emailable** (pending confirmation, not set, "
        "on hold) is shown apart and is not in the total.\n"
        "- **Left**, once, at the first of: **unsubscribed** (Constant Contact's opt-out date, or an opt-out from an "
        "email the contact record has not caught up with), **hard-bounced** (a bounce of code B, D, S, X or Z after "
        "the contact's last open or click), **deleted**.\n"
        "- **Emailable at month's end** = the running total of added − left; the latest month's equals who may be "
        "emailed now (the same rule as Re-engagement's).\n"
        "- **What the API cannot say**: when a contact joined or left a list (a list here is its current members, "
        "dated by when each was created), a permission before the current one, or bounces from before the first "
        "synced tracking row.")
