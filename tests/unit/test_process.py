"""The command line's and the dashboard's processes start with cc_data.process.prepare(): every file they create,
DuckDB's own included, is the owner's alone; polars' allocator is covered by tests/unit/test_store_memory.py and
tests/app/test_app_imports.py."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

CREATE = """
import json, os, stat, sys
{setup}
import duckdb
con = duckdb.connect(sys.argv[1])
con.execute("SET checkpoint_threshold = '1GB'")   # keep the write-ahead log on disk while we look at it
con.execute("CREATE TABLE gifts AS SELECT range AS id FROM range(1000)")
con.execute("INSERT INTO gifts SELECT range FROM range(1000)")
wal = sys.argv[1] + ".wal"
print(json.dumps({{"db": stat.S_IMODE(os.stat(sys.argv[1]).st_mode), "wal": stat.S_IMODE(os.stat(wal).st_mode)}}))
"""


def _modes(tmp_path: Path, setup: str) -> dict[str, int]:
    db = tmp_path / f"{len(setup)}.duckdb"
    done = subprocess.run([sys.executable, "-c", CREATE.format(setup=setup), str(db)], capture_output=True,
                          text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_files_the_command_line_creates_are_private(tmp_path: Path) -> None:
    plain = _modes(tmp_path, "os.umask(0o022)")
    prepared = _modes(tmp_path, "os.umask(0o022)\nfrom cc_data.cli import build_parser\nbuild_parser()")
    assert plain["wal"] & (stat.S_IRGRP | stat.S_IROTH)   # DuckDB's own files follow the process's umask
    assert prepared == {"db": 0o600, "wal": 0o600}
