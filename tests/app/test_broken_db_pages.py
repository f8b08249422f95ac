"""A broken file at CC_DB_PATH: every page shows one line saying what is wrong and how to recover."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.harness import app_test, open_page
from tests.integration.test_broken_db import digest, make_broken

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["pages/overview.py", "pages/engagement.py", "pages/donation_attribution.py", "pages/data_sync.py"]


@pytest.mark.parametrize(("kind", "page"), [("empty", PAGES[0]), ("text", PAGES[1]), ("sqlite", PAGES[2]),
                                            ("truncated", PAGES[3]), ("truncated", PAGES[0])])
def test_every_page_explains_a_broken_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str,
                                               page: str) -> None:
    db = make_broken(tmp_path / "cc.duckdb", kind)
    before = digest(db)
    monkeypatch.setenv("CC_DB_PATH", str(db))
    monkeypatch.setenv("CC_TOKEN_FILE", str(tmp_path / "tokens.json"))
    monkeypatch.delenv("CONSTANT_CONTACT_CLIENT_ID", raising=False)
    monkeypatch.chdir(ROOT)
    at = app_test()
    at.run()
    if page != PAGES[0]:
        open_page(at, page)
    assert not at.exception, [e.value for e in at.exception]
    shown = [e.value for e in at.error] + [e.value for e in at.sidebar.error]
    assert any("left untouched" in v and "move it aside" in v and str(db) in v for v in shown), shown
    assert all("\n" not in v for v in shown), shown
    assert digest(db) == before
