"""The audit log: its own 0600 file beside the database, never the published database itself."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import duckdb

from cc_data import audit
from tests.app.fixture_db import build_synthetic


def test_records_go_to_their_own_file_and_read_back_newest_first(tmp_path: Path) -> None:
    db = tmp_path / "data" / "cc.duckdb"
    audit.record(db, "ed@riverbend.org", "sign_in")
    audit.record(db, "ed@riverbend.org", "download", what="re-engagement list", rows=42)
    path = audit.audit_path(db)
    assert path == tmp_path / "data" / "cc.duckdb.audit.duckdb"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not db.exists()   # the published database is not created, let alone copied
    rows = audit.recent(db)
    assert rows["action"].to_list() == ["download", "sign_in"]
    assert rows.row(0, named=True)["rows"] == 42 and rows.row(0, named=True)["what"] == "re-engagement list"
    with duckdb.connect(str(path), read_only=True) as con:   # a plain table others' tools can read
        assert con.execute("SELECT count(*) FROM audit_log").fetchone() == (2,)


def test_recording_leaves_the_published_database_untouched(tmp_path: Path) -> None:
    db = build_synthetic(tmp_path / "cc.duckdb", contacts=20, campaigns=2)
    before = (db.stat().st_mtime_ns, db.stat().st_size, db.stat().st_ino)
    audit.record(db, "ed@riverbend.org", "download", what="gifts", rows=3)
    assert (db.stat().st_mtime_ns, db.stat().st_size, db.stat().st_ino) == before


def test_concurrent_writers_each_get_their_row(tmp_path: Path) -> None:
    db = tmp_path / "cc.duckdb"
    threads = [threading.Thread(target=audit.record, args=(db, f"u{i}@x.org", "download"), kwargs={"rows": i})
               for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(audit.recent(db)["rows"].to_list()) == list(range(8))


def test_last_sync_is_the_newest_finished_one(tmp_path: Path) -> None:
    db = tmp_path / "cc.duckdb"
    assert audit.last_sync(db) is None and audit.recent(db).is_empty()
    audit.record(db, "scheduled", "sync", outcome="ok")
    audit.record(db, "scheduled", "sync", outcome="failed", detail="Login expired: run `cc-data auth`.\nmore")
    audit.record(db, "ed@riverbend.org", "sync", outcome="started")
    last = audit.last_sync(db)
    assert last is not None and last["outcome"] == "failed" and last["detail"] == "Login expired: run `cc-data auth`."


def test_a_failed_donorperfect_sync_from_the_command_line_is_recorded(tmp_path: Path, monkeypatch) -> None:
    from cc_data.cli import main
    from pages.components.schedule import last_sync_problem

    db = tmp_path / "cc.duckdb"
    monkeypatch.setenv("CC_DB_PATH", str(db))
    monkeypatch.setenv("DP_API_KEY", "")   # no key: the command says how to set one, in one line
    monkeypatch.chdir(tmp_path)
    assert main(["donations", "sync"]) == 2
    problem = last_sync_problem(db, "donations_sync")
    assert problem and problem.startswith("**Last DonorPerfect sync failed**") and "DP_API_KEY" in problem
    assert last_sync_problem(db, "sync") is None   # the Constant Contact sync has no failure on record
