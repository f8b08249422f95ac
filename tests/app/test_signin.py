"""Sign-in on every page, the two roles, and the audit rows, in AppTest with a seeded st.user.

The identity provider itself is not in these tests (AppTest seeds st.user the way Streamlit's cookie would):
tests/e2e/test_signin_e2e.py does the real OpenID Connect round trip against a local provider.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cc_data import audit
from pages.components import signin
from tests.app.harness import app_test, open_page

AUTH = {"auth": {"client_id": "cc-data", "client_secret": "s", "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
                 "cookie_secret": "x" * 32, "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}}
ADMIN, VIEWER, STRANGER = "data@riverbend.org", "ed@riverbend.org", "someone@gmail.com"


@pytest.fixture
def team_db(synthetic_db: Path, app_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "cc.duckdb"   # a copy: the audit file lands beside it, not beside the shared fixture
    shutil.copy(synthetic_db, db)
    monkeypatch.setenv("CC_DB_PATH", str(db))
    monkeypatch.setenv("CC_ALLOWED_DOMAINS", "riverbend.org")
    monkeypatch.setenv("CC_ADMINS", ADMIN)
    for name in ("CC_ALLOWED_USERS", "CC_ALLOW_OPEN_DASHBOARD", "DP_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    return db


def session(email: str | None) -> AppTest:
    at = app_test()
    at.secrets.update(AUTH)
    at.user = {"is_logged_in": False} if email is None else {"is_logged_in": True, "email": email,
                                                            "email_verified": True}
    return at


def texts(at: AppTest) -> str:
    return " ".join(str(e.value) for kind in ("markdown", "caption", "warning", "error", "info", "success", "title")
                    for e in getattr(at, kind))


def buttons(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


def test_not_signed_in_sees_only_the_sign_in_button(team_db: Path) -> None:
    at = session(None)
    at.run()
    assert buttons(at) == ["Sign in"]
    open_page(at, "pages/reengagement.py")
    assert buttons(at) == ["Sign in"] and not at.get("download_button") and not at.dataframe


def test_a_viewer_sees_the_pages_but_no_admin_control(team_db: Path) -> None:
    at = session(VIEWER)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert f"Signed in as **{VIEWER}** (viewer)" in texts(at)
    open_page(at, "pages/data_sync.py")
    assert not at.exception, [e.value for e in at.exception]
    assert "Sync now" not in buttons(at) and "Prepare sign-in link" not in buttons(at)
    assert not at.get("file_uploader") and "Importing gifts and syncing DonorPerfect are for admins." in texts(at)
    assert "Who did what" not in [s.value for s in at.subheader]
    open_page(at, "pages/reengagement.py")
    assert at.get("download_button")   # viewers may download lists: each download is recorded
    assert [(r["who"], r["action"]) for r in audit.recent(team_db).iter_rows(named=True)] == [(VIEWER, "sign_in")]


def test_an_admin_sees_the_controls_and_a_sync_is_recorded(team_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cc_data import datasource

    ran: list[str] = []   # the sync itself is tested elsewhere (test_sync_progress); here: who may start it

    def fake_sync(cfg, progress=None, **kwargs):  # noqa: ANN001, ANN003, ANN202
        ran.append("sync")
        return type("Result", (), {"outcome": "success", "message": None})()

    monkeypatch.setattr(datasource, "sync_now", fake_sync)
    at = session(ADMIN)
    at.run()
    open_page(at, "pages/data_sync.py")
    assert "Sync now" in buttons(at) and at.get("file_uploader")
    next(b for b in at.button if b.label == "Sync now").click().run()
    assert ran == ["sync"] and any("Sync finished" in s.value for s in at.success)
    syncs = audit.recent(team_db, actions=("sync",))
    assert syncs["who"].to_list() == [ADMIN, ADMIN]
    assert syncs["outcome"].to_list() == ["success", "started"]


def test_an_address_outside_the_allow_list_is_refused_politely(team_db: Path) -> None:
    at = session(STRANGER)
    at.run()
    refusal = " ".join(w.value for w in at.warning)
    assert STRANGER in refusal and ADMIN in refusal
    open_page(at, "pages/overview.py")
    assert buttons(at) == ["Sign out"] and not at.dataframe and not at.metric
    assert audit.recent(team_db)["action"].to_list() == ["refused"]   # once per session, not per page


def test_sign_out_ends_the_session_and_is_recorded(team_db: Path) -> None:
    at = session(VIEWER)
    at.run()
    next(b for b in at.button if b.label == "Sign out").click().run()   # the run ends so the redirect goes out
    assert not at.dataframe and not at.metric
    at.run()   # what the session shows afterwards
    assert buttons(at) == ["Sign in"]
    assert audit.recent(team_db)["action"].to_list() == ["sign_out", "sign_in"]


def test_an_admin_action_checks_the_role_on_the_server(team_db: Path) -> None:
    def forged_sync() -> None:   # what a page would run if a viewer's session reached an admin action anyway
        import streamlit as st

        from pages.components import signin as gate

        try:
            gate.require_admin("sync now")
        except Exception as err:  # noqa: BLE001
            st.error(str(err))
        else:
            st.success("ran")

    at = AppTest.from_function(forged_sync)
    at.secrets.update(AUTH)
    at.user = {"is_logged_in": True, "email": VIEWER, "email_verified": True}
    at.run()
    assert not at.success and "Only an admin can sync now" in at.error[0].value
    at.user = {"is_logged_in": True, "email": ADMIN, "email_verified": True}
    at.run()
    assert at.success


def test_without_sign_in_another_address_refuses_in_one_line(team_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signin, "_bind_address", lambda: "0.0.0.0")
    at = app_test()
    at.run()
    assert len(at.error) == 1 and "\n" not in at.error[0].value and "secrets.toml" in at.error[0].value
    assert not at.dataframe and not at.button
    monkeypatch.setenv("CC_ALLOW_OPEN_DASHBOARD", "1")
    at.run()
    assert not at.error and any("Open dashboard" in w.value for w in at.sidebar.warning)


def test_single_user_on_loopback_is_the_admin(team_db: Path) -> None:
    at = app_test()
    at.run()
    open_page(at, "pages/data_sync.py")
    assert "Sync now" in buttons(at) and "Sign out" not in buttons(at)


def test_a_download_is_recorded_when_its_file_is_built(team_db: Path) -> None:
    from pages.components.downloads import recorded

    build = recorded(lambda: b"email\nx@y.org\n", team_db, VIEWER, "re-engagement list (x.csv)", rows=1)
    assert audit.recent(team_db).is_empty()   # drawing the button records nothing
    assert build() == b"email\nx@y.org\n"
    row = audit.recent(team_db).row(0, named=True)
    assert (row["who"], row["action"], row["what"], row["rows"]) == (VIEWER, "download", "re-engagement list (x.csv)", 1)


@pytest.mark.parametrize(("email", "may_save"), [(VIEWER, False), (ADMIN, True)])
def test_only_an_admin_may_change_the_code_mapping(team_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   email: str, may_save: bool) -> None:
    from tests.app.test_donation_attribution_page import build

    monkeypatch.setenv("CC_DB_PATH", str(build(tmp_path / "gifts.duckdb")))
    at = session(email)
    at.run()
    open_page(at, "pages/donation_attribution.py")
    assert not at.exception, [e.value for e in at.exception]
    assert at.metric   # the page itself is open to both roles
    assert ("Save mapping" in buttons(at)) == may_save


def test_admins_see_who_did_what_and_that_the_last_sync_failed(team_db: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from pages.components import schedule

    monkeypatch.setattr(schedule, "installed_timers", lambda: [
        schedule.Timer("cc-data-sync.timer", "cc-data-sync.service", "Wed 2026-12-02 02:30:00 UTC")])
    audit.record(team_db, VIEWER, "download", what="re-engagement list (lapsed.csv)", rows=57)
    audit.record(team_db, "command line (cc-data)", "sync", outcome="failed",
                 detail="The Constant Contact login has expired: run `cc-data auth`.")
    viewer = session(VIEWER)
    viewer.run()
    open_page(viewer, "pages/data_sync.py")
    assert "Next scheduled sync: Wed 2026-12-02 02:30:00 UTC" in texts(viewer)
    assert "Last sync failed" not in texts(viewer) and "Who did what" not in [s.value for s in viewer.subheader]
    at = session(ADMIN)
    at.run()
    open_page(at, "pages/data_sync.py")
    assert not at.exception, [e.value for e in at.exception]
    failed = [e.value for e in at.error if "Last sync failed" in e.value]
    assert failed and "login has expired" in failed[0]
    assert "Who did what" in [s.value for s in at.subheader]
    log = at.dataframe[-1].value
    downloads = log[log["action"] == "download"]
    assert list(downloads["who"]) == [VIEWER] and list(downloads["rows"]) == ["57"]


def test_sign_in_without_authlib_says_what_to_install(team_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signin, "_authlib_installed", lambda: False)
    at = session(None)
    at.run()
    assert len(at.error) == 1 and "pip install Authlib" in at.error[0].value and not at.button


def test_one_sign_in_is_recorded_once_however_many_tabs_it_opens(team_db: Path) -> None:
    for _ in range(2):   # two tabs (two sessions) of the same sign-in: the same ID token
        tab = session(VIEWER)
        tab.user["iat"] = 1_900_000_000
        tab.run()
    again = session(VIEWER)
    again.user["iat"] = 1_900_003_600   # signed in again an hour later
    again.run()
    assert audit.recent(team_db)["action"].to_list() == ["sign_in", "sign_in"]


def test_a_page_run_as_the_entry_script_is_gated_too(team_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signin, "_bind_address", lambda: "0.0.0.0")
    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "pages" / "reengagement.py"), default_timeout=60)
    at.run()   # `streamlit run pages/reengagement.py` on another address, no sign-in configured
    assert len(at.error) == 1 and "secrets.toml" in at.error[0].value
    assert not at.dataframe and not at.metric
