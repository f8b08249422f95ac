"""Default scores, tier history, audience and segment stored at publish: equal to computing them, used only
when the settings asked for are the defaults, and refreshed by the next publish."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cc_data.analytics.audience import precomputed, scoring, segments
from cc_data.analytics.audience import reach as audience
from cc_data.analytics.email import sends
from cc_data.analytics.stored import refresh
from cc_data.store.db import read, writer
from tests.app.fixture_db import T0, Rows, build_synthetic
from tests.segment_oracle import expected_segment


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_synthetic(tmp_path_factory.mktemp("precomputed") / "cc.duckdb", contacts=120, campaigns=10)


def computed(con) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    full = sends.per_send(con)
    people, everyone = scoring.contact_directory(con), audience.audience(con)
    as_of = sends.latest_activity_at(con)
    return (scoring.score_contacts(full, people, as_of), scoring.tier_history(full, people, as_of, 12),
            everyone, expected_segment(everyone, full, segments.SegmentCriteria(), as_of))


def assert_stored_equals_computed(db: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every stored default result equals computing it; returns (scores, segment)."""
    with read(db) as con:
        as_of = sends.latest_activity_at(con)
        scores, history, everyone, segment = computed(con)
        stored = precomputed.stored_scores(con, scoring.ScoreSettings(), as_of)
        assert stored is not None
        assert_frame_equal(stored[0], scores)
        assert_frame_equal(stored[1], history)
        assert_frame_equal(precomputed.stored_audience(con), everyone)
        assert_frame_equal(precomputed.stored_segment(con, segments.SegmentCriteria(), as_of), segment)
    return scores, segment


def test_stored_results_equal_the_computed_ones(published: Path) -> None:
    scores, segment = assert_stored_equals_computed(published)
    assert scores["tier"].n_unique() >= 3 and segment.height > 0   # the comparison covers real content


def test_contacts_in_chunks_give_the_same_results(published: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "cc.duckdb"
    copy.write_bytes(published.read_bytes())
    monkeypatch.setattr(precomputed, "PUBLISH_CHUNK_CONTACTS", 7)   # 120 contacts: 18 chunks, the last one short
    with writer(copy, before_publish=refresh.refresh_all):
        pass
    assert_stored_equals_computed(copy)


def test_other_settings_or_another_moment_are_not_served_from_the_store(published: Path) -> None:
    with read(published) as con:
        as_of = sends.latest_activity_at(con)
        assert precomputed.stored_scores(con, replace(scoring.ScoreSettings(), half_life_days=30), as_of) is None
        assert precomputed.stored_scores(con, scoring.ScoreSettings(), as_of - timedelta(days=1)) is None
        # other criteria are aggregated in DuckDB (tests/unit/test_custom_settings.py), not read from the table
        other = segments.SegmentCriteria(inactive_days=90)
        assert_frame_equal(precomputed.stored_segment(con, other, as_of), expected_segment(
            audience.audience(con), sends.per_send(con), other, as_of))


def test_rows_stored_under_older_rules_are_not_served(published: Path, tmp_path: Path) -> None:
    import duckdb

    copy = tmp_path / "cc.duckdb"
    copy.write_bytes(published.read_bytes())
    with duckdb.connect(str(copy)) as con:
        as_of = sends.latest_activity_at(con)
        assert precomputed.stored_scores(con, scoring.ScoreSettings(), as_of) is not None
        con.execute("UPDATE meta SET value = replace(value, ?, ?) WHERE key = ?",
                    [precomputed.PRECOMPUTED.stamp, "0123456789abcdef", precomputed.PRECOMPUTED.meta_key])
        assert precomputed.stored_scores(con, scoring.ScoreSettings(), as_of) is None
        assert_frame_equal(precomputed.stored_segment(con, segments.SegmentCriteria(), as_of),  # computed
                           computed(con)[3])


def test_a_publish_refreshes_the_stored_results(tmp_path: Path) -> None:
    db = tmp_path / "cc.duckdb"
    with writer(db, before_publish=refresh.refresh_all) as w:
        rows = Rows(w.con)
        for contact in ("c1", "c2"):
            rows.contact(contact)
        for n in range(3):   # three emails (the minimum to be scored), the last at T0
            activity = rows.campaign(f"A{n}", f"Spring Appeal 2025 Email {n}", "FUNDRAISER")
            for contact in ("c1", "c2"):
                rows.event(activity, contact, "sends", T0 - timedelta(days=2 - n))
    with read(db) as con:
        before = precomputed.stored_scores(con, scoring.ScoreSettings(), T0)
    assert before is not None and set(before[0]["tier"]) == {"Lapsed"}
    with writer(db, before_publish=refresh.refresh_all) as w:   # a new contact and a click; the latest send, so "as of", stays the same
        Rows(w.con).contact("c3")
        Rows(w.con).event(activity, "c1", "clicks", T0 - timedelta(minutes=1))
    with read(db) as con:
        after = precomputed.stored_scores(con, scoring.ScoreSettings(), T0)
        assert after is not None
        assert_frame_equal(after[0], scoring.score_contacts(sends.per_send(con), scoring.contact_directory(con), T0))
    assert after[0].select("contact_id", "tier", "clicks").sort("contact_id").rows() == [
        ("c1", "Highly engaged", 1), ("c2", "Lapsed", 0), ("c3", "Not emailed", 0)]   # c1: 3 × 1 / 2.98 = 1.01


def test_a_late_click_after_the_latest_send_counts_as_engagement(tmp_path: Path) -> None:
    db = tmp_path / "cc.duckdb"
    with writer(db, before_publish=refresh.refresh_all) as w:
        rows = Rows(w.con)
        for contact in ("c1", "c2"):
            rows.contact(contact, created_at=T0 - timedelta(days=400))
        for n in range(3):   # three emails 30 days apart, the last at T0; nobody engages with them
            activity = rows.campaign(f"N{n}", f"News {n}")
            for contact in ("c1", "c2"):
                rows.event(activity, contact, "sends", T0 - timedelta(days=30 * (2 - n)))
        rows.event(activity, "c1", "clicks", T0 + timedelta(days=2))   # a late click, after the last send
    with read(db) as con:
        as_of = sends.latest_activity_at(con)
        assert as_of == T0 + timedelta(days=2)
        segment = precomputed.stored_segment(con, segments.SegmentCriteria(), as_of)
        scores = precomputed.stored_scores(con, scoring.ScoreSettings(), as_of)
    assert segment is not None and segment["contact_id"].to_list() == ["c2"]
    assert scores is not None
    # c1: 3 click points on the last email; weights 0.5^(62/90), 0.5^(32/90), 0.5^(2/90) = 0.620, 0.782, 0.985
    # as of the click, so 3 × 0.985 / 2.387 = 1.24: Highly engaged. Without the late click c1 would be Lapsed.
    assert dict(scores[0].select("contact_id", "tier").iter_rows()) == {"c1": "Highly engaged", "c2": "Lapsed"}
    assert scores[0].filter(pl.col("contact_id") == "c1")["score"].round(2).to_list() == [1.24]


def test_a_database_without_the_tables_computes(tmp_path: Path) -> None:
    import duckdb

    from tests.app.fixture_db import memory_db

    con: duckdb.DuckDBPyConnection = memory_db()
    rows = Rows(con)
    rows.contact("c1")
    rows.event(rows.campaign("A", "News"), "c1", "sends", T0)
    assert precomputed.stored_scores(con, scoring.ScoreSettings(), T0) is None
    assert precomputed.stored_audience(con)["contact_id"].to_list() == ["c1"]
