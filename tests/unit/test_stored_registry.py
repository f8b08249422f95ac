"""Stored results are declared once, in the registry: a stamp computed from each build, refreshed by what made it
stale, and served only while the build that wrote them is the code's."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from polars.testing import assert_frame_equal

from bench.sandbox_db import build_from_sandbox
from cc_data.analytics.email import campaigns, sends, trends
from cc_data.analytics.rules.machine_opens import MachineOpenRule
from cc_data.analytics.stored import refresh
from cc_data.analytics.stored.registry import CHANGES, StoredResult


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sandbox's small account (contacts, tracking, gifts, gift codes mapped to appeals), published."""
    return build_from_sandbox(tmp_path_factory.mktemp("registry") / "cc.duckdb", "small")


@pytest.fixture
def copy(published: Path, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    db = tmp_path / "cc.duckdb"
    db.write_bytes(published.read_bytes())
    con = duckdb.connect(str(db))
    yield con
    con.close()


def test_every_result_is_declared_once_with_known_changes_and_in_build_order() -> None:
    names = [r.name for r in refresh.REGISTRY]
    assert len(names) == len(set(names))
    tables = [t for r in refresh.REGISTRY for t in r.tables]
    assert len(tables) == len(set(tables))                       # a table belongs to one result
    for i, result in enumerate(refresh.REGISTRY):
        assert result.stale_on and result.stale_on <= set(CHANGES)
        assert all(need in refresh.REGISTRY[:i] for need in result.needs)   # what it reads is built first


def test_after_a_publish_every_result_is_current(copy: duckdb.DuckDBPyConnection) -> None:
    assert all(result.current(copy) for result in refresh.REGISTRY)


def test_the_stamp_follows_the_build_not_a_hand_kept_number() -> None:
    counts = campaigns.COUNTS
    assert replace(counts, recipe=counts.recipe).stamp == counts.stamp                 # same build, same stamp
    assert replace(counts, recipe=(counts.recipe[0] + " ",)).stamp != counts.stamp    # the query's text
    rule = sends.PER_SEND
    other_rule = tuple(replace(p, min_emails=6) if isinstance(p, MachineOpenRule) else p for p in rule.recipe)
    assert replace(rule, recipe=other_rule).stamp != rule.stamp                        # a rule's setting
    changed = replace(rule, recipe=(*rule.recipe, "a new column"))
    assert replace(counts, needs=(changed,)).stamp != counts.stamp                    # what it reads

    def build(con: duckdb.DuckDBPyConnection, changes: object) -> None:   # noqa: ARG001
        con.execute("SELECT 1")
    assert replace(counts, build=build).stamp != counts.stamp                         # the builder itself


@pytest.mark.parametrize(("module", "attribute", "table", "read"), [
    (campaigns, "COUNTS", "campaign_counts", lambda con: campaigns.campaign_counts_in_db(con)),
    (trends, "DEVICES", "campaign_devices", lambda con: trends.device_activity(con)),
])
def test_a_changed_build_stops_serving_the_old_rows_and_the_next_publish_rebuilds_them(
        copy: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch, module: object, attribute: str,
        table: str, read: object) -> None:
    column = {"campaign_counts": "opens", "campaign_devices": "contacts"}[table]
    truth = read(copy)
    copy.execute(f"UPDATE {table} SET {column} = -1")   # observable: only the stored rows hold -1
    assert set(read(copy)[column].to_list()) == {-1}
    old: StoredResult = getattr(module, attribute)
    new = replace(old, recipe=(*old.recipe, "-- the query changed"))
    monkeypatch.setattr(module, attribute, new)
    monkeypatch.setattr(refresh, "REGISTRY", tuple(new if r is old else r for r in refresh.REGISTRY))
    assert -1 not in read(copy)[column].to_list()       # computed live, not the old rows
    assert_frame_equal(read(copy), truth, check_row_order=False)
    refresh.refresh_changed(copy)                        # nothing marked: rebuilt because the stamp differs
    assert new.current(copy)
    copy.execute(f"UPDATE {table} SET {column} = -2")
    assert set(read(copy)[column].to_list()) == {-2}    # and served again


def test_a_change_refreshes_only_the_results_stale_on_it(copy: duckdb.DuckDBPyConnection) -> None:
    from cc_data.store import upserts

    copy.execute("UPDATE campaign_counts SET opens = -1")      # stale on tracking only
    copy.execute("UPDATE contact_scores SET score = -1")       # on tracking, contacts and gifts
    copy.execute("UPDATE attribution_gifts SET attribution_note = 'old'")   # on contacts, gifts and the mapping
    copy.execute("UPDATE donor_contact_facts SET deleted = NULL")   # on all four
    upserts.mark_changed(copy, "mapping")
    refresh.refresh_changed(copy)
    assert copy.execute("SELECT min(opens), max(opens) FROM campaign_counts").fetchone() == (-1, -1)
    assert copy.execute("SELECT min(score), max(score) FROM contact_scores").fetchone() == (-1, -1)
    assert copy.execute("SELECT count(*) FROM attribution_gifts WHERE attribution_note = 'old'").fetchone() == (0,)
    assert copy.execute("SELECT count(*) FROM donor_contact_facts WHERE deleted IS NULL").fetchone() == (0,)
    assert all(result.current(copy) for result in refresh.REGISTRY)
