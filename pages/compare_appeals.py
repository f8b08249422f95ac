"""Compare appeals: is this year's appeal on pace against last year on the same date (every gift, email's share), then
its emails year over year at an age every year has reached, or campaigns picked by hand."""

from dataclasses import replace

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from cc_data.analytics.email import appeal_years, compare
from cc_data.analytics.email.campaigns import apply_filters
from cc_data.analytics.rules.appeals import SERIES_HELP, with_series
from cc_data.analytics.rules.rates import RATES
from pages.components import board_report, charts, data, email_links, formats, season_view, tables, window
from pages.components.page_start import open_data_page

page = open_data_page("Compare appeals", "appeal comparisons")
core, human = page.core, page.human_opens_only
if core.campaigns.is_empty():
    st.info("No campaign has been sent yet.")
    st.stop()
fiscal_start = page.cfg.fiscal_year_start
campaigns = with_series(core.campaigns, fiscal_start)
window_hours = window.hours()
as_of = data.as_of(core)
year_help = ("The year in the campaign's name, else the fiscal year of its first send"
             + (f" (fiscal years start in month {fiscal_start}, named by the year they end in)." if fiscal_start != 1
                else " (calendar years unless the fiscal-year setting says otherwise)."))
pool = apply_filters(campaigns, replace(page.filters, start=None, end=None))
if pool.is_empty():
    st.info("No campaigns match the sidebar's type, name or list filters.")
    st.stop()

series = st.selectbox("Appeal", compare.series_choices(pool), help=SERIES_HELP, key="cmp_series")
board_report.download(page, appeal=series, dates_apply=False)
st.subheader("Season to date, against last year on the same date")
season_view.show(page, series)

st.subheader("Its emails, at an age every year has reached")
st.caption("Rates and gifts rise for days after a send, so emails are compared at the same age since their first "
           "send. The sidebar's date range does not apply on this page (year over year needs older campaigns); type, "
           "name and list filters do.")
mode = st.radio("Compare", ["This appeal, year over year", "Campaigns I pick"], horizontal=True, key="cmp_mode")
labels = dict(zip(pool["campaign_id"].to_list(),
                  [f"{n} ({t:%b %d, %Y})" for n, t in zip(pool["name"].to_list(), pool["send_time"].to_list(),
                                                          strict=True)], strict=True))
gifts = data.gift_times(page.db, page.version, window_hours, window.lenient()) if core.has_gifts else None
money_scope = (f"Gifts and revenue: gifts attributed to these campaigns with the {window.describe(window_hours)} "
               "(set on Donation attribution), revenue net of refunds and adjustments.")


