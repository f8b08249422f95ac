"""Turning the text of a gift export into values: dates, amounts, record types, encodings.

Each parser returns the value or raises ValueError with a reason a person can act on; the importer
turns those reasons into its per-row report.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

RECORD_TYPES = {
    "G": "gift",
    "P": "pledge",
    "M": "split-gift main record",
    "S": "soft credit",
    "A": "adjustment",
}

# Tried in order; the first that parses wins. US month-first, as DonorPerfect writes dates.
DATE_FORMATS: tuple[tuple[str, str], ...] = (
    ("%Y-%m-%d", "ISO (YYYY-MM-DD)"),
    ("%m/%d/%Y", "MM/DD/YYYY"),
    ("%m/%d/%y", "M/D/YY (two-digit year, 20YY)"),
    ("%m-%d-%Y", "MM-DD-YYYY"),
    ("%Y/%m/%d", "YYYY/MM/DD"),
    ("%d-%b-%Y", "DD-Mon-YYYY"),
    ("%b %d, %Y", "Mon DD, YYYY"),
)
TIMESTAMP_FORMATS: tuple[tuple[str, str], ...] = (
    ("%Y-%m-%dT%H:%M:%S", "ISO timestamp"),
    ("%Y-%m-%d %H:%M:%S", "ISO timestamp"),
    ("%Y-%m-%d %H:%M", "ISO timestamp"),
    ("%m/%d/%Y %H:%M:%S", "MM/DD/YYYY HH:MM:SS"),
    ("%m/%d/%Y %H:%M", "MM/DD/YYYY HH:MM"),
    ("%m/%d/%Y %I:%M:%S %p", "MM/DD/YYYY HH:MM:SS AM/PM"),
    ("%m/%d/%Y %I:%M %p", "MM/DD/YYYY HH:MM AM/PM"),
    ("%m/%d/%y %H:%M", "M/D/YY HH:MM"),
)
_CURRENCY = re.compile(r"[$€£¥]|\b(?:USD|CAD|EUR|GBP)\b", re.IGNORECASE)


def parse_date(text: str) -> tuple[date, str]:
    """A calendar date and the name of the format it was read as."""
    value = text.strip()
    for fmt, label in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date(), label
        except ValueError:
            continue
    for fmt, label in TIMESTAMP_FORMATS:
        try:
            return datetime.strptime(value, fmt).date(), label
        except ValueError:
            continue
    raise ValueError(f"date {text!r} is not in a known format (use YYYY-MM-DD or MM/DD/YYYY)")


def parse_timestamp(text: str) -> tuple[datetime, str]:
    """A timestamp (naive, UTC by convention) and its format's name; a bare date becomes midnight."""
    value = text.strip().replace("Z", "")
    for fmt, label in TIMESTAMP_FORMATS:
        try:
            return datetime.strptime(value, fmt), label
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None), "ISO timestamp"
    except ValueError:
        pass
    day, label = parse_date(value)
    return datetime(day.year, day.month, day.day), label


def has_time_of_day(text: str) -> bool:
    """True when the text carries a clock time, not just a date."""
    return bool(re.search(r"\d{1,2}:\d{2}", text))


def parse_amount(text: str) -> Decimal:
    """An amount in dollars: accepts $, thousands separators, a leading minus or (parentheses) for negatives."""
    value = _CURRENCY.sub("", text).strip().replace(" ", "")
    negative = False
    if value.startswith("(") and value.endswith(")"):
        negative, value = True, value[1:-1].strip()
    if value.startswith("-"):
        negative, value = not negative, value[1:]
    if value.endswith("-"):  # some accounting exports write 25.00-
        negative, value = not negative, value[:-1]
    if value.count(",") and not re.fullmatch(r"\d{1,3}(,\d{3})*(\.\d+)?", value):
        raise ValueError(f"amount {text!r} has misplaced thousands separators")
    value = value.replace(",", "")
    if not re.fullmatch(r"\d+(\.\d{1,2})?|\.\d{1,2}", value):
        raise ValueError(f"amount {text!r} is not a number of dollars")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"amount {text!r} is not a number of dollars") from None
    return -amount if negative else amount


def parse_record_type(text: str) -> str:
    value = text.strip().upper()
    if value not in RECORD_TYPES:
        known = ", ".join(f"{k} ({v})" for k, v in RECORD_TYPES.items())
        raise ValueError(f"record type {text!r} is not one of {known}")
    return value


def decode_bytes(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read as: UTF-8 (with or without BOM), else Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "UTF-8 with BOM"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise ValueError("the file is not text (it contains NUL bytes); export it from DonorPerfect as CSV")
    try:
        return data.decode("cp1252"), "Windows-1252 (the file is not valid UTF-8)"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1 (the file is not valid UTF-8)"


def normalise_email(text: str | None) -> str | None:
    if text is None:
        return None
    value = text.strip().lower()
    return value or None
