"""Fiscal years: a fiscal year starts in the month CC_FISCAL_YEAR_START names (1-12, default January) and is named
by the calendar year it ends in: with a July start, FY2025 runs from July 1, 2024 to June 30, 2025; with the
default January start it is the calendar year."""

from __future__ import annotations

from datetime import date

import polars as pl


def fiscal_year(day: date, start_month: int = 1) -> int:
    """The fiscal year `day` falls in, named by the calendar year it ends in."""
    return day.year + (1 if start_month > 1 and day.month >= start_month else 0)


def fiscal_year_span(year: int, start_month: int = 1) -> tuple[date, date]:
    """(first day, last day) of fiscal year `year`."""
    first = date(year if start_month == 1 else year - 1, start_month, 1)
    last = date(year + 1, 1, 1) if start_month == 1 else date(year, start_month, 1)
    return first, date.fromordinal(last.toordinal() - 1)


def fiscal_year_label(year: int, start_month: int = 1) -> str:
    """"2025" for calendar years, "FY2025 (Jul 2024 – Jun 2025)" otherwise."""
    if start_month == 1:
        return str(year)
    first, last = fiscal_year_span(year, start_month)
    return f"FY{year} ({first:%b %Y} – {last:%b %Y})"


def fiscal_year_expr(day: str, start_month: int) -> pl.Expr:
    """The fiscal year of the date column `day` (polars), named fiscal_year."""
    shift = (pl.col(day).dt.month() >= start_month).cast(pl.Int32) if start_month > 1 else pl.lit(0, pl.Int32)
    return (pl.col(day).dt.year().cast(pl.Int32) + shift).alias("fiscal_year")