def curve_charts(picked: list[str], hours: int, colour_of: dict[str, str], dash_of: dict[str, str],
                 tag_of: dict[str, str]) -> None:
    """One chart per measure, a line per campaign: colour, line style and an end label (`tag_of`, e.g. "2026 W1")
    tell the lines apart; each line stops at its campaign's age today."""
    picked_sends = data.campaign_sends(page.db, page.version, tuple(picked))
    curves = compare.equal_age_curves(picked_sends, pool, picked, hours, human_opens_only=human, gifts=gifts,
                                      as_of=as_of)
    resends = compare.resend_hours(picked_sends, pool).filter(pl.col("hours") <= hours)
    metrics = [(key, f"{RATES[key].label} so far") for key in PER_PERSON]
    if gifts is not None:
        metrics += [("revenue", "Revenue so far"), ("gifts", "Gifts so far")]
    columns = st.columns(2)
    for n, (metric, title) in enumerate(metrics):
        fig = go.Figure()
        value_format = {"open_rate_per_person": ".1%", "click_rate_per_person": ".2%", "revenue": "$,.0f",
                        "gifts": ","}[metric]
        for cid in picked:
            part = curves.filter(pl.col("campaign_id") == cid)
            name = labels.get(cid, cid)
            fig.add_scatter(x=part["hours"].to_list(), y=part[metric].to_list(), mode="lines", name=tag_of[cid],
                            line={"color": colour_of[cid], "width": 2.5, "dash": dash_of[cid]},
                            hovertemplate=f"{name}<br>%{{x}} h: %{{y:{value_format}}}<extra></extra>")
            if part.height:   # the label at the line's end: the year (and wave) in words, not by colour alone
                fig.add_scatter(x=[part["hours"][-1]], y=[part[metric][-1]], mode="markers+text", showlegend=False,
                                text=[f" {tag_of[cid]}"], textposition="middle right", hoverinfo="skip",
                                textfont={"color": colour_of[cid], "size": 12},
                                marker={"color": colour_of[cid], "size": 8})
            for hour in resends.filter(pl.col("campaign_id") == cid)["hours"].to_list() if metric in PER_PERSON else []:
                at = part.filter(pl.col("hours") == round(hour))
                fig.add_scatter(x=[round(hour)], y=at[metric].to_list(), mode="markers", showlegend=False,
                                marker={"symbol": "triangle-up", "size": 11, "color": colour_of[cid]},
                                hovertemplate=f"Resend to non-openers of {name} goes out at {hour:.0f} h"
                                              "<extra></extra>")
        fig.update_layout(title=title)
        fig.update_xaxes(range=[0, hours * 1.28], ticksuffix=" h")   # room for the end labels
        if metric == "revenue":
            fig.update_yaxes(tickprefix="$", tickformat=",.0f")
        columns[n % 2].plotly_chart(charts.layout(fig, 330, percent_axis=metric in PER_PERSON), width="stretch",
                                    key=f"curve_{metric}")
    notes = ["Rates are per person reached: unique openers or clickers so far ÷ unique people delivered so far, over "
             "all of a campaign's emails. A line ends at its campaign's age now: hours that have not happened are not "
             "drawn."]
    resent = sorted({labels.get(c, c) for c in resends["campaign_id"].to_list()})
    if resent:
        notes.append(f"Resent to non-openers (marked ▲): {', '.join(resent)}. A resend adds emails, not people, so "
                     "it does not lower the rate; its openers raise it.")
    if gifts is not None:
        notes.append(money_scope)
    st.caption(" ".join(notes))


PER_PERSON = ("open_rate_per_person", "click_rate_per_person")

