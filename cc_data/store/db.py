"""The database file's whole life: the write lock, the working copy, publishing, and read-only access.

DuckDB allows one writing process or many read-only ones, not both. A writer (a sync, a donations import) never
touches the published file: it takes the write lock (`<db>.lock`), works on `<db>.work`, a copy, and publishes
it with os.replace at a consistent point, so the dashboard keeps reading while a sync runs and a crash at any
moment leaves the published file as it was. A working copy left by a crash is resumed by the next writer (its
checkpoints live inside it); a copy only appears once complete, and one that does not open is rebuilt.

Read top-down: `writer` (lock, working copy, publish), then `read` (the dashboard's side), then the one way
every project connection is opened. Whether a file is sound is asked of cc_data.store.filecheck.
"""

from __future__ import annotations

import contextlib
import contextvars
import fcntl
import logging
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

from cc_data.errors import DatabaseUnreadable, UserError, WriterBusy
from cc_data.store.filecheck import block_problem, first_line, header_problem, unreadable
from cc_data.store.locks import take_flock
from cc_data.store.schema import migrate

log = logging.getLogger(__name__)

# What a writer runs on its working copy just before publishing (e.g. cc_data.analytics.stored.refresh.refresh_changed).
BeforePublish = Callable[[duckdb.DuckDBPyConnection], None]

# How long `writer()` waits for another writer to finish; set for a block with `lock_wait(seconds)`.
_lock_wait_s: contextvars.ContextVar[float] = contextvars.ContextVar("lock_wait_s", default=0.0)


# --- writing: the lock, the working copy, publishing ------------------------------------------------------

@contextlib.contextmanager
def writer(db_path: Path, *,
           before_publish: BeforePublish | None = None) -> Iterator[Writer]:
    """Exclusive write access. Publishes on normal exit (running `before_publish` on the working copy first);
    on an exception the working copy stays for resuming."""
    db_path = Path(db_path)
    with locked(db_path):
        w = Writer(db_path, before_publish)
        try:
            yield w
        except duckdb.IOException:
            w.abandon()
            raise
        except BaseException:
            w.con.close()
            raise
        w.close(publish=True)


@contextlib.contextmanager
def locked(db_path: Path) -> Iterator[None]:
    """The exclusive write lock (`<db>.lock`, released by the kernel if the process dies)."""
    db_path = Path(db_path)
    if not db_path.parent.exists():
        db_path.parent.mkdir(parents=True, mode=0o700)
    lock = open(_lock_path(db_path), "w")  # noqa: SIM115 - held for the whole block
    try:
        wait = _lock_wait_s.get()
        if not take_flock(lock, wait, poll_s=0.2):
            raise _busy(wait)
        yield
    finally:
        lock.close()


@contextlib.contextmanager
def lock_wait(seconds: float) -> Iterator[None]:
    """Writers opened inside this block wait up to `seconds` for another writer to finish."""
    token = _lock_wait_s.set(max(0.0, seconds))
    try:
        yield
    finally:
        _lock_wait_s.reset(token)


def _busy(waited: float) -> WriterBusy:
    if waited:
        return WriterBusy(f"Another sync or import was still writing the database after {waited:g} s; "
                          "wait for it to finish and try again, or wait longer with --wait SECONDS.")
    return WriterBusy("Another sync or import is writing the database right now; wait for it to finish and try "
                      "again, or pass --wait SECONDS to wait for it.")


