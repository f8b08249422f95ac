"""The sync's record (last runs, freshness per stream, calls used today) is asked in one place,
cc_data/store/runs.py: `cc-data status` and the Data & sync page read the same answers (issue 20)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
import time_machine

from cc_data.analytics import status as page_status
from cc_data.store import runs
from cc_data.store.db import writer
from cc_data.sync import status as cli_status

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2026, 12, 7)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Three runs (a success, a quota stop, one that failed), two streams completed, calls on two days."""
    path = tmp_path / "cc.duckdb"
    with writer(path) as w:
        w.con.executemany(
            "INSERT INTO sync_runs (run_id, started_at, finished_at, outcome, mode, calls, rows, message) "
            "VALUES (?, ?, ?, ?, 'incremental', '{}', '{}', ?)", [
                ("r1", datetime(2026, 12, 5, 2, 30), datetime(2026, 12, 5, 2, 40), "success", None),
                ("r2", datetime(2026, 12, 6, 2, 30), datetime(2026, 12, 6, 3, 30), "quota_exceeded", "quota"),
                ("r3", datetime(2026, 12, 7, 2, 30), datetime(2026, 12, 7, 2, 31), "failed", "login refused"),
            ])
        w.con.executemany("INSERT INTO sync_state VALUES (?, ?, ?, ?)", [
            ("contacts", "completed_at", "2026-12-06T03:10:00", datetime(2026, 12, 6, 3, 10)),
            ("contacts_updated", "cursor", "2026-12-06T02:50:00", datetime(2026, 12, 6, 3, 11)),
            ("tracking", "completed_at", "2026-12-05T02:39:00.500000", datetime(2026, 12, 5, 2, 39)),
            ("tracking", "A1", "2026-12-06T03:20:00", datetime(2026, 12, 6, 3, 20)),
        ])
        runs.record_calls(w.con, date(2026, 12, 6), 10_000)
        runs.record_calls(w.con, DAY, 12)
        runs.record_calls(w.con, DAY, 40)   # a later count of the same day replaces the earlier one
        w.con.execute("INSERT INTO contacts (contact_id) VALUES ('c1'), ('c2')")
    return path


def test_the_record_reads_as_worked_by_hand(db: Path) -> None:
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert runs.recent_runs(con, 2)["run_id"].to_list() == ["r3", "r2"]
        assert runs.recent_runs(con)["seconds"].to_list() == [60, 3600, 600]
        assert runs.last_finished(con) == {"success": datetime(2026, 12, 5, 2, 40),
                                           "quota_exceeded": datetime(2026, 12, 6, 3, 30),
                                           "failed": datetime(2026, 12, 7, 2, 31)}
        checkpoints = {r["stream"]: r for r in runs.stream_checkpoints(con).to_dicts()}
        assert list(checkpoints) == ["contacts", "contacts_updated", "tracking"]
        assert checkpoints["tracking"]["last_updated"] == datetime(2026, 12, 6, 3, 20)
        assert checkpoints["tracking"]["completed_at"] == datetime(2026, 12, 5, 2, 39, 0, 500000)
        assert checkpoints["contacts_updated"]["completed_at"] is None
        assert runs.calls_on(con, DAY) == 40 and runs.calls_on(con, date(2026, 12, 1)) == 0
    finally:
        con.close()


def test_the_command_and_the_page_give_the_same_answers(db: Path) -> None:
    frame = cli_status.status_frame(db)
    by_stream = {r["stream"]: r for r in frame.to_dicts()}
    assert by_stream["contacts"]["last_synced_at"] == datetime(2026, 12, 6, 3, 10)
    assert by_stream["contacts"]["rows"] == 2 and by_stream["segments"]["last_synced_at"] is None
    # the last run that published what it fetched: the quota stop, not the failed run after it
    assert frame["last_run_finished_at"].unique().to_list() == [datetime(2026, 12, 6, 3, 30)]
    cli_runs = cli_status.last_runs(db, 3)
    con = duckdb.connect(str(db), read_only=True)
    try:
        page_runs = page_status.recent_runs(con, 3)
        assert page_runs.drop("seconds").to_dicts() == cli_runs.drop("calls", "rows").to_dicts()
        assert page_status.calls_today(con, datetime(2026, 12, 7, 23, 59)) == 40
        assert page_status.stream_freshness(con)["stream"].to_list() == ["contacts", "contacts_updated", "tracking"]
        # "Last successful sync" on the page counts successes only
        assert page_status.source_info(con).last_sync_finished_at == datetime(2026, 12, 5, 2, 40)
    finally:
        con.close()
    with time_machine.travel(datetime(2026, 12, 7, 23, 59, tzinfo=UTC)):   # the record's day, whatever the suite's
        assert cli_status.calls_today(db) == 40


STATUS_SQL = {
    "runs": re.compile(r"\bFROM\s+sync_runs\b", re.IGNORECASE),
    "calls per day": re.compile(r"\bapi_calls_daily\b", re.IGNORECASE),
    "checkpoint times": re.compile(r"\bmax\(\s*updated_at\s*\)|key\s*=\s*'completed_at'", re.IGNORECASE),
}
# The schema creates the tables; the sync writes the runs it makes (runner.py inserts and finishes its own row).
ALLOWED = {"cc_data/store/runs.py", "cc_data/store/schema.py"}


def test_each_status_question_is_asked_in_one_place() -> None:
    found = {}
    for path in [*(ROOT / "cc_data").rglob("*.py"), *(ROOT / "pages").rglob("*.py"), ROOT / "app.py"]:
        name = str(path.relative_to(ROOT))
        if name in ALLOWED or name.startswith("cc_data/sandbox/"):
            continue
        hits = [what for what, pattern in STATUS_SQL.items() if pattern.search(path.read_text())]
        if hits:
            found[name] = hits
    assert found == {}, f"ask these through cc_data.store.runs instead: {found}"
    assert all(p.search((ROOT / "cc_data/store/runs.py").read_text()) for p in STATUS_SQL.values())
