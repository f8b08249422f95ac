"""`cc-data demo --accounts N`: N demo accounts of different sizes and seeds, each in its own folder, which
`cc-data sync --all` then refreshes, each from its own sandbox."""

from __future__ import annotations

import json

from cc_data import accounts, demo
from cc_data.cli import accounts as accounts_command
from cc_data.cli import main
from cc_data.config import load_settings


def test_recipes_differ_in_size_and_seed():
    recipes = accounts_command.demo_recipes(5)
    assert [r[0] for r in recipes] == ["riverbend", "hillside", "lakeshore", "riverbend-2", "hillside-2"]
    assert len({r[2] for r in recipes}) == 5 and len({r[1] for r in recipes[:3]}) == 2


def test_demo_accounts_are_built_then_synced_all_at_once(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CC_ACCOUNTS_DIR", str(tmp_path / "accounts"))
    for name in ("CONSTANT_CONTACT_CLIENT_ID", "CC_DB_PATH", "CC_TOKEN_FILE", "DP_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    # small scales here (the real recipe builds two demo-scale accounts, minutes each)
    monkeypatch.setattr(accounts_command, "DEMO_ACCOUNTS", (("big", "small", 7), ("other", "small", 11)))
    assert main(["demo", "--accounts", "2"]) == 0
    shared = load_settings()
    assert accounts.names(shared) == ["big", "other"]
    metas = {a.name: demo.demo_meta(a.db_path) for a in accounts.all_accounts(shared)}
    assert (metas["big"]["demo_seed"], metas["other"]["demo_seed"]) == ("7", "11")
    assert not (tmp_path / "data" / "cc.duckdb").exists()
    capsys.readouterr()

    assert main(["sync", "--all", "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)["accounts"]
    assert [(r["account"], r["outcome"]) for r in runs] == [("big", "success"), ("other", "success")]
    assert main(["demo", "--accounts", "2", "--if-missing"]) == 0
    assert "Building" not in capsys.readouterr().out
