"""Mailbox providers: is Gmail, Yahoo/AOL, Microsoft or Apple filtering the organisation's mail? Month by month, with
a plain warning when one provider falls away from the others, and what the bulk-sender rules ask that Constant
Contact's data can and cannot show."""

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from cc_data.analytics.email import deliverability
from cc_data.analytics.rules.mailbox_providers import PROVIDER_HELP, PROVIDERS
from pages.components import charts, formats, report_data, tables
from pages.components.page_start import open_data_page

DASHES = {"Gmail": "solid", "Yahoo/AOL": "dash", "Microsoft": "dot", "Apple": "dashdot", "Own domain": "longdash",
          "Other": "longdashdot"}
COLOURS = {"Gmail": "#1f77b4", "Yahoo/AOL": "#7b3fa0", "Microsoft": "#c0392b", "Apple": "#4d4d4d",
           "Own domain": "#2e8b57", "Other": "#b8860b"}

page = open_data_page("Mailbox providers", "deliverability by mailbox provider")
core = page.core
if core.campaigns.is_empty():
    st.info("No email has been sent yet. Sync again after your first send.")
    st.stop()
tz = core.source.time_zone
providers = report_data.providers(page.db, page.version)
monthly = deliverability.by_month(providers, core.campaigns, tz)
months = sorted(monthly["month"].unique().to_list())
span = st.segmented_control("Show", ["Last 12 months", "Last 24 months"], default="Last 12 months", key="mp_span")
shown_months = months[-24:] if span == "Last 24 months" else months[-12:]
recent = monthly.filter(pl.col("month").is_in(shown_months))
st.caption(f"Emails first sent {shown_months[0]:%b %Y} – {shown_months[-1]:%b %Y} (months in {tables.zone_name(tz)}), "
           "every email and resend, grouped by the provider of each contact's address. The latest month holds the "
           "emails so far.")

warnings = deliverability.month_warnings(monthly).filter(pl.col("month").is_in(shown_months))
if warnings.is_empty():
    st.success("No provider fell away from the others in these months: no provider's human open rate halved "
               "against its own previous three months while the others held, and none blocked 2% of the mail.",
               icon=":material/check_circle:")
for row in warnings.iter_rows(named=True):
    st.warning(f"**{row['month']:%B %Y}.** {row['warning']}", icon=":material/warning:")


def provider_chart(metric: str, title: str, decimals: str, key: str) -> None:
    fig = go.Figure()
    for provider in PROVIDERS:
        part = recent.filter((pl.col("provider") == provider) & (pl.col("delivered") >= deliverability.MIN_DELIVERED))
        if part.is_empty():
            continue
        fig.add_scatter(x=[f"{m:%b %Y}" for m in part["month"].to_list()], y=part[metric].to_list(),
                        mode="lines+markers", name=provider,
                        line={"color": COLOURS[provider], "dash": DASHES[provider], "width": 2},
                        customdata=part["delivered"].to_list(),
                        hovertemplate=provider + ": %{y:" + decimals + "} (%{customdata:,} delivered)<extra></extra>")
    fig.update_layout(title=title)
    fig.update_xaxes(type="category")
    fig.update_yaxes(tickformat=decimals.replace(".2", ".1"), rangemode="tozero")
    st.plotly_chart(charts.layout(fig, 320, percent_axis=True), width="stretch", key=key)


provider_chart("human_open_rate", "Human open rate by provider (people who opened, leaving out likely machine opens, "
               "÷ emails delivered)", ".1%", "mp_open")
provider_chart("block_rate", "Blocked by the provider (bounce code Z ÷ emails sent)", ".2%", "mp_block")
st.caption(f"A provider's month with fewer than {deliverability.MIN_DELIVERED} emails delivered is left out of the "
           "lines (a handful of addresses swings from 0% to 100%); the table below has every month.")

st.subheader("Month by month")
provider = st.segmented_control("Provider", list(PROVIDERS), default=PROVIDERS[2], key="mp_provider",
                                help="; ".join(f"{k}: {v}" for k, v in PROVIDER_HELP.items()))
