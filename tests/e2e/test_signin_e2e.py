"""A real OpenID Connect round trip: the dashboard (`streamlit run`, Streamlit's st.login) against a local
identity provider (oidc-provider-mock) on loopback, in headless Chromium. A viewer signs in and sees the pages but
no admin control, and their download is in the audit log; an admin runs a sync; an address outside the allow-list
is refused; sign-out works."""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
import time_machine

from cc_data import audit, demo
from cc_data.config import load_settings
from tests.e2e.conftest import _free_port, go_to, run_app

pytestmark = pytest.mark.e2e
pytest.importorskip("authlib", reason="st.login needs Authlib (a dependency in pyproject.toml)")
mock = pytest.importorskip("oidc_provider_mock", reason="the local identity provider (a dev dependency)")
ROOT = Path(__file__).resolve().parents[2]
ADMIN, VIEWER, STRANGER = "data@riverbend.org", "ed@riverbend.org", "someone@gmail.com"
DEMO_NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


@contextlib.contextmanager
def identity_provider() -> Iterator[str]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", _free_port(), mock.app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@contextlib.contextmanager
def dashboard(db: Path, issuer: str, workdir: Path) -> Iterator[str]:
    """`streamlit run app.py` with sign-in configured, from a folder of its own: its .streamlit/secrets.toml is
    this test's, never the repository's."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    (workdir / ".streamlit").mkdir(parents=True)
    shutil.copy(ROOT / ".streamlit" / "config.toml", workdir / ".streamlit" / "config.toml")
    (workdir / ".streamlit" / "secrets.toml").write_text(
        f'[auth]\nredirect_uri = "{url}/oauth2callback"\ncookie_secret = "{"c" * 64}"\n'
        f'client_id = "cc-data-e2e"\nclient_secret = "e2e-secret"\n'
        f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n')
    env = {**os.environ, "CC_DB_PATH": str(db), "CONSTANT_CONTACT_CLIENT_ID": "", "DP_API_KEY": "",
           "CC_TOKEN_FILE": str(db.parent / "tokens.json"), "CC_ADMINS": ADMIN, "CC_ALLOWED_DOMAINS": "riverbend.org",
           "CC_ALLOWED_USERS": "", "CC_ALLOW_OPEN_DASHBOARD": "", "CC_TEST_NOW": DEMO_NOW.isoformat()}
    with run_app(env, port, cwd=workdir) as url:
        yield url


@pytest.fixture(scope="module")
def signed_in_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    base = tmp_path_factory.mktemp("signin")
    db = base / "data" / "cc.duckdb"
    # The demo, the identity provider and the dashboard on one fixed clock: the small demo's default segment
    # depends on the day, and Sync now moves the demo's sandbox to the dashboard's "now".
    with time_machine.travel(DEMO_NOW, tick=True):
        demo.build(load_settings(env={"CC_DB_PATH": str(db), "CC_TOKEN_FILE": str(base / "data" / "tokens.json")}),
                   scale="small")   # a demo account, so Sync now really syncs (the sandbox, on loopback)
        with identity_provider() as issuer, dashboard(db, issuer, base / "app") as url:
            yield url, db


def settle(page) -> None:
    """The run finished and every element is drawn (patiently: the first Overview after a sign-in computes)."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=90_000)
    page.wait_for_timeout(300)
    page.wait_for_selector('[data-testid="stSkeleton"]', state="detached", timeout=90_000)


def sign_in(browser, url: str, email: str):
    """Open the dashboard, press Sign in, and give the identity provider `email` (its form asks for the subject;
    it sends that as the email claim)."""
    page = browser.new_page(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    page.goto(url)
    settle(page)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector('input[name="sub"]', timeout=30_000)   # the provider's own page
    page.fill('input[name="sub"]', email)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{url}/**", timeout=30_000)
    settle(page)
    return page


def goto(page, url: str) -> None:
    page.goto(url)
    settle(page)


def test_a_viewer_signs_in_sees_the_pages_but_no_admin_control_and_signs_out(browser, signed_in_app, tmp_path):
    url, db = signed_in_app
    page = sign_in(browser, url, VIEWER)
    assert page.get_by_text(f"Signed in as {VIEWER} (viewer)").is_visible()
    assert page.locator('[data-testid="stMetric"]').count() > 0   # Overview shows its figures
    go_to(page, "data_sync", "Data & sync")
    assert page.get_by_role("button", name="Sync now").count() == 0
    assert page.get_by_text("Importing gifts and syncing DonorPerfect are for admins.").is_visible()
    assert page.get_by_role("heading", name="Who did what").count() == 0
    go_to(page, "reengagement", "Re-engagement")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    saved = tmp_path / "list.csv"
    download.value.save_as(saved)
    rows = saved.read_text().count("\n") - 1
    took = audit.recent(db, actions=("download",)).row(0, named=True)
    assert took["who"] == VIEWER and took["rows"] == rows and "csv" in took["what"]
    settle(page)   # the download's click reruns the page: a click on Sign out during that rerun can be lost
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="End session").click(timeout=60_000)   # the provider's sign-out page
    page.wait_for_url(f"{url}/**", timeout=60_000)
    goto(page, url)   # the identity cookie is gone: a new page load asks for sign-in again
    assert page.get_by_role("button", name="Sign in").is_visible()
    assert page.get_by_text(f"Signed in as {VIEWER}").count() == 0
    actions = audit.recent(db).filter(pl.col("who") == VIEWER)["action"].to_list()
    assert actions[:3] == ["sign_out", "download", "sign_in"]
    page.close()


def test_an_admin_runs_a_sync(browser, signed_in_app):
    url, db = signed_in_app
    page = sign_in(browser, url, ADMIN)
    assert page.get_by_text(f"Signed in as {ADMIN} (admin)").is_visible()
    go_to(page, "data_sync", "Data & sync")
    page.get_by_role("button", name="Sync now").click()
    page.wait_for_selector('text=/Sync finished/', timeout=120_000)
    sync = audit.last_sync(db)
    assert sync is not None and sync["who"] == ADMIN and sync["outcome"] == "success"
    settle(page)
    assert page.get_by_role("heading", name="Who did what").is_visible()
    page.close()


def test_an_address_outside_the_allow_list_is_refused(browser, signed_in_app):
    url, db = signed_in_app
    page = sign_in(browser, url, STRANGER)
    assert page.get_by_text(f"Sorry, {STRANGER} is not on this dashboard's list").is_visible()
    assert page.get_by_text(ADMIN).first.is_visible()   # the refusal names who to ask
    assert page.locator('[data-testid="stMetric"]').count() == 0
    goto(page, f"{url}/reengagement")
    assert page.get_by_role("button", name="Download CSV").count() == 0
    refused = audit.recent(db, actions=("refused",))
    assert refused["who"].to_list() == [STRANGER]   # once per sign-in, though it opened two pages (sessions)
    page.close()
