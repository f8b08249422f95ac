"""`cc-data sync` reports skipped records and the run's notes on stderr in every output mode (issue 19: with
--json it said nothing, though the docs promise them there)."""

from __future__ import annotations

import argparse
import contextlib
import json

import pytest

from cc_data.cli import sync as cli
from cc_data.config import Settings
from cc_data.sync.runner import RunResult


@pytest.mark.parametrize("mode", ["json", "quiet", "plain"])
def test_skipped_records_and_notes_go_to_stderr_in_every_mode(monkeypatch, capsys, tmp_path, mode):
    result = RunResult("r1", "success", "incremental", {"GET /contacts": 2}, {"contacts": 1},
                       skipped={"contacts_updated": 1}, notes=["activity stats: counts unknown (not in the answer)"])
    monkeypatch.setattr(cli.datasource, "sync_now", lambda *a, **k: result)
    monkeypatch.setattr(cli.datasource, "is_demo", lambda settings: False)
    monkeypatch.setattr(cli, "record_command", lambda *a, **k: None)
    monkeypatch.setattr(cli, "lock_wait", lambda wait: contextlib.nullcontext())
    args = argparse.Namespace(quiet=mode == "quiet", json=mode == "json", wait=0.0, full=False, only=None)
    assert cli.cmd_sync(args, Settings(db_path=tmp_path / "cc.duckdb")) == 0
    out, err = capsys.readouterr()
    assert "contacts_updated: skipped 1 record(s) that came without their id" in err
    assert "counts unknown" in err
    if mode == "json":
        assert json.loads(out)["skipped"] == {"contacts_updated": 1}
    if mode == "quiet":
        assert out == ""
