"""Campaign trends: open and click rate per campaign over time, devices, top links, benchmarks."""

import plotly.graph_objects as go
import streamlit as st

from cc_data.analytics import trends
from cc_data.analytics.benchmarks import benchmarks_for
from cc_data.analytics.campaigns import apply_filters, campaign_rates
from cc_data.analytics.rates import RATES
from pages.components import charts, data
from pages.components.page_start import open_data_page

page = open_data_page("Campaign trends", "campaign trends")
human = page.human_opens_only
chosen = campaign_rates(apply_filters(page.core.campaigns, page.filters), human_opens_only=human)
if chosen.is_empty():
    st.info("No campaigns match the filters in the sidebar. Widen the date range or clear the type, name or list.")
    st.stop()

left, right = st.columns([2, 1])   # [3, 1] cut the checkbox label at 1024 px
window = right.slider("Trend window (campaigns)", 2, 12, 5, help="Pooled rate over this many consecutive campaigns.")
show_bench = right.checkbox("Show benchmark lines", value=True)
with left.expander("How are these computed?"):
    for key in ("open_rate", "click_rate"):
        st.markdown(f"- **{RATES[key].label}** = {RATES[key].formula}")
    st.markdown("- **Trend** = the same rate pooled over the campaign and the ones before it in the window.\n"
                "- **Machine opens** (sidebar toggle): opens within 10 minutes of the send by a contact who was "
                "sent 5+ emails, opened 90%+ of them and never clicked.")
trend = trends.rolling_trend(chosen, window, human_opens_only=human)

for key in ("open_rate", "click_rate"):
    fig = go.Figure()
    colour = charts.PALETTE[key]
    fig.add_scatter(x=chosen["send_time"].to_list(), y=chosen[key].to_list(), mode="markers", name=RATES[key].label,
                    marker={"color": colour, "size": 8, "opacity": 0.55}, text=chosen["name"].to_list(),
                    hovertemplate="%{text}<br>%{y:.1%}<extra></extra>")
    fig.add_scatter(x=trend["send_time"].to_list(), y=trend[f"{key}_trend"].to_list(), mode="lines",
                    name=f"Trend ({window} campaigns)", line={"color": colour, "width": 3},
                    hovertemplate="trend %{y:.1%}<extra></extra>")
    if show_bench:
        for b in benchmarks_for(key):
            fig.add_hline(y=b.value, line_dash="dot", line_color=charts.PALETTE["benchmark"],
                          annotation_text=f"{b.label}, {b.source} ({b.year}): {b.value:.1%}",
                          annotation_position="top left", annotation_font_size=11)
    fig.update_layout(title=f"{RATES[key].label} per campaign")
    st.plotly_chart(charts.layout(fig, percent_axis=True), width="stretch", key=f"trend_{key}")

devices, links = data.devices_and_links(page.db, page.version)
ids = chosen["campaign_id"].to_list()
col1, col2 = st.columns(2)
with col1:
    st.subheader("Devices", help="Unique contacts per device type who opened or clicked, over the chosen campaigns.")
    split = trends.device_split(devices, ids)
    if split.is_empty():
        st.info("No opens or clicks recorded for these campaigns yet.")
    else:
        fig = go.Figure()
        for kind, colour in (("open", charts.PALETTE["opens"]), ("click", charts.PALETTE["clicks"])):
            part = split.filter(split["kind"] == kind)
            fig.add_bar(y=part["device_type"].to_list(), x=part["share"].to_list(), name=f"{kind}s",
                        orientation="h", marker_color=colour, text=[f"{s:.0%}" for s in part["share"].to_list()],
                        customdata=part["contacts"].to_list(),
                        hovertemplate="%{y}: %{x:.1%} (%{customdata:,} contacts)<extra></extra>")
        fig.update_layout(barmode="group")
        fig.update_xaxes(tickformat=".0%")
        st.plotly_chart(charts.layout(fig, 300), width="stretch", key="devices")
with col2:
    st.subheader("Top links", help="Unique clickers per link (a contact counts once per email).")
    top = trends.top_links(links, ids)
    if top.is_empty():
        st.info("No clicks recorded for these campaigns yet.")
    else:
        st.dataframe(top, hide_index=True, width="stretch", column_config={
            "link_url": st.column_config.LinkColumn("Link"),
            "clickers": st.column_config.NumberColumn("Unique clickers", format="localized"),
            "clicks": st.column_config.NumberColumn("All clicks", format="localized"),
            "campaigns": "Campaigns"})