if mode.startswith("This appeal"):
    in_series = pool.filter(pl.col("series") == series).sort("send_time")
    rows = data.appeal_year_rows(page.db, page.version, tuple(in_series["campaign_id"].to_list()),
                                 tuple(in_series["year"].to_list()), tuple(in_series["send_time"].to_list()),
                                 window_hours, window.lenient(), human, as_of)
    reached = appeal_years.default_age(rows)
    youngest = rows.sort("first_send").row(-1, named=True)
    age_now = (as_of - youngest["first_send"]).total_seconds() / 3600
    age = st.segmented_control("Compare at", list(appeal_years.AGES), default=reached, required=True,
                               key="cmp_age", help="Time since each year's first send.") or reached
    old = f"{age_now:,.0f} hours" if age_now < 96 else f"{age_now / 24:,.0f} days"
    st.caption(f"Compared at {reached} by default: the longest of 24 h, 48 h, 7 days and 30 days that "
               f"{youngest['year']}'s appeal has reached (its first send was {old} ago).")
    at_age = rows.filter(pl.col("age") == age).sort("year", descending=True)
    latest = at_age.row(0, named=True)
    young = "" if latest["complete"] else f" ({latest['year']} is younger than {age}: its figures so far)"
    st.markdown(f"**{series}: {latest['year']} against {latest['year'] - 1}, {age} after the first send{young}**")
    cards = [*st.columns(2), *st.columns(2)]   # two rows: four labels with their denominators do not fit one at 1024 px
    shown_metrics = ([("revenue", "Revenue"), ("gifts", "Gifts")] if gifts is not None else []) + [
        (key, RATES[key].title) for key in PER_PERSON]
    for col, (metric, title) in zip(cards, shown_metrics, strict=False):
        change = latest.get(f"change_{metric}")
        delta = (None if change is None else formats.change(metric, change) if metric in PER_PERSON
                 else f"{formats.relative_change(change)} vs {latest['year'] - 1}")
        col.metric(title, formats.metric(metric, latest[metric]), delta,
                   help=appeal_years.__doc__.split("\n\n")[1] if metric == "revenue"
                   else RATES[metric].help if metric in RATES else None)
    table = tables.appeal_years_table(at_age)
    st.dataframe(table.frame, hide_index=True, width="stretch", column_config=table.config)
    st.caption(f"One row per year of the series, all its waves and resends together, counted {age} after the "
               f"year's first send. {year_help} Change is against the previous year at the same age (percentage "
               "points for rates). People reached: unique contacts delivered; open and click rates: unique openers "
               "or clickers ÷ people reached; revenue per 1,000 emails: revenue ÷ emails sent × 1,000."
               + (f" {money_scope}" if gifts is not None else " Import donations to see gifts and revenue."))
    recent_years = sorted(in_series["year"].unique().to_list())[-3:]
    picked = in_series.filter(pl.col("year").is_in(recent_years))["campaign_id"].to_list()[-9:]
    year_colour = {y: charts.SERIES_COLOURS[i % len(charts.SERIES_COLOURS)]   # this year first, as in the season chart
                   for i, y in enumerate(sorted(recent_years, reverse=True))}
    chosen = in_series.filter(pl.col("campaign_id").is_in(picked))
    colour_of = dict(zip(chosen["campaign_id"].to_list(), [year_colour[y] for y in chosen["year"].to_list()],
                         strict=True))
    order = chosen.with_columns(pl.col("send_time").rank("ordinal").over("year").alias("n"),
                                pl.len().over("year").alias("waves"))
    dashes = ("solid", "dash", "dot", "dashdot")
    dash_of = dict(zip(order["campaign_id"].to_list(), [dashes[(n - 1) % 4] for n in order["n"].to_list()],
                       strict=True))
    tag_of = {r["campaign_id"]: f"{r['year']}" + (f" W{r['wave'] or r['n']}" if r["waves"] > 1 else "")
              for r in order.iter_rows(named=True)}
    st.markdown("**Hour by hour**")
    st.caption("Each line is named by its year (W2: the year's second wave), in the legend and at its end; colour "
               "also shows the year and line style the wave (solid first, dashed second, dotted third). Hover a line "
               "for the campaign's name.")
    curve_charts(picked, {"24 h": 48, "48 h": 72, "7 days": 168, "30 days": 720}[age], colour_of, dash_of, tag_of)
else:
    default = pool.sort("send_time", descending=True)["campaign_id"].to_list()[:2]
    picked = st.multiselect("Campaigns (2 to 6)", list(labels), default=default, format_func=labels.get,
                            max_selections=6, key="cmp_picked")
    if len(picked) < 1:
        st.info("Pick at least two campaigns to compare.")
        st.stop()
    hours = st.select_slider("Hours since send", options=[24, 48, 72, 168, 720], value=168, key="cmp_hours")
    colour_of = {cid: charts.SERIES_COLOURS[i % len(charts.SERIES_COLOURS)] for i, cid in enumerate(picked)}
    dashes = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
    curve_charts(picked, hours, colour_of, {cid: dashes[i % len(dashes)] for i, cid in enumerate(picked)},
                 {cid: f"#{i + 1}" for i, cid in enumerate(picked)})
    st.caption("Lines are named #1, #2… in the order picked above; hover a line for the campaign's name.")
    st.subheader("At equal age")
    picked_sends = data.campaign_sends(page.db, page.version, tuple(picked))
    at = compare.rates_at_ages(compare.equal_age_curves(picked_sends, pool, picked, 168, human_opens_only=human,
                                                        gifts=gifts))
    table = tables.campaign_ages_table(tables.local_times(
        at.join(campaigns.select("campaign_id", "year", "wave"), on="campaign_id"), ("send_time",),
        core.source.time_zone))
    st.dataframe(table.frame, hide_index=True, width="stretch", column_config=table.config)
    email_links.page_links({cid: labels.get(cid, cid) for cid in picked})
    st.caption("A campaign younger than an age shows its figures so far at that age (they can still rise)."
               + (f" {money_scope}" if gifts is not None else ""))
