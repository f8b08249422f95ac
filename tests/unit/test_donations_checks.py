"""An import lists what must be confirmed before it stores anything: gifts of $0 or less, amounts far outside the
file's and the donor's usual range; and says when the file names a stored donor differently."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from cc_data.donations import checks
from cc_data.donations.importer import read_gift_file
from cc_data.donations.imports import AmountsToConfirm, import_gifts, review
from cc_data.store.db import data_version, read

HEADER = "gift_id,donor_id,gift_date,amount,record_type,email,first_name,last_name"


def history_file() -> bytes:
    """60 ordinary gifts ($25 to $1,000) from 20 donors; donor D-major has given $400,000 before."""
    rows = [HEADER]
    for n in range(60):
        amount = (25, 50, 100, 250, 1000)[n % 5]
        rows.append(f"h{n},D{n % 20},2025-0{1 + n % 9}-15,{amount},G,d{n % 20}@example.org,Donor,{n % 20}")
    rows.append("h-major,D-major,2025-06-01,400000,G,major@example.org,Mae,Jor")
    rows.append("h-ann,D-ann,2025-06-01,50,G,ann@example.org,Ann,Lee")
    return ("\n".join(rows) + "\n").encode()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cc.duckdb"
    import_gifts(path, history_file(), "history.csv", accept_outliers=True)   # its $400,000 gift: confirmed
    return path


def gift_ids(db: Path) -> set[str]:
    with read(db) as con:
        return {row[0] for row in con.execute("SELECT gift_id FROM gifts").fetchall()}


NEW = (f"{HEADER}\n"
       "n1,D3,2026-12-01,50,G,d3@example.org,Donor,3\n"
       "n2,D4,2026-12-01,1000000,G,d4@example.org,Donor,4\n"
       "n3,D5,2026-12-02,-50,G,d5@example.org,Donor,5\n"
       "n4,D6,2026-12-02,-25,A,d6@example.org,Donor,6\n"
       "n5,D-major,2026-12-03,1000000,G,major@example.org,Mae,Jor\n").encode()


def test_a_million_dollar_gift_and_a_negative_gift_stop_the_import(db: Path) -> None:
    """The import took both without a word; Giving this year went from $434,942 to $1,434,942."""
    before, version = gift_ids(db), data_version(db)
    with pytest.raises(AmountsToConfirm) as refused:
        import_gifts(db, NEW, "december.csv")
    message = str(refused.value)
    assert "\n" not in message and "nothing was imported" in message and "--accept-outliers" in message
    assert "row 3: $1,000,000.00 (far above the usual range" in message
    assert "row 4: -$50.00 (a negative gift" in message
    assert "row 5" not in message                  # an adjustment (A) is negative by nature
    assert "row 6" not in message                  # D-major's own earlier gifts reach that far
    assert gift_ids(db) == before and data_version(db) == version


def test_confirmed_amounts_are_imported_and_named_in_the_report(db: Path) -> None:
    result, import_id = import_gifts(db, NEW, "december.csv", accept_outliers=True)
    assert {"n1", "n2", "n3", "n4", "n5"} <= gift_ids(db)
    assert [item.row for item in result.to_confirm] == [3, 4]
    with read(db) as con:
        report = con.execute("SELECT report->>'amounts_confirmed' FROM donation_imports WHERE import_id = ?",
                             [import_id]).fetchone()[0]
    assert "$1,000,000.00" in report and "-$50.00" in report
    assert "confirmed row 3: $1,000,000.00" in result.summary()


def test_the_usual_range_is_unknown_with_too_few_gifts(tmp_path: Path) -> None:
    """A first small file says nothing about the range: only the gift of $0 or less is listed."""
    small = f"{HEADER}\na,D1,2026-12-01,50,G,,,\nb,D2,2026-12-01,1000000,G,,,\nc,D3,2026-12-01,0,G,,,\n".encode()
    found, usual = checks.amounts_to_confirm(None, read_gift_file(small, "small.csv").frame)
    assert [item.gift_id for item in found] == ["c"] and usual.high is None
    assert "unknown" in usual.describe()


def test_the_usual_range_is_around_the_median_so_one_wrong_amount_cannot_move_it() -> None:
    amounts = [float(a) for a in range(1, 100)]
    usual = checks.usual_range(pl.Series(amounts))
    assert (usual.low, usual.high) == (0.5, 50_000.0)       # a hundredth and a thousand times the median, $50
    assert checks.usual_range(pl.Series([*amounts, 1e9])).high == pytest.approx(50_500.0)


def test_a_file_naming_a_stored_donor_differently_says_so(db: Path) -> None:
    renamed = (f"{HEADER}\n"
               "r1,D-ann,2026-12-01,60,G,ann.smith@example.org,Ann,Smith\n"
               "r2,D-ann,2026-12-02,40,G,ANN@example.org , ann,  Lee\n").encode()   # case and spaces: the same
    result, import_id = import_gifts(db, renamed, "renamed.csv")
    said = [str(item) for item in result.donor_differences]
    assert said == [
        "donor D-ann: the file's last name 'Smith' differs from the stored 'Lee'; the stored donor was kept",
        "donor D-ann: the file's email 'ann.smith@example.org' differs from the stored 'ann@example.org'; "
        "the stored donor was kept",
    ]
    assert "differs: donor D-ann" in result.summary()
    with read(db) as con:
        assert con.execute("SELECT last_name, email FROM donors WHERE donor_id = 'D-ann'").fetchone() == (
            "Lee", "ann@example.org")
        assert "Smith" in con.execute("SELECT report->>'donor_differences' FROM donation_imports "
                                      "WHERE import_id = ?", [import_id]).fetchone()[0]


def test_review_reads_nothing_it_is_not_given() -> None:
    result = review(None, read_gift_file(NEW, "december.csv"))
    assert [item.row for item in result.to_confirm] == [4] and result.donor_differences == []


def test_the_command_refuses_with_exit_2_and_one_line(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from cc_data.cli import main

    csv = tmp_path / "december.csv"
    csv.write_bytes(NEW)
    monkeypatch.setenv("CC_DB_PATH", str(db))
    monkeypatch.setenv("CC_TOKEN_FILE", str(tmp_path / "tokens.json"))
    monkeypatch.delenv("CONSTANT_CONTACT_CLIENT_ID", raising=False)
    before = gift_ids(db)
    assert main(["donations", "import", str(csv)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("cc-data: december.csv: 2 amounts to confirm")
    assert gift_ids(db) == before
    assert main(["donations", "import", str(csv), "--accept-outliers"]) == 0
    assert "n2" in gift_ids(db)
