"""Donation attribution: which emails raised money, by tier, campaign and appeal series, with the audit trail."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from cc_data.analytics import export
from cc_data.analytics.attribution.credit import gifts_in_scope, series_by_revenue, tier_breakdown, totals
from cc_data.analytics.attribution.queries import CREDITED_TIERS, WINDOW_CHOICES
from cc_data.analytics.email.campaigns import apply_filters
from cc_data.analytics.rules.appeals import SERIES_HELP, with_series
from cc_data.analytics.stored.refresh import refresh_changed
from cc_data.donations.code_mapping import MAPPING_SCHEMA, save_code_mapping
from cc_data.errors import UserError
from cc_data.store.schema import CODE_FIELDS
from pages.components import context, data, email_links, formats, signin, tables, window
from pages.components.downloads import CSV_MIME, personal_data_download
from pages.components.history_notice import history_notice
from pages.components.page_start import open_page

HOW_IT_WORKS = """
Each gift (including split-gift parts, refunds and adjustments; never pledges, split main records or soft
credits) is credited to at most **one** campaign, by the first rule that applies:

1. **Coded** – a gift code (sub-solicit code, solicit code, campaign, GL code) is mapped to the campaign below;
2. **Click window** – the donor clicked the campaign's email within the window before the gift;
3. **Open window** – the donor opened it (a person's open, not a likely machine open) within the window;
4. **Emailed, did not open** – only sent within the window: shown apart, **not credited**;
5. **Unattributed**.

Within a rule the last touch wins. A gift from someone who was sent the email but did not open it is **not
credited** (shown apart as "Emailed, did not open"); a monthly debit or pledge payment is credited only when its own
code names the email. Donors are matched to contacts by the Constant Contact ID on their DonorPerfect record, then by
email address. A gift entered on the day it was given is timed to the hour and uses the window in hours; otherwise
only its date is known and the window is in calendar days (the gift date and the days before it). Refunds and
adjustments follow the gift they adjust; an adjusted gift counts once, at its new amount.
**Baseline gift rate**: the share of contacts who were sent the email, neither opened nor clicked, and gave
within the window after the send – the honest comparison for "did the email drive giving".
**Revenue per 1,000 emails** = attributed revenue ÷ sends × 1,000.
"""


page = open_page("Donation attribution")
cfg = page.cfg
if page.core is None or not page.core.has_gifts:
    st.info(
        "**Import donations to see this.** This page shows which emails raised money once gifts are loaded:\n\n"
        "- upload a DonorPerfect gift export on the **Data & sync** page, or\n"
        "- run `cc-data donations import gifts.csv` (or `cc-data donations sync` with `DP_API_KEY` set)."
    )
    with st.expander("How is this computed?"):
        st.markdown(HOW_IT_WORKS)
    st.stop()

history_notice(page)
saved_window = window.hours()
choice = st.segmented_control("Attribution window", [*WINDOW_CHOICES, "Custom"],
                              default=window.choice_of(saved_window), required=True, key="attr_window",
                              help="Every revenue figure in the app (Overview, Compare appeals) follows this window.")
if choice == "Custom":
    window_hours = float(st.number_input("Window in hours", min_value=1, max_value=24 * 90,
                                         value=int(saved_window) if window.choice_of(saved_window) == "Custom" else 72,
                                         key="attr_custom_hours"))
else:
    window_hours = float(WINDOW_CHOICES.get(choice or "48 hours", 48))
window.remember(window_hours)
lenient = st.toggle("Count likely machine opens and bounced sends as evidence", value=window.lenient(),
                    key="attr_lenient",
                    help="Off (the default): an open flagged as a likely machine open (Apple Mail Privacy Protection, "
                         "scanners) is not an open, and a send that bounced is not a send, so a gift they would have "
                         "earned falls to an earlier real touch or is unattributed. On: both count, as before "
                         "December 2026. Clicks and coded gifts are never affected; every revenue figure follows.")
window.remember_lenient(lenient)
loaded = data.attribution_page(page.db, page.version, window_hours, cfg.fiscal_year_start, lenient)
all_gifts, match = loaded.gifts, loaded.match
filters = context.current_filters()
chosen = apply_filters(page.core.campaigns, filters)
chosen_ids = chosen["campaign_id"].to_list()
period = (f"{filters.start:%b %d, %Y} – {filters.end:%b %d, %Y}" if filters.start and filters.end else "any time")
scope_of = gifts_in_scope(all_gifts, chosen_ids, page.core.campaigns["campaign_id"].to_list(), filters.start,
                          filters.end)
credited, received, gifts = totals(scope_of.credited), totals(scope_of.received), totals(scope_of.gifts)
campaigns = loaded.campaigns.filter(pl.col("campaign_id").is_in(chosen_ids))
scope = f"{window.describe(window_hours)} · campaigns sent {period}"
st.caption(f"**Scope:** gifts credited with the {window.describe(window_hours)} to the {chosen.height:,} campaigns the "
           f"sidebar selects (sent {period}), and every gift dated in that period. Overview's *Attributed revenue* "
           "is the same figure.")
with st.expander("How is this computed?"):
    st.markdown(HOW_IT_WORKS)

TIER_WORDS = {"coded": "Coded (gift code)", "click": "Clicked", "open": "Opened",
              "send": "Emailed, did not open (not credited)", "unattributed": "Not attributed"}
BASIS_WORDS = {"timestamp": "Hours (time of gift known)", "calendar_day": "Calendar days (date only)"}
RECORD_WORDS = {"G": "Gift", "A": "Adjustment"}
unattributed, unsent = totals(scope_of.unattributed), totals(scope_of.unsent)
apart = totals(scope_of.sent_not_opened)
if chosen.is_empty():
    st.info(f"No campaign matches the sidebar's filters (sent {period}, with its type, name and list), so no revenue "
            "is credited to any: change the filters to see revenue by campaign.")
else:
    cols = [*st.columns(2), *st.columns(2)]   # two rows: four money figures do not fit one row at 1024 px
    cols[0].metric("Attributed revenue", formats.money(credited.revenue, cents=False),   # as on Overview's card
                   help=f"Revenue from email: net revenue of the gifts credited to the selected campaigns ({scope}): "
                        "coded to one, or given within the window after the donor clicked or opened it. Gifts from "
                        "people sent it who did not open it are not credited.")
    cols[1].metric("Gifts attributed", formats.count(credited.gifts),
                   help="Revenue gifts credited to the selected campaigns, one per transaction (split parts count "
                        "once; adjustments and refunds change revenue, not the count; pledges are not gifts).")
    cols[2].metric("All revenue received", formats.money(received.revenue, cents=False),
                   help=f"Every revenue gift dated {period}, attributed or not, net of adjustments and refunds.")
    cols[3].metric("Donors matched to contacts", formats.percent(match.rate, decimals=0),
                   help="By the Constant Contact ID on the donor's DonorPerfect record first, then by email address.")
    st.caption(f"Emailed, did not open: {formats.money(apart.revenue, cents=False)} from {formats.count(apart.gifts)} "
               "gifts by people sent a selected campaign who did not open it: not credited, and never in Attributed "
               "revenue. Monthly debits and pledge payments are credited only when their own code names the email.")
    if unsent.rows:
        st.caption(f"Also credited, to campaigns with no send on record (a code mapped to a campaign sent before "
                   f"tracking began, or never sent by email): {formats.money(unsent.revenue, cents=False)} from "
                   f"{formats.count(unsent.gifts)} gifts, in no period's figures.")
    date_only = scope_of.gifts.filter(pl.col("time_basis") == "calendar_day").height
    if date_only:
        st.caption(f"{formats.count(date_only)} of {formats.count(gifts.rows)} gift rows have a date but no time: "
                   "their windows are calendar days.")

    st.subheader("Revenue from email, by how it was earned")
    tiers = tier_breakdown(scope_of.credited).filter(pl.col("tier").is_in(list(CREDITED_TIERS)))
    figure = go.Figure(go.Bar(
        x=[TIER_WORDS[t] for t in tiers["tier"].to_list()], y=tiers["revenue"].to_list(),
        text=[f"{formats.money(r, cents=False)} · {formats.count(n)} gifts"
              for r, n in zip(tiers["revenue"].to_list(), tiers["gifts"].to_list(), strict=True)],
        textposition="outside", cliponaxis=False, textfont={"size": 13}, constraintext="none",
        marker={"color": "#2e8b57"}, hovertemplate="%{x}: %{text}<extra></extra>"))
    figure.update_layout(height=320, margin={"t": 30, "l": 10, "r": 10, "b": 10}, template="plotly_white",
                         showlegend=False)
    figure.update_yaxes(tickprefix="$", tickformat=",.0f", rangemode="tozero")
    st.plotly_chart(figure, key="attr_tiers")
    st.caption(f"The bars add up to Attributed revenue ({scope}); each is labelled with its revenue and gifts. Not "
               f"drawn: emailed, did not open ({formats.money(apart.revenue, cents=False)}, not credited), and gifts "
               f"credited to no email at all ({formats.money(unattributed.revenue, cents=False)} from "
               f"{formats.count(unattributed.gifts)} gifts dated {period}).")

    st.subheader("Revenue per campaign")
    per_campaign = email_links.with_link(campaigns.filter((pl.col("revenue") != 0)
                                                          | (pl.col("sent_not_opened_revenue") != 0))).select(
        "name", "revenue", "gifts", "donors", "revenue_per_1000", "sends", "coded_revenue", "click_revenue",
        "open_revenue", "sent_not_opened_revenue", email_links.COLUMN)
    st.dataframe(per_campaign, hide_index=True, width="stretch", column_config={
        "name": tables.key("Campaign"), "sends": tables.count("Emails sent"), "gifts": tables.count("Gifts"),
        "donors": tables.count("Donors"), "revenue": tables.money("Revenue", "Credited: coded, clicked or opened."),
        "revenue_per_1000": tables.money("Per 1,000 emails", "Revenue ÷ emails sent × 1,000 (M+R's definition)."),
        "coded_revenue": tables.money("Coded"), "click_revenue": tables.money("Clicked"),
        "open_revenue": tables.money("Opened"),
        "sent_not_opened_revenue": tables.money("Emailed, did not open", "Gifts from people sent this email who did "
                                                "not open it: not credited, never in Revenue."),
        email_links.COLUMN: email_links.link_column(),
    })
    st.caption(f"Campaigns the sidebar selects that raised money ({scope}).")

    st.subheader("Did the email drive giving? (gift rate within the window after the send)")
    rates = tables.as_percent(campaigns.filter(pl.col("baseline_gift_rate").is_not_null()).select(
        "name", "clicker_gift_rate", "opener_gift_rate", "baseline_gift_rate", "sends"
    ), ("clicker_gift_rate", "opener_gift_rate", "baseline_gift_rate"))
    st.dataframe(rates, hide_index=True, width="stretch", column_config={
        "name": tables.key("Campaign"), "sends": tables.count("Emails sent"),
        "clicker_gift_rate": tables.rate("Clicked, gave", "Clickers who gave within the window ÷ clickers.",
                                         decimals=2),
        "opener_gift_rate": tables.rate("Opened, gave", "Openers who did not click and gave ÷ those openers.",
                                        decimals=2),
        "baseline_gift_rate": tables.rate("Baseline", "Sent, neither opened nor clicked, and gave ÷ those sent: "
                                          "what giving looks like without the email's help.", decimals=2),
    })
    st.caption("Scheduled gifts (monthly debits, pledge payments) are left out of these rates: they come whatever "
               "was sent.")

st.subheader("Revenue per appeal series, year by year")
series_scope = apply_filters(with_series(page.core.campaigns, cfg.fiscal_year_start),
                             replace(filters, start=None, end=None))
series_rows = series_by_revenue(loaded.series, series_scope["series"].unique().to_list())
st.dataframe(series_rows.with_columns(pl.col("year").cast(pl.Utf8)).select(   # the money first: 1024 px
    "series", "year", "revenue", "gifts", "donors", "revenue_per_1000", "sends", "campaigns"), hide_index=True,
             width="stretch",
             column_config={"series": tables.key("Appeal series"), "year": "Year",
                            "campaigns": tables.count("Campaigns"),
                            "sends": tables.count("Emails sent"), "gifts": tables.count("Gifts"),
                            "donors": tables.count("Donors"), "revenue": tables.money("Revenue"),
                            "revenue_per_1000": tables.money("Per 1,000 emails")})
st.caption(f"{SERIES_HELP} One row per year (waves and resends together), never years added up; every year of "
           f"the series, whatever the sidebar's dates (type, name and list filters apply). {window.describe(window_hours)}"
           ". Compare appeals shows the same years at equal age since the first send.")

st.subheader("Donors matched to contacts")
METHOD_WORDS = {"cc_contact_id": "by the Constant Contact ID on their DonorPerfect record", "email": "by email address",
                "unmatched": "not matched"}
st.caption(f"{match.matched:,} of {match.total:,} donors matched: "
           + ", ".join(f"{METHOD_WORDS.get(method, method)}: {count:,}"
                       for method, count in sorted(match.by_method.items())) + ".")
with st.expander(f"Unmatched donors ({match.total - match.matched:,})"):
    st.dataframe(match.unmatched, hide_index=True, width="stretch", column_config={
        "donor_id": tables.key("Donor ID"), "first_name": "First name", "last_name": "Last name",
        "email": "Email address",
        "cc_contact_id": "Constant Contact ID", "unmatched_reason": "Why not matched"})

st.subheader("Gift codes → campaigns")
st.caption("Map DonorPerfect codes to the campaign they belong to; a mapped code makes a gift **coded**, "
           "the strongest rule. Codes found on gifts:")
FIELD_WORDS = {"sub_solicit_code": "Sub-solicit code", "solicit_code": "Solicit code", "campaign": "Campaign code",
               "gl_code": "GL code"}
campaign_names = dict(zip(loaded.campaign_names["campaign_id"].to_list(), loaded.campaign_names["name"].to_list(),
                          strict=True))
st.dataframe(loaded.codes.with_columns(
    pl.col("code_field").replace_strict(FIELD_WORDS, default=pl.col("code_field")),
    pl.col("campaign_id").replace_strict(campaign_names, default=pl.col("campaign_id")).fill_null("–")),
    hide_index=True, width="stretch", column_config={
        "code_field": tables.key("Code field"), "code": tables.key("Code"), "gifts": tables.count("Gift rows"),
        "revenue": tables.money("Revenue"), "campaign_id": "Mapped to campaign"})
names = loaded.campaign_names
labels = dict(zip(names["campaign_id"].to_list(), names["name"].to_list(), strict=True))
edited = st.data_editor(
    loaded.mapping.to_pandas(), num_rows="dynamic", width="stretch", key="attr_mapping", disabled=not signin.is_admin(),
    column_config={
        "code_field": st.column_config.SelectboxColumn("Code field", options=list(CODE_FIELDS), required=True,
                                                       format_func=lambda field: FIELD_WORDS.get(field, field)),
        "code": st.column_config.TextColumn("Code", required=True),
        "campaign_id": st.column_config.SelectboxColumn(
            "Campaign", options=list(labels), format_func=lambda cid: labels.get(cid, cid), required=True),
    },
)
if signin.is_admin() and st.button("Save mapping", key="attr_save_mapping"):   # viewers see the mapping only
    try:
        signin.require_admin("change the code mapping")
        with signin.audited("mapping", "gift codes to campaigns", cfg=cfg) as entry:
            saved = entry.rows = save_code_mapping(cfg.db_path, pl.from_pandas(edited, schema_overrides=MAPPING_SCHEMA),
                                                   before_publish=refresh_changed)   # attribution follows the mapping
    except UserError as err:
        st.error(str(err))
    else:
        st.success(f"Saved {saved} code mappings.")
        data.clear()
        st.rerun()

st.subheader("Every gift")
st.caption(f"{formats.count(gifts.gifts)} gifts in {formats.count(gifts.rows)} rows ({formats.count(gifts.adjustments)} "
           "adjustments or refunds, and split-gift parts, are rows of their own): each with its tier, campaign and the "
           "touch that earned it, to audit any number above.")
shown_gifts = tables.local_times(scope_of.gifts.join(loaded.donor_names, on="donor_id", how="left"), ("touch_time",),
                                  page.core.source.time_zone).with_columns(
    pl.col("tier").replace_strict(TIER_WORDS, default=pl.col("tier")),
    pl.col("time_basis").replace_strict(BASIS_WORDS, default=pl.col("time_basis")),
    pl.col("record_type").replace_strict(RECORD_WORDS, default=pl.col("record_type")),
    pl.col("attribution_note").replace_strict(FIELD_WORDS, default=pl.col("attribution_note")).fill_null(""),
    pl.col("scheduled").replace_strict({True: "Yes", False: ""}, return_dtype=pl.Utf8))
st.dataframe(shown_gifts.select("gift_date", "amount", "donor_name", "tier", "campaign_name", "touch_time",
                                "time_basis", "scheduled", "record_type", "is_adjustment", "attribution_note",
                                "donor_id", "gift_id"),
             hide_index=True, width="stretch", column_config={
                 "gift_date": tables.day("Gift date", pinned=True), "amount": tables.money("Amount"),
                 "donor_id": "Donor ID", "donor_name": "Donor", "tier": "Tier", "campaign_name": "Campaign",
                 "touch_time": tables.moment("Email touch", tables.zone_name(page.core.source.time_zone)),
                 "time_basis": "Window counted in", "record_type": "Record type",
                 "scheduled": st.column_config.TextColumn("Monthly or pledge payment",
                                                          help="Credited to an email only by its own code."),
                 "is_adjustment": "Adjustment or refund", "attribution_note": "Note", "gift_id": "Gift ID"})
personal_data_download(st, "Download gifts (CSV)", lambda: export.to_csv_bytes(scope_of.gifts),
                       file_name=export.gifts_filename(window_hours, date.today()), mime=CSV_MIME,
                       key="attr_download", what=f"attributed gifts, {window_hours:g} h window", rows=gifts.rows,
                       help="Named with the attribution window and today's date. "
                            "Text that could run as a spreadsheet formula is prefixed with an apostrophe.")
