"""The shared chart theme and the app's colours: readable (WCAG AA contrast), ticks that differ, legends clear of
tick labels, nothing told by colour alone, tiers without red against green or two near-identical greys."""

from __future__ import annotations

import itertools
import tomllib
from pathlib import Path

import plotly.graph_objects as go
import pytest

from pages.components import charts

ROOT = Path(__file__).resolve().parents[2]
CAPTION_OPACITY = 0.6   # Streamlit draws captions in the text colour at this opacity


def rgb(colour: str) -> tuple[float, float, float]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i:i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]


def luminance(colour: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = colour
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: tuple[float, float, float], b: tuple[float, float, float] = (255, 255, 255)) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_captions_and_tick_labels_meet_wcag_aa() -> None:
    """Captions read at about 3.9:1 and tick labels at 3.7:1 (Streamlit's chart theme, #808495)."""
    theme = tomllib.loads((ROOT / ".streamlit/config.toml").read_text())["theme"]
    text = rgb(theme["textColor"])
    caption = tuple(CAPTION_OPACITY * c + (1 - CAPTION_OPACITY) * 255 for c in text)
    assert contrast(caption) >= 4.5, contrast(caption)
    fig = charts.layout(go.Figure(go.Bar(x=["a"], y=[1])))
    assert contrast(rgb(fig.layout.xaxis.tickfont.color)) >= 4.5
    assert contrast(rgb(fig.layout.yaxis.tickfont.color)) >= 4.5
    assert contrast(rgb(fig.layout.legend.font.color)) >= 4.5


@pytest.mark.parametrize(("values", "fmt"), [([0.004, 0.012, 0.027], ".1%"), ([0.0011, 0.0042], ".2%"),
                                             ([0.21, 0.45], ".0%")])
def test_a_percent_axis_has_the_decimals_its_ticks_need(values: list[float], fmt: str) -> None:
    """A click-rate axis read "1%, 1%, 2%, 2%, 3%"."""
    fig = charts.layout(go.Figure(go.Scatter(y=values)), percent_axis=True)
    assert fig.layout.yaxis.tickformat == fmt
    step = {".0%": 0.05, ".1%": 0.005, ".2%": 0.0005}[fmt]   # the finest step plotly picks for such a span
    ticks = [format(step * n, fmt) for n in range(1, 7)]
    assert len(set(ticks)) == len(ticks)


def test_the_legend_sits_above_the_plot_clear_of_tick_labels() -> None:
    fig = charts.layout(go.Figure([go.Scatter(x=[1, 2], y=[1, 2], name="a"), go.Scatter(x=[1, 2], y=[2, 1], name="b")]))
    assert fig.layout.legend.y >= 1 and fig.layout.legend.yanchor == "bottom"


def test_lines_are_told_apart_by_dash_and_marker_not_colour_alone() -> None:
    fig = charts.layout(go.Figure([go.Scatter(x=[1, 2, 3], y=[n, n + 1, n], name=str(n)) for n in range(3)]))
    assert len({t.line.dash for t in fig.data}) == 3 and len({t.marker.symbol for t in fig.data}) == 3
    chosen = charts.layout(go.Figure([go.Scatter(y=[1, 2], line={"dash": "dot"}, name="x"),
                                      go.Scatter(y=[2, 1], name="y")]))
    assert chosen.data[0].line.dash == "dot"   # a page's own choice is kept


def hue_family(colour: str) -> str:
    r, g, b = rgb(colour)
    if max(r, g, b) - min(r, g, b) < 24:
        return "grey"
    if r > g + 40 and r > b + 40:
        return "red"
    if g > r + 25 and g > b:
        return "green"
    return "other"


def test_tiers_are_not_red_against_green_and_no_two_greys_look_alike() -> None:
    families = {tier: hue_family(colour) for tier, colour in charts.TIER_COLOURS.items()}
    assert not ({"red", "green"} <= set(families.values())), families
    greys = [rgb(c) for t, c in charts.TIER_COLOURS.items() if families[t] == "grey"]
    for a, b in itertools.combinations(greys, 2):
        assert abs(luminance(a) - luminance(b)) > 0.25, (a, b)   # #d9d9d9 against #bdbdbd: 0.18
    assert len(set(charts.TIER_PATTERNS.values())) >= len(charts.TIER_PATTERNS) - 2   # patterns, not colour alone
