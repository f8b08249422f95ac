"""`kill -9` while the working copy is being filled: the next writer starts over from the published file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from cc_data.store.db import read, writer

# A writer whose whole-file copy writes half the file, then hangs: the moment a kill is most harmful.
SLOW_COPY = """
import shutil, sys, time
from pathlib import Path

def half_then_hang(src, dst, **kw):
    data = Path(src).read_bytes()
    with open(dst, "wb") as out:
        out.write(data[: len(data) // 2])
        out.flush()
    Path(sys.argv[2]).touch()
    time.sleep(600)

shutil.copyfile = half_then_hang
from cc_data.store.db import writer
with writer(Path(sys.argv[1])) as w:
    w.con.execute("INSERT INTO segments VALUES (99, 'never', NULL, NULL)")
"""


def test_kill_during_the_copy_then_the_next_writer_succeeds(tmp_path: Path):
    db = tmp_path / "cc.duckdb"
    with writer(db) as w:
        w.con.execute("INSERT INTO segments SELECT i, 'segment ' || i, NULL, NULL FROM range(20000) t(i)")
    marker = tmp_path / "copying"
    proc = subprocess.Popen([sys.executable, "-c", SLOW_COPY, str(db), str(marker)],
                            cwd=Path(__file__).resolve().parents[2])
    try:
        deadline = time.monotonic() + 30
        while not marker.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "the writer never reached its copy"
            time.sleep(0.05)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    with writer(db) as w:
        w.con.execute("INSERT INTO segments VALUES (20000, 'after the kill', NULL, NULL)")
    with read(db) as con:
        assert con.execute("SELECT count(*), max(segment_id) FROM segments").fetchone() == (20001, 20000)