class Writer:
    """A connection to the working copy, plus `publish()` to make its current state visible."""

    def __init__(self, db_path: Path,
                 before_publish: BeforePublish | None = None) -> None:
        self.db_path = db_path
        self.before_publish = before_publish
        self.path = work_path(db_path)
        self.con = self._resume()
        self.resumed = self.con is not None
        if self.con is None:
            if db_path.exists():
                verify(db_path)
                copy_complete(db_path, self.path)
            self.con = _connect_writer(self.path)
        try:
            migrate(self.con)
        except duckdb.IOException:
            self.abandon()
            raise

    def _resume(self) -> duckdb.DuckDBPyConnection | None:
        """The working copy a crashed writer left, or None (a broken one is discarded with a notice)."""
        partial_path(self.path).unlink(missing_ok=True)   # a copy killed before it was complete
        if not self.path.exists():
            return None
        problem = header_problem(self.path)
        if problem is None:
            try:
                con = _connect_writer(self.path)
            except duckdb.Error as err:
                problem = f"does not open ({first_line(err)})"
            else:
                try:
                    problem = block_problem(con, self.path)
                except duckdb.Error as err:
                    problem = f"cannot be read ({first_line(err)})"
                if problem is None:
                    return con
                con.close()
        log.warning("The working copy %s %s; discarded, starting again from the published database.",
                    self.path, problem)
        self.path.unlink()
        wal_path(self.path).unlink(missing_ok=True)
        return None

    def publish(self, *, keep_working: bool = True) -> None:
        """Atomically replace the published file with the working copy; with keep_working, go on working
        on a new copy of it."""
        if self.before_publish is not None:
            self.fresh_connection()
            self.fit_memory()
            try:
                self.before_publish(self.con)   # e.g. the stored results (cc_data.analytics.stored)
            except duckdb.OutOfMemoryException as err:
                # A step DuckDB cannot spill needed more than the cap (at 200,000 contacts the gifts' attribution
                # did at 512 MB). The refresh is one transaction, rolled back: run it again with a higher cap
                # rather than leave an account that can never publish.
                log.warning("Publishing needed more memory than DuckDB's cap (%s); trying again with %s MB.",
                            first_line(err), RETRY_MEMORY_MB)
                self.con.execute(f"SET memory_limit = '{RETRY_MEMORY_MB}MB'")
                self._memory_limit = f"{RETRY_MEMORY_MB}MB"
                self.before_publish(self.con)
        self.con.execute("CHECKPOINT")
        self.con.close()
        with open(self.path, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(self.path, self.db_path)
        fsync_dir(self.db_path.parent)
        if keep_working:
            copy_complete(self.db_path, self.path)
            self.con = _connect_writer(self.path)

    def close(self, *, publish: bool) -> None:
        if publish:
            self.publish(keep_working=False)   # nothing follows: no copy back to a working file
        else:
            self.con.close()

    def abandon(self) -> None:
        """Close after a failure. A fresh copy of a published file that turns out to be damaged is removed, and
        the damage is reported as DatabaseUnreadable (a copy of it can never be published)."""
        self.con.close()
        if self.resumed or not self.db_path.exists():
            return
        try:
            verify(self.db_path, every_block=True)
        except DatabaseUnreadable:
            self.path.unlink(missing_ok=True)
            wal_path(self.path).unlink(missing_ok=True)
            raise

    def fresh_connection(self) -> None:
        """Close the working copy and open it again: what the writes so far left in DuckDB's memory (the indexes of
        upserted tables, cached blocks; about 40 MB after a demo sync) is given back before the refresh needs memory
        of its own."""
        self.con.execute("CHECKPOINT")
        self.con.close()
        self.con = _connect_writer(self.path)
        self._memory_limit = writer_memory_limit(self.path)

    def fit_memory(self) -> None:
        """Size DuckDB's cap for the working copy as it is now (a first sync starts from an empty file and grows)."""
        limit = writer_memory_limit(self.path)
        if limit != getattr(self, "_memory_limit", None):
            self.con.execute(f"SET memory_limit = '{limit}'")
            self._memory_limit = limit


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


# --- the working copy's files -----------------------------------------------------------------------------

def work_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".work")


def partial_path(path: Path) -> Path:
    return path.with_name(path.name + ".copying")


