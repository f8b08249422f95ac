"""A real `streamlit run` of the dashboard on a free loopback port, against a fixture database."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.app.fixture_db import build_synthetic

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def e2e_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_synthetic(tmp_path_factory.mktemp("e2e") / "cc.duckdb", contacts=150, campaigns=16)


@contextlib.contextmanager
def run_app(env: dict[str, str], port: int | None = None, cwd: Path = ROOT) -> Iterator[str]:
    """`streamlit run app.py` with `env` on a loopback port (a free one by default), from `cwd` (its .streamlit/ is
    the configuration); yields its URL once healthy and stops it afterwards."""
    port = port or _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).status == 200:
                    break
            except OSError:
                time.sleep(0.25)
        else:
            raise RuntimeError("streamlit did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextlib.contextmanager
def serve(db: Path) -> Iterator[str]:
    """The dashboard against `db` (the demo's way: no credentials), on a free loopback port."""
    env = {**os.environ, "CC_DB_PATH": str(db), "CONSTANT_CONTACT_CLIENT_ID": "",
           "CC_TOKEN_FILE": str(db.parent / "tokens.json")}  # never a developer's real login
    with run_app(env) as url:
        yield url


@pytest.fixture(scope="session")
def server(e2e_db: Path) -> Iterator[str]:
    with serve(e2e_db) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("headless Chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_page(browser, url: str, width: int = 1440, height: int = 900):
    """`url` in a new tab (its own browser context: no cookies or cache from other tabs), once its run is drawn."""
    page = browser.new_page(viewport={"width": width, "height": height}, accept_downloads=True)
    page.goto(url)
    # Before its first run the app also reads "notRunning": wait for the page's title (drawn after the sidebar)
    # or an error, so a loaded machine cannot make settle() pass before anything ran.
    page.wait_for_selector('h1, [data-testid="stException"]', timeout=60_000)
    settle(page)
    return page


def settle(page) -> None:
    """The run finished and every element is drawn."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)
    page.wait_for_timeout(300)
    page.wait_for_selector('[data-testid="stSkeleton"]', state="detached", timeout=30_000)


def go_to(page, path: str, title: str) -> None:
    """Click `path`'s link in the sidebar, as a reader moves (the session goes on: no new app load), and wait for
    the run of the page titled `title` to finish."""
    page.locator(f'[data-testid="stSidebarNav"] a[href$="/{path}"]').first.click()
    page.wait_for_url(lambda url: urlsplit(url).path == f"/{path}", timeout=30_000)
    page.wait_for_selector(f'h1:has-text("{title}"), [data-testid="stException"]', timeout=60_000)
    settle(page)
