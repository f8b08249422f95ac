"""Donation attribution: which emails raised money, by tier, campaign and appeal series, with the audit trail."""

from __future__ import annotations

from datetime import date

import plotly.express as px
import polars as pl
import streamlit as st

from cc_data.analytics import attribution, export
from cc_data.analytics.derived import refresh_changed
from cc_data.analytics.series import SERIES_HELP
from cc_data.donations.code_mapping import MAPPING_SCHEMA, save_code_mapping
from cc_data.errors import UserError
from pages.components import data
from pages.components.downloads import CSV_MIME, personal_data_download
from pages.components.page_start import open_page

HOW_IT_WORKS = """
Each revenue gift (DonorPerfect `G` gifts, including split-gift parts, and `A` adjustments; never pledges,
split main records or soft credits) is credited to **one** campaign, by the first rule that applies:

1. **Coded** – a gift code (sub-solicit code, solicit code, campaign, GL code) is mapped to the campaign below;
2. **Click window** – the donor clicked the campaign's email within the window before the gift;
3. **Open window**, then 4. **Send window** – weaker evidence, shown separately;
5. **Unattributed**.

Within a rule the last touch wins. Donors are matched to contacts by `cc_contact_id`, then by email.
A gift with a timestamp (`created_date` on the gift date) uses the window in hours; a date-only gift uses
calendar days (the gift date and the days before it). Refunds and adjustments follow the gift they adjust.
**Baseline gift rate**: the share of contacts who were sent the email, neither opened nor clicked, and gave
within the window after the send – the honest comparison for "did the email drive giving".
**Revenue per 1,000 emails** = attributed revenue ÷ sends × 1,000.
"""


def money(value: float | None) -> str:
    return "–" if value is None else f"${value:,.0f}"


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

choice = st.segmented_control("Attribution window", [*attribution.WINDOW_CHOICES, "Custom"], default="48 hours",
                              required=True, key="attr_window")
if choice == "Custom":
    window_hours = float(st.number_input("Window in hours", min_value=1, max_value=24 * 90, value=72,
                                         key="attr_custom_hours"))
else:
    window_hours = float(attribution.WINDOW_CHOICES.get(choice or "48 hours", 48))
loaded = data.attribution_page(page.db, page.version, window_hours)
gifts, campaigns, match = loaded.gifts, loaded.campaigns, loaded.match
first_gift, last_gift = gifts["gift_date"].min(), gifts["gift_date"].max()
if first_gift is not None:
    st.caption(f"Every gift from {first_gift:%b %d, %Y} to {last_gift:%b %d, %Y}: the sidebar's campaign filters "
               "do not apply here (Overview shows the revenue of the campaigns they select).")
with st.expander("How is this computed?"):
    st.markdown(HOW_IT_WORKS)

tiers = attribution.tier_breakdown(gifts)
influenced = tiers.filter(pl.col("tier") != "unattributed")["revenue"].sum()
cols = [*st.columns(2), *st.columns(2)]   # two rows: four money figures do not fit one row at 1024 px
cols[0].metric("Influenced revenue", money(influenced), help="Revenue attributed to a campaign by any rule.")
cols[1].metric("Total revenue", money(gifts["amount"].sum()), help="All revenue gifts, net of adjustments.")
cols[2].metric("Gifts", f"{tiers['gifts'].sum():,}")
cols[3].metric("Donors matched to contacts", f"{match.rate:.0%}" if match.rate is not None else "–",
               help="By cc_contact_id first, then by normalised email.")
date_only = gifts.filter(pl.col("time_basis") == "calendar_day").height
if date_only:
    st.caption(f"{date_only:,} of {gifts.height:,} gifts have a date but no time: their windows are calendar days.")

st.subheader("By tier")
by_tier = tiers.with_columns(label=pl.Series([f"{n:,} gifts" for n in tiers["gifts"].to_list()]))
st.plotly_chart(
    px.bar(by_tier.to_pandas(), x="tier", y="revenue", text="label", color_discrete_sequence=["#2e8b57"],
           labels={"tier": "Tier", "revenue": "Revenue", "label": "Gifts"})
    .update_traces(textposition="outside", cliponaxis=False, textfont_size=13,
                   hovertemplate="%{x}: $%{y:,.0f} from %{text}<extra></extra>")
    .update_layout(height=320, margin={"t": 30}, uniformtext_minsize=11)
    .update_yaxes(tickprefix="$", tickformat=",.0f", title="Revenue"),
    key="attr_tiers",
)
st.caption("Bar height is the revenue credited to each tier; the label over a bar is its number of gifts.")