rows = recent.filter(pl.col("provider") == (provider or PROVIDERS[0])).sort("month", descending=True)
rates = ["bounce_rate", "block_rate", "human_open_rate", "click_rate", "unsubscribe_rate"]
st.dataframe(tables.as_percent(rows.select("month", "sends", "delivered", "bounces", "blocked", *rates), rates),
             hide_index=True, width="stretch", height=35 * (rows.height + 1) + 3, column_config={
    "month": st.column_config.DateColumn("Month", format="MMM YYYY", pinned=True), "sends": tables.count("Sent"),
    "delivered": tables.count("Delivered"), "bounces": tables.count("Bounced", "people, any bounce code"),
    "blocked": tables.count("Blocked", "bounce code Z: refused by the provider"),
    "bounce_rate": tables.rate("Bounce rate", "bounces ÷ emails sent", 2),
    "block_rate": tables.rate("Block rate", "blocked ÷ emails sent", 2),
    "human_open_rate": tables.rate("Human open rate", "human openers ÷ emails delivered"),
    "click_rate": tables.rate("Click rate", "unique clickers ÷ emails delivered", 2),
    "unsubscribe_rate": tables.rate("Unsubscribe rate", "opt-outs ÷ emails delivered", 2)})

st.subheader("Gmail's, Yahoo's and Microsoft's rules for bulk senders")
busiest = deliverability.busiest_days(providers, core.campaigns, tz)
peaks = "; ".join(f"{r['provider']} {formats.count(r['sends'])} ({r['day']:%b %d, %Y})"
                  for r in busiest.filter(pl.col("provider").is_in(["Gmail", "Yahoo/AOL", "Microsoft"]))
                  .iter_rows(named=True))
complaints = report_data.spam_complaints(page.db, page.version)
known = core.campaigns.join(complaints, on="campaign_id").filter(
    pl.col("send_time") >= pl.lit(shown_months[0]).cast(pl.Datetime("us")))
spam_rate = (known["complaints"].sum() / known["delivered"].sum()) if known.height and known["delivered"].sum() else None
spam_text = (f"Account-wide over these months: {formats.count(known['complaints'].sum())} complaints on "
             f"{formats.count(known['delivered'].sum())} emails delivered, {formats.percent(spam_rate, 3)}, for the "
             f"{known.height:,} emails whose count was synced." if spam_rate is not None
             else "No complaint count synced for these months (unknown, not zero).")
RULES = [
    ("Spam complaints under 0.3% (aim under 0.1%)", "Gmail and Yahoo (Feb 2024)",
     "Per email and for the whole account, not per provider: Constant Contact's API counts complaints per email "
     f"only. {spam_text} Gmail's own figure is in Google Postmaster Tools."),
    ("5,000 or more messages a day to one provider makes you a bulk sender",
     "Gmail and Yahoo (2024), Microsoft (May 2025)",
     f"Largest day of emails to each, by each email's first-send day: {peaks or 'none'}."),
    ("Authenticate with SPF, DKIM and DMARC, aligned with the From address",
     "Gmail and Yahoo (2024), Microsoft (May 2025)",
     "**Cannot show**: not in Constant Contact's data. Check the sending domain's authentication in Constant "
     "Contact's settings."),
    ("One-click unsubscribe, honoured within two days", "Gmail and Yahoo (2024)",
     "Constant Contact adds the header and processes opt-outs; this dashboard never lists an unsubscribed contact. "
     "Opt-outs per provider are in the table above."),
    ("Bounces and blocks", "every provider", "Per provider, above: bounces of any code and blocks (code Z)."),
    ("Inbox or junk folder", "every provider",
     "**Cannot show**: no API says where mail landed. A provider's human opens halving while the others hold is the "
     "sign shown above."),
]
st.markdown("| Rule | Whose | What this dashboard can show |\n|---|---|---|\n"
            + "\n".join(f"| {rule} | {whose} | {what} |" for rule, whose, what in RULES))
st.caption("Providers are told from the address: "
           + "; ".join(f"**{k}**: {v}".replace("*,", "\\*,") for k, v in PROVIDER_HELP.items())
           + ". Likely machine opens (Apple Mail "
           "Privacy Protection, scanners) are left out of opens, so Apple's rate is not inflated.")
