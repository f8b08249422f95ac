"""Overview: headline numbers against the previous period, and the latest campaigns."""

import streamlit as st

from cc_data.analytics.email import overview
from cc_data.analytics.email.campaigns import apply_filters, campaign_rates
from cc_data.analytics.rules.rates import CAMPAIGN_RATES, COUNT_HELP, RATES
from pages.components import board_report, charts, data, email_links, formats, tables, window
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
st.caption(f"{chosen.height} campaigns sent {filters.start:%b %d, %Y} – {filters.end:%b %d, %Y}; "
           f"change against {prev_start:%b %d, %Y} – {prev_end:%b %d, %Y}. Rates are pooled over campaigns.")
board_report.download(page)

LABELS = {"delivered": "Delivered", "revenue": f"Attributed revenue · {window.label(window_hours)}",
          "revenue_per_1000": "Revenue per 1,000 emails"}
REVENUE_HELP = {
    "revenue": f"Net revenue of the gifts credited with the {window.describe(window_hours)} (chosen on Donation "
               "attribution) to the campaigns sent in this period that the sidebar selects: the same figure as "
               "Donation attribution's Attributed revenue.",
    "revenue_per_1000": "Attributed revenue ÷ emails sent × 1,000 (M+R's definition; a primary email and its resend "
                        "are two emails).",
}
rows = kpis.to_dicts()
per_row = 3   # four cards a row truncate "$104,123" and long labels at 1024 px
for start in range(0, len(rows), per_row):
    cols = st.columns(per_row)
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
                st.plotly_chart(charts.sparkline(weekly, "week", metric, metric), config={"displayModeBar": False},
                                key=f"spark_{metric}")

st.subheader("Latest campaigns")
latest = overview.latest_campaigns(campaign_rates(chosen, human_opens_only=human), 15)
tz = core.source.time_zone
shown = tables.local_times(tables.as_percent(email_links.with_link(latest).select(
    "name", "type", "send_time", "sends", "delivered", *CAMPAIGN_RATES, email_links.COLUMN), CAMPAIGN_RATES),
    ("send_time",), tz)
st.dataframe(shown, hide_index=True, width="stretch", column_config={
    "name": "Campaign", "type": "Type", "send_time": tables.moment("Sent", f"First send, {tables.zone_name(tz)}."),
    "sends": tables.count("Emails sent", COUNT_HELP.get("sends")), "delivered": tables.count("Delivered"),
    **{k: tables.rate(RATES[k].title, RATES[k].help, decimals=2 if k in ("unsubscribe_rate", "bounce_rate") else 1)
       for k in CAMPAIGN_RATES}, email_links.COLUMN: email_links.link_column(),
})
st.caption(f"Times in the account's time zone ({tables.zone_name(tz)}).")
if not core.has_gifts:
    st.caption("Attributed revenue appears here once donations are imported (Data & sync → donations upload).")
