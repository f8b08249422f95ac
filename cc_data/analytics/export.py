"""Downloads of contact lists and attributed gifts, safe to open in a spreadsheet.

A text cell that starts with =, +, -, @ (or a tab or carriage return) could run as a formula in Excel or
Sheets, so it is prefixed with a single quote. Numeric, date and boolean columns are written as they are,
so a refund's negative amount stays a number.
"""

from __future__ import annotations

import io
import re
from datetime import date

import polars as pl

from cc_data.analytics.audience import EMAILABLE_PERMISSIONS

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str | None) -> str | None:
    if value is not None and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_for_spreadsheet(df: pl.DataFrame) -> pl.DataFrame:
    """Every text column neutralised; other types turned into text only where needed (lists joined)."""
    out = df.with_columns([pl.col(c).list.join(", ") for c, t in df.schema.items() if isinstance(t, pl.List)])
    text = [c for c, t in out.schema.items() if t == pl.Utf8 or isinstance(t, pl.Categorical | pl.Enum)]
    risky = "^[" + re.escape("".join(FORMULA_STARTS)) + "]"
    return out.with_columns([pl.when(pl.col(c).cast(pl.Utf8).str.contains(risky))
                             .then(pl.lit("'") + pl.col(c).cast(pl.Utf8)).otherwise(pl.col(c).cast(pl.Utf8)).alias(c)
                             for c in text])


def _guard(df: pl.DataFrame) -> pl.DataFrame:
    if "permission_to_send" in df.columns:
        return df.filter(pl.col("permission_to_send").is_in(list(EMAILABLE_PERMISSIONS)))
    return df


def to_csv_bytes(df: pl.DataFrame) -> bytes:
    return safe_for_spreadsheet(_guard(df)).write_csv().encode("utf-8")


def to_excel_bytes(df: pl.DataFrame, sheet: str = "Contacts") -> bytes:
    buffer = io.BytesIO()
    safe_for_spreadsheet(_guard(df)).write_excel(buffer, worksheet=sheet[:31], autofit=True)
    return buffer.getvalue()


def export_filename(segment_name: str, day: date, extension: str) -> str:
    """e.g. "re-engagement-inactive-180-days-2025-12-15.csv"."""
    slug = re.sub(r"[^a-z0-9]+", "-", segment_name.lower()).strip("-") or "segment"
    return f"{slug}-{day.isoformat()}.{extension.lstrip('.')}"


def gifts_filename(window_hours: float, day: date, extension: str = "csv") -> str:
    """e.g. "attributed-gifts-48h-2025-12-15.csv": what the file holds, the attribution window and the date."""
    return export_filename(f"attributed gifts {window_hours:g}h", day, extension)
