"""Email report: one email opened: its funnel with reasons, each link and who clicked it, devices, mailbox providers
and money, each beside the median email of its type at the same age."""

from datetime import date, datetime

import polars as pl
import streamlit as st

from cc_data.analytics import export
from cc_data.analytics.audience.reach import emailable
from cc_data.analytics.email import deliverability, report
from cc_data.analytics.rules.mailbox_providers import PROVIDER_HELP
from pages.components import charts, data, email_links, formats, report_data, tables, window
from pages.components.downloads import CSV_MIME, XLSX_MIME, personal_data_download
from pages.components.history_notice import history_notice
from pages.components.page_start import open_data_page
from pages.components.push_panel import push_panel

EMAIL_PARAM = "email"   # ?email=<campaign_id>: the link from a campaign row on another page

page = open_data_page("Email report", "an email report")
history_notice(page)
core = page.core
campaigns = core.campaigns.sort("send_time", descending=True)
if campaigns.is_empty():
    st.info("No email has been sent yet. Sync again after your first send.")
    st.stop()
tz = core.source.time_zone
local = tables.local_times(campaigns.select("campaign_id", "name", "send_time"), ("send_time",), tz)
names = {r["campaign_id"]: f"{r['name']} · {r['send_time']:%b %d, %Y}" for r in local.iter_rows(named=True)}
asked = st.query_params.get(EMAIL_PARAM)
if asked in names and st.session_state.get("er_from_url") != asked:   # a link from another page wins, once
    st.session_state["er_email"] = asked
    st.session_state["er_from_url"] = asked
if st.session_state.get("er_email") not in names:
    # the newest broadcast (delivered to at least half as many as the largest email), not a board update
    big = campaigns.filter(pl.col("delivered") >= campaigns["delivered"].max() / 2)
    st.session_state["er_email"] = big["campaign_id"][0]
chosen = st.selectbox("Email", list(names), format_func=names.get, key="er_email",
                      help="Newest first. Every campaign row on Overview, Campaign trends, Compare appeals and "
                           "Donation attribution opens its email here.")
st.query_params[EMAIL_PARAM] = chosen

as_of: datetime = data.as_of(core)
window_hours = window.hours()
view = report_data.email_report(page.db, page.version, chosen, as_of, window_hours, window.lenient())
me, peers = view.campaign, view.peers
lists = dict(zip(core.lists["list_id"].to_list(), core.lists["name"].to_list(), strict=True))
sent_local = local.filter(pl.col("campaign_id") == chosen)["send_time"][0]
age_days = peers.age_hours / 24
st.caption(" · ".join(part for part in (
    f"**{me['type']}**", f"sent {sent_local:%a %b %d, %Y at %H:%M} ({tables.zone_name(tz)})",
    f"subject “{view.details['subject']}”" if view.details.get("subject") else "",
    "to " + ", ".join(lists.get(i, i) for i in view.details.get("list_ids") or []) if view.details.get("list_ids") else "",
) if part))
medians = report.median_of(view.peer_figures)
n_peers = len(peers.campaign_ids)
peer_label = (f"Median {me['type'].lower()} email" if n_peers else "No earlier email of this type")
if n_peers:
    st.caption(f"Figures so far, {age_days:,.1f} days after the first send. **{peer_label}**: the median of "
               f"{n_peers} {me['type'].lower()} emails first sent in the 12 months before this one (delivered to "
               f"{report.PEER_MIN_DELIVERED}+ people), each counted at the same age, so a young email is not "
               "compared with finished ones.")
else:
    st.caption(f"Figures so far, {age_days:,.1f} days after the first send. No {me['type'].lower()} email was "
               f"sent to {report.PEER_MIN_DELIVERED}+ people in the 12 months before this one, so there is no median "
               "to compare with.")

