"""A file at CC_DB_PATH that is not a readable DuckDB database: every command says so in one line, touches
nothing, and says how to recover."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from cc_data.analytics.stored import refresh
from cc_data.cli import main
from cc_data.store.db import work_path, writer

KINDS = ("empty", "text", "sqlite", "truncated")


def good_database(path: Path) -> Path:
    """A sound database, published with its derived tables as every sync publishes it."""
    with writer(path, before_publish=refresh.refresh_all) as w:
        w.con.execute("INSERT INTO segments SELECT i, 'segment ' || i, NULL, NULL FROM range(20000) t(i)")
    return path


def make_broken(path: Path, kind: str) -> Path:
    """Write a broken database of this kind at path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("contact_id,email\n1,a@example.org\n")
    elif kind == "sqlite":
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE contacts (contact_id TEXT)")
        con.commit()
        con.close()
    else:
        good_database(path)
        os.truncate(path, path.stat().st_size // 2)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_one_line_about(err: str, path: Path) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err and str(path) in err
    assert "left untouched" in err and "move it aside" in err and "full sync" in err


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "data" / "cc.duckdb"
    monkeypatch.delenv("DP_API_KEY", raising=False)
    monkeypatch.setenv("CONSTANT_CONTACT_REFRESH_TOKEN", "rt-test")   # a login: the sync gets to the database
    monkeypatch.setenv("CC_DB_PATH", str(db))
    monkeypatch.setenv("CC_TOKEN_FILE", str(tmp_path / "tokens.json"))
    monkeypatch.setenv("CONSTANT_CONTACT_CLIENT_ID", "real-app")
    monkeypatch.setenv("CC_API_BASE_URL", "http://127.0.0.1:9/v3")   # nothing listens: no call may be needed
    monkeypatch.setenv("CC_OAUTH_BASE_URL", "http://127.0.0.1:9/oauth")
    return db


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("command", [["status"], ["sync", "--quiet"], ["demo"]])
def test_commands_explain_a_broken_database_in_one_line_and_leave_it(env, capsys, monkeypatch, kind, command):
    if command == ["demo"]:
        monkeypatch.delenv("CONSTANT_CONTACT_CLIENT_ID")
        monkeypatch.delenv("CONSTANT_CONTACT_REFRESH_TOKEN")
    make_broken(env, kind)
    before = digest(env)
    assert main(command) == 2
    assert_one_line_about(capsys.readouterr().err, env)
    assert digest(env) == before
    assert not work_path(env).exists()


@pytest.mark.parametrize("cut", ("in half", "one byte short"))
@pytest.mark.parametrize("command", [["status"], ["sync", "--quiet"], ["demo"], ["segments", "list"]])
def test_without_credentials_a_cut_file_is_named_not_taken_for_an_account(env, capsys, monkeypatch, cut, command):
    """One byte short, the file still opens and its (empty) meta table reads: it looked like an account's data with
    the client id missing, and the commands said CONSTANT_CONTACT_CLIENT_ID is empty instead of naming the file."""
    monkeypatch.delenv("CONSTANT_CONTACT_CLIENT_ID")
    monkeypatch.delenv("CONSTANT_CONTACT_REFRESH_TOKEN")
    good_database(env)
    os.truncate(env, env.stat().st_size // 2 if cut == "in half" else env.stat().st_size - 1)
    before = digest(env)
    assert main(command) == 2
    err = capsys.readouterr().err
    assert_one_line_about(err, env)
    assert "CONSTANT_CONTACT_CLIENT_ID" not in err
    assert digest(env) == before
    assert not work_path(env).exists()


@pytest.mark.parametrize("kind", ("text", "truncated"))
def test_donations_import_explains_a_broken_database(env, tmp_path, capsys, kind):
    make_broken(env, kind)
    before = digest(env)
    csv = tmp_path / "gifts.csv"
    csv.write_text("Gift ID,Donor ID,Gift Date,Amount,Solicit Code\nG1,D1,2025-01-02,10.00,YE24\n")
    assert main(["donations", "import", str(csv)]) == 2
    assert_one_line_about(capsys.readouterr().err, env)
    assert digest(env) == before


def test_status_reads_every_table_of_a_sound_file(env, capsys):
    good_database(env)
    assert main(["status"]) == 0
    size = env.stat().st_size
    os.truncate(env, size - 1)   # one byte short: the last block cannot be read
    assert main(["status"]) == 2
    assert_one_line_about(capsys.readouterr().err, env)
