"""Campaign trends: open and click rate per campaign over time, devices, top links, benchmarks."""

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from cc_data.analytics.email import trends
from cc_data.analytics.email.benchmarks import benchmarks_for
from cc_data.analytics.email.campaigns import apply_filters, campaign_rates
from cc_data.analytics.rules.machine_opens import DEFAULT_RULE
from cc_data.analytics.rules.rates import RATES
from pages.components import charts, data, email_links, tables, window
from pages.components.page_start import open_data_page

SMALL_SEND = 50   # people delivered; below it a campaign is left out of trend lines and axes by default

page = open_data_page("Campaign trends", "campaign trends")
human = page.human_opens_only
window_hours = window.hours()
chosen = campaign_rates(apply_filters(page.core.campaigns, page.filters), human_opens_only=human)
if chosen.is_empty():
    st.info("No campaigns match the filters in the sidebar. Widen the date range or clear the type, name or list.")
    st.stop()

left, right = st.columns([2, 1])   # [3, 1] cut the checkbox label at 1024 px
trend_size = right.slider("Trend window (campaigns)", 2, 12, 5, help="Pooled rate over this many consecutive campaigns.")
min_people = int(right.number_input("Leave out sends to fewer than (people)", 0, 10_000, SMALL_SEND, 10,
                                    help="A send to a handful of people (a board update) swings between 0% and "
                                         "100% and squeezes the axis; it is left out of the charts and listed."))
show_bench = right.checkbox("Show benchmark lines", value=True)
small = chosen.filter(pl.col("delivered") < min_people)
chosen = chosen.filter(pl.col("delivered") >= min_people)
if chosen.is_empty():
    st.info(f"Every matching campaign was delivered to fewer than {min_people:,} people; lower the limit to see them.")
    st.stop()
with left.expander("How are these computed?"):
    for key in ("open_rate", "click_rate"):
        st.markdown(f"- **{RATES[key].label}** = {RATES[key].formula}")
    st.markdown("- **Trend** = the same rate pooled over the campaign and the ones before it in the window.\n"
                f"- **Machine opens** (sidebar toggle): {DEFAULT_RULE.describe()}.")
trend = trends.rolling_trend(chosen, trend_size, human_opens_only=human)

missing_bench: list[str] = []
for key in ("open_rate", "click_rate"):
    fig = go.Figure()
    colour = charts.PALETTE[key]
    fig.add_scatter(x=chosen["send_time"].to_list(), y=chosen[key].to_list(), mode="markers", name=RATES[key].label,
                    marker={"color": colour, "size": 8, "opacity": 0.55}, text=chosen["name"].to_list(),
                    hovertemplate="%{text}<br>%{y:.1%}<extra></extra>")
    fig.add_scatter(x=trend["send_time"].to_list(), y=trend[f"{key}_trend"].to_list(), mode="lines",
                    name=f"Trend ({trend_size} campaigns)", line={"color": colour, "width": 3},
                    hovertemplate="trend %{y:.1%}<extra></extra>")
    if show_bench:
        marks = benchmarks_for(key)
        for n, b in enumerate(marks):   # labels stacked at the right, one line each: they never overlap
            fig.add_hline(y=b.value, line_dash="dot", line_color=charts.PALETTE["benchmark"])
            fig.add_annotation(xref="paper", x=1, xanchor="right", y=b.value, yanchor="bottom", yshift=2 + 14 * n,
                               showarrow=False, font={"size": 11, "color": "#555555"},
                               text=f"{b.label}, {b.source} ({b.year} data): {b.value:.1%}")
        if not marks:
            missing_bench.append(RATES[key].label.lower())
    fig.update_layout(title=f"{RATES[key].label}, campaign by campaign")
    st.plotly_chart(charts.layout(fig, percent_axis=True), width="stretch", key=f"trend_{key}")

notes = []
if small.height:
    sizes = f"{small['delivered'].min():,}–{small['delivered'].max():,}" if small.height > 1 else f"{small['delivered'][0]:,}"
    names = ", ".join(sorted(set(small["name"].to_list()))[:5]) + (" …" if small["name"].n_unique() > 5 else "")
    notes.append(f"Left out: {small.height:,} sends to fewer than {min_people:,} people ({names}; {sizes} "
                 "delivered each). Lower the limit above to include them.")
if show_bench and missing_bench:
    notes.append(f"No benchmark line for the {' and '.join(missing_bench)}: the only figure on file predates Apple "
                 "Mail Privacy Protection (2021), which inflated opens, so it is not comparable with today's.")
if notes:
    st.caption(" ".join(notes))
st.page_link(email_links.PAGE, label="Open one of these emails: its funnel, links, reasons and providers",
             icon=":material/mail:")

devices, links = data.devices_and_links(page.db, page.version)
ids = chosen["campaign_id"].to_list()
col1, col2 = st.container(), st.container()   # stacked: beside the devices, link addresses hid the counts
with col1:
    st.subheader("Devices", help="Unique contacts per device type who opened or clicked, over the chosen campaigns.")
    split = trends.device_split(devices, ids)
    if split.is_empty():
        st.info("No opens or clicks recorded for these campaigns yet.")
    else:
        st.plotly_chart(charts.device_bars(split, 300), width="stretch", key="devices")
with col2:
    st.subheader("Top links", help="Unique clickers per link (a contact counts once per email).")
    top = trends.top_links(links, ids)
    if top.is_empty():
        st.info("No clicks recorded for these campaigns yet.")
    else:
        given = data.link_gifts(page.db, page.version, window_hours, tuple(ids), window.lenient()) if page.core.has_gifts else None
        top = trends.links_with_gifts(top, given)
        st.dataframe(top.select("link_url", "donate", "clickers", "clicks", "campaigns",
                                *(["gifts", "revenue"] if given is not None else [])),
                     hide_index=True, width="stretch", column_config={
            "link_url": st.column_config.LinkColumn("Link", display_text=r"https?://(?:www\.)?(.*)", pinned=True,
                                                    help="The address without its tracking tags (utm_…, click ids): "
                                                         "a page linked from several emails is one row."),
            "donate": st.column_config.CheckboxColumn("Donate link"),
            "clickers": tables.count("Unique clickers"), "clicks": tables.count("All clicks"),
            "campaigns": tables.count("Campaigns"),
            "gifts": tables.count("Gifts from its clickers", f"Gifts credited by a click ({window.describe(window_hours)})"
                                  " to a campaign whose email the giver clicked this link in."),
            "revenue": tables.money("Their revenue")})
        if given is not None:
            st.caption(f"Donate links show the gifts credited by a click with the {window.describe(window_hours)} "
                       "(set on Donation attribution) from people who clicked that link.")
