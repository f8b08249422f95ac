"""The dashboard's "Board report" download (a real PDF, recorded in the audit log) and the pages on paper."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pypdf
import pytest

from bench.sandbox_db import build_from_sandbox
from cc_data import audit
from tests.e2e.conftest import open_page, serve

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def gifts_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_from_sandbox(tmp_path_factory.mktemp("board") / "cc.duckdb", "small", 7, datetime(2025, 12, 15, 12))


@pytest.fixture(scope="module")
def board_app(gifts_db: Path) -> Iterator[str]:
    with serve(gifts_db) as url:
        yield url


def test_board_report_download_is_a_pdf_and_is_recorded(browser, board_app: str, gifts_db: Path,
                                                        tmp_path: Path) -> None:
    page = open_page(browser, f"{board_app}/compare_appeals")
    with page.expect_download() as info:
        page.get_by_role("button", name="Board report (PDF)").click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    page.close()
    assert target.name.startswith("board-report-year-end-appeal-")
    reader = pypdf.PdfReader(io.BytesIO(target.read_bytes()))
    assert 1 <= len(reader.pages) <= 2 and "Year-End Appeal" in reader.pages[0].extract_text()
    rows = audit.recent(gifts_db, actions=("download",))
    assert rows.height == 1 and rows["what"][0] == f"board report ({target.name})"


def test_printing_a_page_leaves_out_the_sidebar_filters_and_buttons(browser, board_app: str) -> None:
    page = open_page(browser, board_app)
    assert page.locator('[data-testid="stSidebar"]').is_visible()
    page.emulate_media(media="print")
    for hidden in ('[data-testid="stSidebar"]', '[data-testid="stDownloadButton"]', '[data-testid="stHeader"]'):
        assert not page.locator(hidden).first.is_visible(), hidden
    assert page.locator('[data-testid="stDataFrame"]').first.is_visible()
    assert page.locator('[data-testid="stMetric"]').first.is_visible()
    # the print script (in its own frame) gives each table the height of all its rows before printing, and puts
    # it back after
    table = page.locator('[data-testid="stDataFrame"]').first
    rows = int(table.locator("[aria-rowcount]").first.get_attribute("aria-rowcount"))
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert table.evaluate("t => t.style.height") == f"{min(10000, 38 + 35 * rows)}px"
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    assert table.evaluate("t => t.style.height") != f"{min(10000, 38 + 35 * rows)}px"
    page.close()
