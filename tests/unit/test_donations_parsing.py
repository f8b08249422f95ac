"""Amounts, dates and record types as people and DonorPerfect write them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from cc_data.donations.parsing import parse_amount, parse_date, parse_record_type, parse_timestamp


@pytest.mark.parametrize(
    ("text", "amount"),
    [("50", "50"), ("$1,250.00", "1250.00"), ("1,234,567.5", "1234567.5"), ("(25.00)", "-25.00"),
     ("-$10", "-10"), ("$ (1,000.00)", "-1000.00"), ("25.00-", "-25.00"), ("USD 12.5", "12.5"), (".99", ".99"),
     ("€3", "3")],
)
def test_amounts(text, amount):
    assert parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize("text", ["ten", "1.234", "12,34", "1,2345.00", "$", "--5", "1e3"])
def test_bad_amounts(text):
    with pytest.raises(ValueError, match="amount"):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "day", "label"),
    [("2024-12-02", date(2024, 12, 2), "ISO (YYYY-MM-DD)"), ("12/02/2024", date(2024, 12, 2), "MM/DD/YYYY"),
     ("1/4/25", date(2025, 1, 4), "M/D/YY (two-digit year, 20YY)"), ("03-Feb-2024", date(2024, 2, 3), "DD-Mon-YYYY"),
     ("12/02/2024 10:15:00 AM", date(2024, 12, 2), "MM/DD/YYYY HH:MM:SS AM/PM")],
)
def test_dates(text, day, label):
    assert parse_date(text) == (day, label)


@pytest.mark.parametrize("text", ["2024-02-30", "13/01/2024", "next tuesday"])
def test_bad_dates(text):
    with pytest.raises(ValueError, match="not in a known format"):
        parse_date(text)


def test_timestamps():
    assert parse_timestamp("12/02/2024 3:05 PM")[0] == datetime(2024, 12, 2, 15, 5)
    assert parse_timestamp("2024-12-02T10:15:00Z")[0] == datetime(2024, 12, 2, 10, 15)


def test_record_types():
    assert parse_record_type(" g ") == "G"
    # DonorPerfect's gift adjustment writes A (the original), H (the change) and G, C or J (the result)
    assert [parse_record_type(t) for t in ("A", "h", "C", "J")] == ["A", "H", "C", "J"]
    with pytest.raises(ValueError, match="record type 'Q'"):
        parse_record_type("Q")
