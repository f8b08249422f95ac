"""Accounts as folders: adding, listing, loading (account.env over the shared settings), removing without
deleting, and who may see which account."""

from __future__ import annotations

import shlex
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cc_data import accounts
from cc_data.cli import build_parser
from cc_data.cli.accounts import AccountRun, overall
from cc_data.config import Settings
from cc_data.errors import ConfigError, UserError

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


@pytest.fixture
def shared(tmp_path) -> Settings:
    return Settings(accounts_dir=tmp_path / "accounts", db_path=tmp_path / "cc.duckdb", rate_limit_rps=4.0,
                    admins=frozenset({"boss@network.example"}), allowed_domains=frozenset({"network.example"}))


def test_no_account_folder_is_a_single_account_install(shared):
    assert accounts.names(shared) == [] and not accounts.is_multi(shared)


def test_an_account_is_a_folder_with_its_own_files_and_settings(shared):
    north = accounts.add(shared, "north", {"CC_RATE_LIMIT_RPS": "2", "CC_ALLOWED_USERS": "ann@north.example",
                                           "CC_DAILY_QUOTA": "5000"})
    accounts.add(shared, "south")
    assert accounts.names(shared) == ["north", "south"]
    assert north.db_path == shared.accounts_dir / "north" / "cc.duckdb"
    assert north.settings.token_file == shared.accounts_dir / "north" / "tokens.json"
    assert (north.settings.rate_limit_rps, north.settings.daily_quota) == (2.0, 5000)   # its own limits
    assert accounts.load(shared, "south").settings.rate_limit_rps == 4.0                # the shared one
    assert north.settings.admins == shared.admins and north.own.admins == frozenset()
    assert north.settings.allowed_users == {"ann@north.example"} | shared.allowed_users
    assert stat.S_IMODE((north.folder / "account.env").stat().st_mode) == 0o600
    assert stat.S_IMODE(north.folder.stat().st_mode) == 0o700


@pytest.mark.parametrize("name", ["North", "../x", "", "-a", "a b", "x" * 41, "a_b"])
def test_a_bad_name_is_refused(shared, name):
    with pytest.raises(ConfigError, match="not an account name"):
        accounts.add(shared, name)


def test_wrong_values_write_nothing(shared):
    with pytest.raises(ConfigError, match="CC_DB_PATH cannot be set per account"):
        accounts.add(shared, "a", {"CC_DB_PATH": "/elsewhere.duckdb"})
    with pytest.raises(ConfigError, match="CC_RATE_LIMIT_RPS"):
        accounts.add(shared, "a", {"CC_RATE_LIMIT_RPS": "fast"})
    with pytest.raises(ConfigError, match="NOT_A_SETTING is not a setting"):
        accounts.add(shared, "a", {"NOT_A_SETTING": "1"})
    assert not (shared.accounts_dir / "a").exists()
    accounts.add(shared, "a")
    with pytest.raises(UserError, match="already exists"):
        accounts.add(shared, "a")


def test_an_unknown_account_names_the_fix(shared):
    accounts.add(shared, "north")
    with pytest.raises(ConfigError, match=r"no account 'east'.*north.*cc-data accounts add east"):
        accounts.load(shared, "east")


def test_remove_moves_the_folder_aside(shared):
    north = accounts.add(shared, "north")
    north.db_path.write_bytes(b"data")
    moved = accounts.remove(shared, "north", now=datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC))
    assert accounts.names(shared) == []
    assert moved == shared.accounts_dir / ".removed" / "north-20260304T050607Z"
    assert (moved / "cc.duckdb").read_bytes() == b"data"


def test_a_chapter_viewer_sees_only_that_chapter_the_network_sees_all(shared):
    accounts.add(shared, "north", {"CC_ALLOWED_USERS": "ann@north.example", "CC_ADMINS": "ed@north.example"})
    accounts.add(shared, "south", {"CC_ALLOWED_USERS": "sam@south.example"})
    every = accounts.all_accounts(shared)
    assert accounts.visible("ann@north.example", every) == {"north": "viewer"}
    assert accounts.visible("ed@north.example", every) == {"north": "admin"}
    assert accounts.visible("sam@south.example", every) == {"south": "viewer"}
    assert accounts.visible("boss@network.example", every) == {"north": "admin", "south": "admin"}
    assert accounts.visible("kim@network.example", every) == {"north": "viewer", "south": "viewer"}
    assert accounts.visible("eve@else.example", every) == {}
    assert accounts.sees_rollup("kim@network.example", shared)
    assert not accounts.sees_rollup("ann@north.example", shared)
    assert not accounts.sees_rollup("ed@north.example", shared)


