"""Scores, tier history and re-engagement segments for settings off the defaults, answered from the parts stored
at publish (scores) or aggregated in DuckDB (segments): the same frames as the reference computation over every
per-send row in polars (scoring.score_contacts, scoring.tier_history, segments.reengagement_segment)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from bench.sandbox_db import build_from_sandbox
from cc_data.analytics.audience import precomputed, reach, scoring, segments
from cc_data.analytics.email import sends
from cc_data.analytics.history import history_gaps
from cc_data.store.db import read
from tests.segment_oracle import expected_segment

DEFAULT = scoring.ScoreSettings()
WEIGHTS = [
    replace(DEFAULT, click_points=2.0, open_points=0.5, machine_open_points=0.25),
    replace(DEFAULT, click_points=0.0, open_points=2.0, machine_open_points=1.0, high=1.5, moderate=0.5),
    replace(DEFAULT, click_points=5.0, open_points=0.0, high=0.2, moderate=0.05, min_emails=1, new_days=0),
    replace(DEFAULT, open_points=1.5, min_emails=8, new_days=200),
]
CRITERIA = [
    segments.SegmentCriteria(inactive_days=90),
    segments.SegmentCriteria(inactive_days=365, min_emails=5, min_tenure_days=0),
    segments.SegmentCriteria(inactive_days=60, min_emails=1, exclude_machine_only_openers=True),
    segments.SegmentCriteria(lapsed_donors_only=True, lapsed_donor_days=180, inactive_days=270),
]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sandbox's small account, published through writer() (so its stored results are built)."""
    return build_from_sandbox(tmp_path_factory.mktemp("custom_settings") / "cc.duckdb", "small")


def reference_scores(con: duckdb.DuckDBPyConnection, settings: scoring.ScoreSettings
                     ) -> tuple[pl.DataFrame, pl.DataFrame]:
    as_of, gaps = sends.latest_activity_at(con), history_gaps(con)
    rows, people = sends.per_send(con), scoring.contact_directory(con)
    return (scoring.score_contacts(rows, people, as_of, settings, gaps),
            scoring.tier_history(rows, people, as_of, precomputed.HISTORY_MONTHS, settings, gaps))


@pytest.mark.parametrize("settings", WEIGHTS, ids=range(len(WEIGHTS)))
def test_custom_weights_from_the_stored_parts_equal_the_reference(published: Path,
                                                                  settings: scoring.ScoreSettings) -> None:
    with read(published) as con:
        as_of = sends.latest_activity_at(con)
        scored, history = reference_scores(con, settings)
        from_parts = precomputed.stored_scores(con, settings, as_of)
        assert from_parts is not None
        assert_frame_equal(from_parts[0], scored, check_exact=True)
        assert_frame_equal(from_parts[1], history, check_exact=True)
        # the comparison covers real content: several tiers, and the settings change them
        assert scored["tier"].n_unique() >= 4
        default_tiers = precomputed.stored_scores(con, DEFAULT, as_of)[0].sort("contact_id")["tier"]
        assert scored.sort("contact_id")["tier"].to_list() != default_tiers.to_list()


def test_the_parts_are_read_not_the_sends(published: Path, tmp_path: Path) -> None:
    """Custom weights are answered without the per-send rows (before: computed from them, so none came back)."""
    copy = tmp_path / "cc.duckdb"
    copy.write_bytes(published.read_bytes())
    with read(published) as con:
        expected = reference_scores(con, WEIGHTS[0])
    with duckdb.connect(str(copy)) as con:
        con.execute("DELETE FROM per_send")
        con.execute("DELETE FROM tracking_events")
        got = precomputed.stored_scores(con, WEIGHTS[0], sends.latest_activity_at(con) or expected[1]["as_of"].max())
    assert got is not None
    assert_frame_equal(got[0], expected[0], check_exact=True)


def test_another_decay_window_or_lapsed_period_is_not_answered_by_the_parts(published: Path) -> None:
    with read(published) as con:
        as_of = sends.latest_activity_at(con)
        for changed in (dict(half_life_days=30.0), dict(window_days=180), dict(lapsed_days=90)):
            assert precomputed.stored_scores(con, replace(WEIGHTS[0], **changed), as_of) is None


@pytest.mark.parametrize("criteria", CRITERIA, ids=range(len(CRITERIA)))
def test_custom_segment_criteria_in_duckdb_equal_the_reference(published: Path,
                                                               criteria: segments.SegmentCriteria) -> None:
    with read(published) as con:
        as_of, gaps = sends.latest_activity_at(con), history_gaps(con)
        expected = expected_segment(reach.audience(con), sends.per_send(con), criteria, as_of, gaps)
        assert_frame_equal(precomputed.stored_segment(con, criteria, as_of), expected, check_exact=True)
        assert_frame_equal(segments.reengagement_segment(con, reach.audience(con), criteria, as_of, gaps), expected,
                           check_exact=True)
    assert expected.height > 0


def test_segment_criteria_cover_machine_openers_and_lists(published: Path) -> None:
    with read(published) as con:
        as_of = sends.latest_activity_at(con)
        every = precomputed.stored_segment(con, CRITERIA[2], as_of)
        kept = precomputed.stored_segment(con, replace(CRITERIA[2], exclude_machine_only_openers=False), as_of)
        lists = reach.list_names(con)["list_id"].to_list()[:2]
        on_lists = precomputed.stored_segment(con, replace(CRITERIA[0], list_ids=tuple(lists)), as_of)
        expected = expected_segment(reach.audience(con), sends.per_send(con),
                                                 replace(CRITERIA[0], list_ids=tuple(lists)), as_of)
    assert every.height < kept.height   # machine-only openers were there to exclude
    assert_frame_equal(on_lists, expected, check_exact=True)
    assert on_lists.height > 0
