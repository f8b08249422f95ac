"""The Email report, Mailbox providers and List growth pages render on a synthetic account, open the email a link
names, and explain themselves without a database."""

from __future__ import annotations

from pathlib import Path

import pytest

from cc_data.store.db import read
from tests.app.harness import app_test, open_page

PAGES = ["pages/email_report.py", "pages/mailbox_providers.py", "pages/list_growth.py"]


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_without_error(app_env: Path, page: str) -> None:
    at = app_test()
    at.run()
    open_page(at, page)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title and at.title[0].value in ("Email report", "Mailbox providers", "List growth")


def test_email_report_shows_the_funnel_and_the_median_email(app_env: Path) -> None:
    at = app_test()
    at.run()
    open_page(at, "pages/email_report.py")
    labels = [m.label for m in at.metric]
    assert {"Delivered", "Human open rate", "Click rate", "Unsubscribe rate"} <= set(labels)
    steps = at.dataframe[0].value["step"].to_list()
    assert steps[1:3] == ["Delivered", "Bounced"] and steps[0].startswith("Sent") and "Clicked" in steps
    assert "Reported as spam" in steps


def test_a_link_from_another_page_opens_that_email(app_env: Path) -> None:
    with read(app_env) as con:   # the oldest email: never the one opened by default
        oldest = con.execute("SELECT campaign_id FROM campaign_counts ORDER BY send_time LIMIT 1").fetchall()[0][0]
    at = app_test()
    at.run()
    open_page(at, "pages/email_report.py")
    assert at.selectbox(key="er_email").value != oldest
    linked = app_test()
    linked.query_params["email"] = oldest
    linked.run()
    open_page(linked, "pages/email_report.py")
    assert not linked.exception, [e.value for e in linked.exception]
    assert linked.selectbox(key="er_email").value == oldest


@pytest.mark.parametrize("page", PAGES)
def test_pages_explain_missing_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: str) -> None:
    monkeypatch.setenv("CC_DB_PATH", str(tmp_path / "none.duckdb"))
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    at = app_test()
    at.run()
    open_page(at, page)
    assert not at.exception, [e.value for e in at.exception]
    assert any("no data" in i.value.lower() for i in at.info) or any("no data" in i.value.lower()
                                                                      for i in at.sidebar.info)
