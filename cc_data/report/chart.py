"""The pacing chart, drawn with matplotlib (no browser needed) in the dashboard's look: Plotly's white template,
its grid and font colours, Compare appeals' colour per year (oldest first)."""

from __future__ import annotations

import io
from datetime import date, timedelta

import matplotlib

matplotlib.use("Agg")   # no display: a server, a timer, a test
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import polars as pl  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from cc_data.analytics.season import SeasonPacing  # noqa: E402

SERIES_COLOURS = ["#1f77b4", "#e07b00", "#2e8b57", "#9467bd", "#c0392b", "#17becf"]   # pages/components/charts.py
TEXT, GRID, MARK = "#2a3f5f", "#e5ecf6", "#555555"


def _tick(value: float, _pos: object = None) -> str:
    return f"${value / 1000:,.0f}k" if value >= 1000 else f"${value:,.0f}"


def _dollars(value: float) -> str:
    return f"${value:,.0f}"


def pacing_png(pacing: SeasonPacing, width_in: float = 7.3, height_in: float = 2.35, dpi: int = 200) -> bytes:
    """Two panels, the appeal's coded gifts and every gift in the season, cumulative by calendar day; this year
    thicker and never past its as-of date; Giving Tuesday and December 31 marked when they fall in the season."""
    plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 7.5, "text.color": TEXT, "axes.labelcolor": TEXT,
                         "xtick.color": TEXT, "ytick.color": TEXT})
    fig, axes = plt.subplots(1, 2, figsize=(width_in, height_in), dpi=dpi, sharex=True)
    years = sorted(pacing.curve["year"].unique().to_list())
    colour = {y: SERIES_COLOURS[i % len(SERIES_COLOURS)] for i, y in enumerate(years)}
    cur = pacing.current
    for ax, column, title in ((axes[0], "appeal", f"{pacing.appeal}: coded gifts so far"),
                              (axes[1], "season", "Every gift in the season so far")):
        for year in years:
            part = pacing.curve.filter((pl.col("year") == year) & pl.col(column).is_not_null())
            if part.is_empty():
                continue
            this = year == cur.year
            ax.plot(part["day"].to_list(), part[column].to_list(), color=colour[year], lw=2.4 if this else 1.5,
                    label=f"{year}" + (f" (to {cur.through:%b} {cur.through.day})" if this else ""),
                    zorder=3 if this else 2)
            if this:
                last = part.row(-1, named=True)
                ax.plot([last["day"]], [last[column]], "o", color=colour[year], ms=4, zorder=4)
                ax.annotate(_dollars(last[column]), (last["day"], last[column]), xytext=(4, 4),
                            textcoords="offset points", fontsize=7.5, color=colour[year], fontweight="bold")
        _marks(ax, pacing)
        ax.set_title(title, loc="left", fontsize=8.5, color=TEXT, pad=14)
        ax.yaxis.set_major_formatter(FuncFormatter(_tick))
        ax.set_ylim(bottom=0)
        ax.grid(axis="both", color=GRID, lw=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right", "left", "bottom"):
            ax.spines[side].set_visible(False)
        ax.tick_params(length=0)
        ax.xaxis.set_major_locator(mdates.DayLocator(bymonthday=(1, 8, 15, 22)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %-d"))
        ax.set_xlim(cur.start, cur.end + timedelta(days=1))
    handles, labels = axes[1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower left", ncol=len(labels), frameon=False, fontsize=7.5,
               bbox_to_anchor=(0.0, -0.01))
    fig.tight_layout(rect=(0, 0.07, 1, 1), w_pad=2.5)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi, facecolor="white")
    plt.close(fig)
    return out.getvalue()


def _marks(ax: plt.Axes, pacing: SeasonPacing) -> None:
    cur = pacing.current
    marks: list[tuple[date, str]] = []
    if pacing.giving_tuesday is not None:
        marks.append((pacing.giving_tuesday, "Giving Tuesday"))
    dec31 = date(cur.end.year, 12, 31)
    if cur.start <= dec31 <= cur.end:
        marks.append((dec31, "Dec 31"))
    for day, text in marks:
        ax.axvline(day, color=MARK, lw=0.8, ls=(0, (2, 2)), zorder=1)
        ax.text(day, 1.02, text, transform=ax.get_xaxis_transform(), fontsize=6.5, color=MARK, va="bottom",
                ha="right" if day == dec31 else "left")
