"""One colour per metric across the app, number formats, and the few chart shapes the pages share."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

PALETTE = {
    "delivered": "#4c6a92",
    "sends": "#4c6a92",
    "open_rate": "#1f77b4",
    "opens": "#1f77b4",
    "click_rate": "#e07b00",
    "clicks": "#e07b00",
    "click_to_open": "#8c564b",
    "unsubscribe_rate": "#c0392b",
    "bounce_rate": "#7f7f7f",
    "revenue": "#2e8b57",
    "revenue_per_1000": "#2e8b57",
    "gifts": "#2e8b57",
    "benchmark": "#999999",
}
TIER_COLOURS = {
    "Highly engaged": "#1b7837", "Moderately engaged": "#7fbf7b", "Low engagement": "#d9d9d9",
    "Lapsed": "#d6604d", "Not enough emails": "#bdbdbd", "New": "#4393c3", "Not emailed": "#f4e3b5",
}
SERIES_COLOURS = ["#1f77b4", "#e07b00", "#2e8b57", "#9467bd", "#c0392b", "#17becf"]

RATE_KEYS = {"open_rate", "click_rate", "click_to_open", "unsubscribe_rate", "bounce_rate"}
MONEY_KEYS = {"revenue", "revenue_per_1000"}


def fmt(metric: str, value: float | None) -> str:
    if value is None:
        return "–"
    if metric in RATE_KEYS:
        return f"{value:.1%}" if abs(value) >= 0.01 or value == 0 else f"{value:.2%}"
    if metric in MONEY_KEYS:
        return f"${value:,.2f}" if metric == "revenue_per_1000" else f"${value:,.0f}"
    return f"{value:,.0f}"


NO_CHANGE = "no change"


def fmt_change(metric: str, change: float | None) -> str | None:
    """The change as shown under a KPI; small rate changes get two decimals, and one that rounds to zero reads
    "no change" (a "-0.0 pts" in red would claim a fall that is not there)."""
    if change is None:
        return None
    if metric in RATE_KEYS:
        points = change * 100
        if round(points, 2) == 0:
            return NO_CHANGE
        return f"{points:+.1f} pts" if abs(points) >= 0.095 else f"{points:+.2f} pts"
    if metric in MONEY_KEYS:
        return f"{'+' if change >= 0 else '-'}${abs(change):,.0f}"
    return f"{change:+,.0f}"


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
