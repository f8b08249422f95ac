"""Sync now on the demo sandbox moves its progress bar from start to done."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.delta_generator import DeltaGenerator

from cc_data import demo
from cc_data.config import load_settings
from cc_data.sync.engine import ProgressEvent
from cc_data.sync.runner import STREAMS
from pages.components.sync_progress import run_fraction
from tests.app.harness import app_test, open_page

ROOT = Path(__file__).resolve().parents[2]


def test_sync_now_moves_the_progress_bar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CONSTANT_CONTACT_CLIENT_ID", "DP_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CC_DB_PATH", str(tmp_path / "cc.duckdb"))
    monkeypatch.setenv("CC_TOKEN_FILE", str(tmp_path / "tokens.json"))
    demo.build(load_settings(), scale="small")   # Sync now then refreshes this small sandbox account
    monkeypatch.chdir(ROOT)
    values: list[float] = []
    shown = DeltaGenerator.progress

    def spy(self: DeltaGenerator, value: float, text: str | None = None) -> DeltaGenerator:
        values.append(value)
        return shown(self, value, text)

    monkeypatch.setattr(DeltaGenerator, "progress", spy)
    at = app_test()
    at.run()
    open_page(at, "pages/data_sync.py")
    at.button[0].click().run()   # "Sync now"
    assert not at.exception, [e.value for e in at.exception]
    assert any("Sync finished" in s.value for s in at.success)
    moving = [v for v in values if 0 < v < 1]
    assert len(set(moving)) >= len(STREAMS) - 1, values   # a step at least per stream, not 0 then 1
    assert values == sorted(values) and values[-1] == 1.0


@pytest.mark.parametrize(("event", "low", "high"), [
    (ProgressEvent(STREAMS[0], 0, 0, 0.0, None), 0.0, 0.0),
    (ProgressEvent(STREAMS[0], 5, 1, 1.0, None, done=True), 1 / len(STREAMS), 1 / len(STREAMS)),
    (ProgressEvent(STREAMS[-1], 10, 30, 10.0, 1.0), (len(STREAMS) - 1) / len(STREAMS), 1.0),
    (ProgressEvent(STREAMS[-1], 10, 30, 10.0, 0.0, done=True), 1.0, 1.0),
    (ProgressEvent("not a stream", 1, 1, 1.0, None), 0.0, 0.0),
])
def test_run_fraction_counts_streams_before_and_within(event: ProgressEvent, low: float, high: float) -> None:
    assert low <= run_fraction(event) <= high
