"""Spreadsheet-safe downloads of attributed gifts: text cells neutralised, numbers (refunds) left alone."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
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
    rows = list(csv.DictReader(io.StringIO(export.to_csv_bytes(gifts_frame()).decode("utf-8-sig"))))
    assert [r["Amount"] for r in rows] == ["120.0", "-25.5", "-0.01"]
    assert [r["Exact amount"] for r in rows] == ["120.00", "-25.50", "-0.01"]
    assert [r["Refund count"] for r in rows] == ["0", "-1", "-2"]
    assert [r["Gift date"] for r in rows] == ["2025-12-01", "2025-12-02", "2025-12-03"]
    assert rows[0]["Donor name"] == '\'=HYPERLINK("http://evil.example","click")'
    assert [r["Donor name"] for r in rows[1:]] == ["Pat Lee", "'+Sam"]
    assert [r["Tier"] for r in rows] == ["click", "unattributed", "'@coded"]   # categorical text too
    assert [r["Gift ID"] for r in rows] == ["g1", "g2", "'-3"]                  # a text id is text, not a number


def test_csv_opens_in_excel_with_accents_words_for_headers_and_plain_times() -> None:
    people = pl.DataFrame({"email": ["noemie@x.org"], "first_name": ["Noémie"], "permission_to_send": ["implicit"],
                           "last_engaged_at": [datetime(2025, 3, 4, 14, 5, 33, 120000)]})
    data = export.to_csv_bytes(people)
    assert data.startswith(b"\xef\xbb\xbf")   # the byte-order mark Excel needs to read UTF-8
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [{"Email address": "noemie@x.org", "First name": "Noémie", "Permission to send": "implicit",
                     "Last engaged": "2025-03-04 14:05"}]


def test_excel_file_states_what_the_list_is_and_how_many_rows() -> None:
    people = pl.DataFrame({"email": ["a@x.org", "b@x.org", "c@x.org"],
                           "permission_to_send": ["implicit", "explicit", "unsubscribed"]})
    book = openpyxl_free_read(export.to_excel_bytes(people, about={"List": "Lapsed", "Data as of": "2025-12-01"}))
    assert book["About this list"] == [["About", "Value"], ["List", "Lapsed"], ["Data as of", "2025-12-01"], ["Rows", "2"]]
    assert book["Contacts"][0] == ["Email address", "Permission to send"] and len(book["Contacts"]) == 3


def openpyxl_free_read(data: bytes) -> dict[str, list[list[str]]]:
    """The cell text of each sheet of an .xlsx (shared strings), read with the standard library."""
    import re
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        strings = [re.sub(r"<[^>]+>", "", si) for si in re.findall(r"<si>(.*?)</si>", z.read("xl/sharedStrings.xml").decode())]
        names = re.findall(r'<sheet name="([^"]+)"', z.read("xl/workbook.xml").decode())
        sheets = {}
        for n, name in enumerate(names, start=1):
            xml = z.read(f"xl/worksheets/sheet{n}.xml").decode()
            sheets[name] = [[strings[int(v)] if t == "s" else v for t, v in re.findall(r'<c r="[A-Z]+\d+"(?: s="\d+")?(?: t="(\w+)")?><v>([^<]*)</v>', row)]
                            for row in re.findall(r"<row [^>]*>(.*?)</row>", xml)]
    return sheets


def test_gifts_file_name_says_what_window_and_date() -> None:
    assert export.gifts_filename(48, date(2026, 11, 24)) == "attributed-gifts-48h-2026-11-24.csv"
    assert export.gifts_filename(168.0, date(2025, 1, 2)) == "attributed-gifts-168h-2025-01-02.csv"
    assert export.gifts_filename(72, date(2025, 1, 2), "xlsx") == "attributed-gifts-72h-2025-01-02.xlsx"


def test_excel_writes_money_as_currency_with_two_decimals() -> None:
    """Money came out as "#,##0.000": three decimals and no currency."""
    import re
    import zipfile

    gifts = gifts_frame().with_columns(lifetime_giving=pl.lit(1234.5))
    with zipfile.ZipFile(io.BytesIO(export.to_excel_bytes(gifts, "Gifts"))) as z:
        styles, sheet = z.read("xl/styles.xml").decode(), z.read("xl/worksheets/sheet1.xml").decode()
    formats = dict(re.findall(r'<numFmt numFmtId="(\d+)" formatCode="([^"]+)"/>', styles))
    cell_formats = re.findall(r'<xf numFmtId="(\d+)"', re.search(r"<cellXfs.*?</cellXfs>", styles).group(0))
    header = re.search(r'<row r="1".*?</row>', sheet).group(0)
    second = re.search(r'<row r="2".*?</row>', sheet).group(0)
    book = openpyxl_free_read(export.to_excel_bytes(gifts, "Gifts"))
    for name in ("Amount", "Exact amount", "Lifetime giving"):
        column = "ABCDEFGH"[book["Gifts"][0].index(name)]
        style = re.search(rf'<c r="{column}2" s="(\d+)"', second).group(1)
        assert formats[cell_formats[int(style)]] == "$#,##0.00;-$#,##0.00", name
        assert re.search(rf'<c r="{column}2" s="\d+"><v>', second), "a number, not text"
    assert header
