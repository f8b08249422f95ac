"""The real app in headless Chromium: every page renders, a download holds the right rows, and the app keeps
serving while a new database is published."""

from __future__ import annotations

import csv
import os
import zipfile
from pathlib import Path

import duckdb
import pytest

from cc_data.analytics.audience import reach as audience
from cc_data.analytics.audience import segments
from cc_data.analytics.email import sends
from cc_data.store.db import writer
from tests.e2e.conftest import go_to, open_page, serve, settle
from tests.segment_oracle import expected_segment

pytestmark = pytest.mark.e2e

PAGES = {  # url path: (title, has charts)
    "": ("Overview", True), "campaign_trends": ("Campaign trends", True), "compare_appeals": ("Compare appeals", True),
    "engagement": ("Engagement", True), "reengagement": ("Re-engagement", False), "data_sync": ("Data & sync", False),
    "donation_attribution": ("Donation attribution", False),
}
SHOTS = Path(os.environ.get("E2E_SCREENSHOTS", "")) if os.environ.get("E2E_SCREENSHOTS") else None


@pytest.fixture(scope="module")
def tab(browser, server: str):
    """One tab on the dashboard, moved from page to page by the sidebar's links as a reader moves. (Opening each
    page's address afresh makes the browser load the whole app again, about a second of CPU each; the
    bookmarked-page test below opens an address directly.)"""
    page = open_page(browser, server)
    yield page
    page.close()


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_renders_without_error(tab, path: str) -> None:
    go_to(tab, path, PAGES[path][0])
    for width, height in ((1440, 900), (1024, 768)) if SHOTS else ((1280, 800),):
        tab.set_viewport_size({"width": width, "height": height})
        assert tab.locator('[data-testid="stException"]').count() == 0
        assert tab.locator("h1").first.inner_text() == PAGES[path][0]
        if PAGES[path][1]:
            tab.wait_for_selector(".js-plotly-plot", timeout=30_000)
        if SHOTS:
            SHOTS.mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=str(SHOTS / f"{path or 'overview'}-{width}.png"), full_page=True)


def test_a_bookmarked_page_opened_first_after_a_restart_keeps_the_app_around_it(browser, e2e_db: Path) -> None:
    with serve(e2e_db) as fresh:   # no session has run app.py on this server yet
        page = open_page(browser, f"{fresh}/reengagement")
        sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
        assert page.locator("h1").first.inner_text() == "Re-engagement"
        # the sidebar ran: banner, page groups, and the note that the campaign filters do not apply here
        assert "Demo data" in sidebar and "campaign filters apply to" in sidebar and "Audience" in sidebar
        page.close()


def test_csv_download_holds_the_segment(tab, e2e_db: Path, tmp_path: Path) -> None:
    go_to(tab, "reengagement", "Re-engagement")
    page = tab
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    download = info.value
    assert download.suggested_filename.startswith("re-engagement-inactive-180-days-")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")   # Excel needs the byte-order mark for accents
    rows = list(csv.DictReader(target.open(encoding="utf-8-sig")))
    with duckdb.connect(str(e2e_db), read_only=True) as con:
        per = sends.per_send(con)
        people = audience.audience(con)
        as_of = sends.latest_activity_at(con)
    expected = expected_segment(people, per, segments.SegmentCriteria(), as_of)
    assert [r["Contact ID"] for r in rows] == expected["contact_id"].to_list()
    assert {r["Permission to send"] for r in rows} <= {"explicit", "implicit"}
    with page.expect_download() as info:   # the Excel file is built on click, from the same rows
        page.get_by_role("button", name="Download Excel").click()
    workbook = tmp_path / info.value.suggested_filename
    assert workbook.suffix == ".xlsx"
    info.value.save_as(workbook)
    with zipfile.ZipFile(workbook) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode()
    assert sheet.count("<row ") == expected.height + 1   # a header and one row per contact
    assert all(contact_id in strings for contact_id in expected["contact_id"].to_list())


def test_app_keeps_serving_while_a_new_database_is_published(browser, server: str, e2e_db: Path) -> None:
    page = open_page(browser, server)
    assert "Riverbend Food Bank" in page.locator('[data-testid="stSidebar"]').inner_text()
    with writer(e2e_db) as w:
        w.con.execute("UPDATE meta SET value = 'Published Mid-Test' WHERE key = 'organization_name'")
        page.reload()                     # the app serves the old file while the writer works
        settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0
    page.reload()
    settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Published Mid-Test" in page.locator('[data-testid="stSidebar"]').inner_text()
    page.close()
