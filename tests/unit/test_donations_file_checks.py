"""Broken gift files are rejected, row by row or as a whole, never imported silently wrong."""

from __future__ import annotations

import random
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal

import pytest

from cc_data.donations import importer as importer_module
from cc_data.donations.importer import ImportFileError, read_gift_file
from cc_data.donations.imports import import_gifts
from cc_data.store.db import read

HEADER = "gift_id,donor_id,gift_date,amount,last_name,solicit_code"


def csv_bytes(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


def rejected(result) -> dict[int, str]:
    return {issue.row: issue.reason for issue in result.rejected}


def test_a_row_cut_short_is_rejected_not_imported():
    data = csv_bytes(HEADER, "1,7,2024-01-02,10.00,Lee,YE24", "2,7,2024-01-03,250.00,Lee,YE24")
    cut = data[: data.rindex(b"250") + 1]  # the file ends in the middle of its last row: amount '2', no codes
    result = read_gift_file(cut, "cut.csv")
    assert [g["gift_id"] for g in result.gifts] == ["1"]
    assert list(rejected(result)) == [3] and "has 4 cells but the header has 6" in rejected(result)[3]


def test_an_unquoted_comma_rejects_the_row_instead_of_shifting_its_cells():
    data = csv_bytes(HEADER, "1,7,2024-01-02,10,\"Smith, Jr.\",YE24", "2,7,2024-01-02,10,Smith, Jr.,YE24")
    result = read_gift_file(data, "comma.csv")
    assert [(g["last_name"], g["solicit_code"]) for g in result.gifts] == [("Smith, Jr.", "YE24")]
    assert list(rejected(result)) == [3]
    assert "has 7 cells but the header has 6" in rejected(result)[3] and "quote" in rejected(result)[3]


def test_amounts_too_large_to_store_are_rejected_per_row(tmp_path):
    db = tmp_path / "cc.duckdb"
    data = csv_bytes(HEADER, "1,7,2024-01-02,99999999999999999,Lee,", "2,7,2024-01-02,1000000000000.00,Lee,",
                     "3,7,2024-01-02,999999999999.99,Lee,", "4,7,2024-01-02,-1000000000000,Lee,")
    result, _ = import_gifts(db, data, "big.csv")
    assert sorted(rejected(result)) == [2, 3, 5]
    assert all("largest amount stored" in reason for reason in rejected(result).values())
    with read(db) as con:
        assert con.execute("SELECT gift_id, amount FROM gifts").fetchall() == [("3", Decimal("999999999999.99"))]


@pytest.mark.parametrize(
    ("body", "line"),
    [("1,7,2024-01-02,10,\"Lee,YE24\r\n2,7,2024-01-02,10,Lee,YE24", 2),     # never closed: runs to the end
     ("1,7,2024-01-02,10,Lee,YE24\r\n2,7,2024-01-02,10,\"Lee\" Jr,YE24", 3)],  # text after the closing quote
)
def test_broken_quotes_stop_the_import_in_one_line_naming_the_line(tmp_path, body, line):
    db = tmp_path / "cc.duckdb"
    with pytest.raises(ImportFileError, match=r"^quotes\.csv line \d+: .*nothing was imported") as err:
        import_gifts(db, csv_bytes(HEADER, body), "quotes.csv")
    assert "\n" not in str(err.value) and f"line {line}" in str(err.value)
    assert not db.exists()


def test_control_characters_reject_the_row():
    data = csv_bytes(HEADER, "1,7,2024-01-02,10,Le\x00e,YE24", "2,7,2024-01-02,10,Lee,Y\x07E", "3,7,2024-01-02,10,Lee,")
    result = read_gift_file(data, "nul.csv")
    assert [g["gift_id"] for g in result.gifts] == ["3"]
    assert "last_name contains a control character (U+0000)" in rejected(result)[2]
    assert "solicit_code contains a control character (U+0007)" in rejected(result)[3]


def test_dates_outside_1950_to_a_year_from_today_are_rejected():
    today = date(2026, 3, 1)
    latest = today + timedelta(days=366)
    data = csv_bytes(HEADER, "1,7,1899-12-30,10,Lee,", "2,7,9999-12-31,10,Lee,", "3,7,1949-12-31,10,Lee,",
                     "4,7,1950-01-01,10,Lee,", f"5,7,{latest},10,Lee,", f"6,7,{latest + timedelta(days=1)},10,Lee,",
                     "7,7,1/4/60,10,Lee,")   # two-digit 60 is 2060
    result = read_gift_file(data, "dates.csv", today=today)
    assert [g["gift_id"] for g in result.gifts] == ["4", "5"]
    assert sorted(rejected(result)) == [2, 3, 4, 7, 8]
    assert "before 1950-01-01" in rejected(result)[2] and "more than a year after today" in rejected(result)[3]
    created = csv_bytes("gift_id,donor_id,gift_date,created_date,amount", "1,7,2024-01-02,1899-12-30 00:00,10")
    assert "created_date: date 1899-12-30 is before 1950-01-01" in rejected(read_gift_file(created, "c.csv"))[2]


def test_the_real_today_bounds_the_dates_by_default():
    data = csv_bytes(HEADER, "1,7,1899-12-30,10,Lee,", "2,7,9999-12-31,10,Lee,", f"3,7,{date.today()},10,Lee,")
    result = read_gift_file(data, "dates.csv")
    assert sorted(rejected(result)) == [2, 3] and [g["gift_id"] for g in result.gifts] == ["3"]


@pytest.mark.parametrize(
    "data",
    [random.Random(3).randbytes(5000).replace(b"\x00", b"\x01"),  # binary with no NUL byte
     b"\xff\xfe" + "gift_id,amount\r\n".encode("utf-16-le") + b"\x00\xd8\x41\x00",  # UTF-16 with a lone surrogate
     b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4],
)
def test_a_binary_or_undecodable_file_is_not_a_csv_text_file(data):
    with pytest.raises(ImportFileError) as err:
        read_gift_file(data, "gifts.csv")
    message = str(err.value)
    assert "gifts.csv is not a CSV text file" in message and "\n" not in message and "codec" not in message


def test_reading_a_file_keeps_memory_near_its_size(monkeypatch):
    monkeypatch.setattr(importer_module, "CHUNK_ROWS", 1_000, raising=False)
    lines = [HEADER] + [f"{i},{i % 900},2024-{1 + i % 12:02d}-{1 + i % 28:02d},{i % 500}.25,Donor {i},C{i % 7}"
                        for i in range(1, 10_001)]
    data = csv_bytes(*lines)
    read_gift_file(csv_bytes(*lines[:50]), "warm.csv")  # libraries load lazily on first use: not the file's cost
    tracemalloc.start()
    try:
        result = read_gift_file(data, "big.csv")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(result.gifts) == 10_000 and result.rejected == []
    assert peak < 6 * len(data), f"peak Python allocations {peak:,} bytes for a {len(data):,}-byte file"


@pytest.mark.parametrize(("bom", "codec"), [(b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le")])
def test_undecodable_bytes_late_in_a_file_name_their_line(bom, codec):
    good = "\r\n".join([HEADER] + [f"{i},7,2024-01-02,10,Lee," for i in range(1, 5_000)]) + "\r\n"
    broken = b"\xff\xfe" if codec == "utf-8" else b"\x00\xd8\x41\x00"  # not UTF-8; a lone UTF-16 surrogate
    with pytest.raises(ImportFileError) as err:
        read_gift_file(bom + good.encode(codec) + broken, "late.csv")
    assert str(err.value).startswith("late.csv is not a CSV text file (line 5001: bytes that cannot be read as UTF-")
    assert "codec" not in str(err.value)
