"""`cc-data segments list|save|push` against the sandbox over loopback, and push's exit codes."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from cc_data.cli import main
from cc_data.errors import QuotaExceeded
from cc_data.push import activities
from tests.integration.conftest import settings_env, settings_for

LIST = "Lapsed donors 2026"


@pytest.fixture
def cli(start_sandbox, synced_file, tmp_path, monkeypatch):
    sandbox = start_sandbox()
    settings = settings_for(sandbox, tmp_path)
    shutil.copy(synced_file, settings.db_path)
    for key in list(os.environ):
        if key.startswith(("CC_", "CONSTANT_CONTACT_")):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    for key, value in settings_env(settings).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(activities, "POLL_FIRST_S", 0.0)
    monkeypatch.setattr(activities.poll, "__kwdefaults__", {**activities.poll.__kwdefaults__, "first_s": 0.0})
    return sandbox


def _json(capsys) -> object:
    return json.loads(capsys.readouterr().out)


def test_list_shows_the_default_and_saved_segments(cli, capsys):
    assert main(["segments", "list", "--json"]) == 0
    (only,) = _json(capsys)
    assert only["name"] == "re-engagement" and only["default"]
    assert main(["segments", "save", "Quiet 90", "--inactive-days", "90", "--min-emails", "2"]) == 0
    capsys.readouterr()
    assert main(["segments", "list", "--json"]) == 0
    rows = {r["name"]: r for r in _json(capsys)}
    assert rows["Quiet 90"]["inactive_days"] == 90 and rows["Quiet 90"]["min_emails"] == 2
    assert main(["segments", "push", "--segment", "nope", "--list", LIST]) == 2
    assert "segments list" in capsys.readouterr().err


def test_dry_run_then_push_then_nothing_left_to_add(cli, capsys):
    posts = lambda: sum(1 for m, p, _ in cli.request_log if m == "POST" and p.startswith("/v3/"))  # noqa: E731
    assert main(["segments", "push", "--list", LIST, "--dry-run", "--json"]) == 0
    preview = _json(capsys)
    assert preview["dry_run"] and preview["preview"]["to_add"] > 0 and preview["push"] is None and posts() == 0
    assert main(["segments", "push", "--list", LIST, "--json"]) == 0
    done = _json(capsys)
    assert done["push"]["state"] == "completed" and done["push"]["added"] == preview["preview"]["to_add"]
    assert main(["segments", "push", "--list", LIST]) == 0
    out = capsys.readouterr().out
    assert "0 to add" in out and f"{done['push']['added']:,} already on it" in out


def test_exit_4_when_an_activity_fails_and_3_when_the_quota_stops_a_push_that_then_resumes(cli, capsys, monkeypatch):
    cli.lists_api.outcome = "failed"
    assert main(["segments", "push", "--list", LIST]) == 4
    assert "failed" in capsys.readouterr().err
    cli.lists_api.outcome = "completed"

    real_poll = activities.poll
    monkeypatch.setattr(activities, "poll", lambda *a, **k: (_ for _ in ()).throw(QuotaExceeded("quota used up.")))
    assert main(["segments", "push", "--list", "Second list"]) == 3
    assert "resumes" in capsys.readouterr().err
    monkeypatch.setattr(activities, "poll", real_poll)
    assert main(["segments", "push", "--list", "Second list", "--json"]) == 0
    result = _json(capsys)
    assert result["resumed"] and result["push"]["state"] == "completed"
    adds = sum(1 for m, p, _ in cli.request_log if p == "/v3/activities/add_list_memberships")
    assert adds == 2   # one failed for the first list, one for the second: the resumed push sent nothing again
