"""Donors: are we keeping our donors, and does email help? FEP gain/loss, retention by email engagement,
LYBUNT/SYBUNT lists to call or email, and first gifts that came after an email."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from cc_data.analytics import export
from cc_data.analytics.donors.email import FIRST_GIFT_WINDOW_HOURS
from cc_data.analytics.donors.lists import ENGAGEMENT, LAST_YEAR, LIFETIME, ORDERS, RECENT_DAYS
from cc_data.analytics.donors.years import CATEGORIES, LABELS, LAPSED, RETAINED, TREND_YEARS
from cc_data.analytics.rules.fiscal_years import fiscal_year_label, fiscal_year_span
from pages.components import charts, data, formats, tables
from pages.components.downloads import CSV_MIME, XLSX_MIME, personal_data_download
from pages.components.history_notice import history_notice
from pages.components.page_start import open_data_page
from pages.components.push_panel import push_panel

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
# Gained, kept and lost without red against green (and each bar is labelled, so colour is never the only cue)
GAIN_COLOUR, LOSS_COLOUR, KEPT_COLOUR = "#1f5fa8", "#b35806", "#92b4d6"
BAR_COLOURS = {"new": GAIN_COLOUR, "recaptured": GAIN_COLOUR, "upgraded": KEPT_COLOUR, "same": KEPT_COLOUR,
               "downgraded": KEPT_COLOUR, "lapsed_new": LOSS_COLOUR, "lapsed_repeat": LOSS_COLOUR}
DEFINITIONS = """
Categories follow the Fundraising Effectiveness Project (FEP), comparing the chosen fiscal year with the one before:

- **New**: gave this year and never before. **Recaptured**: gave this year, not last year, but in some earlier year.
- **Retained**: gave last year and this year: **upgraded** (more this year), **same amount**, or **downgraded** (less).
- **Lapsed, new last year**: last year was their first year, no gift this year. **Lapsed, repeat**: gave last year
  and in some earlier year, no gift this year.
- **Donor retention** = retained donors ÷ last year's donors. **Dollar retention** = this year's giving by retained
  donors ÷ last year's giving by all of last year's donors. **New-donor retention** = last year's new donors who gave
  again ÷ last year's new donors; **repeat-donor retention** the same for last year's other donors.

