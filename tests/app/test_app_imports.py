"""What the dashboard's process loads and keeps: the board report's PDF libraries (matplotlib, reportlab: 55 MB
resident) only when a report is asked for, not for every reader who opens Overview or Compare appeals, the pages
with its button; and polars' allocator gives freed memory back (cc_data.process), as app.py asks before the pages
load polars; and the files it creates are private."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.app.fixture_db import build_synthetic

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import json, sys
from streamlit.testing.v1 import AppTest
assert "polars" not in sys.modules
at = AppTest.from_file(sys.argv[1], default_timeout=120)
at.run()
at.switch_page(sys.argv[2]).run()
assert not at.exception, at.exception
import polars as pl
def rss_mb():
    return int(next(x for x in open("/proc/self/status") if x.startswith("VmRSS")).split()[1]) // 1024
big = pl.DataFrame({"x": pl.int_range(0, 20_000_000, eager=True)}).with_columns(y=pl.col("x") * 2)
held = rss_mb()
del big
import os
umask = os.umask(0o022)
print("RESULT", json.dumps({"loaded": sorted(m for m in ("matplotlib", "reportlab") if m in sys.modules),
                            "freed_mb": held - rss_mb(), "umask": umask}))
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Compare appeals rendered by app.py in a fresh interpreter, with no allocator setting of the caller's."""
    db = build_synthetic(tmp_path_factory.mktemp("app_process") / "cc.duckdb", contacts=60, campaigns=6)
    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"} | {"CC_DB_PATH": str(db)}
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(ROOT / "tests/app/app_entry.py"),
                           str(ROOT / "pages/compare_appeals.py")], cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(next(line for line in done.stdout.splitlines() if line.startswith("RESULT"))[7:])


def test_the_pages_with_the_report_button_do_not_load_its_pdf_libraries(rendered: dict) -> None:
    assert rendered["loaded"] == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="polars uses jemalloc on Linux; RSS from /proc")
def test_the_dashboard_process_gives_polars_freed_memory_back(rendered: dict) -> None:
    assert rendered["freed_mb"] > 250   # polars' default keeps the 300 MB it freed (tests/unit/test_store_memory.py)


def test_the_dashboard_process_creates_private_files(rendered: dict) -> None:
    assert rendered["umask"] == 0o077   # DuckDB's write-ahead log of a saved mapping, spill files: 0600
