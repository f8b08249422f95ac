"""Overview: headline numbers against the previous period, and the latest campaigns."""

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from cc_data.analytics.email import overview
from cc_data.analytics.email.campaigns import apply_filters, campaign_rates
from cc_data.analytics.rules.rates import CAMPAIGN_RATES, COUNT_HELP, RATES
from cc_data.analytics.season import appeal_choices
from pages.components import board_report, charts, data, email_links, formats, season_view, tables, window
from pages.components.history_notice import history_notice
from pages.components.page_start import open_data_page

page = open_data_page("Overview", "the overview")
history_notice(page)
core, filters, human = page.core, page.filters, page.human_opens_only
if core.campaigns.is_empty() or filters.start is None:
    st.info("No campaign has been sent yet, so there is nothing to summarise. Sync again after your first send.")
    st.stop()

window_hours = window.hours()
revenue = data.campaign_revenue(page.db, page.version, window_hours, window.lenient()) if core.has_gifts else None
kpis = overview.period_kpis(core.campaigns, filters, human_opens_only=human,
                            revenue=revenue.select("campaign_id", "revenue") if revenue is not None else None)
chosen = apply_filters(core.campaigns, filters)
weekly = overview.weekly_series(chosen, human_opens_only=human)
prev_start, prev_end = overview.previous_period(filters.start, filters.end)
appeal = next(iter(appeal_choices(core.campaigns, page.cfg.fiscal_year_start)), None)
pacing = season_view.load(page, appeal) if appeal and core.has_gifts else None
if pacing is not None and not pacing.over:   # the board's question while an appeal is running, in one sentence
    season_view.sentence(pacing)
    st.page_link(season_view.COMPARE_PAGE, label=f"{appeal}: the season day by day, and its emails at equal age",
                 icon=":material/compare_arrows:")
st.caption(f"{chosen.height} campaigns sent {filters.start:%b %d, %Y} – {filters.end:%b %d, %Y}; "
           f"change against {prev_start:%b %d, %Y} – {prev_end:%b %d, %Y}. Rates are pooled over campaigns.")
board_report.download(page)

LABELS = {"delivered": "Delivered", "revenue": f"Attributed revenue · {window.label(window_hours)}",
          "revenue_per_1000": "Revenue per 1,000 emails"}
REVENUE_HELP = {
    "revenue": f"Revenue from email: net revenue of the gifts credited with the {window.describe(window_hours)} "
               "(chosen on Donation attribution) to the campaigns sent in this period that the sidebar selects: gifts "
               "coded to one of them, or given within the window after the donor clicked or opened one (a person's "
               "open). A gift from someone sent the email who did not open it is not credited, nor a monthly debit "
               "or pledge payment unless its code names the email. The same figure as Donation attribution's.",
    "revenue_per_1000": "Attributed revenue ÷ emails sent × 1,000 (M+R's definition; a primary email and its resend "
                        "are two emails).",
}


def scaled(fig: go.Figure, weekly: pl.DataFrame, metric: str) -> go.Figure:
    """A small trend line with its scale: the lowest and highest week's value on the right (the weeks are the
    period's, named above the cards)."""
    values = weekly[metric].drop_nulls()
    low, high = values.min(), values.max()
    fig.update_yaxes(visible=True, side="right", showgrid=False, tickvals=[low, high], tickfont={"size": 11},
                     ticktext=[formats.metric(metric, low), formats.metric(metric, high)])
    return fig.update_layout(height=80, margin={"l": 0, "r": 52, "t": 6, "b": 6})


rows = kpis.to_dicts()
st.caption("Under each card, the figure week by week over the period, its lowest and highest week labelled.")
per_row = 3   # four cards a row truncate "$104,123" and long labels at 1024 px
for start in range(0, len(rows), per_row):
    cols = st.columns(per_row if len(rows) - start >= per_row else len(rows) - start)   # the revenue pair: wider
    for col, row in zip(cols, rows[start:start + per_row], strict=False):
        metric = row["metric"]
        rate = RATES.get(metric)
        label = rate.title if rate else LABELS.get(metric, metric)
        help_text = rate.help if rate else REVENUE_HELP.get(metric) or COUNT_HELP.get(metric, "")
        with col, st.container(border=True):
            lower_is_better = metric in ("unsubscribe_rate", "bounce_rate")
            change = formats.change(metric, row["change"])
            steady = change == formats.NO_CHANGE
            st.metric(label, formats.metric(metric, row["current"]), change, help=help_text,
                      delta_color="off" if steady else "inverse" if lower_is_better else "normal",
                      delta_arrow="off" if steady else "auto")
            if metric in weekly.columns and weekly.height > 1:
                st.plotly_chart(scaled(charts.sparkline(weekly, "week", metric, metric), weekly, metric),
                                config={"displayModeBar": False}, key=f"spark_{metric}")
            if metric == "revenue" and row["current"] is not None and revenue is not None:
                apart = float(revenue.filter(pl.col("campaign_id").is_in(chosen["campaign_id"].to_list()))
                              ["sent_not_opened_revenue"].sum() or 0.0)
                st.caption(f"Emailed, did not open: {formats.money(apart, cents=False)}, not credited "
                           "(not in this figure).")

st.subheader("Latest campaigns")
latest = overview.latest_campaigns(campaign_rates(chosen, human_opens_only=human), 15)
tz = core.source.time_zone
shown = tables.local_times(tables.as_percent(email_links.with_link(latest).select(
    "name", "send_time", "delivered", *CAMPAIGN_RATES, "sends", "type", email_links.COLUMN), CAMPAIGN_RATES),
    ("send_time",), tz)
st.dataframe(shown, hide_index=True, width="stretch", column_config={
    "name": tables.key("Campaign"), "type": "Type",
    "send_time": tables.moment("Sent", f"First send, {tables.zone_name(tz)}."),
    "sends": tables.count("Emails sent", COUNT_HELP.get("sends")), "delivered": tables.count("Delivered"),
    **{k: tables.rate(RATES[k].title, RATES[k].help, decimals=2 if k in ("unsubscribe_rate", "bounce_rate") else 1)
       for k in CAMPAIGN_RATES}, email_links.COLUMN: email_links.link_column(),
})
st.caption(f"Times in the account's time zone ({tables.zone_name(tz)}).")
if not core.has_gifts:
    st.caption("Attributed revenue appears here once donations are imported (Data & sync → donations upload).")
