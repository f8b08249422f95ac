"""Turning the text of a gift export into values: dates, amounts, record types, encodings.

Each parser returns the value or raises ValueError with a reason a person can act on; the importer
turns those reasons into its per-row report.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import io
import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

RECORD_TYPES = {
    "G": "gift",
    "P": "pledge",
    "M": "split-gift main record",
    "S": "soft credit",
    "A": "adjustment",
    "H": "adjustment history",
    "C": "gift adjusted to $0",
    "J": "split gift adjusted to $0",
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
# gifts.amount is DECIMAL(14, 2): anything larger cannot be stored (and would become NULL, or fail the import).
MAX_AMOUNT = Decimal("999999999999.99")
EARLIEST_DATE = date(1950, 1, 1)
# C0 controls (tab, CR and LF too: no gift field spans lines), DEL and C1 controls (mis-decoded bytes).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SNIFF_CHARS = 65_536
_ISO_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?")
_CURRENCY = re.compile(r"[$€£¥]|\b(?:USD|CAD|EUR|GBP)\b", re.IGNORECASE)


@functools.lru_cache(maxsize=8192)  # an export repeats the same few hundred dates; strptime is slow
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
    if _ISO_STAMP.fullmatch(value):  # the common case, read as the first ISO formats below would, only faster
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(value), "ISO timestamp"
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
    if amount > MAX_AMOUNT:
        raise ValueError(f"amount {text!r} is larger than {MAX_AMOUNT:,}, the largest amount stored; check the value")
    return -amount if negative else amount


def check_plausible_date(day: date, today: date) -> None:
    """Gift dates from 1950-01-01 to a year after today; others are typos or placeholders (1899-12-30, 9999)."""
    if day < EARLIEST_DATE:
        raise ValueError(f"date {day.isoformat()} is before {EARLIEST_DATE.isoformat()}; check the value")
    latest = today + timedelta(days=366)
    if day > latest:
        raise ValueError(f"date {day.isoformat()} is more than a year after today ({today.isoformat()}); check the value")


def control_character(text: str) -> str | None:
    """The first control character in a cell (as U+XXXX), or None; a text export has none inside a value."""
    found = _CONTROL.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def parse_record_type(text: str) -> str:
    value = text.strip().upper()
    if value not in RECORD_TYPES:
        known = ", ".join(f"{k} ({v})" for k, v in RECORD_TYPES.items())
        raise ValueError(f"record type {text!r} is not one of {known}")
    return value


class NotText(ValueError):
    """The bytes are not a text file (binary, or undecodable in the encoding they claim)."""


def sniff_encoding(data: bytes) -> tuple[str, str]:
    """(codec, label) of a file: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252/Latin-1.

    Checks the bytes without building the file's text. Raises NotText for a binary file.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        codec, label = "utf-8-sig", "UTF-8 with BOM"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec, label = "utf-16", "UTF-16"
    elif _undecodable_at(data, "utf-8") is None:
        codec, label = "utf-8", "UTF-8"
    elif b"\x00" in data:
        raise NotText("it has NUL bytes and is not UTF-8")
    elif _undecodable_at(data, "cp1252") is None:
        codec, label = "cp1252", "Windows-1252 (the file is not valid UTF-8)"
    else:
        codec, label = "latin-1", "Latin-1 (the file is not valid UTF-8)"
    bom = {"utf-8-sig": ("utf-8", 3), "utf-16": ("utf-16-le" if data.startswith(b"\xff\xfe") else "utf-16-be", 2)}
    if codec in bom and (offset := _undecodable_at(memoryview(data)[bom[codec][1]:], bom[codec][0])) is not None:
        line = data.count(b"\n", 0, offset + bom[codec][1]) + 1
        raise NotText(f"line {line}: bytes that cannot be read as {label}")
    try:
        sample = text_stream(data, codec).read(_SNIFF_CHARS)
    except UnicodeDecodeError:
        raise NotText(f"its bytes cannot be read as {label}") from None
    controls = len(_CONTROL.findall(sample)) - sample.count("\n") - sample.count("\r") - sample.count("\t")
    if controls > max(2, len(sample) // 100):
        raise NotText("it is mostly control characters, so it is binary")
    return codec, label


def text_stream(data: bytes, codec: str) -> io.TextIOWrapper:
    """The file's text, decoded as it is read (BytesIO shares the bytes; no copy of the whole text)."""
    return io.TextIOWrapper(io.BytesIO(data), encoding=codec, newline="")


def _undecodable_at(data: bytes | memoryview, codec: str, chunk: int = 1 << 20) -> int | None:
    """The byte offset (to within a few bytes) of the first bytes `codec` cannot decode, or None."""
    decoder = codecs.getincrementaldecoder(codec)()
    view = memoryview(data)
    for start in range(0, len(data), chunk):
        try:
            decoder.decode(view[start:start + chunk], final=start + chunk >= len(data))
        except UnicodeDecodeError as err:
            return start + max(err.start, 0)
    return None


def normalise_email(text: str | None) -> str | None:
    if text is None:
        return None
    value = text.strip().lower()
    return value or None
