"""The published database changes only by an atomic replace; readers never see a half-written state."""

import multiprocessing
import os
import signal

import duckdb
import pytest

from cc_data.errors import UserError, WriterBusy
from cc_data.store.db import data_version, read, work_path, writer, writer_busy
from cc_data.store.schema import SCHEMA_VERSION, current_version


def _count(path):
    with read(path) as con:
        return con.execute("SELECT count(*) FROM segments").fetchone()[0]


def test_first_writer_creates_schema_and_publishes(tmp_path):
    db = tmp_path / "cc.duckdb"
    with writer(db) as w:
        w.con.execute("INSERT INTO segments VALUES (1, 'a', NULL, NULL)")
    assert _count(db) == 1
    assert not work_path(db).exists()
    with read(db) as con:
        assert current_version(con) == SCHEMA_VERSION


def test_failed_write_leaves_published_file_untouched_and_is_resumed(tmp_path):
    db = tmp_path / "cc.duckdb"
    with writer(db) as w:
        w.con.execute("INSERT INTO segments VALUES (1, 'a', NULL, NULL)")
    before = data_version(db)
    with pytest.raises(RuntimeError), writer(db) as w:
        w.con.execute("INSERT INTO segments VALUES (2, 'b', NULL, NULL)")
        raise RuntimeError("crash")
    assert data_version(db) == before and _count(db) == 1
    assert work_path(db).exists()
    with writer(db) as w:
        assert w.resumed
        assert w.con.execute("SELECT count(*) FROM segments").fetchone()[0] == 2
    assert _count(db) == 2


def test_reader_keeps_its_snapshot_while_a_new_file_is_published(tmp_path):
    db = tmp_path / "cc.duckdb"
    with writer(db) as w:
        w.con.execute("INSERT INTO segments VALUES (1, 'a', NULL, NULL)")
    with read(db) as old:
        with writer(db) as w:
            w.con.execute("INSERT INTO segments VALUES (2, 'b', NULL, NULL)")
        assert old.execute("SELECT count(*) FROM segments").fetchone()[0] == 1
    assert _count(db) == 2


def _hold_writer(db, ready):
    with writer(db):
        ready.set()
        signal.pause()


def test_second_writer_is_refused_and_a_killed_writer_releases_the_lock(tmp_path):
    db = tmp_path / "cc.duckdb"
    ctx = multiprocessing.get_context("fork")
    ready = ctx.Event()
    proc = ctx.Process(target=_hold_writer, args=(db, ready))
    proc.start()
    try:
        assert ready.wait(20)
        assert writer_busy(db)
        with pytest.raises(WriterBusy, match="wait for it to finish"), writer(db):
            pass
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.join()
    assert not writer_busy(db)
    with writer(db) as w:
        w.con.execute("INSERT INTO segments VALUES (3, 'c', NULL, NULL)")
    assert _count(db) == 1


def test_reading_before_any_data_says_how_to_get_some(tmp_path):
    with pytest.raises(UserError, match="make run"), read(tmp_path / "none.duckdb"):
        pass


def test_old_file_is_migrated(tmp_path):
    db = tmp_path / "old.duckdb"
    duckdb.connect(str(db)).close()
    with writer(db) as w:
        assert current_version(w.con) == SCHEMA_VERSION