def wal_path(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


def copy_complete(src: Path, dst: Path) -> None:
    """Copy src to dst (mode 0600) so that dst only ever appears complete and on disk: copy to a temporary
    name, fsync, rename. A kill mid-copy leaves only the temporary file, which the next copy replaces."""
    partial = partial_path(dst)
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    shutil.copyfile(src, partial)
    os.chmod(partial, 0o600)
    with open(partial, "rb") as fh:
        os.fsync(fh.fileno())
    wal_path(dst).unlink(missing_ok=True)   # a WAL left beside an old copy must never be replayed onto this one
    os.replace(partial, dst)
    fsync_dir(dst.parent)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# DuckDB's own default is 80% of the machine's RAM. A writer caps it at twice the database's size, between 128 MB and
# 1 GB, so memory follows the account and a sync or publish of any size stays bounded (under 2 GB for the whole
# process at 200,000 contacts, bench/results/memory.md): bigger aggregations (the per-send table at publish) spill to
# `<db>.work.tmp`. The demo account's publish needs more than 96 MB (it ran out at 64 and 96 MB) and takes no longer
# at 128 MB than at four times its file (~290 MB), 100 MB less at its peak (bench/results/dlt.md).
WRITER_MEMORY_MB = (128, 1024)
WRITER_MEMORY_PER_FILE_MB = 2
RETRY_MEMORY_MB = 4096   # a publish whose refresh ran out of memory under the cap is run once more with this


def writer_memory_limit(path: Path) -> str:
    size_mb = sum(p.stat().st_size for p in (path, wal_path(path)) if p.exists()) / 2**20
    low, high = WRITER_MEMORY_MB
    return f"{int(min(max(WRITER_MEMORY_PER_FILE_MB * size_mb, low), high))}MB"


def _connect_writer(path: Path) -> duckdb.DuckDBPyConnection:
    con = connect(path, read_only=False, memory_limit=writer_memory_limit(path))
    os.chmod(path, 0o600)
    return con


# --- reading: the published file --------------------------------------------------------------------------

@contextlib.contextmanager
def read(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-only connection to the published database. Open one per query, never share it.
    A file that is not a readable DuckDB database raises DatabaseUnreadable (a UserError), here or in the block."""
    db_path = Path(db_path)
    if not db_path.exists():
        raise UserError(f"No data at {db_path} yet: run `make run` for the demo or `cc-data sync` for your account.")
    con = open_read_only(db_path)
    try:
        yield con
    except duckdb.IOException as err:   # a block missing or unreadable: the file is damaged
        raise unreadable(db_path, f"cannot be read ({first_line(err)})") from None
    finally:
        con.close()


def data_version(db_path: Path) -> str:
    """Changes whenever a new database is published; use it as a cache key."""
    try:
        st = Path(db_path).stat()
    except FileNotFoundError:
        return "missing"
    return f"{st.st_ino}-{st.st_mtime_ns}-{st.st_size}"


def verify(path: Path, *, every_block: bool = False) -> None:
    """Raise DatabaseUnreadable unless the file opens and its catalog reads; with every_block, also unless every
    block its tables use lies within the file (what a truncated file fails, however it still opens)."""
    con = open_read_only(path)
    try:
        problem = block_problem(con, path) if every_block else None
    except duckdb.Error as err:
        raise unreadable(path, f"cannot be read ({first_line(err)})") from None
    finally:
        con.close()
    if problem:
        raise unreadable(path, problem)


def open_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection, or DatabaseUnreadable when the file is no DuckDB database or does not open."""
    problem = header_problem(path)
    if problem:
        raise unreadable(path, problem)
    try:
        return connect(path, read_only=True)
    except duckdb.Error as err:
        raise unreadable(path, f"does not open ({first_line(err)})") from None


# --- every project connection -----------------------------------------------------------------------------

# Extension autoloading and autoinstall are off (a SQLite header would otherwise make DuckDB download its sqlite
# extension), and DuckDB refuses a second connection to the same file with a different configuration, so there is
# one configuration for all of them.
DUCKDB_CONFIG: dict[str, object] = {"autoload_known_extensions": False, "autoinstall_known_extensions": False}
# A read-only connection (the dashboard's, one per query) is capped too: DuckDB's default would let one query of a
# page take most of the machine's memory (an Email report's 122 peers: 1.8 GB at large scale), and the app's process
# keeps its peak. Bigger queries spill to `<db>.tmp`: the same page at 256 MB takes as long (bench/results/memory.md).
# Two processes spilling there at once (the dashboard, a report) keep apart: DuckDB names its spill files by process
# id (2.0 does; 1.1 did not, duckdb/duckdb#15173).
READER_CONFIG: dict[str, object] = {"memory_limit": "256MB"}


def connect(path: Path | str, *, read_only: bool, **config: object) -> duckdb.DuckDBPyConnection:
    base = {**DUCKDB_CONFIG, **(READER_CONFIG if read_only else {})}
    con = duckdb.connect(str(path), read_only=read_only, config={**base, **config})
    # No progress bar: DuckDB prints it on stdout during long queries, in the middle of `cc-data sync --json`.
    con.execute("SET enable_progress_bar = false")
    return con
