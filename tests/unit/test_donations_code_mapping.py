"""The editable gift code -> campaign mapping, and the CLI over the importer."""

from __future__ import annotations

import polars as pl
import pytest

from cc_data import cli
from cc_data.donations.code_mapping import MappingError, code_mapping, gift_codes, save_code_mapping
from cc_data.store.db import data_version, read, writer


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "cc.duckdb"
    with writer(path) as w:
        w.con.execute("INSERT INTO campaigns (campaign_id, name) VALUES ('K1', 'Year-End'), ('K2', 'Spring')")
        w.con.execute(
            "INSERT INTO gifts (gift_id, donor_id, record_type, amount, solicit_code, gl_code) VALUES "
            "('1', 'D', 'G', 10, 'YE24', 'GEN'), ('2', 'D', 'G', 5, ' ye24', NULL), ('3', 'D', 'P', 99, 'PL', NULL)"
        )
        w.con.execute("INSERT INTO gift_code_campaigns VALUES ('solicit_code', 'YE24', 'K1')")
    return path


def rows(*triples):
    return pl.DataFrame(list(triples), schema=["code_field", "code", "campaign_id"], orient="row")


def test_gift_codes_lists_codes_on_revenue_gifts_with_their_mapping(db):
    with read(db) as con:
        codes = gift_codes(con).to_dicts()
    assert codes == [
        {"code_field": "solicit_code", "code": "YE24", "gifts": 2, "revenue": 15.0, "campaign_id": "K1"},
        {"code_field": "gl_code", "code": "GEN", "gifts": 1, "revenue": 10.0, "campaign_id": None},
    ]


def test_saving_replaces_the_mapping(db):
    saved = save_code_mapping(db, rows(("gl_code", " GEN ", "K2"), ("solicit_code", "YE24", "K1"), (None, None, None)))
    assert saved == 2
    with read(db) as con:
        assert code_mapping(con).rows() == [("gl_code", "GEN", "K2"), ("solicit_code", "YE24", "K1")]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (rows(("fund", "X", "K1")), "Mapping row 1: the code field must be one of"),
        (rows(("gl_code", "GEN", "K1"), ("gl_code", "", "K1")), "Mapping row 2: the code is empty"),
        (rows(("gl_code", "GEN", "K9")), "Mapping row 1: choose a campaign for code 'GEN'"),
        (rows(("gl_code", "GEN", "K1"), ("gl_code", "gen", "K2")), "Code 'GEN' \\(gl_code\\) is mapped twice"),
    ],
)
def test_a_bad_mapping_is_refused_and_nothing_changes(db, bad, message):
    before = data_version(db)
    with pytest.raises(MappingError, match=message):
        save_code_mapping(db, bad)
    assert data_version(db) == before


def test_cli_import_prints_the_report_and_exits_nonzero_on_rejected_rows(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CC_DB_PATH", str(tmp_path / "cc.duckdb"))
    monkeypatch.chdir(tmp_path)
    good = tmp_path / "gifts.csv"
    good.write_text("Gift ID,Donor ID,Gift Date,Amount\n1,7,2024-01-02,10\n2,7,not a date,5\n", encoding="utf-8")
    assert cli.main(["donations", "import", str(good)]) == 1
    out = capsys.readouterr().out
    assert "1 gifts ready, 1 rejected" in out and "rejected row 3: gift_date" in out
    mapping = tmp_path / "dp.json"
    mapping.write_text('{"gift_date": "When", "amount": "Gift"}', encoding="utf-8")
    odd = tmp_path / "odd.csv"
    odd.write_text("Gift ID,Donor ID,When,Gift\n5,7,01/02/2024,$5.00\n", encoding="utf-8")
    assert cli.main(["donations", "import", str(odd), "--mapping", str(mapping)]) == 0
    with read(tmp_path / "cc.duckdb") as con:
        assert con.execute("SELECT gift_id FROM gifts ORDER BY 1").fetchall() == [("1",), ("5",)]
        assert con.execute("SELECT name FROM column_mappings").fetchall() == [("dp",)]
    assert cli.main(["donations", "import", str(tmp_path / "missing.csv")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_cli_sync_without_a_key_explains_the_setting(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CC_DB_PATH", str(tmp_path / "cc.duckdb"))
    monkeypatch.delenv("DP_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["donations", "sync"]) == 2
    assert "DP_API_KEY is not set" in capsys.readouterr().err
