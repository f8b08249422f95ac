"""One colour per metric across the app, and the few chart shapes the pages share (number formats: formats)."""

from __future__ import annotations

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

def layout(fig: go.Figure, height: int = 360, percent_axis: bool = False) -> go.Figure:
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10}, hovermode="x unified",
                      legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0}, template="plotly_white")
    if percent_axis:
        fig.update_yaxes(tickformat=".0%")
    return fig


def sparkline(series: pl.DataFrame, x: str, y: str, metric: str) -> go.Figure:
    fig = go.Figure(go.Scatter(x=series[x].to_list(), y=series[y].to_list(), mode="lines",
                               line={"color": PALETTE.get(metric, "#1f77b4"), "width": 2},
                               hovertemplate="%{x|%b %d}: %{y:" + (".1%" if metric in RATE_KEYS else ",.0f")
                               + "}<extra></extra>"))
    fig.update_layout(height=60, margin={"l": 0, "r": 0, "t": 0, "b": 0}, showlegend=False,
                      xaxis={"visible": False}, yaxis={"visible": False}, template="plotly_white")
    return fig
