"""Pushing a segment to a Constant Contact list on the sandbox over loopback: the list-sync rules as tests."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from cc_data.analytics.audience.reach import audience, emailable
from cc_data.api.client import ApiClient
from cc_data.errors import UserError
from cc_data.push import record
from cc_data.push.run import MissingScope, PresyncFailed, Target, push
from cc_data.push.saved import DEFAULT_SEGMENT
from cc_data.sandbox.account import PERMISSIONS
from cc_data.store.db import read
from cc_data.sync.runner import run_sync
from tests.integration.conftest import settings_for

LIST = "Lapsed donors 2026"
WRITES = ("POST /v3/contact_lists", "POST /v3/activities/add_list_memberships",
          "POST /v3/activities/remove_list_memberships")


@pytest.fixture
def synced(start_sandbox, synced_file):
    def make(tmp_path, **kw):
        sandbox = start_sandbox(**kw)
        settings = settings_for(sandbox, tmp_path)
        shutil.copy(synced_file, settings.db_path)
        return sandbox, settings
    return make


def _members(sandbox, name: str) -> set[str]:
    account = sandbox.account
    bit = next(b for b, e in enumerate(account.lists) if e["name"] == name)
    c = account.contacts
    return {c.contact_id[i] for i in np.flatnonzero((c.lists >> bit) & 1)}


def _emailable_in_sandbox(sandbox, db_path) -> list[str]:
    """Contacts emailable by the sandbox's ground truth and by the synced data's rule (audience.emailable)."""
    with read(db_path) as con:
        synced = set(emailable(audience(con))["contact_id"].to_list())
    account = sandbox.account
    perm = account.permission_now()
    ok = account.existing() & ~account.deleted() & np.isin(perm, [0, 1]) & (account.contacts.hard_bounced_at > account.now)
    return [account.contacts.contact_id[i] for i in np.flatnonzero(ok) if account.contacts.contact_id[i] in synced]


def _requests(sandbox) -> list[str]:
    return [f"{m} {p}" for m, p, _ in sandbox.request_log]


def test_a_segment_becomes_a_new_list_and_the_next_sync_sees_it(synced, tmp_path):
    sandbox, settings = synced(tmp_path)
    before = len(sandbox.request_log)
    preview = push(settings, Target(DEFAULT_SEGMENT), LIST, dry_run=True)
    assert preview.plan.to_add and preview.plan.list_id is None
    assert not any(r.startswith(WRITES) for r in _requests(sandbox)[before:])   # a preview writes nothing

    result = push(settings, Target(DEFAULT_SEGMENT), LIST, sleep=lambda s: None, poll_first_s=0)
    assert result.state == "completed"
    assert _members(sandbox, LIST) == set(result.plan.to_add)
    assert result.push["added"] == len(result.plan.to_add) and result.push["list_created"]
    api_writes = [r for r in _requests(sandbox)[before:] if r.split()[1].startswith("/v3/") and not r.startswith("GET")]
    assert api_writes and set(api_writes) <= set(WRITES)   # list writes only: no import, no PUT, no resubscribe
    assert not any("contacts_json_import" in r or "resubscribe" in r for r in _requests(sandbox))

    run_sync(settings)
    with read(settings.db_path) as con:
        list_id = con.execute("SELECT list_id FROM contact_lists WHERE name = ?", [LIST]).fetchone()[0]
        synced = {r[0] for r in con.execute("SELECT contact_id FROM list_memberships WHERE list_id = ?",
                                            [list_id]).fetchall()}
        pushes = record.pushes(con)
    assert synced == set(result.plan.to_add)
    assert pushes.height == 1 and pushes["state"][0] == "completed"

    again = push(settings, Target(DEFAULT_SEGMENT), LIST, dry_run=True)
    assert not again.plan.to_add and set(again.plan.already_on) == synced and again.plan.created_by_tool


def test_an_unsubscribe_after_the_last_sync_is_honoured(synced, tmp_path):
    sandbox, settings = synced(tmp_path)
    chosen = _emailable_in_sandbox(sandbox, settings.db_path)[:30]
    leaver = chosen[3]
    account = sandbox.account
    i = account.contact_position(leaver)
    account.contacts.optout_at[i] = account.now - 60   # via the preference centre: updated_at does not move

    result = push(settings, Target("chosen", contact_ids=tuple(chosen)), LIST, sleep=lambda s: None, poll_first_s=0)
    assert leaver not in result.plan.to_add and result.plan.left_out["unsubscribed"] >= 1
    assert leaver not in _members(sandbox, LIST)
    assert _members(sandbox, LIST) == set(chosen) - {leaver}
    assert PERMISSIONS[account.permission_now()[i]] == "unsubscribed"


def test_no_push_when_the_contacts_sync_before_it_cannot_run(synced, tmp_path, monkeypatch):
    sandbox, settings = synced(tmp_path)
    before = len(sandbox.request_log)
    sandbox.set_faults(error_rate=1.0)
    monkeypatch.setitem(ApiClient.__init__.__kwdefaults__, "backoff_base_s", 0.01)
    with pytest.raises(PresyncFailed) as err:
        push(settings.with_(), Target(DEFAULT_SEGMENT), LIST, sleep=lambda s: None, poll_first_s=0)
    assert "nothing was sent" in str(err.value) and "\n" not in str(err.value)
    assert not any(r.startswith(WRITES) for r in _requests(sandbox)[before:])
    with read(settings.db_path) as con:
        assert record.pushes(con).is_empty()


def test_a_login_without_contact_data_gets_one_line_on_how_to_reconnect(synced, tmp_path):
    sandbox, settings = synced(tmp_path)
    narrow = settings.with_(refresh_token=sandbox.mint_refresh_token(("campaign_data", "account_read",
                                                                       "offline_access")),
                            token_file=tmp_path / "narrow-tokens.json")
    with pytest.raises(MissingScope) as err:
        push(narrow, Target(DEFAULT_SEGMENT), LIST)
    assert "contact_data" in str(err.value) and "cc-data auth" in str(err.value) and "\n" not in str(err.value)


def _fast(**kw):
    return {"sleep": lambda s: None, "poll_first_s": 0, **kw}


def test_a_push_killed_after_its_first_batch_resumes_and_adds_nobody_twice(synced, tmp_path, monkeypatch):
    sandbox, settings = synced(tmp_path)
    monkeypatch.setattr(record, "BATCH", 40)   # several activities from the small account
    chosen = tuple(_emailable_in_sandbox(sandbox, settings.db_path)[:100])
    from cc_data.push import activities

    real_poll, polls = activities.poll, []

    def dies_once(*a, **kw):
        polls.append(1)
        if len(polls) == 1:
            raise KeyboardInterrupt   # as a kill right after the first activity was created
        return real_poll(*a, **kw)

    monkeypatch.setattr(activities, "poll", dies_once)
    with pytest.raises(KeyboardInterrupt):
        push(settings, Target("chosen", contact_ids=chosen), LIST, **_fast())
    adds = lambda: [r for r in _requests(sandbox) if r == "POST /v3/activities/add_list_memberships"]  # noqa: E731
    assert len(adds()) == 1

    result = push(settings, Target("chosen", contact_ids=chosen), LIST, **_fast())
    assert result.resumed and result.state == "completed"
    assert len(adds()) == 3                       # batches 2 and 3 only; batch 1 was polled, not sent again
    assert _members(sandbox, LIST) == set(chosen)
    assert result.push["added"] == len(chosen)
    with read(settings.db_path) as con:
        assert record.pushes(con).height == 1


def test_the_queued_activities_429_is_waited_out(synced, tmp_path):
    sandbox, settings = synced(tmp_path)
    sandbox.lists_api.queue_limit = 0
    waits = []

    def wait(seconds):
        waits.append(seconds)
        sandbox.lists_api.queue_limit = 1000   # some of the 1,000 finished meanwhile

    result = push(settings, Target(DEFAULT_SEGMENT), LIST, sleep=wait, poll_first_s=0)
    assert result.state == "completed" and waits and waits[0] >= 1
    assert _members(sandbox, LIST) == set(result.plan.to_add)


def test_a_failed_activity_is_recorded_and_nobody_is_added(synced, tmp_path):
    sandbox, settings = synced(tmp_path)
    sandbox.lists_api.outcome = "failed"
    result = push(settings, Target(DEFAULT_SEGMENT), LIST, **_fast())
    assert result.state == "failed" and result.push["added"] == 0 and "failed" in result.push["message"]
    assert _members(sandbox, LIST) == set()


def test_remove_missing_trims_only_a_list_cc_data_created(synced, tmp_path):
    sandbox, settings = synced(tmp_path)
    people = _emailable_in_sandbox(sandbox, settings.db_path)
    first, second = tuple(people[:20]), tuple(people[10:25])
    push(settings, Target("set", contact_ids=first), LIST, **_fast())
    kept = push(settings, Target("set", contact_ids=second), LIST, **_fast())
    assert set(kept.plan.to_remove) == set(first) - set(second) and not kept.plan.removing   # off by default
    assert _members(sandbox, LIST) == set(first) | set(second)

    trimmed = push(settings, Target("set", contact_ids=second), LIST, remove_missing=True, **_fast())
    assert trimmed.push["removed"] == 10 and _members(sandbox, LIST) == set(second)

    other = sandbox.account.lists[0]["name"]
    with pytest.raises(UserError, match="not created by cc-data"):
        push(settings, Target("set", contact_ids=second), other, remove_missing=True, **_fast())
