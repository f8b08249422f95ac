"""Words, not developer names, on screen; numbers a screen reader reads as they are shown."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from cc_data.store.db import writer
from cc_data.sync.runner import STREAMS
from pages.components import tables
from tests.app.harness import app_test, open_page


def test_data_and_sync_names_each_kind_of_data_in_words(synthetic_db: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Freshness listed the sync's stream names (activity_details, campaign_summaries, contacts_optout...)."""
    db = tmp_path / "cc.duckdb"
    shutil.copy(synthetic_db, db)
    with writer(db) as w:
        w.con.executemany("INSERT OR REPLACE INTO sync_state VALUES (?, 'cursor', 'x', ?)",
                          [(name, datetime(2026, 12, 1)) for name in (*STREAMS, "contacts_optout", "donorperfect")])
    monkeypatch.setenv("CC_DB_PATH", str(db))
    monkeypatch.setenv("CC_TOKEN_FILE", str(tmp_path / "tokens.json"))
    monkeypatch.delenv("CONSTANT_CONTACT_CLIENT_ID", raising=False)
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    at = open_page(app_test().run(), "pages/data_sync.py")
    assert not at.exception
    freshness = next(d.value for d in at.dataframe if "age" in d.value.columns)
    shown = list(freshness.iloc[:, 0])
    assert shown and not any("_" in name for name in shown), shown
    assert {"sends, opens and clicks", "unsubscribes", "gifts from DonorPerfect", "campaign results"} <= set(shown)


def test_percentages_are_rounded_to_what_is_shown() -> None:
    """A cell read 41.77362893815636 to a screen reader."""
    frame = pl.DataFrame({"rate": [0.4177362893815636]})
    assert tables.as_percent(frame, ["rate"])["rate"].to_list() == [41.77]
    assert tables.as_percent(frame, ["rate"], 1)["rate"].to_list() == [41.8]
