"""Spreadsheet-safe downloads of attributed gifts: text cells neutralised, numbers (refunds) left alone."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import polars as pl

from cc_data.analytics import export


def gifts_frame() -> pl.DataFrame:
    return pl.DataFrame({
        "gift_id": ["g1", "g2", "-3"],
        "donor_name": ['=HYPERLINK("http://evil.example","click")', "Pat Lee", "+Sam"],
        "tier": pl.Series(["click", "unattributed", "@coded"], dtype=pl.Categorical),
        "amount": [120.0, -25.5, -0.01],
        "exact_amount": pl.Series([Decimal("120.00"), Decimal("-25.50"), Decimal("-0.01")],
                                  dtype=pl.Decimal(14, 2)),
        "refund_count": [0, -1, -2],
        "gift_date": [date(2025, 12, 1), date(2025, 12, 2), date(2025, 12, 3)],
    })


def test_negative_amounts_survive_and_formula_text_is_neutralised() -> None:
    rows = list(csv.DictReader(io.StringIO(export.to_csv_bytes(gifts_frame()).decode("utf-8"))))
    assert [r["amount"] for r in rows] == ["120.0", "-25.5", "-0.01"]
    assert [r["exact_amount"] for r in rows] == ["120.00", "-25.50", "-0.01"]
    assert [r["refund_count"] for r in rows] == ["0", "-1", "-2"]
    assert [r["gift_date"] for r in rows] == ["2025-12-01", "2025-12-02", "2025-12-03"]
    assert rows[0]["donor_name"] == '\'=HYPERLINK("http://evil.example","click")'
    assert [r["donor_name"] for r in rows[1:]] == ["Pat Lee", "'+Sam"]
    assert [r["tier"] for r in rows] == ["click", "unattributed", "'@coded"]   # categorical text too
    assert [r["gift_id"] for r in rows] == ["g1", "g2", "'-3"]                  # a text id is text, not a number


def test_gifts_file_name_says_what_window_and_date() -> None:
    assert export.gifts_filename(48, date(2026, 11, 24)) == "attributed-gifts-48h-2026-11-24.csv"
    assert export.gifts_filename(168.0, date(2025, 1, 2)) == "attributed-gifts-168h-2025-01-02.csv"
    assert export.gifts_filename(72, date(2025, 1, 2), "xlsx") == "attributed-gifts-72h-2025-01-02.xlsx"
