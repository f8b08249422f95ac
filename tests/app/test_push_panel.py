"""Send to Constant Contact on the Re-engagement page (AppTest), against a sandbox over loopback: the preview's
numbers, the push, the result, and the push listed on Data & sync."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.app.harness import app_test, open_page
from tests.clock import TEST_NOW
from tests.integration.conftest import settings_env, settings_for

LIST = "Lapsed 2026 (app test)"


@pytest.fixture
def account_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, synced_file: Path):
    from cc_data.sandbox.server import SandboxServer

    sandbox = SandboxServer(seed=7, scale="small", rate_limit_rps=200.0, now=TEST_NOW).start()   # synced_file's
    settings = settings_for(sandbox, tmp_path)
    shutil.copy(synced_file, settings.db_path)
    for key, value in settings_env(settings).items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    from cc_data.push import activities
    monkeypatch.setattr(activities.poll, "__kwdefaults__", {**activities.poll.__kwdefaults__, "first_s": 0.0})
    yield sandbox
    sandbox.stop()


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _members(sandbox, name: str) -> set[str]:
    account = sandbox.account
    bit = next(b for b, e in enumerate(account.lists) if e["name"] == name)
    c = account.contacts
    return {c.contact_id[i] for i in np.flatnonzero((c.lists >> bit) & 1)}


def test_preview_then_send_puts_the_segment_on_a_new_list(account_env) -> None:
    sandbox = account_env
    at = app_test()
    at.run()
    at = open_page(at, "pages/reengagement.py")
    segment_size = int(_metric(at, "Contacts in this segment").replace(",", ""))
    at.text_input(key="seg_push_new").set_value(LIST).run()
    at.button(key="seg_push_preview_button").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    to_add = int(_metric(at, "Will be added").replace(",", ""))
    left_out = int(_metric(at, "Left out: not emailable").replace(",", ""))
    assert to_add > 0 and to_add + left_out == segment_size and _metric(at, "Already on it") == "0"
    posts = [r for r in sandbox.request_log if r[0] == "POST" and r[1].startswith("/v3/")]
    assert not posts   # the preview sent nothing

    at.button(key="seg_push_confirm").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any(f"{to_add:,} added" in s.value for s in at.success)
    assert len(_members(sandbox, LIST)) == to_add

    at = open_page(at, "pages/data_sync.py")
    assert any(LIST in df.value["list_name"].to_list() for df in at.dataframe if "list_name" in df.value.columns)


def test_a_tier_on_engagement_goes_to_a_list_without_the_contacts_who_cannot_be_emailed(account_env) -> None:
    sandbox = account_env
    at = app_test()
    at.run()
    at = open_page(at, "pages/engagement.py")
    tier = next(m for m in at.multiselect if m.label == "Tier")
    tier.select(tier.options[0]).run()
    shown = next(c.value for c in at.caption if " of " in c.value and "contacts, by tier" in c.value)
    in_tier = int(shown.split(" of ")[0].replace(",", ""))
    at.text_input(key="tier_push_new").set_value("Tier list").run()
    at.button(key="tier_push_preview_button").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    to_add = int(_metric(at, "Will be added").replace(",", ""))
    left_out = int(_metric(at, "Left out: not emailable").replace(",", ""))
    assert to_add + left_out == in_tier and to_add > 0
    at.button(key="tier_push_confirm").click().run()
    assert any(f"{to_add:,} added" in s.value for s in at.success)
    assert len(_members(sandbox, "Tier list")) == to_add
