"""Compare appeals at equal age: cumulative response in the first 7 days after each send."""

from dataclasses import replace
from datetime import timedelta

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from cc_data.analytics import compare
from cc_data.analytics.campaigns import apply_filters
from cc_data.analytics.series import SERIES_HELP
from pages.components import charts, data
from pages.components.page_start import open_data_page

page = open_data_page("Compare appeals", "appeal comparisons")
core, human = page.core, page.human_opens_only
if core.campaigns.is_empty():
    st.info("No campaign has been sent yet.")
    st.stop()
with_series = compare.with_series(core.campaigns)
st.caption("Rates rise for days after a send, so campaigns are compared at the same age: x is hours since each "
           "campaign's first send. Rates are unique openers or clickers so far ÷ delivered. The date filter does "
           "not apply here (year-over-year needs older campaigns); type, name and list filters do.")

mode = st.radio("Compare", ["An appeal series, year over year", "Campaigns I pick"], horizontal=True)
pool = apply_filters(with_series, replace(page.filters, start=None, end=None))
labels = dict(zip(pool["campaign_id"].to_list(),
                  [f"{n} ({t:%b %d, %Y})" for n, t in zip(pool["name"].to_list(), pool["send_time"].to_list(),
                                                          strict=True)], strict=True))
if mode.startswith("An appeal"):
    sizes = pool.group_by("series").agg(pl.len().alias("n"), pl.col("send_time").max()).sort(
        ["n", "send_time"], descending=True)
    options = sizes.filter(pl.col("n") > 1)["series"].to_list() or sizes["series"].to_list()
    series = st.selectbox("Appeal series", options, help=SERIES_HELP)
    picked = pool.filter(pl.col("series") == series).sort("send_time")["campaign_id"].to_list()[-6:]
else:
    default = pool.sort("send_time", descending=True)["campaign_id"].to_list()[:2]
    picked = st.multiselect("Campaigns (2 to 6)", list(labels), default=default, format_func=labels.get,
                            max_selections=6)
if len(picked) < 1:
    st.info("Pick at least two campaigns to compare.")
    st.stop()

hours = st.select_slider("Hours since send", options=[24, 48, 72, 168], value=168)
gifts = data.gift_times(page.db, page.version) if core.has_gifts else None
picked_sends = data.campaign_sends(page.db, page.version, tuple(picked))
curves = compare.equal_age_curves(picked_sends, core.campaigns, picked, hours, human_opens_only=human, gifts=gifts)
metrics = [("open_rate", "Open rate so far"), ("click_rate", "Click rate so far")]
if gifts is not None:
    metrics.append(("gifts", "Attributed gifts so far"))
for metric, title in metrics:
    fig = go.Figure()
    for i, cid in enumerate(picked):
        part = curves.filter(pl.col("campaign_id") == cid)
        fig.add_scatter(x=part["hours"].to_list(), y=part[metric].to_list(), mode="lines", name=labels.get(cid, cid),
                        line={"color": charts.SERIES_COLOURS[i % len(charts.SERIES_COLOURS)], "width": 2.5},
                        hovertemplate="%{x} h: %{y:" + (".1%" if metric != "gifts" else ",") + "}<extra></extra>")
    for mark in (24, 48):
        if mark < hours:
            fig.add_vline(x=mark, line_dash="dot", line_color="#bbbbbb")
    fig.update_layout(title=f"{title} (x: hours since send)")
    st.plotly_chart(charts.layout(fig, 340, percent_axis=metric != "gifts"), width="stretch",
                    key=f"curve_{metric}")
spread = picked_sends.group_by("campaign_id").agg((pl.col("sent_at").max() - pl.col("sent_at").min()).alias("spread"))
resent = [labels.get(c, c) for c in spread.filter(pl.col("spread") > timedelta(hours=1))["campaign_id"].to_list()]
if resent:   # a resend to non-openers (or a later batch): more deliveries arrive after the first send
    st.caption(f"Also sent later (a resend to non-openers): {', '.join(resent)}. Constant Contact counts the "
               "resend's deliveries too, so the open rate so far dips when the resend goes out: the rate is divided "
               "by what had been delivered by then.")

st.subheader("At equal age")
table = compare.rates_at_ages(compare.equal_age_curves(picked_sends, core.campaigns, picked, 168,
                                                       human_opens_only=human, gifts=gifts))
table = table.join(with_series.select("campaign_id", "year", "wave"), on="campaign_id")
rate_cols = [c for c in table.columns if c.startswith(("open_rate_", "click_rate_"))]
shown = table.select("name", "year", "wave", "send_time", "delivered", *rate_cols,
                     *[c for c in table.columns if c.startswith("gifts_")]).with_columns(
    [(pl.col(c) * 100) for c in rate_cols])
st.dataframe(shown, hide_index=True, width="stretch", column_config={
    "name": "Campaign", "year": st.column_config.NumberColumn("Year", format="%d"), "wave": "Wave",
    "send_time": st.column_config.DatetimeColumn("First send (UTC)", format="MMM D, YYYY"),
    "delivered": st.column_config.NumberColumn("Delivered", format="localized"),
    **{c: st.column_config.NumberColumn(c.replace("_rate_", " rate ").replace("open", "Open").replace("click", "Click")
                                        .replace("168h", "7 days"), format="%.1f%%") for c in rate_cols}})
st.caption("A campaign younger than an age shows its rate so far at that age (it can still rise).")
