"""`make run` serves the dashboard while the demo is built: the pages show the build's progress meanwhile."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from cc_data import demo
from cc_data.sync.engine import ProgressEvent
from tests.app.harness import app_test

ROOT = Path(__file__).resolve().parents[2]


def test_a_build_under_way_shows_its_progress_instead_of_the_empty_state(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "cc.duckdb"
    monkeypatch.setenv("CC_DB_PATH", str(db))
    monkeypatch.setenv("CC_TOKEN_FILE", str(tmp_path / "tokens.json"))
    monkeypatch.delenv("CONSTANT_CONTACT_CLIENT_ID", raising=False)
    monkeypatch.chdir(ROOT)
    at = app_test().run()
    assert any("no data" in i.value for i in at.info) and not at.get("progress")

    status = demo.BuildStatus(db, None)
    status(ProgressEvent("tracking", rows=121_134, calls=319, rate=20.0, eta_s=69.65, done=True))
    status.last = 0.0   # the file is written twice a second at most
    status(ProgressEvent("tracking", rows=121_134, calls=319, rate=20.0, eta_s=69.65))
    at.run()
    bars = at.get("progress")
    assert len(bars) == 1 and "Building the demo data" in bars[0].proto.text
    assert "step 12 of 12, tracking: 121,134 rows, 319 of about 1,712 calls" in bars[0].proto.text
    assert bars[0].proto.value == int(100 * 319 / 1712)   # the step's own progress, not 11/12 of the bar
    assert not any("no data" in i.value for i in at.info)
    status.close()
    assert demo.building_status(db) is None


def test_a_status_file_left_by_a_killed_build_is_ignored(tmp_path: Path) -> None:
    path = demo.building_path(tmp_path / "cc.duckdb")
    path.write_text(json.dumps({"fraction": 0.5, "text": "contacts", "written_at": time.time()}))
    assert demo.building_status(tmp_path / "cc.duckdb") == {"fraction": 0.5, "text": "contacts"}
    path.write_text(json.dumps({"fraction": 0.5, "text": "contacts", "written_at": time.time() - 600}))
    assert demo.building_status(tmp_path / "cc.duckdb") is None
    path.write_text(json.dumps({"fraction": 0.5, "text": "contacts"}))   # an older build's file: no time in it
    assert demo.building_status(tmp_path / "cc.duckdb") is None
