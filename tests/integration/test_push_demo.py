"""A push on the demo (no credentials) reaches the demo's sandbox, and the demo stays reproducible: the list
writes are stored in meta and replayed into the restarted sandbox, so the next push (and a demo sync that
replays them the same way) sees the new list."""

from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import pytest

from cc_data import demo
from cc_data.config import load_settings
from cc_data.demo import LIST_WRITES_KEY as JOURNAL_KEY
from cc_data.push import activities
from cc_data.push.run import Target, push
from cc_data.push.saved import DEFAULT_SEGMENT
from cc_data.sandbox.server import SandboxServer
from cc_data.store.db import read

LIST = "Demo lapsed"
DEMO_NOW = datetime(2026, 6, 15, 12)


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("CONSTANT_CONTACT_CLIENT_ID", "CC_DB_PATH", "CC_TOKEN_FILE", "DP_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(activities.poll, "__kwdefaults__", {**activities.poll.__kwdefaults__, "first_s": 0.0})
    # A fixed demo clock: at small scale the default segment depends on the day (on 2026-12-01 a Giving Tuesday
    # sent that hour made "as of" today, with no one sent 3 emails in the 180 days before, so nobody was in it).
    monkeypatch.setattr(demo, "_now_hour", lambda: DEMO_NOW)
    return load_settings(env={"CC_DB_PATH": str(tmp_path / "data" / "cc.duckdb")})


def test_a_demo_push_is_recorded_for_replay_and_the_next_push_sees_the_list(settings):
    demo.build(settings, scale="small")
    result = push(settings, Target(DEFAULT_SEGMENT), LIST)
    assert result.state == "completed" and result.plan.to_add
    meta = demo.demo_meta(settings.db_path)
    with read(settings.db_path) as con:
        journal = json.loads(con.execute("SELECT value FROM meta WHERE key = ?", [JOURNAL_KEY]).fetchall()[0][0])
    assert [w["op"] for w in journal] == ["create_list", "add"]
    assert set(journal[1]["contact_ids"]) == set(result.plan.to_add)

    # the demo's sandbox rebuilt from its recipe, with the journal replayed, holds the list and its members
    rebuilt = SandboxServer(seed=int(meta["demo_seed"]), scale=meta["demo_scale"],
                            now=datetime.fromisoformat(meta["demo_now"]))
    for days in json.loads(meta["demo_advances"]):
        rebuilt.advance(float(days))
    rebuilt.replay_list_writes(journal)
    bit = next(b for b, e in enumerate(rebuilt.account.lists) if e["name"] == LIST)
    c = rebuilt.account.contacts
    assert {c.contact_id[i] for i in np.flatnonzero((c.lists >> bit) & 1)} == set(result.plan.to_add)

    again = push(settings, Target(DEFAULT_SEGMENT), LIST, dry_run=True)
    assert again.plan.list_id == result.push["list_id"] and not again.plan.to_add
    assert set(again.plan.already_on) == set(result.plan.to_add)


def test_a_demo_sync_after_a_push_keeps_the_pushed_list(settings):
    demo.build(settings, scale="small")
    result = push(settings, Target(DEFAULT_SEGMENT), LIST)
    demo.refresh(settings, full=True)   # a full pass reconciles every membership with the sandbox
    with read(settings.db_path) as con:
        kept = {r[0] for r in con.execute("SELECT contact_id FROM list_memberships WHERE list_id = ?",
                                          [result.push["list_id"]]).fetchall()}
    assert kept == set(result.plan.to_add)
