"""Tables as people read them: labels in words, money as $1,234.56, counts with separators, rates as percentages,
dates as "Dec 01, 2025", and nothing shown as None. Each builder returns the frame to show and its column_config."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
import streamlit as st

from cc_data.analytics.email import appeal_years
from cc_data.analytics.rules.rates import RATES
from pages.components import formats

PER_PERSON = ("open_rate_per_person", "click_rate_per_person")

DATE_FORMAT = "MMM D, YYYY"
DATETIME_FORMAT = "MMM D, YYYY h:mm a"


@dataclass(frozen=True)
class Table:
    frame: pl.DataFrame
    config: dict


def key(label: str, help: str | None = None):  # noqa: A002
    """The column that names a row (a campaign, a year): pinned, so it stays in view while a table wider than the
    screen (at 1024 px) is scrolled sideways to its later columns."""
    return st.column_config.TextColumn(label, help=help, pinned=True)


def money(label: str, help: str | None = None):  # noqa: A002 - Streamlit's name
    return st.column_config.NumberColumn(label, format="dollar", help=help)


def count(label: str, help: str | None = None):  # noqa: A002
    return st.column_config.NumberColumn(label, format="localized", help=help)


def rate(label: str, help: str | None = None, decimals: int = 1):  # noqa: A002
    """For a column already multiplied by 100 (as_percent)."""
    return st.column_config.NumberColumn(label, format=f"%.{decimals}f%%", help=help)


def day(label: str, help: str | None = None, *, pinned: bool = False):  # noqa: A002
    return st.column_config.DateColumn(label, format=DATE_FORMAT, help=help, pinned=pinned)


def moment(label: str, help: str | None = None):  # noqa: A002
    return st.column_config.DatetimeColumn(label, format=DATETIME_FORMAT, help=help)


def as_percent(frame: pl.DataFrame, columns: list[str] | tuple[str, ...], decimals: int = 2) -> pl.DataFrame:
    """Rates × 100, rounded to what is shown: a screen reader reads the cell's value, which read 41.77362893815636."""
    return frame.with_columns([(pl.col(c) * 100).round(decimals) for c in columns if c in frame.columns])


def appeal_years_table(rows: pl.DataFrame) -> Table:
    """appeal_years.year_rows() at one age: a row per year, each headline figure with its change against the
    previous year beside it ("$9,565.43 (+124%)"), so the table fits a laptop screen."""
    def with_change(metric: str, shown: Callable[[float], str], change: Callable[[float], str | None]) -> pl.Expr:
        return pl.format("{}{}", pl.col(metric).map_elements(shown, return_dtype=pl.Utf8, skip_nulls=True).fill_null("–"),
                         pl.col(f"change_{metric}").map_elements(lambda v: f" ({change(v)})", return_dtype=pl.Utf8,
                                                                 skip_nulls=True).fill_null(""))

    def points(metric: str) -> Callable[[float], str | None]:
        return lambda v: formats.change(metric, v)

    shown = rows.select(   # money first: at 1024 px the table scrolls sideways
        pl.col("year").cast(pl.Utf8), with_change("revenue", formats.money, formats.relative_change).alias("revenue"),
        with_change("gifts", formats.count, formats.relative_change).alias("gifts"), "donors", "average_gift",
        "revenue_per_1000", "emails_sent", "people_reached", "openers",
        *[with_change(key, formats.percent, points(key)).alias(key) for key in PER_PERSON[:1]],
        "clickers", *[with_change(key, formats.percent, points(key)).alias(key) for key in PER_PERSON[1:]],
        "campaigns",
    )
    labels = appeal_years.LABELS
    change = " In brackets: the change against the previous year at the same age."
    return Table(shown, {
        "year": key(labels["year"]), "campaigns": count("Campaigns", "Waves and resends of the year's appeal."),
        **{c: count(labels[c]) for c in ("emails_sent", "people_reached", "openers", "clickers", "donors")},
        **{rate_key: st.column_config.TextColumn(RATES[rate_key].title,
                                                 help=f"{RATES[rate_key].help}{change} (points)")
           for rate_key in PER_PERSON},
        "gifts": st.column_config.TextColumn("Gifts", help="Revenue gifts, once per transaction." + change),
        "revenue": st.column_config.TextColumn("Revenue", help="Net of refunds and adjustments." + change),
        "average_gift": money("Average gift", "Revenue ÷ gifts."),
        "revenue_per_1000": money("Per 1,000 emails", "Revenue ÷ emails sent × 1,000."),
    })


def campaign_ages_table(at: pl.DataFrame) -> Table:
    """compare.rates_at_ages() joined with year and wave: one row per campaign."""
    ages = {"24h": "24 h", "48h": "48 h", "168h": "7 days"}
    rate_cols = [c for c in at.columns if c.startswith(PER_PERSON)]
    money_cols = [c for c in at.columns if c.startswith("revenue_")]
    gift_cols = [c for c in at.columns if c.startswith("gifts_")]
    shown = as_percent(at.select("name", pl.col("year").cast(pl.Utf8), "wave", "send_time", "delivered", *rate_cols,
                                 *gift_cols, *money_cols), rate_cols)

    def title(column: str) -> str:
        metric, _, age = column.rpartition("_")
        words = {**{key: RATES[key].title for key in PER_PERSON}, "gifts": "Gifts", "revenue": "Revenue"}
        return f"{words[metric]} at {ages.get(age, age)}"

    return Table(shown, {
        "name": key("Campaign"), "year": "Year", "wave": st.column_config.NumberColumn("Wave", format="%d"),
        "send_time": moment("First send"), "delivered": count("Delivered"),
        **{c: rate(title(c), RATES[c.rpartition("_")[0]].help, decimals=2 if c.startswith("click") else 1)
           for c in rate_cols},
        **{c: count(title(c)) for c in gift_cols}, **{c: money(title(c)) for c in money_cols},
    })


def local_times(frame: pl.DataFrame, columns: tuple[str, ...], time_zone: str) -> pl.DataFrame:
    """Stored times are UTC without a zone; shown in the account's time zone (wall-clock, zone dropped so every
    table formats them the same way)."""
    return frame.with_columns([pl.col(c).dt.replace_time_zone("UTC").dt.convert_time_zone(time_zone)
                               .dt.replace_time_zone(None) for c in columns if c in frame.columns])


def zone_name(time_zone: str) -> str:
    """e.g. "US/Mountain" → "US/Mountain time"; "UTC" stays "UTC"."""
    return "UTC" if time_zone == "UTC" else f"{time_zone} time"
