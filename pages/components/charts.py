"""One colour per metric across the app, and the few chart shapes the pages share (number formats: formats)."""

from __future__ import annotations

import math

import plotly.graph_objects as go
import polars as pl

from pages.components.formats import RATE_KEYS

PALETTE = {
    "delivered": "#4c6a92",
    "sends": "#4c6a92",
    "open_rate": "#1f77b4",
    "open_rate_per_person": "#1f77b4",
    "opens": "#1f77b4",
    "click_rate": "#e07b00",
    "click_rate_per_person": "#e07b00",
    "clicks": "#e07b00",
    "click_to_open": "#8c564b",
    "unsubscribe_rate": "#c0392b",
    "bounce_rate": "#7f7f7f",
    "revenue": "#2e8b57",
    "revenue_per_1000": "#2e8b57",
    "gifts": "#2e8b57",
    "benchmark": "#999999",
}
# Tiers in lightness and hue a colour-blind reader can tell apart (no red against green, no two near-identical
# greys), and a fill pattern each for stacked bars, so no tier is told by colour alone.
TIER_COLOURS = {
    "Highly engaged": "#08519c", "Moderately engaged": "#4292c6", "Low engagement": "#b7d4ea",
    "Lapsed": "#b35806", "Not enough emails": "#d4d4d4", "New": "#762a83", "Not emailed": "#f6e8c3",
    "Not enough history yet": "#bcbddc",
}
TIER_PATTERNS = {
    "Highly engaged": "", "Moderately engaged": "", "Low engagement": "", "Lapsed": "x",
    "Not enough emails": ".", "New": "/", "Not emailed": "-", "Not enough history yet": "+",
}
SERIES_COLOURS = ["#1f77b4", "#e07b00", "#2e8b57", "#9467bd", "#c0392b", "#17becf"]

TEXT_COLOUR = "#2f3340"   # titles, legend: about 12:1 on white
TICK_COLOUR = "#525866"   # tick labels: about 7:1 on white (Streamlit's chart theme drew them at 3.7:1)
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "star")


def layout(fig: go.Figure, height: int = 360, percent_axis: bool = False) -> go.Figure:
    """The shared chart theme: the legend above the plot (below it, it sat on rotated tick labels), text and ticks
    at WCAG AA contrast, lines told apart by dash and marker as well as colour, and a percent axis with as many
    decimals as its ticks need to differ ("0.5%, 1.0%, 1.5%", not "1%, 1%, 2%")."""
    titled = bool(fig.layout.title.text)
    named = [t for t in fig.data if t.showlegend is not False and t.name]
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": (40 if named else 10) + (40 if titled else 0),
                                             "b": 10},
                      hovermode="x unified", template="plotly_white", font={"color": TEXT_COLOUR},
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0,
                              "font": {"color": TEXT_COLOUR}})
    if titled:
        fig.update_layout(title={"y": 0.98, "yanchor": "top", "font": {"color": TEXT_COLOUR}})
    for axis in (fig.update_xaxes, fig.update_yaxes):
        axis(tickfont_color=TICK_COLOUR, title_font_color=TEXT_COLOUR, automargin=True)
    distinguish_lines(fig)
    if percent_axis:
        fig.update_yaxes(tickformat=percent_tickformat(fig))
    return fig


def distinguish_lines(fig: go.Figure) -> None:
    """Two or more line traces: each its own dash (unless the page chose one) and marker symbol, so no line is
    told by colour alone; lines of a few points get their markers."""
    lines = [t for t in fig.data if isinstance(t, go.Scatter) and "lines" in (t.mode or "lines")]
    if len(lines) < 2:
        return
    for n, trace in enumerate(lines):
        if trace.line.dash is None:
            trace.line.dash = DASHES[n % len(DASHES)]
        points = len(trace.x) if trace.x is not None else 0
        if "markers" in (trace.mode or "") or points <= 24:
            trace.mode = "lines+markers" if "text" not in (trace.mode or "") else trace.mode
            if trace.marker.symbol is None:
                trace.marker.symbol = SYMBOLS[n % len(SYMBOLS)]


def percent_tickformat(fig: go.Figure) -> str:
    """".0%" for an axis spanning tens of percent, ".1%" for a few percent, ".2%" under one percent: enough
    decimals that neighbouring ticks never read the same."""
    values = [v for t in fig.data if getattr(t, "y", None) is not None for v in t.y
              if isinstance(v, int | float) and v == v]
    if not values:
        return ".0%"
    span = (max(max(values), 0) - min(min(values), 0)) * 100
    if span <= 0:
        return ".1%"
    # the finest 1-2-5 step plotly would pick for about eight ticks over the span, in percent
    raw = span / 8
    power = 10 ** math.floor(math.log10(raw))
    step = max(m * power for m in (1, 2, 5) if m * power <= raw)
    return f".{min(3, max(0, -math.floor(math.log10(step) + 1e-9)))}%"


def sparkline(series: pl.DataFrame, x: str, y: str, metric: str) -> go.Figure:
    fig = go.Figure(go.Scatter(x=series[x].to_list(), y=series[y].to_list(), mode="lines",
                               line={"color": PALETTE.get(metric, "#1f77b4"), "width": 2},
                               hovertemplate="%{x|%b %d}: %{y:" + (".1%" if metric in RATE_KEYS else ",.0f")
                               + "}<extra></extra>"))
    fig.update_layout(height=60, margin={"l": 0, "r": 0, "t": 0, "b": 0}, showlegend=False,
                      xaxis={"visible": False}, yaxis={"visible": False}, template="plotly_white")
    return fig


def device_bars(split: pl.DataFrame, height: int) -> go.Figure:
    """Share of openers and of clickers per device (kind, device_type, share, contacts), as grouped bars."""
    fig = go.Figure()
    for kind, colour in (("open", PALETTE["opens"]), ("click", PALETTE["clicks"])):
        part = split.filter(pl.col("kind") == kind)
        fig.add_bar(y=part["device_type"].to_list(), x=part["share"].to_list(), name=f"{kind}s", orientation="h",
                    marker_color=colour, text=[f"{s:.0%}" for s in part["share"].to_list()],
                    customdata=part["contacts"].to_list(),
                    hovertemplate="%{y}: %{x:.1%} (%{customdata:,} people)<extra></extra>")
    fig.update_layout(barmode="group")
    fig.update_xaxes(tickformat=".0%")
    return layout(fig, height)
