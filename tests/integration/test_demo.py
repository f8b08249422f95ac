"""The demo database: the sandbox synced over loopback HTTP by the real sync and DonorPerfect code."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from cc_data import demo
from cc_data.cli import demo as demo_command
from cc_data.cli import main
from cc_data.config import load_settings
from cc_data.errors import UserError
from cc_data.sandbox.generator import generate
from cc_data.sandbox.server import SandboxServer
from cc_data.store.db import data_version, read


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("CONSTANT_CONTACT_CLIENT_ID", "CC_DB_PATH", "CC_TOKEN_FILE", "DP_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    return load_settings(env={"CC_DB_PATH": str(tmp_path / "data" / "cc.duckdb")})


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory) -> Path:
    """One small demo, built once per worker at the session's instant; tests that start from a built demo copy it
    (test_build_syncs_the_sandbox... and the CLI's own build still build theirs)."""
    path = tmp_path_factory.mktemp("small-demo") / "cc.duckdb"
    assert demo.build(load_settings(env={"CC_DB_PATH": str(path)}), scale="small").outcome == "success"
    return path


@pytest.fixture
def built(settings, small_demo):
    """settings.db_path holding a copy of the small demo."""
    settings.db_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(small_demo, settings.db_path)
    return settings


def _counts(db_path):
    with read(db_path) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("contacts", "tracking_events", "gifts", "gift_code_campaigns", "sync_runs")}


def test_build_syncs_the_sandbox_and_records_how_to_restart_it(settings):
    result = demo.build(settings, scale="small")
    assert result.outcome == "success"
    meta = demo.demo_meta(settings.db_path)
    assert meta["source"] == "demo" and meta["demo_scale"] == "small" and json.loads(meta["demo_advances"]) == []
    account = generate(demo.DEMO_SEED, "small", demo._now_hour())
    counts = _counts(settings.db_path)
    assert counts["contacts"] == account.contacts_frame().height
    assert counts["tracking_events"] == account.tracking_frame().height
    assert counts["gifts"] == account.gifts.height
    assert counts["gift_code_campaigns"] == len(account.appeal_codes)
    truth = account.contacts_frame().select("contact_id", "first_name", "email_address").sort("contact_id")
    with read(settings.db_path) as con:
        stored = con.execute("SELECT contact_id, first_name, email_address, email FROM contacts ORDER BY contact_id"
                             ).fetchall()
    # Accented names and mixed-case, space-padded addresses arrive exactly as given; `email` is normalised.
    assert [(r[0], r[1], r[2]) for r in stored] == truth.rows()
    assert sum(1 for r in stored if any(ord(ch) > 127 for ch in r[1] or "")) > 0
    assert all(r[3] == r[2].strip().lower() for r in stored)
    assert any(r[2] != r[3] for r in stored)


def test_refresh_moves_the_sandbox_clock_to_now_and_picks_up_new_activity(built, monkeypatch):
    settings = built
    before = _counts(settings.db_path)
    start = demo._now_hour()
    monkeypatch.setattr(demo, "_now_hour", lambda: start + timedelta(days=3))
    result = demo.refresh(settings)
    assert result.outcome == "success"
    assert json.loads(demo.demo_meta(settings.db_path)["demo_advances"]) == [3.0]
    after = _counts(settings.db_path)
    assert after["sync_runs"] == before["sync_runs"] + 1
    assert result.rows.get("contacts", 0) > 0  # profile edits and opt-outs made in those three days
    truth_server = SandboxServer(seed=demo.DEMO_SEED, scale="small", now=start)
    truth_server.advance(3.0)
    truth = truth_server.account
    assert after["contacts"] == truth.contacts_frame().height
    assert after["tracking_events"] == truth.tracking_frame().height
    # A second refresh at the same moment replays the same advance and finds nothing new.
    again = demo.refresh(settings)
    assert json.loads(demo.demo_meta(settings.db_path)["demo_advances"]) == [3.0]
    assert _counts(settings.db_path)["contacts"] == after["contacts"]
    assert again.rows.get("tracking_events", 0) == 0


def test_cli_if_missing_keeps_an_existing_database(settings, monkeypatch):
    monkeypatch.setenv("CC_DB_PATH", str(settings.db_path))
    assert main(["demo", "--scale", "small"]) == 0
    version = data_version(settings.db_path)
    assert main(["demo", "--if-missing"]) == 0
    assert data_version(settings.db_path) == version


def test_cli_sync_without_credentials_syncs_the_demo(built, monkeypatch, capsys):
    settings = built
    monkeypatch.setenv("CC_DB_PATH", str(settings.db_path))
    assert main(["sync", "--quiet"]) == 0
    assert "demo sandbox" not in capsys.readouterr().err  # --quiet says nothing
    assert _counts(settings.db_path)["sync_runs"] == 2