def test_overall_exit_code_puts_a_problem_before_quota_and_partial():
    def runs(*codes):
        return [AccountRun(f"a{i}", c, "", "") for i, c in enumerate(codes)]

    assert overall(runs(0, 0)) == 0
    assert overall(runs(0, 4, 3)) == 3
    assert overall(runs(4, 0)) == 4
    assert overall(runs(3, 2, 4)) == 2


def test_sync_takes_one_account_or_all_but_not_both():
    parser = build_parser()
    assert parser.parse_args(["sync", "--account", "north"]).account == "north"
    assert parser.parse_args(["sync", "--all"]).all
    with pytest.raises(SystemExit):
        parser.parse_args(["sync", "--all", "--account", "north"])


def test_the_nightly_timer_syncs_every_account():
    line = next(x for x in (DEPLOY / "cc-data-sync.service").read_text().splitlines() if x.startswith("ExecStart="))
    argv = shlex.split(line.partition("=")[2])
    assert argv[1:3] == ["sync", "--all"]
    build_parser().parse_args(argv[1:])


def test_the_audit_log_records_the_account_of_each_action(shared, tmp_path):
    from cc_data import audit

    north = accounts.add(shared, "north")
    audit.record(north.db_path, "ann@north.example", "download", what="re-engagement", rows=3)
    audit.record(tmp_path / "single" / "cc.duckdb", "me", "sync")
    assert audit.recent(north.db_path)["account"].to_list() == ["north"]
    assert audit.recent(tmp_path / "single" / "cc.duckdb")["account"].to_list() == [None]


def test_sync_all_on_a_single_account_install_is_the_plain_sync(tmp_path, monkeypatch, capsys):
    import json

    from cc_data import datasource
    from cc_data.cli import main
    from cc_data.sync.runner import RunResult

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CC_ACCOUNTS_DIR", str(tmp_path / "accounts"))   # no account folder
    monkeypatch.setenv("CC_DB_PATH", str(tmp_path / "cc.duckdb"))
    monkeypatch.setenv("CONSTANT_CONTACT_CLIENT_ID", "app")
    synced = []
    monkeypatch.setattr(datasource, "sync_now", lambda cfg, progress=None, **kw: synced.append(cfg.db_path)
                        or RunResult("r1", "success", "incremental"))
    assert main(["sync", "--all", "--json"]) == 0
    assert synced == [tmp_path / "cc.duckdb"]
    assert json.loads(capsys.readouterr().out)["run_id"] == "r1"   # the single run's own JSON, as before


def test_accounts_list_says_each_accounts_source_data_and_people(tmp_path, monkeypatch, capsys):
    import json

    from cc_data.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CC_ACCOUNTS_DIR", str(tmp_path / "accounts"))
    for name in ("CONSTANT_CONTACT_CLIENT_ID", "CC_ALLOWED_USERS", "CC_ADMINS", "CC_ALLOWED_DOMAINS"):
        monkeypatch.delenv(name, raising=False)
    assert main(["accounts", "list"]) == 0
    assert "One account" in capsys.readouterr().out
    assert main(["accounts", "add", "north", "--set", "CC_ALLOWED_USERS=ann@north.example"]) == 0
    assert main(["accounts", "add", "south", "--set", "CONSTANT_CONTACT_CLIENT_ID=app-2"]) == 0
    capsys.readouterr()
    assert main(["accounts", "list", "--json"]) == 0
    rows = {r["account"]: r for r in json.loads(capsys.readouterr().out)}
    assert (rows["north"]["source"], rows["north"]["database"], rows["north"]["last_sync"]) == (
        "demo sandbox", "none yet", "never")
    assert rows["north"]["viewers"] == "ann@north.example" and rows["south"]["viewers"] == "network only"
    assert rows["south"]["source"] == "Constant Contact"
    assert main(["accounts", "add", "south"]) == 2                  # a name in use: one line, exit 2
    assert main(["accounts", "add", "x", "--set", "oops"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["accounts", "remove", "south"]) == 0
    assert main(["sync", "--account", "south"]) == 2                # gone: the fix is named
    assert "cc-data accounts add south" in capsys.readouterr().err


def test_cc_account_points_any_command_at_that_account(tmp_path, monkeypatch, capsys):
    from cc_data.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CC_ACCOUNTS_DIR", str(tmp_path / "accounts"))
    monkeypatch.delenv("CONSTANT_CONTACT_CLIENT_ID", raising=False)
    assert main(["accounts", "add", "north"]) == 0
    monkeypatch.setenv("CC_ACCOUNT", "north")
    assert main(["status"]) == 2
    assert f"No data at {tmp_path / 'accounts' / 'north' / 'cc.duckdb'} yet" in capsys.readouterr().err
    monkeypatch.setenv("CC_ACCOUNT", "east")
    assert main(["status"]) == 2
    assert "no account 'east'" in capsys.readouterr().err