A donor gave in a year when the year's net giving is above $0: DonorPerfect gifts (the parts of a split gift too)
and adjustments, as Donation attribution counts revenue; pledges, split-gift main records and soft credits never
count. A refund or adjustment that names the gift it adjusts counts in that gift's year, so a refunded gift nets to
$0 there. A donor is a DonorPerfect donor ID: soft credits and households are out of scope (a couple with two donor
records counts twice). Donors are matched to Constant Contact contacts by the Constant Contact ID DonorPerfect keeps
for them, then by email.
"""
EMAIL_HELP = """
Email group in the chosen fiscal year, from the emails **sent** that year, first match wins: **clicked an appeal**
(an email of a Fundraiser campaign, or of a campaign a gift code is mapped to); **opened only** (a human open, or a
click on a non-appeal email); **emailed, no engagement** (sent at least one email, no open or click); **not on email**
(sent nothing that year, or the donor matches no contact). Engagement tier: the contact's tier on the Engagement page
today (as of the latest activity), not at the time. Retention here is the share of last year's donors in the group
who gave again this year.
"""


page = open_data_page("Donors", "donor retention")
history_notice(page)
if not page.core.has_gifts:
    st.info("**Import donations to see this.** This page compares donors year by year once gifts are loaded: upload "
            "a DonorPerfect gift export on **Data & sync**, or run `cc-data donations import gifts.csv` (or "
            "`cc-data donations sync`).")
    st.stop()
start_month = page.cfg.fiscal_year_start
today = date.today()
as_of = data.as_of(page.core)
loaded = data.donor_file(page.db, page.version, start_month, today)
years = loaded.fiscal_years
if not years:
    st.info("No gift has a date yet: nothing to compare.")
    st.stop()

year = st.selectbox("Fiscal year", years, index=0, key="donors_year",
                    format_func=lambda y: fiscal_year_label(y, start_month)
                    + (" (to date)" if y == loaded.current_year else ""))
first_day, last_day = fiscal_year_span(year, start_month)
to_date = year == loaded.current_year
st.caption(f"Fiscal year {fiscal_year_label(year, start_month)}: {first_day:%b %d, %Y} to {last_day:%b %d, %Y}"
           f" (the organisation's fiscal year starts in {MONTHS[start_month - 1]}; an admin can change that in the "
           "settings), against the year before. "
           + ("**The year is not over:** donors who have not given yet count as lapsed until they do. "
              if to_date else "") + "The sidebar's campaign filters do not apply here.")
with st.expander("How are these computed?"):
    st.markdown(DEFINITIONS)
view = data.donor_year(page.db, page.version, start_month, today, year, as_of)
s = view.summary
cols = [*st.columns(3), *st.columns(3)]
cols[0].metric("Donors this year", f"{s.donors:,}", f"{s.donors - s.previous_donors:+,} on last year",
               help=f"Donors whose net giving in the fiscal year is above $0 (last year: {s.previous_donors:,}).")
cols[1].metric("Donor retention", formats.percent(s.donor_retention),
               help=f"Retained donors ÷ last year's donors = {s.retained:,} ÷ {s.previous_donors:,}.")
cols[2].metric("Dollar retention", formats.percent(s.dollar_retention),
               help=f"This year's giving by retained donors ÷ all of last year's giving = "
                    f"{formats.money(sum(s.amounts[c] for c in RETAINED))} ÷ {formats.money(s.previous_amount)}.")
cols[3].metric("Giving this year", formats.money(s.amount, cents=False), help=f"{formats.money(s.amount)}: net giving (gifts less refunds and adjustments) of every "
               f"donor in the fiscal year; last year {formats.money(s.previous_amount)}.")
cols[4].metric("New-donor retention", formats.percent(s.new_donor_retention),
               help=f"Last year's first-time donors who gave again ÷ last year's first-time donors = {s.new_retained:,}"
                    f" ÷ {s.new_retained + s.counts['lapsed_new']:,}.")
repeat = s.retained - s.new_retained
cols[5].metric("Repeat-donor retention", formats.percent(s.repeat_donor_retention),
               help=f"Last year's other donors who gave again ÷ last year's other donors = {repeat:,} ÷ "
                    f"{repeat + s.counts['lapsed_repeat']:,}.")
st.caption("FEP measured 42.9% donor retention across US nonprofits for 2024, with new-donor retention far below "
           "repeat-donor retention (see docs/donations.md for the source).")

st.subheader("Gained, kept and lost")
signs = {c: -1 if c in LAPSED else 1 for c in CATEGORIES}
labels = [LABELS[c] for c in CATEGORIES]
fig = go.Figure(go.Bar(
    x=labels, y=[signs[c] * s.counts[c] for c in CATEGORIES], customdata=list(CATEGORIES),
    marker_color=[BAR_COLOURS[c] for c in CATEGORIES],
    text=[f"{s.counts[c]:,}" for c in CATEGORIES], textposition="outside", cliponaxis=False,
    hovertext=[f"{s.counts[c]:,} donors, {formats.money(s.amounts[c] if c not in LAPSED else s.previous_amounts[c])}"
               + (" last year" if c in LAPSED else " this year") for c in CATEGORIES],
    hovertemplate="%{x}: %{hovertext}<extra></extra>"))
fig = charts.layout(fig, height=340).update_layout(hovermode="closest", showlegend=False)
fig.update_yaxes(title="Donors (lost below zero)", tickformat=",d")
event = st.plotly_chart(fig, key="donors_bars", on_select="rerun", selection_mode="points")
st.caption("Bar height is the number of donors in each category (lost donors below zero): dark blue gained, light "
           "blue retained, orange lapsed. Click a bar, or pick a category below, to see its donors.")
points = (event.get("selection") or {}).get("points") if isinstance(event, dict) else None
clicked = points[0].get("customdata") if points else None
if clicked and clicked != st.session_state.get("_donors_clicked"):
    st.session_state["_donors_clicked"] = clicked
    st.session_state["donors_list_pick"] = clicked
st.session_state.setdefault("donors_list_pick", "lapsed_repeat")   # set here, not as a default: a bar click sets it
pick = st.segmented_control("Donors in", list(CATEGORIES), required=True,
                            format_func=lambda c: f"{LABELS[c]} ({s.counts[c]:,})", key="donors_list_pick")
chosen = view.per_donor.filter(pl.col("category") == pick).sort("previous_amount", "amount", descending=True).select(
    "first_name", "last_name", "previous_amount", "amount", "email_group", "tier", "donor_id")   # the answer first
money_column = st.column_config.NumberColumn
st.dataframe(chosen, hide_index=True, width="stretch", height=260, column_config={
    "donor_id": "Donor ID", "first_name": tables.key("First name"), "last_name": tables.key("Last name"),
    "amount": money_column("Giving this year", format="dollar"),
    "previous_amount": money_column("Giving last year", format="dollar"),
    "email_group": "Email this year", "tier": "Engagement tier"})
personal_data_download(st, f"Download these {chosen.height:,} donors (CSV)", lambda: export.to_csv_bytes(chosen),
                       file_name=export.export_filename(f"donors {pick} {year}", today, "csv"), mime=CSV_MIME,
                       key="donors_category_csv", what=f"donors: {LABELS[pick]} {year}", rows=chosen.height,
                       disabled=chosen.is_empty())
amount_table = pl.DataFrame({
    "Category": labels, "Donors": [s.counts[c] for c in CATEGORIES],
    "Giving this year": [s.amounts[c] for c in CATEGORIES],
    "Giving last year": [s.previous_amounts[c] for c in CATEGORIES]})
with st.expander("Donors and dollars per category"):
    st.dataframe(amount_table, hide_index=True, width="stretch", column_config={
        "Donors": money_column(format="localized"), "Giving this year": money_column(format="dollar"),
        "Giving last year": money_column(format="dollar")})

st.subheader(f"The last {TREND_YEARS} fiscal years")
trend = view.trend
rates = {"donor_retention": "Donor retention", "new_donor_retention": "New-donor retention",
         "repeat_donor_retention": "Repeat-donor retention", "dollar_retention": "Dollar retention"}
trend_fig = go.Figure([go.Scatter(x=[str(y) for y in trend["fiscal_year"]], y=trend[k].to_list(), name=name,
                                  mode="lines+markers", line={"color": charts.SERIES_COLOURS[i]})
                       for i, (k, name) in enumerate(rates.items())])
st.plotly_chart(charts.layout(trend_fig, height=300, percent_axis=True), key="donors_trend")
st.caption("Each point compares that fiscal year with the one before (formulas above). A year with no donors the "
           "year before has no rate.")
st.dataframe(tables.as_percent(trend.select("fiscal_year", *rates, "donors", "previous_donors", "amount", *CATEGORIES),
                              list(rates), 1),
             hide_index=True, width="stretch", column_config={
                 "fiscal_year": tables.key("Fiscal year"),
                 "donors": money_column("Donors", format="localized"),
                 "previous_donors": money_column("Donors the year before", format="localized"),
                 "amount": money_column("Giving", format="dollar"),
                 **{k: tables.rate(name) for k, name in rates.items()},
                 **{c: money_column(LABELS[c], format="localized") for c in CATEGORIES}})

st.subheader("Retention by email engagement")
st.warning("**This is a correlation, not proof that email keeps donors.** Donors who care more both read more and "
           "give more; compare groups, and use the appeals' baseline gift rates on Donation attribution for the "
           "email's own effect.", icon=":material/info:")
group_config = {"donors": money_column("Donors last year", format="localized"),
                "retained": money_column("Gave again", format="localized"),
                "donor_retention": tables.rate("Donor retention"),
                "previous_amount": money_column("Their giving last year", format="dollar"),
                "retained_amount": money_column("Retained giving this year", format="dollar"),
                "dollar_retention": tables.rate("Dollar retention")}
rates_in = ("donor_retention", "dollar_retention")   # one table under the other: side by side, cut at 1024 px
group_order = ("donor_retention", "donors", "retained", "dollar_retention", "previous_amount", "retained_amount")
st.dataframe(tables.as_percent(view.by_email.select("email_group", *group_order), rates_in, 1), hide_index=True,
             width="stretch", column_config={"email_group": tables.key("Email this year"), **group_config})
st.dataframe(tables.as_percent(view.by_tier.select("tier", *group_order), rates_in, 1), hide_index=True,
             width="stretch", column_config={"tier": tables.key("Engagement tier (today)"), **group_config})
st.caption(EMAIL_HELP)

st.subheader("Who to ask this week: LYBUNT and SYBUNT")
order = st.segmented_control("Rank by", list(ORDERS), format_func=ORDERS.get, default=LAST_YEAR, required=True,
                             key="donors_order")
lybunt, sybunt = data.lapsing_donors(page.db, page.version, start_month, today, as_of, order)
ranked = {LAST_YEAR: "largest gift last year first (SYBUNT, who gave nothing last year: largest lifetime giving "
                     "first)",
          LIFETIME: "largest lifetime giving first",
          ENGAGEMENT: f"most engaged first: clicked in the last {RECENT_DAYS} days (to {as_of:%b %d, %Y}, the "
                      "latest activity), then opened in them, then by the latest open or click"}[order]
st.caption(f"For the current fiscal year {fiscal_year_label(loaded.current_year, start_month)}, as of "
           f"{today:%b %d, %Y}. **LYBUNT**: gave Last Year But Unfortunately Not This. **SYBUNT**: gave Some Year But "
           f"Unfortunately Not This (nor last year). Ranked {ranked}. Only contacts you may email (explicit or "
           "implicit permission) are in the email list; everyone else (unsubscribed, bounced, deleted, or not in "
           "Constant Contact) is listed to reach by phone or mail, with the phone number and postal address "
           "Constant Contact holds.")
email_config = {"rank": st.column_config.NumberColumn("Rank", pinned=True), "donor_id": "Donor ID", "contact_id": None,
                "first_name": tables.key("First name"), "last_name": tables.key("Last name"), "email": "Email",
                "permission_to_send": "Permission", "why_not_email": "Why not email",
                "phone": "Phone", "address": "Postal address",
                "last_year_amount": money_column("Gave last year", format="dollar"),
                "last_gift_date": st.column_config.DateColumn("Last gift", format="MMM D, YYYY"),
                "last_gift_amount": money_column("Last gift amount", format="dollar"),
                "largest_gift": money_column("Largest gift", format="dollar"),
                "lifetime_giving": money_column("Lifetime giving", format="dollar"),
                "last_open_at": st.column_config.DatetimeColumn("Last open", format="MMM D, YYYY"),
                "last_click_at": st.column_config.DatetimeColumn("Last click", format="MMM D, YYYY"),
                "clicked_last_90_days": st.column_config.CheckboxColumn(f"Clicked in {RECENT_DAYS} days")}
for tab, (name, found) in zip(st.tabs([f"LYBUNT ({lybunt.total:,})", f"SYBUNT ({sybunt.total:,})"]),
                              (("LYBUNT", lybunt), ("SYBUNT", sybunt)), strict=True):
    slug = name.lower()
    tab.markdown(f"**Email: {found.emailable.height:,} donors you may email**")
    tab.dataframe(found.emailable.head(500), hide_index=True, width="stretch", height=280, column_config=email_config)
    buttons = tab.container(horizontal=True)
    file_name = f"{slug} emailable {loaded.current_year}"
    personal_data_download(buttons, "Download emailable (CSV)", lambda f=found: export.to_csv_bytes(f.emailable),
                           file_name=export.export_filename(file_name, today, "csv"), mime=CSV_MIME,
                           key=f"donors_{slug}_csv", what=f"{name}, emailable", rows=found.emailable.height,
                           disabled=found.emailable.is_empty())
    personal_data_download(buttons, "Download emailable (Excel)",
                           lambda f=found, n=name: export.to_excel_bytes(f.emailable, n),
                           file_name=export.export_filename(file_name, today, "xlsx"), mime=XLSX_MIME,
                           key=f"donors_{slug}_xlsx", what=f"{name}, emailable", rows=found.emailable.height,
                           disabled=found.emailable.is_empty())
    if name == "LYBUNT":
        with tab:
            push_panel(f"LYBUNT {loaded.current_year}", found.emailable.select("contact_id"), key="donors_lybunt_push")
    tab.markdown(f"**Reach by phone or mail: {found.offline.height:,} donors** (no email address in this list)")
    tab.dataframe(found.offline.head(500).with_columns(   # words, not "None"
        pl.col("phone").fill_null("no phone on record"), pl.col("address").fill_null("no address on record")),
        hide_index=True, width="stretch", height=240, column_config=email_config)
    personal_data_download(tab, "Download phone-or-mail list (CSV)", lambda f=found: export.to_csv_bytes(f.offline),
                           file_name=export.export_filename(f"{slug} phone or mail {loaded.current_year}", today,
                                                            "csv"),
                           mime=CSV_MIME, key=f"donors_{slug}_offline_csv", what=f"{name}, phone or mail",
                           rows=found.offline.height, disabled=found.offline.is_empty())
    if max(found.emailable.height, found.offline.height) > 500:
        tab.caption("Showing the first 500 of each list; the downloads hold all of them.")

st.subheader("First gifts from email")
st.caption(f"Donors whose first gift ever came within {FIRST_GIFT_WINDOW_HOURS} hours after an email touch (their "
           "contact was sent, opened or clicked an email; a gift with only a date counts the gift date and the two "
           "days before), per fiscal year of that first gift, by the strongest touch, as Donation attribution finds "
           "touches before gift codes.")
firsts = view.first_gifts


def unless_no_email(column: str, shown) -> pl.Expr:
    """The figure as text, or "no email data" for a year before the first email on record (unknown, not 0)."""
    return (pl.when(pl.col("email_data") == "none").then(pl.lit("no email data"))
            .otherwise(pl.col(column).map_elements(shown, return_dtype=pl.Utf8, skip_nulls=False)).alias(column))


st.dataframe(firsts.select(
    pl.format("{}{}", pl.col("fiscal_year").cast(pl.Utf8),
              pl.when(pl.col("email_data").str.starts_with("from"))
              .then(pl.format(" (email data {})", pl.col("email_data"))).otherwise(pl.lit(""))).alias("fiscal_year"),
    "first_gifts", unless_no_email("after_email", formats.count), unless_no_email("share", formats.percent),
    unless_no_email("after_email_amount", formats.money), "on_email",
    *[unless_no_email(c, formats.count) for c in ("after_click", "after_open", "after_send")]),
    hide_index=True, width="stretch",
    column_config={"fiscal_year": tables.key("Fiscal year"),
                   "first_gifts": money_column("New donors", format="localized"),
                   "on_email": money_column("Matched to a contact", format="localized"),
                   "after_email": st.column_config.TextColumn("First gift after an email"),
                   "share": st.column_config.TextColumn("Share of new donors"),
                   "after_click": st.column_config.TextColumn("After a click"),
                   "after_open": st.column_config.TextColumn("After an open"),
                   "after_send": st.column_config.TextColumn("After a send only"),
                   "after_email_amount": st.column_config.TextColumn("Their first gifts")})
if (firsts["email_data"] == "none").any():
    st.caption("“No email data”: the year ended before the first email on record, so whether those first gifts "
               "followed an email is unknown (not zero).")
st.markdown(f"**Never-donor subscribers who gave in {fiscal_year_label(year, start_month)}, by engagement "
            "tier**")
st.dataframe(tables.as_percent(view.conversion, ["conversion"], 1), hide_index=True, width="stretch", column_config={
    "tier": tables.key("Engagement tier (today)"), "subscribers": money_column("Subscribers", format="localized"),
    "converted": money_column("Made a first gift", format="localized"),
    "conversion": tables.rate("Conversion")})
st.caption("Subscribers: contacts sent at least one email in the fiscal year who had not given before it. "
           "Conversion = those whose first gift fell in the year ÷ subscribers. A correlation too: engaged "
           "subscribers may simply be the ones already inclined to give.")
