"""Downloads of contact lists and attributed gifts, safe to open in a spreadsheet and read by a person.

A text cell that starts with =, +, -, @ (or a tab or carriage return) could run as a formula in Excel or
Sheets, so it is prefixed with a single quote. Numeric, date and boolean columns are written as they are,
so a refund's negative amount stays a number. Columns are named in words ("Email address", not `email`),
times are plain ("2025-12-01 14:05", no "T" or microseconds), and a CSV starts with a UTF-8 byte-order mark,
without which Excel reads "Noémie" as "NoÃ©mie". An Excel file carries an "About this list" sheet: what the
list is, the criteria, how fresh the data is and how many rows it holds.
"""

from __future__ import annotations

import io
import re
from datetime import date

import polars as pl
from xlsxwriter import Workbook

from cc_data.analytics.audience.reach import EMAILABLE_PERMISSIONS

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


BOM = "\ufeff"
# Column names a person reads, for every column a download may carry; others keep their name, underscores as spaces.
HEADERS: dict[str, str] = {
    "email": "Email address", "first_name": "First name", "last_name": "Last name", "contact_id": "Contact ID",
    "permission_to_send": "Permission to send", "emails_received": "Emails received in window",
    "last_engaged_at": "Last engaged", "list_names": "Lists", "last_gift_date": "Last gift date",
    "tier": "Tier", "score": "Engagement score (0-4)", "received": "Emails received", "clicks": "Clicks",
    "human_opens": "Opens", "machine_only_opens": "Machine-only opens", "last_open_at": "Last open",
    "last_click_at": "Last click", "gift_id": "Gift ID", "donor_id": "Donor ID", "amount": "Amount",
    "gift_date": "Gift date", "gift_time": "Gift time", "time_basis": "Window counted in",
    "campaign_id": "Campaign ID", "campaign_name": "Campaign", "campaign_activity_id": "Email (activity) ID",
    "touch_time": "Email touch", "record_type": "Record type", "is_adjustment": "Adjustment or refund",
    "transaction_id": "Transaction ID", "attribution_note": "Note",
    "rank": "Rank", "phone": "Phone", "address": "Postal address", "why_not_email": "Why not email",
    "last_year_amount": "Gave last year", "last_gift_amount": "Last gift amount", "largest_gift": "Largest gift",
    "lifetime_giving": "Lifetime giving", "clicked_last_90_days": "Clicked in the last 90 days",
    "previous_amount": "Giving last year", "email_group": "Email this year", "category": "Category",
}
# Money columns: in Excel as currency with two decimals (numbers, so they still add up), never "1234.560".
MONEY_COLUMNS = frozenset({"amount", "exact_amount", "last_year_amount", "last_gift_amount", "largest_gift",
                           "lifetime_giving", "previous_amount", "revenue", "average_gift", "revenue_per_1000"})
EXCEL_MONEY = "$#,##0.00;-$#,##0.00"


def readable(df: pl.DataFrame) -> pl.DataFrame:
    """Headers in words and times as plain text (dates stay dates)."""
    times = [pl.col(c).dt.strftime("%Y-%m-%d %H:%M") for c, t in df.schema.items() if isinstance(t, pl.Datetime)]
    out = df.with_columns(times)
    return out.rename({c: HEADERS.get(c, c.replace("_", " ").capitalize()) for c in out.columns})


def to_csv_bytes(df: pl.DataFrame) -> bytes:
    return (BOM + readable(safe_for_spreadsheet(_guard(df))).write_csv()).encode("utf-8")


def to_excel_bytes(df: pl.DataFrame, sheet: str = "Contacts", about: dict[str, str] | None = None) -> bytes:
    """The rows on `sheet`; `about` (e.g. {"List": ..., "Criteria": ..., "Data as of": ...}) on an "About this
    list" sheet, with the number of rows."""
    guarded = _guard(df)
    money = [HEADERS.get(c, c.replace("_", " ").capitalize()) for c in guarded.columns if c in MONEY_COLUMNS]
    rows = readable(safe_for_spreadsheet(guarded))
    rows = rows.with_columns(pl.col(money).cast(pl.Float64))   # a Decimal column would be written as text
    facts = {**(about or {}), "Rows": f"{rows.height:,}"}
    buffer = io.BytesIO()
    with Workbook(buffer) as book:
        rows.write_excel(book, worksheet=sheet[:31], autofit=True, column_formats=dict.fromkeys(money, EXCEL_MONEY))
        pl.DataFrame({"About": list(facts), "Value": list(facts.values())}).write_excel(
            book, worksheet="About this list", autofit=True)
    return buffer.getvalue()


def export_filename(segment_name: str, day: date, extension: str) -> str:
    """e.g. "re-engagement-inactive-180-days-2025-12-15.csv"."""
    slug = re.sub(r"[^a-z0-9]+", "-", segment_name.lower()).strip("-") or "segment"
    return f"{slug}-{day.isoformat()}.{extension.lstrip('.')}"


def gifts_filename(window_hours: float, day: date, extension: str = "csv") -> str:
    """e.g. "attributed-gifts-48h-2025-12-15.csv": what the file holds, the attribution window and the date."""
    return export_filename(f"attributed gifts {window_hours:g}h", day, extension)
