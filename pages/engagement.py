"""Engagement: a score and tier for every contact, how tiers moved, and one contact's timeline."""

from dataclasses import astuple
from datetime import datetime

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from cc_data.analytics.audience import scoring
from pages.components import charts, data, tables
from pages.components.history_notice import history_notice
from pages.components.page_start import open_data_page
from pages.components.push_panel import push_panel

page = open_data_page("Engagement", "engagement scores")
history_notice(page)
core = page.core
people = data.contacts(page.db, page.version)
if people.is_empty():
    st.info("No contacts synced yet. Run a sync from **Data & sync**.")
    st.stop()
as_of: datetime = data.as_of(core)

defaults = scoring.ScoreSettings()
with st.expander("Scoring settings (defaults from the product's metric definitions)"):
    c1, c2, c3, c4 = st.columns(4)
    params = scoring.ScoreSettings(
        click_points=c1.number_input("Points per click", 0.0, 10.0, defaults.click_points, 0.5),
        open_points=c1.number_input("Points per open", 0.0, 10.0, defaults.open_points, 0.5),
        machine_open_points=c1.number_input("Points per machine open", 0.0, 10.0, defaults.machine_open_points, 0.5),
        half_life_days=c2.number_input("Half-life (days)", 7.0, 730.0, defaults.half_life_days, 7.0),
        window_days=int(c2.number_input("Window (days)", 30, 1095, defaults.window_days, 30)),
        high=c3.number_input("Highly engaged: score ≥", 0.0, 10.0, defaults.high, 0.1),
        moderate=c3.number_input("Moderately engaged: score ≥", 0.0, 10.0, defaults.moderate, 0.05),
        lapsed_days=int(c4.number_input("Lapsed: no engagement in (days)", 30, 730, defaults.lapsed_days, 30)),
        new_days=int(c4.number_input("New: joined within (days)", 0, 365, defaults.new_days, 10)),
        min_emails=int(c2.number_input("Scored after receiving (emails)", 1, 50, defaults.min_emails, 1)),
    )
    st.markdown(f"Each email received in the window gets weight 0.5^(age ÷ half-life). Score = Σ weight × points "
                f"÷ Σ weight: a recency-weighted average of points per email, from **0** (nothing opened or "
                f"clicked) to **{params.max_score:g}** (every email opened and clicked); 1.0 is as engaged as "
                f"opening every email. A contact is scored once they received {params.min_emails} emails in the "
                f"window. Tiers, first match wins: New, Not emailed, Lapsed, Not enough emails, then score "
                f"thresholds. Scored as of the latest send, open or click recorded, {as_of:%b %d, %Y}.")

scored, history = data.scores(page.db, page.version, astuple(params), as_of)
counts = scoring.tier_counts(scored)
st.subheader("Tiers now")   # full width: beside the history, names and counts were cut off at 1024 px
fig = go.Figure(go.Bar(x=counts["contacts"].to_list(), y=counts["tier"].to_list(), orientation="h",
                       marker_color=[charts.TIER_COLOURS[t] for t in counts["tier"].to_list()],
                       text=[f"{c:,} ({s:.0%})" for c, s in zip(counts["contacts"].to_list(),
                                                                 counts["share"].to_list(), strict=True)],
                       hovertemplate="%{y}: %{x:,}<extra></extra>"))
fig.update_yaxes(autorange="reversed")
st.plotly_chart(charts.layout(fig, 260), width="stretch", key="tiers_now")
st.subheader("Month by month")
moments = history["as_of"].unique(maintain_order=True).to_list()
# one label per moment: the current month's start and the latest activity fall in one month, and a shared
# "Dec 2026" label stacked both distributions in one bar
label = {t: f"{t:%b} {t.day}" + (f", {t:%Y}" if n == 0 or t.month == 1 else "") for n, t in enumerate(moments)}
label[moments[-1]] = f"{moments[-1]:%b} {moments[-1].day} (latest)"
fig = go.Figure()
for tier in scoring.TIERS:
    part = history.filter(pl.col("tier") == tier)
    fig.add_bar(x=[label[t] for t in part["as_of"].to_list()], y=part["contacts"].to_list(), name=tier,
                marker_color=charts.TIER_COLOURS[tier], marker_pattern_shape=charts.TIER_PATTERNS[tier],
                hovertemplate="%{x}, " + tier + ": %{y:,}<extra></extra>")
