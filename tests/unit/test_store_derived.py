"""The per_send derived table: built at publish time, identical to the live computation, used when it matches."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cc_data.analytics.email import sends
from cc_data.analytics.stored import refresh
from cc_data.store.db import read, writer
from tests.app.fixture_db import T0, Rows, build_synthetic, memory_db

KEYS = ["campaign_activity_id", "contact_id"]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_synthetic(tmp_path_factory.mktemp("derived") / "cc.duckdb", contacts=80, campaigns=8)


def live(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return pl.from_arrow(con.sql(sends.per_send_sql()).to_arrow_table()).sort(KEYS)


def test_publish_stores_per_send_equal_to_the_live_computation(published: Path) -> None:
    with read(published) as con:
        stored = pl.from_arrow(con.sql("SELECT * FROM per_send").to_arrow_table())
        assert stored.height > 300 and stored["machine_opener"].any() and stored["first_click_at"].is_not_null().any()
        assert stored["campaign_activity_id"].is_sorted()
        assert_frame_equal(stored.sort(KEYS), live(con))
        assert sends.PER_SEND.current(con)
        assert json.loads(con.execute("SELECT value FROM meta WHERE key = ?", [sends.PER_SEND.meta_key])
                          .fetchall()[0][0]) == {"stamp": sends.PER_SEND.stamp}
        assert_frame_equal(sends.per_send(con).sort(KEYS), live(con))


def test_publishing_a_change_refreshes_the_table(tmp_path: Path) -> None:
    db = tmp_path / "cc.duckdb"
    with writer(db, before_publish=refresh.refresh_all) as w:
        rows = Rows(w.con)
        rows.contact("c1")
        activity = rows.campaign("A", "Spring Appeal 2025", "FUNDRAISER")
        rows.event(activity, "c1", "sends", T0)
    with read(db) as con:
        before = sends.per_send(con)
    assert before.select("contact_id", "opened").rows() == [("c1", False)]
    with writer(db, before_publish=refresh.refresh_all) as w:
        Rows(w.con).event(activity, "c1", "opens", T0 + timedelta(hours=2))
    with read(db) as con:
        after = con.sql("SELECT contact_id, opened, first_open_at FROM per_send").fetchall()
    assert after == [("c1", True, T0 + timedelta(hours=2))]


def test_reader_uses_the_stored_rows_only_for_the_rule_they_were_built_with(published: Path, tmp_path: Path) -> None:
    copy = tmp_path / "cc.duckdb"
    copy.write_bytes(published.read_bytes())
    con = duckdb.connect(str(copy))
    # Mark the stored rows so reading them is observable: nothing but the table holds this value.
    con.execute("UPDATE per_send SET forwarded = true")
    assert sends.per_send(con, columns=("forwarded",))["forwarded"].all()
    other = replace(sends.MachineOpenRule(), min_emails=2)
    assert not sends.per_send(con, other, columns=("forwarded",))["forwarded"].all()
    # rows recorded by other code (another stamp) are not served, for any rule
    con.execute("UPDATE meta SET value = '{\"stamp\": \"other\"}' WHERE key = ?", [sends.PER_SEND.meta_key])
    assert not sends.per_send(con, columns=("forwarded",))["forwarded"].all()
    con.close()


def test_without_the_table_rows_are_computed_and_columns_rows_can_be_narrowed() -> None:
    con = memory_db()
    rows = Rows(con)
    for cid in ("c1", "c2"):
        rows.contact(cid)
    activity = rows.campaign("A", "Spring Appeal 2025", "FUNDRAISER")
    rows.event(activity, "c1", "sends", T0)
    rows.event(activity, "c2", "sends", T0)
    rows.event(activity, "c2", "clicks", T0 + timedelta(hours=1))
    assert not sends.PER_SEND.current(con)
    assert sends.per_send(con).height == 2
    picked = sends.per_send(con, columns=("contact_id", "first_click_at"), where="contact_id = $c", params={"c": "c2"})
    assert picked.rows() == [("c2", T0 + timedelta(hours=1))]
    with pytest.raises(ValueError, match="no column"):
        sends.per_send(con, columns=("email",))
    refresh.refresh_all(con)
    refresh.refresh_all(con)   # idempotent
    assert con.sql("SELECT count(*) FROM per_send").fetchall() == [(2,)]


def test_refresh_on_an_empty_account_builds_an_empty_table() -> None:
    con = memory_db()
    refresh.refresh_all(con)
    assert sends.per_send(con).columns == list(sends.COLUMNS)
    assert sends.per_send(con).is_empty()


def test_aggregates_read_from_the_table_match_the_frame_versions(published: Path) -> None:
    from cc_data.analytics.audience import scoring
    from cc_data.analytics.email import campaigns

    with read(published) as con:
        full = sends.per_send(con)
        assert_frame_equal(campaigns.campaign_counts_in_db(con),
                           campaigns.campaign_counts(full, campaigns.campaign_catalog(con)))
        assert sends.latest_activity_at(con) == con.sql(
            "SELECT max(created_time) FROM tracking_events "
            "WHERE tracking_activity_type IN ('em_sends', 'em_opens', 'em_clicks')").fetchall()[0][0]
        people = scoring.contact_directory(con)
        compact = sends.contact_rows(con, people["contact_id"])
    assert compact.schema["contact_id"] == pl.Categorical
    as_of = full["sent_at"].max()
    categorical = pl.col("contact_id").cast(pl.Categorical)
    as_text = pl.col("contact_id").cast(pl.Utf8)
    expected = scoring.score_contacts(full, people, as_of).sort("contact_id")
    got = scoring.score_contacts(compact, people.with_columns(categorical), as_of).with_columns(as_text)
    assert_frame_equal(got.sort("contact_id"), expected)
    assert_frame_equal(scoring.tier_history(compact, people.with_columns(categorical), as_of, 4),
                       scoring.tier_history(full, people, as_of, 4))


def test_device_and_link_tables_equal_their_live_queries(published: Path) -> None:
    from cc_data.analytics.email import trends

    with read(published) as con:
        for table, sql in ((trends.DEVICES_TABLE, trends.DEVICE_ACTIVITY_SQL), (trends.LINKS_TABLE, trends.LINK_CLICKS_SQL)):
            stored = pl.from_arrow(con.sql(f"SELECT * FROM {table}").to_arrow_table())
            expected = pl.from_arrow(con.sql(sql).to_arrow_table())
            assert stored.height > 0
            assert_frame_equal(stored.sort(stored.columns), expected.sort(expected.columns))
        assert_frame_equal(trends.device_activity(con), pl.from_arrow(
            con.sql(f"SELECT * FROM {trends.DEVICES_TABLE}").to_arrow_table()))


def test_stored_campaign_counts_equal_the_computed_ones_and_are_what_pages_read(published: Path,
                                                                                tmp_path: Path) -> None:
    from cc_data.analytics.email import campaigns

    db = tmp_path / "cc.duckdb"
    db.write_bytes(published.read_bytes())
    with duckdb.connect(str(db)) as con:
        computed = campaigns.campaign_counts(sends.per_send(con), campaigns.campaign_catalog(con))
        read_back = campaigns.campaign_counts_in_db(con)
        assert read_back.height > 0
        assert_frame_equal(read_back, computed, check_row_order=False)
        con.execute("UPDATE campaign_counts SET opens = -1")   # the reader takes the stored rows, not a recount
        assert set(campaigns.campaign_counts_in_db(con)["opens"].to_list()) == {-1}
        other_rule = replace(sends.MachineOpenRule(), min_emails=3)   # another rule is computed
        assert -1 not in campaigns.campaign_counts_in_db(con, other_rule)["opens"].to_list()


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, pl.DataFrame]:
    from cc_data.analytics.email import trends

    names = ("per_send", "campaign_counts", trends.DEVICES_TABLE, trends.LINKS_TABLE, "contact_scores",
             "default_segment", "audience", "attribution_gifts")
    return {n: pl.from_arrow(con.sql(f"SELECT * FROM {n}").to_arrow_table()).sort(pl.all()) for n in names
            if con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [n]).fetchall()[0][0]}


def test_a_change_refreshes_what_it_touched_and_equals_a_full_rebuild(published: Path, tmp_path: Path) -> None:
    from cc_data.store import upserts

    db = tmp_path / "cc.duckdb"
    db.write_bytes(published.read_bytes())
    con = duckdb.connect(str(db))
    contacts = [r[0] for r in con.execute("SELECT contact_id FROM contacts ORDER BY 1 LIMIT 6").fetchall()]
    rows = Rows(con)
    activity = rows.campaign("NEW", "Winter Appeal 2026", "FUNDRAISER")
    for i, cid in enumerate(contacts):
        rows.event(activity, cid, "sends", T0 + timedelta(days=400))
        if i % 2:
            rows.event(activity, cid, "opens", T0 + timedelta(days=400, hours=3), device="mobile")
            rows.event(activity, cid, "clicks", T0 + timedelta(days=400, hours=4), link="https://give.example.org")
    upserts.mark_changed(con, f"{refresh.ACTIVITY}{activity}")
    untouched = con.execute("SELECT count(*) FROM per_send WHERE contact_id NOT IN (SELECT unnest(?))",
                            [contacts]).fetchall()[0][0]
    refresh.refresh_changed(con)
    incremental = _tables(con)
    assert upserts.changed(con) == set()
    assert incremental["per_send"].filter(pl.col("campaign_activity_id") == activity).height == 6
    refresh.refresh_all(con)
    full = _tables(con)
    assert incremental.keys() == full.keys() and "contact_scores" in full
    for name, table in full.items():
        assert_frame_equal(incremental[name], table, check_row_order=False)
    assert con.execute("SELECT count(*) FROM per_send WHERE contact_id NOT IN (SELECT unnest(?))",
                       [contacts]).fetchall()[0][0] == untouched
    con.close()


def test_with_nothing_marked_nothing_is_recomputed(published: Path, tmp_path: Path) -> None:
    db = tmp_path / "cc.duckdb"
    db.write_bytes(published.read_bytes())
    con = duckdb.connect(str(db))
    con.execute("UPDATE contact_scores SET score = -1")   # observable: a recompute would overwrite it
    refresh.refresh_changed(con)
    assert con.execute("SELECT min(score), max(score) FROM contact_scores").fetchone() == (-1, -1)
    from cc_data.store import upserts
    upserts.mark_changed(con, "mapping")                # attribution only
    refresh.refresh_changed(con)
    assert con.execute("SELECT max(score) FROM contact_scores").fetchone() == (-1,)
    upserts.mark_changed(con, "contacts")
    refresh.refresh_changed(con)
    assert con.execute("SELECT max(score) FROM contact_scores").fetchone()[0] > -1
    con.close()


def test_a_table_built_by_older_code_is_not_read_and_the_next_publish_rebuilds_it(published: Path,
                                                                                tmp_path: Path) -> None:
    copy = tmp_path / "cc.duckdb"
    copy.write_bytes(published.read_bytes())
    con = duckdb.connect(str(copy))
    # What older code recorded (a hand-bumped version), with rows that counted a V bounce as delivered.
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [sends.PER_SEND.meta_key, '{"rule": {"max_minutes_after_send": 10}, "version": 1}'])
    con.execute("UPDATE per_send SET forwarded = true")
    assert not sends.per_send(con, columns=("forwarded",))["forwarded"].all()
    refresh.refresh_changed(con)   # nothing marked, but the stamp is another code's: it is rebuilt
    assert sends.PER_SEND.current(con)
    assert_frame_equal(pl.from_arrow(con.sql("SELECT * FROM per_send").to_arrow_table()).sort(KEYS), live(con))
    con.close()


def test_as_of_is_the_latest_send_open_or_click_repeat_opens_included() -> None:
    con = memory_db()
    rows = Rows(con)
    rows.contact("c1")
    activity = rows.campaign("A", "Spring Appeal 2025", "FUNDRAISER")
    rows.event(activity, "c1", "sends", T0)
    rows.event(activity, "c1", "opens", T0 + timedelta(hours=1))
    rows.event(activity, "c1", "clicks", T0 + timedelta(hours=2), link="https://x.org")
    rows.event(activity, "c1", "opens", T0 + timedelta(hours=30))    # a repeat open, the day after
    rows.event(activity, "c1", "bounces", T0 + timedelta(hours=40), bounce_code="V")   # not engagement
    assert sends.latest_activity_at(con) == T0 + timedelta(hours=30)
    rows.event(activity, "c1", "clicks", T0 + timedelta(hours=31), link="https://x.org")   # a repeat click
    assert sends.latest_activity_at(con) == T0 + timedelta(hours=31)
