"""Engagement's contact table: accent-insensitive search, sorted by tier then score, the score's scale shown."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cc_data.analytics.audience import scoring
from cc_data.analytics.stored import refresh
from cc_data.store.db import writer
from tests.app.harness import app_test, open_page


@pytest.fixture
def accented_db(synthetic_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "cc.duckdb"
    shutil.copy(synthetic_db, db)
    with writer(db, before_publish=refresh.refresh_all) as w:
        w.con.execute("UPDATE contacts SET first_name = 'Noémie', last_name = 'Çelik' WHERE contact_id = 'c00001'")
    monkeypatch.setenv("CC_DB_PATH", str(db))
    monkeypatch.setenv("CC_TOKEN_FILE", str(tmp_path / "tokens.json"))
    monkeypatch.delenv("CONSTANT_CONTACT_CLIENT_ID", raising=False)
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    return db


def contacts_table(at):
    return next(d.value for d in at.dataframe if "email" in d.value.columns)


def test_search_ignores_accents_and_case(accented_db: Path) -> None:
    at = app_test()
    at.run()
    open_page(at, "pages/engagement.py")
    at.text_input[0].input("noemie celik").run()
    assert not at.exception
    found = contacts_table(at)
    assert list(found["first_name"]) == ["Noémie"]


def test_contacts_are_sorted_by_tier_then_score(accented_db: Path) -> None:
    at = app_test()
    at.run()
    open_page(at, "pages/engagement.py")
    table = contacts_table(at)
    order = {tier: n for n, tier in enumerate(scoring.TIERS)}
    keys = [(order[t], -(s if s == s and s is not None else -1)) for t, s in zip(table["tier"], table["score"], strict=True)]
    assert keys == sorted(keys)
    assert any("by tier then score (0 to 4)" in c.value for c in at.caption)


def test_month_by_month_draws_each_moment_once(app_env: Path) -> None:
    """The history's last two moments (the current month's start and the latest activity) fell in one month and
    were both labelled with it, so the category axis stacked two distributions in one bar ("Dec 2026": 38.6k
    against 19.4k contacts)."""
    import json

    at = app_test()
    at.run()
    open_page(at, "pages/engagement.py")
    history = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                   if len(json.loads(c.proto.spec)["data"]) == len(scoring.TIERS))
    contacts = pl_sum_per_x(history["data"])
    for trace in history["data"]:
        assert len(trace["x"]) == len(set(trace["x"])), trace["x"]
    # every bar is one distribution: no month holds more people than the latest moment
    assert max(contacts.values()) == contacts[history["data"][0]["x"][-1]]


def pl_sum_per_x(traces: list[dict]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for trace in traces:
        for x, y in zip(trace["x"], trace["y"], strict=True):
            totals[x] = totals.get(x, 0) + y
    return totals


def test_a_selected_contact_then_a_search_that_finds_nobody(app_env: Path) -> None:
    at = app_test()
    at.run()
    open_page(at, "pages/engagement.py")
    key = next(k for k in at.session_state._state.filtered_state if k.startswith("contacts_table"))
    at.session_state[key] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert any(s.value.startswith("Timeline:") for s in at.subheader)
    at.text_input[0].input("nobody-matches-this").run()
    assert not at.exception
    assert not any(s.value.startswith("Timeline:") for s in at.subheader)
    assert any(c.value.startswith("0 of ") for c in at.caption)
