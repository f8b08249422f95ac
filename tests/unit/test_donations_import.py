"""The CSV importer: recognised headers, every rejected row reported, nothing partial ever stored."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from cc_data.donations import columns
from cc_data.donations import imports as imports_module
from cc_data.donations.importer import ImportFileError, read_gift_file, read_headers
from cc_data.donations.imports import ImportRejected, import_gifts, saved_mapping_for
from cc_data.store.db import data_version, read, work_path

DP_HEADER = ("gift_id,donor_id,gift_date,created_date,amount,record_type,solicit_code,sub_solicit_code,"
             "campaign,gl_code,email,first_name,last_name,cc_contact_id")


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def gifts_in(db) -> list[tuple]:
    with read(db) as con:
        return con.execute("SELECT gift_id, donor_id, record_type, amount FROM gifts ORDER BY gift_id").fetchall()


GOOD = csv_bytes(
    DP_HEADER,
    "101,7,2024-12-02,2024-12-02 10:15:00,50.00,G,YE24,EM1,Year End,GEN,Ann@Example.org ,Ann,Lee,c-1",
    "102,7,12/03/2024,,\"$1,250.00\",G,YE24,,,,ann@example.org,Ann,Lee,",
    "103,8,1/4/25,,(25.00),A,,,,,,Bo,Diaz,",
)


def test_a_donorperfect_export_is_read_with_its_values(tmp_path):
    result = read_gift_file(GOOD, "gifts.csv")
    assert result.rejected == [] and result.rows_read == 3 and result.encoding == "UTF-8"
    first, second, third = result.gifts
    assert first["created_date"] == datetime(2024, 12, 2, 10, 15) and first["email"] == "ann@example.org"
    assert first["sub_solicit_code"] == "EM1" and first["cc_contact_id"] == "c-1"
    assert (second["gift_date"], second["amount"]) == (date(2024, 12, 3), Decimal("1250.00"))
    assert (third["gift_date"], third["amount"], third["record_type"]) == (date(2025, 1, 4), Decimal("-25.00"), "A")
    assert any("MM/DD/YYYY (1 rows)" in note and "ISO (YYYY-MM-DD) (1 rows)" in note for note in result.assumptions)
    assert any("two-digit years" in note for note in result.assumptions)


def test_common_header_variants_are_recognised():
    headers = ["Gift ID", "Donor #", "Gift Date", "Amount ($)", "Donor Email", "Solicit Code", "Record Type"]
    mapping = columns.recognise(headers)
    assert mapping == {"gift_id": "Gift ID", "donor_id": "Donor #", "gift_date": "Gift Date", "amount": "Amount ($)",
                       "email": "Donor Email", "solicit_code": "Solicit Code", "record_type": "Record Type"}
    assert columns.missing_required(mapping) == []


def test_every_rejected_row_is_reported_with_its_number_and_reason():
    data = csv_bytes(
        DP_HEADER,
        "1,7,2024-12-02,,10,G,,,,,a@x.org,,,",
        "2,7,2024-13-40,,10,G,,,,,a@x.org,,,",
        "3,7,2024-12-02,,ten dollars,G,,,,,a@x.org,,,",
        "4,7,,,,G,,,,,a@x.org,,,",
        "5,7,2024-12-02,,10,X,,,,,a@x.org,,,",
        "6,,2024-12-02,,10,G,,,,,,,,",
        "7,7,2024-12-02,,\"1,00,0\",G,,,,,a@x.org,,,",
        ",7,2024-12-02,,10,G,,,,,a@x.org,,,",
        "1,7,2024-12-02,,10,G,,,,,a@x.org,,,",
        "1,7,2024-12-02,,99,G,,,,,a@x.org,,,",
        "9,7,2024-12-02,yesterday,10,G,,,,,not-an-email,,,",
    )
    result = read_gift_file(data, "broken.csv")
    assert [str(issue) for issue in result.rejected] == [
        "row 3: gift_date: date '2024-13-40' is not in a known format (use YYYY-MM-DD or MM/DD/YYYY)",
        "row 4: amount: amount 'ten dollars' is not a number of dollars",
        "row 5: gift_date is empty; amount is empty",
        "row 6: record type 'X' is not one of G (gift), P (pledge), M (split-gift main record), S (soft credit), "
        "A (adjustment), H (adjustment history), C (gift adjusted to $0), J (split gift adjusted to $0)",
        "row 7: no donor_id or email, so the gift cannot be tied to a donor",
        "row 8: amount: amount '1,00,0' has misplaced thousands separators",
        "row 9: gift_id is empty",
        "row 11: gift_id 1 is also on row 2 with different values",
        "row 12: created_date: date 'yesterday' is not in a known format (use YYYY-MM-DD or MM/DD/YYYY); "
        "email 'not-an-email' is not an email address",
    ]
    assert [str(issue) for issue in result.duplicates] == ["row 10: duplicate of row 2 (gift_id 1)"]
    assert [g["gift_id"] for g in result.gifts] == ["1"]
    assert result.report()["rows_rejected"] == 9 and result.report()["duplicates_skipped"] == 1


def test_missing_required_columns_import_nothing(tmp_path):
    db = tmp_path / "cc.duckdb"
    data = csv_bytes("gift_id,donor_id,amount", "1,7,10")
    with pytest.raises(ImportFileError, match=r"no column for gift_date; nothing was imported"):
        import_gifts(db, data, "short.csv")
    assert not db.exists()
    no_donor = csv_bytes("gift_id,gift_date,amount", "1,2024-01-01,10")
    with pytest.raises(ImportFileError, match="no column for donor_id or email"):
        read_gift_file(no_donor, "x.csv")


@pytest.mark.parametrize(
    ("encoding", "prefix", "label"),
    [("utf-8", b"", "UTF-8"), ("utf-8", b"\xef\xbb\xbf", "UTF-8 with BOM"),
     ("latin-1", b"", "Windows-1252 (the file is not valid UTF-8)")],
)
def test_encodings(encoding, prefix, label):
    data = prefix + csv_bytes("Gift ID,Donor ID,Gift Date,Amount,First Name", "1,7,2024-01-01,10,Zoë Ñúñez",
                              encoding=encoding)
    result = read_gift_file(data, "enc.csv")
    assert result.encoding == label and result.mapping["gift_id"] == "Gift ID"
    assert result.gifts[0]["first_name"] == "Zoë Ñúñez"


def test_a_binary_file_is_refused():
    with pytest.raises(ImportFileError, match="is not a CSV text file"):
        read_gift_file(b"PK\x03\x04\x00\x00\xff\xfe\x00", "gifts.xlsx")


def test_reimporting_the_same_or_an_overlapping_file_never_duplicates(tmp_path):
    db = tmp_path / "cc.duckdb"
    import_gifts(db, GOOD, "gifts.csv")
    import_gifts(db, GOOD, "gifts.csv")
    overlap = csv_bytes(DP_HEADER, "103,8,1/4/25,,(30.00),A,,,,,,Bo,Diaz,", "104,8,1/5/25,,5,G,,,,,,Bo,Diaz,")
    import_gifts(db, overlap, "later.csv")
    assert gifts_in(db) == [("101", "7", "G", Decimal("50.00")), ("102", "7", "G", Decimal("1250.00")),
                            ("103", "8", "A", Decimal("-30.00")), ("104", "8", "G", Decimal("5.00"))]
    with read(db) as con:
        assert con.execute("SELECT count(*) FROM donation_imports").fetchone()[0] == 3
        donors = con.execute("SELECT donor_id, email, cc_contact_id, first_name FROM donors ORDER BY 1").fetchall()
    assert donors == [("7", "ann@example.org", "c-1", "Ann"), ("8", None, None, "Bo")]


def test_files_without_gift_id_use_a_stable_composite_key(tmp_path):
    db = tmp_path / "cc.duckdb"
    data = csv_bytes("Donor Email,Gift Date,Amount", "a@x.org,2024-01-01,10", "a@x.org,2024-01-01,10",
                     "b@x.org,2024-01-02,5")
    result, _ = import_gifts(db, data, "nokey.csv")
    assert result.duplicates == [] and len(result.gifts) == 3  # two equal gifts on one day are two gifts
    assert any("keyed on donor, date, amount" in note for note in result.assumptions)
    import_gifts(db, data, "nokey.csv")
    rows = gifts_in(db)
    assert len(rows) == 3 and {r[1] for r in rows} == {"email:a@x.org", "email:b@x.org"}


def test_strict_mode_imports_nothing_when_a_row_is_rejected(tmp_path):
    db = tmp_path / "cc.duckdb"
    import_gifts(db, GOOD, "gifts.csv")
    before = data_version(db)
    bad = csv_bytes(DP_HEADER, "200,7,2024-12-02,,10,G,,,,,,,,", "201,7,someday,,10,G,,,,,,,,")
    with pytest.raises(ImportRejected, match=r"1 rows rejected, so nothing was imported \(first: row 3: gift_date"):
        import_gifts(db, bad, "bad.csv", strict=True)
    assert data_version(db) == before and len(gifts_in(db)) == 3


def test_a_failure_while_storing_leaves_nothing_partial(tmp_path, monkeypatch):
    db = tmp_path / "cc.duckdb"
    import_gifts(db, GOOD, "gifts.csv")
    before = data_version(db)

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports_module, "upsert_donors", explode)
    more = csv_bytes(DP_HEADER, "300,9,2024-12-02,,10,G,,,,,,,,")
    with pytest.raises(RuntimeError, match="disk full"):
        import_gifts(db, more, "more.csv")
    assert data_version(db) == before and len(gifts_in(db)) == 3
    monkeypatch.undo()
    import_gifts(db, csv_bytes(DP_HEADER, "301,9,2024-12-02,,10,G,,,,,,,,"), "next.csv")  # resumes the copy
    assert [g[0] for g in gifts_in(db)] == ["101", "102", "103", "301"]
    assert not work_path(db).exists()


def test_an_explicit_mapping_is_used_and_remembered(tmp_path):
    db = tmp_path / "cc.duckdb"
    data = csv_bytes("Ref,Who,When,Gift ($),Appeal", "9,7,2024-02-03,20,SP25")
    with pytest.raises(ImportFileError, match="no column for gift_date, amount, donor_id or email"):
        read_gift_file(data, "odd.csv")
    mapping = {"gift_id": "Ref", "donor_id": "Who", "gift_date": "When", "amount": "Gift ($)"}
    result, _ = import_gifts(db, data, "odd.csv", mapping, remember_mapping_as="odd")
    assert result.gifts[0]["solicit_code"] == "SP25" and gifts_in(db) == [("9", "7", "G", Decimal("20.00"))]
    assert saved_mapping_for(db, read_headers(data)) == {**mapping, "solicit_code": "Appeal"}
    assert saved_mapping_for(db, ["Other"]) is None
    with pytest.raises(ImportFileError, match="names column 'Nope', which is not in the file"):
        read_gift_file(data, "odd.csv", {"amount": "Nope"})