# -- headline cards -----------------------------------------------------------------------------------------------
fig_me = view.figures
cards = [("Delivered", formats.count(me["delivered"]), f"of {formats.count(me['sends'])} emails sent",
          "sends − bounces"),
         ("Human open rate", formats.percent(fig_me.get("human_open_rate")), medians["human_open_rate"],
          "people who opened, leaving out likely machine opens ÷ emails delivered"),
         ("Click rate", formats.percent(fig_me.get("click_rate")), medians["click_rate"],
          "unique clickers ÷ emails delivered"),
         ("Unsubscribe rate", formats.percent(fig_me.get("unsubscribe_rate"), 2), medians["unsubscribe_rate"],
          "opt-outs ÷ emails delivered")]
if core.has_gifts:
    cards.append((f"Revenue, {window.label(window_hours).removesuffix(' window')}",
                  formats.money(fig_me.get("revenue"), cents=False),
                  f"{formats.count(fig_me.get('gifts'))} gifts", f"net revenue of the gifts credited to this email ({window.describe(window_hours)}, set on "
                        "Donation attribution)"))
    cards.append(("Per 1,000 emails", formats.money(fig_me.get("revenue_per_1000")),
                  medians["revenue_per_1000"], "revenue ÷ emails sent × 1,000"))
cols = st.columns(3)
for k, (label, value, median, formula) in enumerate(cards):
    with cols[k % 3], st.container(border=True):
        if median is None:
            shown_median = "–"
        elif isinstance(median, str):
            shown_median = median
        elif label.startswith("Per 1,000"):
            shown_median = f"{peer_label}: {formats.money(median)}"
        else:
            shown_median = f"{peer_label}: {formats.percent(median, 2 if 'Unsubscribe' in label else 1)}"
        st.metric(label, value, help=formula)
        st.caption(shown_median)

# -- the funnel ---------------------------------------------------------------------------------------------------
st.subheader("What happened to it", help="People, counted once per email (a contact sent the primary email and "
             "its resend opens once); sends are emails.")
funnel = report.funnel(fig_me, view.bounces, view.optouts, view.spam, medians, view.peer_bounce_shares)
shown = funnel.with_columns(
    pl.col("people").map_elements(formats.count, return_dtype=pl.Utf8).fill_null("not synced"),
    pl.struct("share", "of").map_elements(
        lambda r: f"{formats.percent(r['share'], 2)} {r['of']}" if r["share"] is not None else r["of"] or "",
        return_dtype=pl.Utf8).alias("share"),
    pl.col("median").map_elements(lambda v: formats.percent(v, 2), return_dtype=pl.Utf8).fill_null("–"),
).select("step", "people", "share", "median")
st.dataframe(shown, hide_index=True, width="stretch", height=35 * (shown.height + 1) + 3, column_config={
    "step": st.column_config.TextColumn("Step", width="medium", help="Sent counts emails (a primary email and its "
                                        "resend to one person are two); every other step counts people."),
    "people": "Number",
    "share": st.column_config.TextColumn("Share"),
    "median": st.column_config.TextColumn(
        f"Median {me['type'].lower()}" if n_peers else "Median",
        help="The same share for the median email of this type at the same age (–: none to compare with). By "
             "people: opens not flagged as likely machine opens; by a machine only: every open was one.")})
st.caption("Bounce reasons are Constant Contact's codes in words; a vacation or auto-reply reached the mailbox but "
           "counts as a bounce, as Constant Contact counts it. Opt-out reasons are what people chose or wrote on "
           "the unsubscribe page. Spam complaints are Constant Contact's count for the whole email: the API gives no "
           "complaint per contact, so none per provider. Machine opens (Apple Mail Privacy Protection, security "
           "scanners) are estimated: opens within 10 minutes of the send by contacts who open 90%+ of their email "
           "and never click.")

# -- links --------------------------------------------------------------------------------------------------------
st.subheader("Links", help="Each address without its tracking tags (utm_…, fbclid, gclid).")
links = view.links
if links.is_empty():
    st.info("Nobody has clicked a link in this email yet.")
