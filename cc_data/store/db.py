"""The published database, its working copy, and read-only access.

A writer (a sync, a donations import) never touches the published file. It works on
`<db>.work`, a copy, and publishes it with os.replace at a consistent point, so the dashboard
keeps reading while a sync runs and a crash at any moment leaves the published file as it was.
A working copy left by a crash is resumed by the next writer: its checkpoints live inside it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb

from cc_data.errors import UserError, WriterBusy
from cc_data.store import derived
from cc_data.store.schema import migrate

# DuckDB's own default is 80% of the machine's RAM. A writer caps it, so a sync or a publish of any size stays
# within a bounded footprint: bigger aggregations (the per-send table at publish) spill to `<db>.work.tmp`.
WRITER_MEMORY_LIMIT = "2GB"


def _connect_writer(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), config={"memory_limit": WRITER_MEMORY_LIMIT})


def work_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".work")


def _lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


class Writer:
    """A connection to the working copy, plus `publish()` to make its current state visible."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.path = work_path(db_path)
        self.resumed = self.path.exists()
        if not self.resumed and db_path.exists():
            shutil.copyfile(db_path, self.path)
        self.con = _connect_writer(self.path)
        migrate(self.con)

    def publish(self) -> None:
        """Atomically replace the published file with the working copy, then keep working on a new copy."""
        derived.refresh(self.con)
        self.con.execute("CHECKPOINT")
        self.con.close()
        with open(self.path, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(self.path, self.db_path)
        _fsync_dir(self.db_path.parent)
        shutil.copyfile(self.db_path, self.path)
        self.con = _connect_writer(self.path)

    def close(self, *, publish: bool) -> None:
        if publish:
            self.publish()
        self.con.close()
        if publish:
            self.path.unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def writer(db_path: Path) -> Iterator[Writer]:
    """Exclusive write access. Publishes on normal exit; on an exception the working copy stays for resuming."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    lock = open(_lock_path(db_path), "w")  # noqa: SIM115 - held for the whole block
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WriterBusy(
                "Another sync or import is writing the database right now; wait for it to finish and try again."
            ) from None
        w = Writer(db_path)
        try:
            yield w
        except BaseException:
            w.con.close()
            raise
        w.close(publish=True)
    finally:
        lock.close()


def writer_busy(db_path: Path) -> bool:
    """True while another process holds the write lock."""
    lock_file = _lock_path(Path(db_path))
    if not lock_file.exists():
        return False
    with open(lock_file, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(lock, fcntl.LOCK_UN)
    return False


def data_version(db_path: Path) -> str:
    """Changes whenever a new database is published; use it as a cache key."""
    try:
        st = Path(db_path).stat()
    except FileNotFoundError:
        return "missing"
    return f"{st.st_ino}-{st.st_mtime_ns}-{st.st_size}"


@contextlib.contextmanager
def read(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-only connection to the published database. Open one per query, never share it."""
    db_path = Path(db_path)
    if not db_path.exists():
        raise UserError(f"No data at {db_path} yet: run `make run` for the demo or `cc-data sync` for your account.")
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        yield con
    finally:
        con.close()
