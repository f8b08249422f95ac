"""All accounts: the network's figures and each account's, side by side, over the same 12 months.

Each account's row is what that account's own pages show (computed in its own database); the network's row sums
the counts and pools the rates from them. For the network's people only (pages.components.accounts.sees_rollup).
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from cc_data import accounts
from cc_data.analytics import rollup
from cc_data.analytics.rules.rates import RATES
from cc_data.config import Settings, load_settings
from cc_data.store.db import data_version
from pages.components import charts, context, formats, signin
from pages.components.accounts import sees_rollup

METRICS = {   # key: (title, how it is worked out)
    "open_rate": ("Open rate (emails)", RATES["open_rate"].formula),
    "click_rate": ("Click rate (emails)", RATES["click_rate"].formula),
    "revenue_per_1000": ("Revenue per 1,000 emails", "gifts attributed to the period's emails (48-hour window, "
                         "as on Overview) ÷ emails sent × 1,000; accounts without gift data are left out"),
    "donor_retention": ("Donor retention", "donors of the previous fiscal year who gave again in the year ÷ donors "
                        "of the previous fiscal year (FEP)"),
    "list_growth_rate": ("List growth", "contacts added − unsubscribed, hard-bounced and deleted ÷ emailable "
                         "contacts when the period began"),
}

COLOURS = {"open_rate": charts.PALETTE["open_rate"], "click_rate": charts.PALETTE["click_rate"],
           "revenue_per_1000": charts.PALETTE["revenue_per_1000"], "donor_retention": charts.SERIES_COLOURS[3],
           "list_growth_rate": charts.SERIES_COLOURS[5]}


@st.cache_data(show_spinner="Reading every account…", max_entries=4)
def _table(where: tuple[tuple[str, str], ...], versions: tuple[str, ...], fiscal_start: int) -> tuple:  # noqa: ARG001
    return rollup.rollup(dict(where), fiscal_start) or (None, None)


def _value(key: str, value: float | None) -> str:
    if key in ("donor_retention", "list_growth_rate"):
        return formats.percent(value)
    return formats.metric(key, value)


context.run_through_app()
if not context.in_app():
    signin.gate(context.settings())
st.title("All accounts")
base: Settings = load_settings()
if not accounts.is_multi(base):
    st.info("This install has one account. Add the others with `cc-data accounts add NAME` (docs/operations.md, "
            "'Several accounts'), and this page compares them.")
    st.stop()
if not sees_rollup(base):
    st.error("All accounts is for the network's people (CC_ADMINS, CC_ALLOWED_USERS or CC_ALLOWED_DOMAINS in the "
             "shared settings); your sign-in covers your own account's pages.")
    st.stop()

every = accounts.all_accounts(base)
synced = [a for a in every if a.db_path.exists()]
missing = [a.name for a in every if not a.db_path.exists()]
if not synced:
    st.info("No account has data yet: run `cc-data sync --all`.")
    st.stop()
where = rollup.locations({a.name: a.db_path for a in synced}, base.rollup_path)
period, table = _table(tuple(where.items()), tuple(data_version(a.db_path) for a in synced), base.fiscal_year_start)
if table is None:
    st.info("No account has finished a sync yet: run `cc-data sync --all`.")
    st.stop()

network = table.row(0, named=True)
per_account = table.slice(1)
st.caption(f"**{len(synced)} accounts**, each over the same dates: emails first sent **{period.label}** (the last "
           f"day every account's data covers), donor retention in fiscal year **{period.fiscal_label}**. "
           "The network's figures pool every account's counts (sum of numerators ÷ sum of denominators), never an "
           "average of the accounts' rates; a person on two accounts' lists counts once in each."
           + (f" Not synced yet, so not included: {', '.join(missing)}." if missing else "")
           + " The sidebar's account and filters do not apply to this page.")

st.subheader("The network, pooled")
cards = [*st.columns(3), *st.columns(3)]   # two rows: five full-width figures fit a 1024 px window
for card, (key, (title, formula)) in zip(cards, METRICS.items(), strict=False):
    card.metric(title, _value(key, network[key]), help=f"{title}, every account pooled = {formula}.")

st.subheader("Account by account")
shown = per_account.select(
    pl.col("account").alias("Account"),
    *[pl.col(k).map_elements(lambda v, k=k: _value(k, v), return_dtype=pl.Utf8).alias(t)
      for k, (t, _) in METRICS.items()],
    pl.col("sends").map_elements(formats.count, return_dtype=pl.Utf8).alias("Emails sent"),
    pl.col("emailable_at_end").map_elements(formats.count, return_dtype=pl.Utf8).alias("Emailable now"),
    pl.col("previous_donors").map_elements(formats.count, return_dtype=pl.Utf8).alias("Donors the year before"),
)
total_row = pl.DataFrame([{
    "Account": "All accounts (pooled)", **{t: _value(k, network[k]) for k, (t, _) in METRICS.items()},
    "Emails sent": formats.count(network["sends"]), "Emailable now": formats.count(network["emailable_at_end"]),
    "Donors the year before": formats.count(network["previous_donors"])}])
st.dataframe(pl.concat([total_row, shown]), hide_index=True, width="stretch")

st.subheader("How the accounts compare")
left, right = st.columns(2)
for i, (key, (title, formula)) in enumerate(METRICS.items()):
    rows = per_account.filter(pl.col(key).is_not_null()).sort(key)
    fig = go.Figure(go.Bar(x=rows[key].to_list(), y=rows["account"].to_list(), orientation="h",
                           text=[_value(key, v) for v in rows[key].to_list()], textposition="outside",
                           cliponaxis=False, marker_color=COLOURS[key], name=title))
    if network[key] is not None:
        fig.add_vline(x=network[key], line_dash="dash", line_color="#333333",
                      annotation_text=f"network {_value(key, network[key])}", annotation_position="top")
    charts.layout(fig, height=80 + 34 * max(rows.height, 1))
    fig.update_layout(title=title, hovermode="closest", showlegend=False)
    values = [0.0, *rows[key].to_list()]
    small = max(values) < 0.1   # a click rate: whole percents would repeat on the axis
    fig.update_xaxes(tickformat="$,.0f" if key == "revenue_per_1000" else ".1%" if small else ".0%",
                     range=[min(values) * 1.25, max(values) * 1.25 or 1.0])
    with (left if i % 2 == 0 else right):
        st.plotly_chart(fig, width="stretch", config={"displayModeBar": False})
        st.caption(f"{title} = {formula}. Dashed line: the network's pooled figure."
                   + ("" if rows.height == per_account.height else
                      f" Not shown (no data for it): {per_account.height - rows.height} account(s)."))
