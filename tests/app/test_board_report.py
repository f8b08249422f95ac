"""The board report's PDF (its text, read back with pypdf) carries the appeal, the dates and the dashboard's own
figures for the same scope: Overview's cards, the Donors page's retention, Donation attribution's appeal years."""

from __future__ import annotations

import io
import json
import re
from datetime import date, datetime
from pathlib import Path

import pypdf
import pytest

from bench.sandbox_db import build_from_sandbox
from cc_data import cli
from cc_data.report import figures
from cc_data.store.db import read
from tests.app.harness import app_test, open_page

AS_OF = date(2025, 12, 15)
NOW = datetime(2025, 12, 15, 12, 0)


@pytest.fixture(scope="module")
def sandbox_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small sandbox account (appeals over two years, gifts, appeal codes), written straight into a file."""
    return build_from_sandbox(tmp_path_factory.mktemp("report") / "cc.duckdb", "small", 7, NOW)


@pytest.fixture
def report_env(sandbox_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("CC_DB_PATH", str(sandbox_db))
    monkeypatch.setenv("CC_TOKEN_FILE", str(tmp_path / "tokens.json"))
    monkeypatch.setenv("CC_REPORT_DIR", str(tmp_path / "reports"))
    for name in ("CONSTANT_CONTACT_CLIENT_ID", "CC_REPORT_SEND_ON", "CC_SMTP_HOST", "CC_FISCAL_YEAR_START"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("cc_data.cli.report.utc_now", lambda: NOW)   # the test owns the clock
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    return sandbox_db


def pdf_text(path: Path) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), re.sub(r"\s+", " ", text)


def write_report(tmp_path: Path, *args: str) -> tuple[int, str]:
    out = tmp_path / "board.pdf"
    assert cli.main(["report", "--out", str(out), "--as-of", AS_OF.isoformat(), "--quiet", *args]) == 0
    return pdf_text(out)


def overview_cards(start: date, end: date) -> dict[str, str]:
    at = app_test()
    at.session_state["f_dates"] = (start, end)
    at.run()
    open_page(at, "pages/overview.py")
    assert not at.exception, [e.value for e in at.exception]
    return {m.label: m.value for m in at.metric}


def test_the_pdf_holds_the_appeal_the_dates_and_overviews_figures(report_env: Path, tmp_path: Path) -> None:
    pages, text = write_report(tmp_path)
    assert pages <= 2
    start, end = date(2024, 12, 16), AS_OF   # the last 12 months
    assert "Riverbend" in text and "Year-End Appeal" in text
    assert "As of Dec 15, 2025" in text and "Dec 16, 2024 – Dec 15, 2025" in text
    assert "Dec 1 – Dec 14, 2025" in text   # the season to date: through the latest gift on file, Dec 14
    for when in ((start, end), (figures.shift_year(start), figures.shift_year(end))):
        cards = overview_cards(*when)
        assert len(cards) == 8, cards   # six email cards, attributed revenue, revenue per 1,000
        for label, value in cards.items():
            assert value in text, f"Overview's {label} {value} for {when} is not in the report"


def test_the_pdf_holds_the_donors_pages_retention_and_the_appeal_years(report_env: Path, tmp_path: Path) -> None:
    _, text = write_report(tmp_path)
    for year in (2024, 2025):
        at = app_test()
        at.session_state["donors_year"] = year
        at.run()
        open_page(at, "pages/donors.py")
        assert not at.exception, [e.value for e in at.exception]
        cards = {m.label: m.value for m in at.metric}
        for label in ("Donor retention", "Dollar retention", "New-donor retention", "Repeat-donor retention"):
            assert cards[label] in text, f"Donors {year}: {label} {cards[label]}"
        assert f"Fiscal year {year}" in text
    at = app_test()
    at.run()
    open_page(at, "pages/donation_attribution.py")
    series = next(d.value for d in at.dataframe if "series" in d.value.columns and "year" in d.value.columns)
    top = series.sort_values("revenue", ascending=False).head(1).iloc[0]
    assert f"{top['series']} {top['year']}" in text or top["series"] in text
    assert f"${top['revenue']:,.0f}" in text


def test_a_page_with_another_scope_changes_what_it_says(report_env: Path, tmp_path: Path) -> None:
    _, whole = write_report(tmp_path, "--period", "fytd")
    assert "fiscal year 2025 to date" in whole and "Jan 1 – Dec 15, 2025" in whole


def test_an_unknown_appeal_is_one_line(report_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["report", "--out", str(tmp_path / "x.pdf"), "--appeal", "Spring Fling"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("cc-data: No appeal is called 'Spring Fling'; try one of: Year-End Appeal")
    assert len(err.splitlines()) == 1 and not (tmp_path / "x.pdf").exists()


def test_compare_appeals_and_overview_open_on_the_reports_sentence(report_env: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 21: the board's question is answered on the first screen, in the words and figures of the report."""
    monkeypatch.setattr("pages.components.season_data.utc_now", lambda: NOW)
    with read(report_env) as con:
        expected = figures.gather(con, figures.Scope(as_of=AS_OF)).answer
    # through the latest gift on file (Dec 14), the day before the as-of date
    assert expected.startswith("Year-End Appeal 2025 has raised $") and "(Dec 1 – Dec 14, 2025)" in expected
    at = app_test()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert expected in [m.value.strip("*") for m in at.markdown], "Overview's top"
    open_page(at, "pages/compare_appeals.py")
    assert not at.exception, [e.value for e in at.exception]
    assert expected in [m.value.strip("*") for m in at.markdown], "Compare appeals' first screen"
    cards = {m.label: m.value for m in at.metric}
    with read(report_env) as con:
        pacing = figures.gather(con, figures.Scope(as_of=AS_OF)).pacing
    assert pacing is not None and cards["Coded to the appeal"] == f"${pacing.current.appeal_revenue:,.0f}"
    assert cards["All gifts this season"] == f"${pacing.current.season_revenue:,.0f}"