st.subheader("Revenue per campaign")
shown = campaigns.filter(pl.col("revenue") != 0).select(
    "name", "sends", "gifts", "donors", "revenue", "revenue_per_1000", "coded_revenue", "click_revenue",
    "open_revenue", "send_revenue",
)
st.dataframe(shown, hide_index=True, width="stretch", column_config={
    "name": "Campaign", "revenue": st.column_config.NumberColumn("Revenue", format="$%.2f"),
    "revenue_per_1000": st.column_config.NumberColumn("Per 1,000 emails", format="$%.2f"),
    **{f"{t}_revenue": st.column_config.NumberColumn(f"{t.title()}", format="$%.2f") for t in attribution.TIERS[:4]},
})

st.subheader("Did the email drive giving? (gift rate within the window after the send)")
rates = campaigns.filter(pl.col("baseline_gift_rate").is_not_null()).select(
    "name", "sends", "clicker_gift_rate", "opener_gift_rate", "baseline_gift_rate"
).with_columns(pl.col("clicker_gift_rate", "opener_gift_rate", "baseline_gift_rate") * 100)
st.dataframe(rates, hide_index=True, width="stretch", column_config={
    "name": "Campaign",
    "clicker_gift_rate": st.column_config.NumberColumn("Clickers", format="%.2f%%"),
    "opener_gift_rate": st.column_config.NumberColumn("Openers (no click)", format="%.2f%%"),
    "baseline_gift_rate": st.column_config.NumberColumn("Baseline: sent, no open or click", format="%.2f%%"),
})

st.subheader("Revenue per appeal series")
st.caption(SERIES_HELP)
st.dataframe(loaded.series, hide_index=True, width="stretch")

st.subheader("Donors matched to contacts")
st.caption(f"{match.matched:,} of {match.total:,} donors matched: "
           + ", ".join(f"{method}: {count:,}" for method, count in sorted(match.by_method.items())) + ".")
with st.expander(f"Unmatched donors ({match.total - match.matched:,})"):
    st.dataframe(match.unmatched, hide_index=True, width="stretch")

st.subheader("Gift codes → campaigns")
st.caption("Map DonorPerfect codes to the campaign they belong to; a mapped code makes a gift **coded**, "
           "the strongest rule. Codes found on gifts:")
st.dataframe(loaded.codes, hide_index=True, width="stretch")
names = loaded.campaign_names
labels = dict(zip(names["campaign_id"].to_list(), names["name"].to_list(), strict=True))
edited = st.data_editor(
    loaded.mapping.to_pandas(), num_rows="dynamic", width="stretch", key="attr_mapping",
    column_config={
        "code_field": st.column_config.SelectboxColumn("Code field", options=list(attribution.CODE_FIELDS),
                                                       required=True),
        "code": st.column_config.TextColumn("Code", required=True),
        "campaign_id": st.column_config.SelectboxColumn(
            "Campaign", options=list(labels), format_func=lambda cid: labels.get(cid, cid), required=True),
    },
)
if st.button("Save mapping", key="attr_save_mapping"):
    try:
        saved = save_code_mapping(cfg.db_path, pl.from_pandas(edited, schema_overrides=MAPPING_SCHEMA),
                                  before_publish=refresh_changed)   # attribution follows the new mapping
    except UserError as err:
        st.error(str(err))
    else:
        st.success(f"Saved {saved} code mappings.")
        data.clear()
        st.rerun()

st.subheader("Every gift")
st.caption("One row per revenue gift with its tier, campaign and the touch that earned it – audit any number.")
st.dataframe(gifts, hide_index=True, width="stretch")
latest_gift = gifts["gift_date"].max()
personal_data_download(st, "Download gifts (CSV)", lambda: export.to_csv_bytes(gifts),
                       file_name=export.gifts_filename(window_hours, latest_gift or date.today()), mime=CSV_MIME,
                       key="attr_download", what=f"attributed gifts, {window_hours:g} h window", rows=gifts.height,
                       help="Named with the attribution window and the date of the latest gift. "
                            "Text that could run as a spreadsheet formula is prefixed with an apostrophe.")
