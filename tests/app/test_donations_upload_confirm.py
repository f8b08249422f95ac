"""Data & sync's gift upload: amounts of $0 or less or far outside the usual range are confirmed before anything is
stored, and a donor named differently from the stored one is said."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cc_data import audit
from cc_data.donations.imports import import_gifts
from cc_data.store.db import read

ROOT = Path(__file__).resolve().parents[2]
HEADER = "gift_id,donor_id,gift_date,amount,record_type,email,first_name,last_name"


def upload_script(db_path: str, file_name: str, data: bytes) -> None:
    from pathlib import Path

    from cc_data.config import Settings
    from pages.components.donations_upload import _upload_flow

    _upload_flow(Settings(db_path=Path(db_path)), file_name, data)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    rows = [HEADER] + [f"h{n},D{n % 10},2025-03-0{1 + n % 9},{(25, 50, 100)[n % 3]},G,d{n % 10}@example.org,Dee,"
                       f"Number{n % 10}" for n in range(40)]
    import_gifts(tmp_path / "cc.duckdb", ("\n".join(rows) + "\n").encode(), "history.csv")
    return tmp_path / "cc.duckdb"


def gifts(db: Path) -> set[str]:
    with read(db) as con:
        return {row[0] for row in con.execute("SELECT gift_id FROM gifts").fetchall()}


def test_the_upload_lists_amounts_to_confirm_and_stores_nothing_until_confirmed(db: Path,
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A $1,000,000 gift and a -$50 "gift" were imported without a word."""
    monkeypatch.chdir(ROOT)
    data = (f"{HEADER}\nn1,D1,2026-12-01,1000000,G,d1@example.org,Dee,Number1\n"
            "n2,D2,2026-12-01,-50,G,d2@example.org,Dee,Number2\nn3,D3,2026-12-01,40,G,other@example.org,Dee,"
            "Number3\n").encode()
    at = AppTest.from_function(upload_script, args=(str(db), "december.csv", data), default_timeout=60).run()
    assert not at.exception
    assert "2 amounts to check before importing" in at.warning[0].value
    listed = at.dataframe[-1].value
    assert list(listed["Row"]) == [2, 3] and list(listed["Amount"]) == ["$1,000,000.00", "-$50.00"]
    assert any("other@example.org" in i.value and "stored names and emails are kept" in i.value for i in at.info)
    before = gifts(db)
    assert at.button(key="don_import").disabled and gifts(db) == before
    at.checkbox(key="don_confirm_december.csv").check().run()
    assert not at.button(key="don_import").disabled
    at.button(key="don_import").click().run()
    assert "Imported 3 gifts" in at.success[0].value and {"n1", "n2", "n3"} <= gifts(db)
    # the import is a row of the audit log beside the database it changed (it went to the default data/cc.duckdb's)
    row = audit.recent(db, actions=("import",)).row(0, named=True)
    assert (row["what"], row["rows"], row["outcome"]) == ("december.csv", 3, "ok")