else:
    st.dataframe(links, hide_index=True, width="stretch", column_config={
        "link": st.column_config.LinkColumn("Link", display_text=r"https?://(?:www\.)?(.*)", pinned=True),
        "clicks": tables.count("All clicks", "Every click, repeats included."),
        "clickers": tables.count("Unique clickers", "People; one who clicked twice, or in the email and its "
                                                    "resend, is one."),
        "gifts": tables.count("Gifts from its clickers", f"Gifts credited to this email by a click "
                                                         f"({window.describe(window_hours)}) whose giver clicked "
                                                         "this link."),
        "revenue": tables.money("Their revenue")})
    link = st.selectbox("Make a segment of the people who clicked", links["link"].to_list(), key="er_link",
                        help="Only contacts you may email: unsubscribed, bounced and deleted contacts are left out.")
    who = view.clickers.filter(pl.col("link") == link).select("contact_id").unique()
    audience = data.audience_frame(page.db, page.version)
    members = emailable(audience).join(who, on="contact_id").select(
        "contact_id", "email", "first_name", "last_name", "permission_to_send", "list_names").sort("email")
    left_out = who.height - members.height
    st.caption(f"{members.height:,} of the {who.height:,} people who clicked it may be emailed"
               + (f"; {left_out:,} left out (unsubscribed, bounced, deleted or without permission)." if left_out
                  else "."))
    segment_name = f"clicked {link.split('://')[-1][:60]} in {me['name']}"
    about = {"List": f"People who clicked {link} in {me['name']}", "Criteria": "clicked the link in this email; "
             "emailable contacts only (permission explicit or implicit)",
             "Data as of": f"{as_of:%Y-%m-%d %H:%M} UTC (the latest send, open or click synced)"}
    row = st.container(horizontal=True)
    personal_data_download(row, "Download CSV", lambda: export.to_csv_bytes(members),
                           file_name=export.export_filename(segment_name, date.today(), "csv"), mime=CSV_MIME,
                           key="er_csv", what=segment_name, rows=members.height, disabled=members.is_empty())
    personal_data_download(row, "Download Excel", lambda: export.to_excel_bytes(members, about=about),
                           file_name=export.export_filename(segment_name, date.today(), "xlsx"), mime=XLSX_MIME,
                           key="er_xlsx", what=segment_name, rows=members.height, disabled=members.is_empty())
    push_panel(f"Clicked {link.split('://')[-1][:40]}", members, key="er_push")

# -- devices and providers ----------------------------------------------------------------------------------------
left, right = st.columns(2)
with left:
    st.subheader("Devices", help="Unique people per device who opened or clicked.")
    split = view.devices
    if split.is_empty():
        st.info("No opens or clicks recorded yet.")
    else:
        st.plotly_chart(charts.device_bars(split, 280), width="stretch", key="er_devices")
with right:
    st.subheader("Mailbox providers", help="Who receives the mail, told from the address: "
                 + "; ".join(f"{k}: {v}" for k, v in PROVIDER_HELP.items()))
    providers = view.providers.sort("sends", descending=True)
    for warning in deliverability.email_warnings(providers):
        st.warning(warning, icon=":material/warning:")
    st.dataframe(tables.as_percent(providers.select("provider", "sends", "bounce_rate", "block_rate",
                                                    "human_open_rate", "click_rate"),
                                   ["bounce_rate", "block_rate", "human_open_rate", "click_rate"]),
                 hide_index=True, width="stretch", column_config={
        "provider": tables.key("Provider"), "sends": tables.count("Sent"),
        "bounce_rate": tables.rate("Bounced", "bounces (any code) ÷ emails sent", 2),
        "block_rate": tables.rate("Blocked", "blocked by the provider (code Z) ÷ emails sent", 2),
        "human_open_rate": tables.rate("Human opens", "people who opened, leaving out likely machine opens ÷ "
                                                      "emails delivered"),
        "click_rate": tables.rate("Clicks", "unique clickers ÷ emails delivered", 2)})
    st.page_link(email_links.PROVIDERS_PAGE, label="Month by month, and what the bulk-sender rules ask",
                 icon=":material/inbox:")

if not core.has_gifts:
    st.caption("Gifts and revenue appear here once donations are imported (Data & sync → donations upload).")
