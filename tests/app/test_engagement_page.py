"""Engagement's contact table: accent-insensitive search, sorted by tier then score, the score's scale shown."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cc_data.analytics.audience import scoring
from cc_data.analytics.stored import refresh
from cc_data.store.db import writer
from tests.app.harness import app_test, open_page


@pytest.fixture
def accented_db(synthetic_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "cc.duckdb"
    shutil.copy(synthetic_db, db)
    with writer(db, before_publish=refresh.refresh_all) as w:
        w.con.execute("UPDATE contacts SET first_name = 'Noémie', last_name = 'Çelik' WHERE contact_id = 'c00001'")
    monkeypatch.setenv("CC_DB_PATH", str(db))
    monkeypatch.setenv("CC_TOKEN_FILE", str(tmp_path / "tokens.json"))
    monkeypatch.delenv("CONSTANT_CONTACT_CLIENT_ID", raising=False)
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    return db


def contacts_table(at):
    return next(d.value for d in at.dataframe if "email" in d.value.columns)


def test_search_ignores_accents_and_case(accented_db: Path) -> None:
    at = app_test()
    at.run()
    open_page(at, "pages/engagement.py")
    at.text_input[0].input("noemie celik").run()
    assert not at.exception
    found = contacts_table(at)
    assert list(found["first_name"]) == ["Noémie"]


def test_contacts_are_sorted_by_tier_then_score(accented_db: Path) -> None:
    at = app_test()
    at.run()
    open_page(at, "pages/engagement.py")
    table = contacts_table(at)
    order = {tier: n for n, tier in enumerate(scoring.TIERS)}
    keys = [(order[t], -(s if s == s and s is not None else -1)) for t, s in zip(table["tier"], table["score"], strict=True)]
    assert keys == sorted(keys)
    assert any("by tier then score (0 to 4)" in c.value for c in at.caption)
