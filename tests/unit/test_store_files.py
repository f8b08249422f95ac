"""The database files: private modes, no extension downloads, a working copy only from a complete copy,
a broken file refused in one line, and writers that wait for the lock when asked to."""

from __future__ import annotations

import logging
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cc_data.errors import DatabaseUnreadable, WriterBusy
from cc_data.store import db as store_db
from cc_data.store.db import read, work_path, writer
from cc_data.store.transaction import transaction


def _rows(path) -> int:
    with read(path) as con:
        return con.execute("SELECT count(*) FROM segments").fetchone()[0]


def _publish_one(path, segment_id: int) -> None:
    with writer(path) as w:
        w.con.execute("INSERT INTO segments VALUES (?, 'x', NULL, NULL)", [segment_id])


def test_database_and_working_copy_are_private(tmp_path):
    db = tmp_path / "cc.duckdb"
    with writer(db) as w:
        assert stat.S_IMODE(os.stat(w.path).st_mode) == 0o600   # a fresh working copy
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    os.chmod(db, 0o644)   # a file from an older version
    with writer(db) as w:
        assert stat.S_IMODE(os.stat(w.path).st_mode) == 0o600   # a copy of the published file
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_no_connection_loads_or_installs_extensions(tmp_path):
    db = tmp_path / "cc.duckdb"
    query = ("SELECT current_setting('autoload_known_extensions'), "
             "current_setting('autoinstall_known_extensions')")
    with writer(db) as w:
        assert w.con.execute(query).fetchone() == (False, False)
    with read(db) as con:
        assert con.execute(query).fetchone() == (False, False)


def _limit(con) -> str:
    return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]


def _as_duckdb_shows(limit: str) -> str:
    with store_db.duckdb.connect(":memory:", config={"memory_limit": limit}) as con:
        return _limit(con)


def test_duckdb_memory_is_capped_for_readers_and_for_writers_of_a_large_file(tmp_path):
    db = tmp_path / "cc.duckdb"
    _publish_one(db, 1)
    with read(db) as con:   # one page's query: DuckDB's default would be 80% of the machine's memory
        assert _limit(con) == _as_duckdb_shows("256MB")
    with open(db, "r+b") as fh:   # a 300 MB file (sparse): twice it
        fh.truncate(300 * 2**20)
    assert store_db.writer_memory_limit(db) == "600MB"
    with open(db, "r+b") as fh:   # a 2 GB file: twice it would be 4 GB
        fh.truncate(2 * 2**30)
    assert store_db.writer_memory_limit(db) == "1024MB"
    assert store_db.writer_memory_limit(tmp_path / "missing.duckdb") == "128MB"


def test_a_publish_that_runs_out_of_memory_under_the_cap_is_refreshed_again_with_more(tmp_path, caplog):
    db = tmp_path / "cc.duckdb"
    _publish_one(db, 1)
    limits = []

    def refresh(con):   # one transaction, as refresh_changed; the first run fails as a step DuckDB cannot spill
        limits.append(_limit(con))
        with transaction(con):
            con.execute("INSERT INTO segments VALUES (2, 'x', NULL, NULL)")
            if len(limits) == 1:
                raise store_db.duckdb.OutOfMemoryException("could not allocate block of size 256.0 KiB")

    with caplog.at_level(logging.WARNING), writer(db, before_publish=refresh) as w:
        w.con.execute("INSERT INTO segments VALUES (3, 'x', NULL, NULL)")
    assert limits == [_as_duckdb_shows("128MB"), _as_duckdb_shows(f"{store_db.RETRY_MEMORY_MB}MB")]
    assert "trying again" in caplog.text
    assert _rows(db) == 3   # the writer's row and the second run's; the first run's was rolled back


