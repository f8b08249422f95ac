"""Send to Constant Contact in headless Chromium: from the Re-engagement page to a list on the sandbox (over
loopback), the preview's numbers, the result, and the push listed on Data & sync."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from cc_data.sync.runner import run_sync
from tests.e2e.conftest import _free_port, open_page, run_app, settle
from tests.integration.conftest import child_env, settings_for

pytestmark = pytest.mark.e2e
LIST = "Lapsed donors e2e"


@contextlib.contextmanager
def serve_account(settings) -> Iterator[str]:
    """`streamlit run app.py` connected to a (sandbox) account, on a free loopback port."""
    port = _free_port()
    with run_app(child_env(settings), port) as url:
        yield url


def _members(sandbox, name: str) -> set[str]:
    account = sandbox.account
    bit = next(b for b, e in enumerate(account.lists) if e["name"] == name)
    c = account.contacts
    return {c.contact_id[i] for i in np.flatnonzero((c.lists >> bit) & 1)}


def _metric(page, label: str) -> int:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return int(box.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))


def test_a_segment_goes_from_the_dashboard_to_a_constant_contact_list(browser, tmp_path: Path) -> None:
    from cc_data.sandbox.server import SandboxServer

    with SandboxServer(seed=7, scale="small", rate_limit_rps=200.0) as sandbox:
        settings = settings_for(sandbox, tmp_path)
        assert run_sync(settings).outcome == "success"
        with serve_account(settings) as url:
            page = open_page(browser, f"{url}/reengagement")
            in_segment = _metric(page, "Contacts in this segment")
            page.get_by_text("Send to Constant Contact").click()
            field = page.get_by_label("New list name")
            field.fill(LIST)
            field.press("Enter")
            settle(page)
            page.get_by_role("button", name="Preview").click()
            page.wait_for_selector('[data-testid="stMetric"]:has-text("Will be added")', timeout=60_000)
            settle(page)
            to_add, left_out = _metric(page, "Will be added"), _metric(page, "Left out: not emailable")
            assert to_add > 0 and to_add + left_out == in_segment and _metric(page, "Already on it") == 0
            assert not [r for r in sandbox.request_log if r[0] == "POST" and r[1].startswith("/v3/")]

            page.get_by_role("button", name="Confirm and send").click()
            page.wait_for_selector(f'[data-testid="stAlert"]:has-text("{to_add:,} added")', timeout=90_000)
            assert page.locator('[data-testid="stException"]').count() == 0
            assert page.get_by_role("link", name="Open the list in Constant Contact").count() == 1
            assert len(_members(sandbox, LIST)) == to_add
            page.close()

            page = open_page(browser, f"{url}/data_sync")
            section = page.get_by_text("Pushes to Constant Contact")
            section.scroll_into_view_if_needed()
            assert section.count() >= 1 and page.locator('[data-testid="stException"]').count() == 0
            page.close()
