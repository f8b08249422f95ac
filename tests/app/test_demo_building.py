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
    status(ProgressEvent("tracking", rows=121_134, calls=319, rate=20.0, eta_s=69.65, expected_calls=1712))
    at.run()
    bars = at.get("progress")
    assert len(bars) == 1 and "Building the demo data" in bars[0].proto.text
    # the steps after the sync (DonorPerfect's gifts, the pages' summary tables) are counted: not "step 12 of 12"
    assert "step 12 of 14, sends, opens and clicks: 121,134 rows, 319 of about 1,712 calls" in bars[0].proto.text
    assert bars[0].proto.value == int(100 * (11 + 319 / 1712) / 14)   # the whole build, as the step count says
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


def test_the_step_count_and_the_call_estimate_only_move_forward(tmp_path: Path) -> None:
    """The estimate was calls + ETA x the rate so far: as the rate changed it read "of about 557 calls", then
    933, 1,171, 1,544 (1,795 made); the step read "12 of 12" while a quarter of the build was still to come."""
    db = tmp_path / "cc.duckdb"
    status = demo.BuildStatus(db, None)
    seen: list[dict] = []
    for calls, rate in ((1, 40.0), (311, 60.0), (757, 90.0), (1060, 120.0), (1496, 150.0)):
        status.last = 0.0
        status(ProgressEvent("tracking", rows=calls * 400, calls=calls, rate=rate, eta_s=(1795 - calls) / 475,
                             expected_calls=1795))
        seen.append(demo.building_status(db))
    assert all("of about 1,795 calls" in s["text"] and "step 12 of 14" in s["text"] for s in seen)
    fractions = [s["fraction"] for s in seen]
    assert fractions == sorted(fractions) and fractions[-1] < 12 / 14
    status.last = 0.0
    status(ProgressEvent("contacts", rows=10, calls=2, rate=5.0, eta_s=0.0, done=True))   # a late event: ignored
    assert demo.building_status(db) == seen[-1]
    status(ProgressEvent("tracking", rows=700_000, calls=1900, rate=150.0, eta_s=0.0, expected_calls=1795))
    assert "1,900 of about 1,900 calls" in demo.building_status(db)["text"]   # never fewer than made
    status.phase("gifts from DonorPerfect")
    assert demo.building_status(db)["text"] == "step 13 of 14, gifts from DonorPerfect"
    status.phase("summary tables for the pages")
    after = demo.building_status(db)
    assert after["text"] == "step 14 of 14, summary tables for the pages" and after["fraction"] == 13 / 14
    status.close()


def test_writers_are_disabled_while_the_demo_builds(synthetic_db: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Sync now and the gift upload stayed enabled during a build (whose writer they would wait on or race)."""
    import shutil

    db = tmp_path / "cc.duckdb"
    shutil.copy(synthetic_db, db)
    monkeypatch.setenv("CC_DB_PATH", str(db))
    monkeypatch.setenv("CC_TOKEN_FILE", str(tmp_path / "tokens.json"))
    monkeypatch.delenv("CONSTANT_CONTACT_CLIENT_ID", raising=False)
    monkeypatch.chdir(ROOT)
    from tests.app.harness import open_page

    at = open_page(app_test().run(), "pages/data_sync.py")
    assert not at.button(key="sync_now").disabled
    assert not at.get("file_uploader")[0].proto.disabled
    status = demo.BuildStatus(db, None)
    try:
        at = open_page(app_test().run(), "pages/data_sync.py")
        assert at.button(key="sync_now").disabled
        assert at.get("file_uploader")[0].proto.disabled
        assert any("being built" in w.value for w in at.warning)
        reengagement = open_page(app_test().run(), "pages/reengagement.py")
        preview = [b for b in reengagement.button if b.key and b.key.endswith("preview_button")]
        assert preview and all(b.disabled for b in preview)
    finally:
        status.close()
