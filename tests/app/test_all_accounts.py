"""Several accounts in the dashboard: a chapter's viewer sees only that chapter (its pages, never another's, never
All accounts); the network's admin picks any account and sees All accounts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cc_data import accounts
from cc_data.config import Settings
from tests.app.fixture_db import build_synthetic
from tests.app.harness import app_test, open_page
from tests.app.test_signin import AUTH

BOSS, ANN, SAM, ED = "boss@network.example", "ann@north.example", "sam@south.example", "ed@north.example"


@pytest.fixture(scope="module")
def chapters(tmp_path_factory) -> Path:
    """Two accounts of different sizes and habits: north (150 contacts) and south (60)."""
    root = tmp_path_factory.mktemp("chapters")
    shared = Settings(accounts_dir=root / "accounts")
    for name, size, seed, viewer in (("north", 150, 7, ANN), ("south", 60, 21, SAM)):
        account = accounts.add(shared, name, {"CC_ALLOWED_USERS": viewer, **({"CC_ADMINS": ED} if name == "north" else {})})
        build_synthetic(root / f"{name}.duckdb", contacts=size, campaigns=12, seed=seed)
        shutil.copy2(root / f"{name}.duckdb", account.db_path)
    return root / "accounts"


@pytest.fixture
def network(app_env, chapters, monkeypatch) -> Path:
    monkeypatch.setenv("CC_ACCOUNTS_DIR", str(chapters))
    monkeypatch.setenv("CC_ADMINS", BOSS)
    for name in ("CC_ALLOWED_USERS", "CC_ALLOWED_DOMAINS", "CC_ALLOW_OPEN_DASHBOARD", "CC_ROLLUP_PATH"):
        monkeypatch.delenv(name, raising=False)
    return chapters


def session(email: str | None) -> AppTest:
    at = app_test()
    if email is not None:
        at.secrets.update(AUTH)
        at.user = {"is_logged_in": True, "email": email, "email_verified": True}
    return at


def texts(at: AppTest) -> str:
    return " ".join(str(e.value) for kind in ("markdown", "caption", "warning", "error", "info", "title")
                    for e in getattr(at, kind))


def test_a_chapter_viewer_sees_only_that_chapter(network):
    at = session(ANN)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Account: **north**" in texts(at)
    assert "Account" not in [s.label for s in at.sidebar.selectbox]
    assert not at.error
    at.query_params["account"] = "south"   # the other chapter asked for by address
    at.run()
    assert any("does not include the account 'south'" in e.value for e in at.error)
    assert not at.dataframe and not at.metric
    at.query_params["account"] = "north"
    at.run()
    assert not at.error
    with pytest.raises(ValueError, match="Could not find a navigation page"):   # not among ann's pages at all
        open_page(at, "pages/all_accounts.py")


def test_someone_else_is_refused_by_the_gate(network):
    at = session("eve@elsewhere.example")
    at.run()
    assert "not on this dashboard's list" in texts(at)


def test_the_network_admin_picks_an_account_and_sees_all_accounts(network):
    at = session(BOSS)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    picker = next(s for s in at.sidebar.selectbox if s.label == "Account")
    assert picker.options == ["north", "south"]
    picker.select("south").run()
    assert not at.exception and not at.error
    open_page(at, "pages/all_accounts.py")
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    assert list(table["Account"]) == ["All accounts (pooled)", "north", "south"]
    assert "2 accounts" in texts(at)
    assert len(at.metric) == 5


def test_without_sign_in_the_local_user_sees_every_account(network):
    at = session(None)
    at.run()
    open_page(at, "pages/all_accounts.py")
    assert not at.exception, [e.value for e in at.exception]
    assert list(at.dataframe[0].value["Account"]) == ["All accounts (pooled)", "north", "south"]


def test_a_chapters_admin_acts_on_that_chapter_and_its_log_says_so(network, monkeypatch):
    from cc_data import audit, datasource

    synced = []
    monkeypatch.setattr(datasource, "sync_now", lambda cfg, progress=None, **kw: synced.append(cfg.db_path) or type(
        "Result", (), {"outcome": "success", "message": None})())
    at = session(ED)
    at.run()
    open_page(at, "pages/data_sync.py")
    assert not at.exception, [e.value for e in at.exception]
    next(b for b in at.button if b.label == "Sync now").click().run()
    north = network / "north" / "cc.duckdb"
    assert synced == [north]
    rows = audit.recent(north, actions=("sync",))
    assert rows["who"].to_list() == [ED, ED] and rows["account"].to_list() == ["north", "north"]
    assert audit.recent(network / "south" / "cc.duckdb", actions=("sync",)).is_empty()