fig.update_layout(barmode="stack")   # moments as categories: timestamps made the bars a millisecond wide
fig.update_xaxes(type="category")
st.plotly_chart(charts.layout(fig, 340), width="stretch", key="tiers_history")
st.caption("Contacts in each tier on the first day of each month, scored with what was known then, and on the "
           "latest activity recorded.")

st.subheader("Contacts")
f1, f2 = st.columns([2, 1])
query = f1.text_input("Search name or email", placeholder="e.g. smith or @gmail.com",
                      help="Accents and case do not matter: 'noemie' finds Noémie.")
tiers = f2.multiselect("Tier", list(scoring.TIERS), placeholder="All tiers")
tier_order = pl.DataFrame({"tier": list(scoring.TIERS), "_order": list(range(len(scoring.TIERS)))})
table = scored.join(tier_order, on="tier", how="left").sort(["_order", "score"], descending=[False, True],
                                                               nulls_last=True).drop("_order")


def folded(expr: pl.Expr) -> pl.Expr:
    """Lower case without accents, for searching."""
    return expr.str.normalize("NFKD").str.replace_all(r"\p{M}", "").str.to_lowercase()


if query.strip():
    q = folded(pl.lit(query.strip()))
    table = table.filter(folded(pl.concat_str([pl.col("email"), pl.col("first_name"), pl.col("last_name")],
                                              separator=" ", ignore_nulls=True)).str.contains(q, literal=True))
if tiers:
    table = table.filter(pl.col("tier").is_in(tiers))
st.caption(f"{table.height:,} of {scored.height:,} contacts, by tier then score (0 to {params.max_score:g}).")
if tiers:   # the contacts shown, as a Constant Contact list
    push_panel(f"Engagement {' and '.join(tiers)}", table.select("contact_id"), key="tier_push")
# the table's key follows the search and tiers: a row picked in another view of the table is not carried over
view_key = f"contacts_table:{query.strip().lower()}:{','.join(sorted(tiers))}"
event = st.dataframe(
    table.select("first_name", "last_name", "tier", "score", "last_engaged_at", "email", "received", "clicks",
                 "human_opens", "machine_only_opens", "permission_to_send", "contact_id"),   # the answer first
    hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key=view_key,
    column_config={"email": "Email", "first_name": tables.key("First name"), "last_name": tables.key("Last name"),
                   "tier": "Tier",
                   "score": st.column_config.NumberColumn(f"Score (0–{params.max_score:g})", format="%.2f"),
                   "clicks": "Clicks",
                   "received": "Emails", "human_opens": "Opens", "machine_only_opens": "Machine-only opens",
                   "permission_to_send": "Permission",
                   "last_engaged_at": st.column_config.DatetimeColumn("Last engaged", format="MMM D, YYYY"),
                   "contact_id": None})

selected = [row for row in (event.selection.rows if event and hasattr(event, "selection") else [])
            if row < table.height]
if selected:
    contact = table.row(selected[0], named=True)
    st.subheader(f"Timeline: {contact['first_name'] or ''} {contact['last_name'] or ''} <{contact['email']}>")
    events = data.timeline(page.db, page.version, contact["contact_id"])
    if events.is_empty():
        st.info("No email activity recorded for this contact.")
    else:
        st.dataframe(tables.local_times(events, ("time",), core.source.time_zone), hide_index=True, width="stretch", column_config={
            "time": st.column_config.DatetimeColumn(f"When ({tables.zone_name(core.source.time_zone)})",
                                                    format="MMM D, YYYY h:mm a")})
else:
    st.caption("Select a row to see that contact's timeline of sends, opens, clicks and gifts.")