def test_demo_refuses_to_overwrite_a_real_account(settings, monkeypatch, capsys):
    monkeypatch.setenv("CC_DB_PATH", str(settings.db_path))
    monkeypatch.setenv("CONSTANT_CONTACT_CLIENT_ID", "real-app")
    assert main(["demo"]) == 2
    err = capsys.readouterr().err
    assert "would overwrite your data" in err and "Traceback" not in err
    with pytest.raises(UserError):
        demo_command._run(type("A", (), {"if_missing": False, "scale": "small", "seed": 7})(),
                  load_settings(env={"CONSTANT_CONTACT_CLIENT_ID": "x"}))


def test_status_reports_source_streams_and_runs_in_plain_text(settings, small_demo, monkeypatch, capsys):
    monkeypatch.setenv("CC_DB_PATH", str(settings.db_path))
    assert main(["status"]) == 2
    assert "No data at" in capsys.readouterr().err
    settings.db_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(small_demo, settings.db_path)
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Source: the built-in demo sandbox")
    lines = out.splitlines()
    tracking = next(line.split() for line in lines if line.startswith("tracking "))
    assert int(tracking[-3].replace(",", "")) == _counts(settings.db_path)["tracking_events"]
    assert any(line.split()[4] == "success" for line in lines if line[:4].isdigit())
    assert "shape:" not in out and "null" not in out
    assert main(["status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["calls_today"] > 0 and {s["stream"] for s in report["streams"]} >= {"contacts", "tracking"}


def _live_database(path):
    """What a real account's sync leaves: a database with no demo mark."""
    from cc_data.store.db import writer

    with writer(path) as w:
        w.con.execute("INSERT INTO segments VALUES (1, 'real donors', NULL, NULL)")
    return data_version(path)


@pytest.mark.parametrize("trace", ["refresh_token", "token_file", "database"])
def test_an_empty_client_id_never_turns_a_real_account_into_the_demo(settings, monkeypatch, capsys, tmp_path, trace):
    monkeypatch.setenv("CC_DB_PATH", str(settings.db_path))
    monkeypatch.setenv("CONSTANT_CONTACT_CLIENT_ID", "")
    monkeypatch.setenv("CC_TOKEN_FILE", str(tmp_path / "tokens.json"))
    version = None
    if trace == "refresh_token":
        monkeypatch.setenv("CONSTANT_CONTACT_REFRESH_TOKEN", "rt-secret-123")
    elif trace == "token_file":
        (tmp_path / "tokens.json").write_text("{}")
    version = _live_database(settings.db_path)
    for command in (["sync"], ["sync", "--quiet"], ["demo"], ["status"]):
        assert main(command) == 2, command
        err = capsys.readouterr().err
        assert "CONSTANT_CONTACT_CLIENT_ID" in err and len(err.strip().splitlines()) == 1, err
        assert "rt-secret-123" not in err
        assert data_version(settings.db_path) == version
    from cc_data import datasource

    with pytest.raises(UserError):   # the dashboard's "Sync now" takes this path
        datasource.sync_now(load_settings())
    assert data_version(settings.db_path) == version


@pytest.mark.parametrize("content", ["live", "text"])
def test_the_demo_replaces_only_a_file_it_marked_itself(settings, content):
    if content == "live":
        _live_database(settings.db_path)
    else:
        settings.db_path.parent.mkdir(parents=True)
        settings.db_path.write_text("my notes\n")
    version = data_version(settings.db_path)
    with pytest.raises(UserError) as err:
        demo.build(settings, scale="small")
    assert str(settings.db_path) in str(err.value) and "\n" not in str(err.value)
    assert "CONSTANT_CONTACT_CLIENT_ID" in str(err.value) or "left untouched" in str(err.value)
    assert data_version(settings.db_path) == version


def test_sync_reports_a_partial_run_with_exit_code_4(settings, monkeypatch, capsys):
    from cc_data import datasource
    from cc_data.sync.runner import RunResult

    monkeypatch.setattr(datasource, "sync_now", lambda *a, **k: RunResult(
        "r1", "partial", "incremental", message="2 campaigns could not be fetched; the next run retries them."))
    assert main(["sync", "--quiet"]) == 4
    assert "2 campaigns could not be fetched" in capsys.readouterr().err


def test_sync_wait_lets_its_writers_wait_for_the_lock(settings, monkeypatch):
    from cc_data import datasource
    from cc_data.store import db

    waits = []
    from cc_data.sync.runner import RunResult

    monkeypatch.setattr(datasource, "sync_now", lambda *a, **k: waits.append(db._lock_wait_s.get()) or
                        RunResult("r", "success", "incremental"))
    assert main(["sync", "--quiet", "--wait", "45"]) == 0
    assert main(["sync", "--quiet"]) == 0
    assert waits == [45.0, 0.0]
