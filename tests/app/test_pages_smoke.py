"""Every page renders against a synthetic account, and explains itself when there is no database."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cc_data.analytics.stored import refresh
from cc_data.store.db import writer
from tests.app.fixture_db import T0, Rows
from tests.app.harness import app_test, open_page

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["pages/overview.py", "pages/campaign_trends.py", "pages/compare_appeals.py", "pages/engagement.py",
         "pages/reengagement.py", "pages/data_sync.py"]


def run_page(page: str) -> AppTest:
    at = app_test()
    at.run()
    if page != PAGES[0]:
        open_page(at, page)
    return at


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_without_error(app_env: Path, page: str) -> None:
    at = run_page(page)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title, "every page has a title"


def test_overview_shows_kpis_and_demo_banner(app_env: Path) -> None:
    at = run_page("pages/overview.py")
    labels = [m.label for m in at.metric]
    assert labels[:6] == ["Delivered", "Open rate (emails)", "Click rate (emails)", "Click-to-open",
                          "Unsubscribe rate", "Bounce rate"]   # each rate says its denominator (emails, not people)
    assert any("Demo data" in w.value for w in at.sidebar.warning)


@pytest.mark.parametrize("page", PAGES)
def test_pages_explain_missing_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: str) -> None:
    monkeypatch.setenv("CC_DB_PATH", str(tmp_path / "none.duckdb"))
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    at = run_page(page)
    assert not at.exception, [e.value for e in at.exception]
    assert any("no data" in i.value.lower() for i in at.info) or any("no data" in i.value.lower()
                                                                      for i in at.sidebar.info)


def test_compare_appeals_names_a_resend_only_when_one_went_out(app_env: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page("pages/compare_appeals.py")
    assert not at.exception, [e.value for e in at.exception]
    assert not [c.value for c in at.caption if "Resent to non-openers" in c.value]   # the synthetic account has none

    db = tmp_path / "cc.duckdb"
    with writer(db, before_publish=refresh.refresh_all) as w:
        rows = Rows(w.con)
        for n in range(4):
            rows.contact(f"c{n}")
        for year, resend in ((2023, False), (2024, True)):
            start = T0.replace(year=year)
            primary = rows.campaign(f"Y{year}", f"Year-End Appeal {year}", "FUNDRAISER", resend=resend)
            for n in range(4):
                rows.event(primary, f"c{n}", "sends", start)
            rows.event(primary, "c0", "opens", start + timedelta(hours=2))
            if resend:   # the non-openers get it again five days later
                for n in range(1, 4):
                    rows.event(f"Y{year}:resend", f"c{n}", "sends", start + timedelta(days=5))
    monkeypatch.setenv("CC_DB_PATH", str(db))
    at = run_page("pages/compare_appeals.py")
    assert not at.exception, [e.value for e in at.exception]
    # 2024's appeal is five days old (its resend the latest activity): the page opens at 48 h, the age both years
    # have reached, where the resend has not gone out yet; at 7 days it has
    assert at.segmented_control(key="cmp_age").value == "48 h"
    assert not [c.value for c in at.caption if "Resent to non-openers" in c.value]
    at.segmented_control(key="cmp_age").set_value("7 days").run()
    notes = [c.value for c in at.caption if "Resent to non-openers" in c.value]
    assert len(notes) == 1 and "Year-End Appeal 2024" in notes[0] and "Year-End Appeal 2023" not in notes[0]
    assert "adds emails, not people" in notes[0]
    years = next(d.value for d in at.dataframe if "people_reached" in d.value.columns)
    assert list(years["year"]) == ["2024", "2023"]   # one row per year, waves and the resend together
    assert list(years["people_reached"]) == [4, 4] and list(years["emails_sent"]) == [7, 4]