def test_the_column_naming_each_row_stays_in_view_when_a_wide_table_scrolls(report_env: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """At 1024 px the wide tables scroll sideways: on every page, a table of five columns or more pins the column
    naming its rows (campaign, year, month, person, link, code), so the later columns are never read without it."""
    monkeypatch.setattr("pages.components.season_data.utc_now", lambda: NOW)
    at = app_test()
    at.run()
    pinned = {}
    for page in ("pages/overview.py", "pages/compare_appeals.py", "pages/donation_attribution.py",
                 "pages/data_sync.py", "pages/donors.py", "pages/engagement.py", "pages/reengagement.py",
                 "pages/email_report.py", "pages/campaign_trends.py", "pages/mailbox_providers.py",
                 "pages/list_growth.py"):
        open_page(at, page)
        assert not at.exception, [e.value for e in at.exception]
        for table in at.dataframe:
            config = json.loads(table.proto.columns or "{}")
            first = table.value.columns[0]
            pinned[(page, first, len(table.value.columns))] = config.get(first, {}).get("pinned", False)
    wide = {k: v for k, v in pinned.items() if k[2] >= 5}   # from 5 columns a table can scroll at 1024 px
    assert ("pages/overview.py", "name") in {k[:2] for k in wide}
    assert sum(k[0] == "pages/compare_appeals.py" and k[1] == "year" for k in wide) >= 2   # season, appeal's years
    assert sum(k[0] == "pages/donation_attribution.py" and k[1] == "name" for k in wide) >= 1   # revenue per campaign
    assert ("pages/data_sync.py", "name") in {k[:2] for k in wide}   # reconciliation with Constant Contact
    assert {("pages/donors.py", "fiscal_year"), ("pages/donors.py", "first_name"), ("pages/donors.py", "rank"),
            ("pages/engagement.py", "first_name"), ("pages/reengagement.py", "first_name"),
            ("pages/email_report.py", "link")} <= {k[:2] for k in wide}
    assert all(wide.values()), [k for k, v in wide.items() if not v]


RAW_NAMES = ("None", "timestamp", "calendar_day", "solicit_code", "cc_contact_id", "CC_FISCAL_YEAR_START",
             "sub_solicit_code", "gl_code")
RAW_CELLS = {"coded", "click", "open", "send", "unattributed", "G", "A", "None"}


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/compare_appeals.py", "pages/donation_attribution.py"])
def test_no_raw_code_names_on_the_board_pages(report_env: Path, monkeypatch: pytest.MonkeyPatch, page: str) -> None:
    monkeypatch.setattr("pages.components.season_data.utc_now", lambda: NOW)
    at = app_test()
    at.run()
    open_page(at, page)
    assert not at.exception, [e.value for e in at.exception]
    texts = [e.value for kind in ("markdown", "caption", "info", "subheader") for e in at.get(kind)]
    texts += [m.label for m in at.metric] + [str(m.value) for m in at.metric]
    found = {name for text in texts for name in RAW_NAMES if re.search(rf"\b{name}\b", str(text))}
    assert not found, found
    for table in at.dataframe:
        frame = table.value
        cells = {str(v) for column in frame.columns if frame[column].dtype == object for v in frame[column]}
        assert not cells & RAW_CELLS, (list(frame.columns), cells & RAW_CELLS)


def test_overviews_small_trend_lines_carry_their_scale(report_env: Path) -> None:
    at = app_test()
    at.run()
    axes = [json.loads(c.proto.spec)["layout"].get("yaxis", {}) for c in at.get("plotly_chart")]
    scaled = [a for a in axes if a.get("visible") and len(a.get("ticktext", [])) == 2]
    assert len(scaled) >= 6, axes   # delivered and the five rates, each with its lowest and highest week


def test_compare_appeals_tells_years_apart_without_colour(report_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 21: the year was told by colour alone. Every line now names its year (legend and end label) and the
    years differ in line style too."""
    monkeypatch.setattr("pages.components.season_data.utc_now", lambda: NOW)
    at = app_test()
    at.run()
    open_page(at, "pages/compare_appeals.py")
    assert not at.exception, [e.value for e in at.exception]
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert len(charts) >= 3, "the season's chart and the hour-by-hour curves"
    for spec in charts:
        lines = [t for t in spec["data"] if "lines" in (t.get("mode") or "")]
        labels = [t for t in spec["data"] if "text" in (t.get("mode") or "")]
        assert lines and all(re.match(r"\d{4}\b", t["name"]) for t in lines), [t.get("name") for t in lines]
        assert {re.match(r"\d{4}", t["text"][0].strip()).group() for t in labels} == \
            {t["name"][:4] for t in lines}, "each year labelled at a line's end"
    season = charts[0]   # the pacing chart: one line per year, each its own line style
    dashes = [t["line"]["dash"] for t in season["data"] if "lines" in (t.get("mode") or "")]
    assert len(set(dashes)) == len(dashes) > 1