def test_a_query_that_runs_out_of_memory_under_the_readers_cap_is_run_again_with_more(tmp_path):
    from cc_data.store.query import frame

    db = tmp_path / "cc.duckdb"
    _publish_one(db, 1)
    one_list = "SELECT list(range) AS l FROM range(3000000)"   # a list aggregate: DuckDB cannot spill it
    with read(db) as con:
        con.execute("SET memory_limit = '2MB'")   # stands for a step bigger than the cap at a larger account
        with pytest.raises(store_db.duckdb.OutOfMemoryException):
            con.execute(one_list).fetchall()
        assert len(frame(con, one_list)["l"][0]) == 3000000
        assert _limit(con) == _as_duckdb_shows("256MB")   # the readers' cap is back
        with read(db) as another:   # and a connection opened now finds the configuration it asks for
            assert _rows(db) == 1 and _limit(another) == _as_duckdb_shows("256MB")
    with writer(db) as w:   # a writer's failed statement is not run again (its transaction could not go on)
        w.con.execute("SET memory_limit = '2MB'")
        with pytest.raises(store_db.duckdb.OutOfMemoryException):
            frame(w.con, one_list)
        w.con.execute(f"SET memory_limit = '{store_db.writer_memory_limit(w.path)}'")


def test_a_writer_run_copies_the_database_at_most_once(tmp_path, monkeypatch):
    db = tmp_path / "cc.duckdb"
    _publish_one(db, 1)
    copies = []
    real_copy = shutil.copyfile
    monkeypatch.setattr(shutil, "copyfile", lambda src, dst, **kw: copies.append(dst) or real_copy(src, dst, **kw))
    _publish_one(db, 2)
    assert len(copies) <= 1
    assert not work_path(db).exists() and _rows(db) == 2


def test_a_truncated_working_copy_is_rebuilt_from_the_published_file(tmp_path, caplog):
    db = tmp_path / "cc.duckdb"
    _publish_one(db, 1)
    shutil.copyfile(db, work_path(db))
    os.truncate(work_path(db), db.stat().st_size // 2)   # what a kill in the middle of a plain copy left
    with caplog.at_level(logging.WARNING), writer(db) as w:
        assert not w.resumed
        w.con.execute("INSERT INTO segments VALUES (2, 'y', NULL, NULL)")
    notices = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(notices) == 1 and str(work_path(db)) in notices[0] and "\n" not in notices[0]
    assert _rows(db) == 2


def test_a_working_copy_that_is_not_a_database_is_rebuilt(tmp_path, caplog):
    db = tmp_path / "cc.duckdb"
    _publish_one(db, 1)
    work_path(db).write_bytes(b"")
    with caplog.at_level(logging.WARNING), writer(db):
        pass
    assert any("discarded" in r.getMessage() for r in caplog.records)
    assert _rows(db) == 1


def test_a_broken_published_file_is_refused_and_left_as_it_is(tmp_path):
    db = tmp_path / "cc.duckdb"
    db.write_text("not a database\n")
    with pytest.raises(DatabaseUnreadable) as err, writer(db):
        pass
    assert "left untouched" in str(err.value) and "\n" not in str(err.value)
    assert db.read_text() == "not a database\n" and not work_path(db).exists()
    with pytest.raises(DatabaseUnreadable), read(db):
        pass


HOLD_LOCK = """
import sys, time
from pathlib import Path
from cc_data.store.db import locked
with locked(Path(sys.argv[1])):
    Path(sys.argv[2]).touch()
    time.sleep(float(sys.argv[3]))
"""


def test_a_writer_waits_for_the_lock_only_when_asked(tmp_path):
    db = tmp_path / "cc.duckdb"
    _publish_one(db, 1)
    ready = tmp_path / "locked"
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(db), str(ready), "2"],
                            cwd=Path(__file__).resolve().parents[2])
    try:
        deadline = time.monotonic() + 20
        while not ready.exists():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        with pytest.raises(WriterBusy, match="--wait"), writer(db):
            pass
        with pytest.raises(WriterBusy, match="0.3 s"), store_db.lock_wait(0.3), writer(db):
            pass
        with store_db.lock_wait(30), writer(db) as w:
            w.con.execute("INSERT INTO segments VALUES (2, 'y', NULL, NULL)")
        assert proc.wait(timeout=10) == 0   # it got the lock only once the holder was done
    finally:
        proc.kill()
        proc.wait()
    assert _rows(db) == 2


def test_connections_never_print_a_progress_bar(tmp_path):
    """DuckDB prints a progress bar on stdout during long queries; `cc-data sync --json` output must stay JSON."""
    from cc_data.store.db import connect

    for con in (connect(tmp_path / "p.duckdb", read_only=False), connect(":memory:", read_only=False)):
        assert con.sql("SELECT current_setting('enable_progress_bar')").fetchall() == [(False,)]
        con.close()
