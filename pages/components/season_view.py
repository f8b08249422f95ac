"""The board's question on screen: an appeal's season to date against the same date in the two years before, in one
sentence, four cards, the pacing chart and a table (cc_data.analytics.season; the board report prints the same)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from cc_data.analytics import season
from pages.components import charts, formats, tables, window
from pages.components.page_start import DataPage
from pages.components.season_data import pacing as load_pacing
from pages.components.season_data import today

COMPARE_PAGE = Path(__file__).resolve().parents[2] / "pages/compare_appeals.py"
YEAR_STYLES = (("solid", "circle", 3.5), ("dash", "square", 2), ("dot", "diamond", 2))   # this year, then back
MEASURES = {"Coded to the appeal": "appeal", "All gifts this season": "season"}


def load(page: DataPage, appeal: str) -> season.SeasonPacing | None:
    return load_pacing(page.db, page.version, appeal, today(page.core), window.hours(), window.lenient(),
                       page.cfg.fiscal_year_start)


def sentence(pacing: season.SeasonPacing) -> None:
    """The answer, in a box of its own at the top."""
    with st.container(border=True):
        st.markdown(f"**{season.answer(pacing)}**")


def show(page: DataPage, appeal: str) -> None:
    """The whole section for `appeal` (the sentence, cards, chart and table), or why it cannot be shown."""
    if not page.core.has_gifts:
        st.info("Import DonorPerfect gifts (Data & sync) to see how the appeal is pacing against last year.")
        return
    pacing = load(page, appeal)
    if pacing is None:
        st.info(f"{appeal} has no campaign sent by {formats_day(today(page.core))}, so it has no season yet.")
        return
    sentence(pacing)
    cur, prev = pacing.current, pacing.previous
    _cards(cur, prev)
    measure = st.segmented_control("Draw", list(MEASURES), default=list(MEASURES)[0], required=True,
                                   key="season_measure") or list(MEASURES)[0]
    st.plotly_chart(_chart(pacing, MEASURES[measure], measure), width="stretch", key="season_chart",
                    config={"displayModeBar": False})
    table = _table(pacing)
    st.dataframe(table.frame, hide_index=True, width="stretch", column_config=table.config)
    st.caption(
        f"Each year counted from {formats_day(cur.start)} through the same calendar date ({formats_day(cur.through)}), "
        "with the gifts DonorPerfect had on record by that date (a check counts from the day it was entered). "
        "**Coded to the appeal**: every gift whose DonorPerfect code is mapped to that year's campaigns of the appeal, "
        "whatever the channel (mail, online, event), net of refunds; unknown (–) in a year with no campaign of it, or "
        "none with a DonorPerfect code mapped to it (Donation attribution maps codes). "
        "**All gifts this season**: every gift dated in the season, whatever it was for. **Through email**: those "
        f"coded to an email, or given within the {window.describe(window.hours())} after the donor clicked or opened "
        "one (a person's open, not a likely machine open); a gift from someone emailed who did not open is not "
        "credited, nor a scheduled gift (a monthly debit, a pledge payment) unless its code names the email. "
        "Unknown for a season that began before the first tracked send. The season runs from the first day of the "
        "month of the appeal's first send to the last day of the month of its last send, in the account's time zone. "
        "The sidebar's filters do not apply here.")


def formats_day(day: date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def _cards(cur: season.SeasonYear, prev: season.SeasonYear | None) -> None:
    def versus(now: float | None, before: float | None) -> str | None:
        if prev is None or now is None or not before:
            return None
        return f"{formats.relative_change(now / before - 1)} vs {prev.year}"

    rest = cur.season_revenue - cur.email_revenue if cur.email_revenue is not None else None
    cards = [*st.columns(2), *st.columns(2)]   # two rows: four money labels do not fit one row at 1024 px
    cards[0].metric("Coded to the appeal", formats.money(cur.appeal_revenue, cents=False),
                    versus(cur.appeal_revenue, prev.appeal_revenue if prev else None),
                    help="Every gift coded to this year's campaigns of the appeal in DonorPerfect, any channel, net of "
                         "refunds: the appeal's total as DonorPerfect reports it.")
    cards[1].metric("All gifts this season", formats.money(cur.season_revenue, cents=False),
                    versus(cur.season_revenue, prev.season_revenue if prev else None),
                    help="Every gift dated in the season so far, whatever it was for, net of refunds.")
    cards[2].metric("Through email", formats.money(cur.email_revenue, cents=False),
                    f"{formats.percent(cur.email_share, decimals=0)} of all gifts" if cur.email_share is not None
                    else None, delta_color="off", delta_arrow="off",
                    help="Gifts of the season coded to an email, or given within the attribution window after the "
                         "donor clicked or opened one. Emailed, did not open: not credited.")
    cards[3].metric("The rest", formats.money(rest, cents=False),
                    f"{formats.percent(1 - cur.email_share, decimals=0)} of all gifts" if cur.email_share is not None
                    else None, delta_color="off", delta_arrow="off",
                    help="All gifts this season minus those through email: mail, events, online gifts with no email "
                         "touch, monthly debits, gifts from people emailed who did not open.")


def _chart(pacing: season.SeasonPacing, column: str, title: str) -> go.Figure:
    cur = pacing.current
    fig = go.Figure()
    years = sorted(pacing.curve["year"].unique().to_list(), reverse=True)
    for back, year in enumerate(years):
        part = pacing.curve.filter((pl.col("year") == year) & pl.col(column).is_not_null())
        if part.is_empty():
            continue
        dash, symbol, width = YEAR_STYLES[min(back, len(YEAR_STYLES) - 1)]
        colour = charts.SERIES_COLOURS[back % len(charts.SERIES_COLOURS)]
        shown = f"{year} (to {formats_day(cur.through)})" if back == 0 and not pacing.over else str(year)
        days, values = part["day"].to_list(), part[column].to_list()
        fig.add_scatter(x=days, y=values, mode="lines", name=shown, line={"color": colour, "dash": dash, "width": width},
                        hovertemplate=f"{year}, %{{x|%b %d}}: %{{y:$,.0f}}<extra></extra>")
        fig.add_scatter(x=[days[-1]], y=[values[-1]], mode="markers+text", showlegend=False, hoverinfo="skip",
                        text=[f" {year}: {formats.money(values[-1], cents=False)}"], textposition="middle right",
                        textfont={"color": colour, "size": 12},
                        marker={"symbol": symbol, "size": 10, "color": colour})
    for day, label in _marks(pacing):
        fig.add_vline(x=day, line={"color": "#555555", "dash": "dot", "width": 1})
        fig.add_annotation(x=day, y=1.0, yref="paper", text=label, showarrow=False, yanchor="top",
                           bgcolor="rgba(255,255,255,0.85)",
                           xanchor="right" if day.month == 12 and day.day == 31 else "left",
                           font={"size": 11, "color": "#444444"})
    fig.update_layout(title=f"{title}, cumulative by day ({pacing.appeal})")
    fig.update_xaxes(range=[cur.start, cur.end + timedelta(days=6)], tickformat="%b %-d", dtick=7 * 86_400_000,
                     tick0=cur.start)
    fig.update_yaxes(tickprefix="$", tickformat=",.0f", rangemode="tozero")
    return charts.layout(fig, 360)


def _marks(pacing: season.SeasonPacing) -> list[tuple[date, str]]:
    cur = pacing.current
    marks = [(pacing.giving_tuesday, "Giving Tuesday")] if pacing.giving_tuesday else []
    dec31 = date(cur.end.year, 12, 31)
    return marks + ([(dec31, "Dec 31")] if cur.start <= dec31 <= cur.end else [])


def _table(pacing: season.SeasonPacing) -> tables.Table:
    """One row per year, money first (the question's columns fit at 1024 px); unknown figures read "–"."""
    def dollars(value: float | None) -> str:
        return formats.money(value, cents=False)

    rows = pl.DataFrame([{
        "year": str(y.year), "appeal_revenue": dollars(y.appeal_revenue), "season_revenue": dollars(y.season_revenue),
        "email_revenue": dollars(y.email_revenue), "email_share": formats.percent(y.email_share, decimals=0),
        "rest": dollars(None if y.email_revenue is None else y.season_revenue - y.email_revenue),
        "dates": f"{y.start:%b} {y.start.day} – {y.through:%b} {y.through.day}, {y.through.year}",
        "season_gifts": formats.count(y.season_gifts), "season_donors": formats.count(y.season_donors),
    } for y in pacing.years])
    right = {"alignment": "right"}
    return tables.Table(rows, {
        "year": tables.key("Year"), "appeal_revenue": st.column_config.TextColumn("Coded to the appeal", **right),
        "season_revenue": st.column_config.TextColumn("All gifts", **right),
        "email_revenue": st.column_config.TextColumn("Through email", **right),
        "email_share": st.column_config.TextColumn("Email's share", help="Through email ÷ all gifts.", **right),
        "rest": st.column_config.TextColumn("The rest", **right), "dates": "Counted",
        "season_gifts": st.column_config.TextColumn("Gifts", help="Revenue gifts, once per transaction.", **right),
        "season_donors": st.column_config.TextColumn("Donors", **right),
    })
