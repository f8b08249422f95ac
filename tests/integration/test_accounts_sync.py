"""`cc-data sync --all`: two accounts sync at once from two sandboxes, each into its own folder, and an account
that cannot reach its API fails alone."""

from __future__ import annotations

import json

import duckdb
import pytest

from cc_data import accounts, audit
from cc_data.cli import main
from cc_data.config import load_settings


def _values(server) -> dict[str, str]:
    return {"CONSTANT_CONTACT_CLIENT_ID": server.client_id, "CONSTANT_CONTACT_CLIENT_SECRET": server.client_secret,
            "CONSTANT_CONTACT_REFRESH_TOKEN": server.mint_refresh_token(), "CC_API_BASE_URL": server.api_base_url,
            "CC_OAUTH_BASE_URL": server.oauth_base_url, "CC_ANCHOR_DATE": "2000-01-01", "CC_RATE_LIMIT_RPS": "150"}


@pytest.fixture
def install(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)   # no .env of the checkout
    monkeypatch.setenv("CC_ACCOUNTS_DIR", str(tmp_path / "accounts"))
    monkeypatch.setenv("CC_DB_PATH", str(tmp_path / "single.duckdb"))
    return load_settings()


def _runs(db) -> tuple:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT min(started_at), max(finished_at), count(*) FILTER (outcome = 'success') "
                           "FROM sync_runs").fetchone()


def _contacts(db) -> int:
    return len(_ids(db))


def _ids(db) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {str(r[0]) for r in con.execute("SELECT contact_id FROM contacts").fetchall()}


def test_two_accounts_sync_at_once_each_into_its_own_folder(install, start_sandbox, capsys):
    north, south = start_sandbox(seed=7), start_sandbox(seed=11)
    accounts.add(install, "north", _values(north))
    accounts.add(install, "south", _values(south))

    assert main(["sync", "--all", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(r["account"], r["exit_code"], r["outcome"]) for r in out["accounts"]] == [
        ("north", 0, "success"), ("south", 0, "success")]
    dbs = {a.name: a.db_path for a in accounts.all_accounts(install)}
    assert _ids(dbs["north"]) == {str(c) for c in north.account.contacts.contact_id}
    assert _ids(dbs["south"]) == {str(c) for c in south.account.contacts.contact_id}
    assert _ids(dbs["north"]) != _ids(dbs["south"])   # two sandboxes, not one file twice
    (n_start, n_end, n_ok), (s_start, s_end, s_ok) = _runs(dbs["north"]), _runs(dbs["south"])
    assert n_ok == s_ok == 1
    assert max(n_start, s_start) < min(n_end, s_end), "the two syncs ran one after the other, not at once"
    assert not install.db_path.exists()   # the single-account file is not touched
    for name in ("north", "south"):
        assert (install.accounts_dir / name / "tokens.json").exists()
        assert audit.last_sync(accounts.load(install, name).db_path)["outcome"] == "success"


def test_a_failing_account_does_not_stop_the_others(install, start_sandbox, capsys):
    good = start_sandbox(seed=7)
    accounts.add(install, "good", _values(good))
    refused = {**_values(good), "CONSTANT_CONTACT_REFRESH_TOKEN": "revoked-long-ago"}   # its login was revoked
    accounts.add(install, "revoked", refused)

    code = main(["sync", "--all", "--json"])
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    by_name = {r["account"]: r for r in out["accounts"]}
    assert by_name["good"]["exit_code"] == 0 and by_name["good"]["outcome"] == "success"
    # as `cc-data sync` alone ends for it: a refused login is a problem, said in one line (exit 2)
    assert (by_name["revoked"]["exit_code"], by_name["revoked"]["outcome"]) == (2, "failed")
    assert "cc-data auth" in by_name["revoked"]["message"]
    assert code == out["exit_code"] == 2
    assert "[revoked]" in captured.err and "Traceback" not in captured.err
    assert audit.last_sync(accounts.load(install, "revoked").db_path)["outcome"] == "failed"
    assert _contacts(accounts.load(install, "good").db_path) == len(good.account.contacts.contact_id)

    assert main(["sync", "--account", "good", "--json"]) == 0   # one account alone
    assert [r["account"] for r in json.loads(capsys.readouterr().out)["accounts"]] == ["good"]
