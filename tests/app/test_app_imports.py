"""The dashboard process loads the board report's PDF libraries (matplotlib, reportlab: 55 MB resident) only when a
report is asked for, not for every reader who opens Overview or Compare appeals, the pages with its button."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.app.fixture_db import build_synthetic

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import os, sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=120)
at.run()
at.switch_page(sys.argv[2]).run()
assert not at.exception, at.exception
print("LOADED", sorted(m for m in ("matplotlib", "reportlab") if m in sys.modules))
"""


def test_the_pages_with_the_report_button_do_not_load_its_pdf_libraries(tmp_path: Path) -> None:
    db = build_synthetic(tmp_path / "cc.duckdb", contacts=60, campaigns=6)
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(ROOT / "tests/app/app_entry.py"),
                           str(ROOT / "pages/compare_appeals.py")], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "CC_DB_PATH": str(db)}, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "LOADED []" in done.stdout
