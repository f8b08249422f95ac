"""Pushing a segment to a Constant Contact list on the sandbox over loopback: the list-sync rules as tests."""

from __future__ import annotations

import numpy as np
import pytest

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


def _synced(start_sandbox, tmp_path, **kw):
    sandbox = start_sandbox(**kw)
    settings = settings_for(sandbox, tmp_path)
    assert run_sync(settings).outcome == "success"
    return sandbox, settings


def _members(sandbox, name: str) -> set[str]:
    account = sandbox.account
    bit = next(b for b, e in enumerate(account.lists) if e["name"] == name)
    c = account.contacts
    return {c.contact_id[i] for i in np.flatnonzero((c.lists >> bit) & 1)}


def _emailable_in_sandbox(sandbox) -> list[str]:
    account = sandbox.account
    perm = account.permission_now()
    ok = account.existing() & ~account.deleted() & np.isin(perm, [0, 1]) & (account.contacts.hard_bounced_at > account.now)
    return [account.contacts.contact_id[i] for i in np.flatnonzero(ok)]


def _requests(sandbox) -> list[str]:
    return [f"{m} {p}" for m, p, _ in sandbox.request_log]


def test_a_segment_becomes_a_new_list_and_the_next_sync_sees_it(start_sandbox, tmp_path):
    sandbox, settings = _synced(start_sandbox, tmp_path)
    before = len(sandbox.request_log)
    preview = push(settings, Target(DEFAULT_SEGMENT), LIST, dry_run=True)
    assert preview.plan.to_add and preview.plan.list_id is None
    assert not any(r.startswith(WRITES) for r in _requests(sandbox)[before:])   # a preview writes nothing

    result = push(settings, Target(DEFAULT_SEGMENT), LIST, sleep=lambda s: None, poll_first_s=0)
    assert result.state == "completed"
    assert _members(sandbox, LIST) == set(result.plan.to_add)
    assert result.push["added"] == len(result.plan.to_add) and result.push["list_created"]
    used = {r.split("/v3")[1].split("/")[1] for r in _requests(sandbox)[before:] if r.startswith("POST")}
    assert used <= {"contact_lists", "activities"}
    assert all(r.startswith(WRITES) for r in _requests(sandbox)[before:] if not r.startswith("GET"))
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


def test_an_unsubscribe_after_the_last_sync_is_honoured(start_sandbox, tmp_path):
    sandbox, settings = _synced(start_sandbox, tmp_path)
    chosen = _emailable_in_sandbox(sandbox)[:30]
    leaver = chosen[3]
    account = sandbox.account
    i = account.contact_position(leaver)
    account.contacts.optout_at[i] = account.now - 60   # via the preference centre: updated_at does not move

    result = push(settings, Target("chosen", contact_ids=tuple(chosen)), LIST, sleep=lambda s: None, poll_first_s=0)
    assert leaver not in result.plan.to_add and result.plan.left_out["unsubscribed"] >= 1
    assert leaver not in _members(sandbox, LIST)
    assert _members(sandbox, LIST) == set(chosen) - {leaver}
    assert PERMISSIONS[account.permission_now()[i]] == "unsubscribed"


def test_no_push_when_the_contacts_sync_before_it_cannot_run(start_sandbox, tmp_path):
    sandbox, settings = _synced(start_sandbox, tmp_path)
    before = len(sandbox.request_log)
    sandbox.set_faults(error_rate=1.0)
    with pytest.raises(PresyncFailed) as err:
        push(settings.with_(), Target(DEFAULT_SEGMENT), LIST, sleep=lambda s: None, poll_first_s=0)
    assert "nothing was sent" in str(err.value) and "\n" not in str(err.value)
    assert not any(r.startswith(WRITES) for r in _requests(sandbox)[before:])
    with read(settings.db_path) as con:
        assert record.pushes(con).is_empty()


def test_a_login_without_contact_data_gets_one_line_on_how_to_reconnect(start_sandbox, tmp_path):
    sandbox, settings = _synced(start_sandbox, tmp_path)
    narrow = settings.with_(refresh_token=sandbox.mint_refresh_token(("campaign_data", "account_read",
                                                                       "offline_access")),
                            token_file=tmp_path / "narrow-tokens.json")
    with pytest.raises(MissingScope) as err:
        push(narrow, Target(DEFAULT_SEGMENT), LIST)
    assert "contact_data" in str(err.value) and "cc-data auth" in str(err.value) and "\n" not in str(err.value)
