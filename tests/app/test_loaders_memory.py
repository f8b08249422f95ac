"""The app's loaders never hold every per-send row: a score setting the stored sums cannot answer (another half-life,
window or lapsed period) is computed a chunk of contacts at a time, and equals the computation over every row; a
segment for other criteria is aggregated in DuckDB. (At 200,000 contacts the 14M rows held in polars took the app
to 3.5 GB; bench/results/memory.md.)"""

from __future__ import annotations

from dataclasses import astuple, replace
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from bench.sandbox_db import build_from_sandbox
from cc_data.analytics.audience import precomputed, reach, scoring, segments
from cc_data.analytics.email import sends
from cc_data.analytics.history import history_gaps
from cc_data.store.db import read
from pages.components import data
from tests.segment_oracle import expected_segment

DEFAULT = scoring.ScoreSettings()
OTHER_DECAY = [replace(DEFAULT, half_life_days=30.0), replace(DEFAULT, window_days=180, click_points=2.0),
               replace(DEFAULT, lapsed_days=90, min_emails=1)]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sandbox's small account, published through writer() (so its stored results are built)."""
    return build_from_sandbox(tmp_path_factory.mktemp("loaders_memory") / "cc.duckdb", "small")


def reference(db: Path, settings: scoring.ScoreSettings) -> tuple[pl.DataFrame, pl.DataFrame]:
    """What the app computed before: every contact's per-send rows at once."""
    with read(db) as con:
        as_of, gaps = sends.latest_activity_at(con), history_gaps(con)
        rows, people = sends.per_send(con), scoring.contact_directory(con)
    return (scoring.score_contacts(rows, people, as_of, settings, gaps),
            scoring.tier_history(rows, people, as_of, precomputed.HISTORY_MONTHS, settings, gaps))


@pytest.mark.parametrize("settings", OTHER_DECAY, ids=range(len(OTHER_DECAY)))
def test_scores_computed_in_chunks_of_contacts_equal_every_row_at_once(published: Path, settings: scoring.ScoreSettings,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(precomputed, "CHUNK_CONTACTS", 37)   # several chunks, the last one short
    expected_scores, expected_history = reference(published, settings)
    with read(published) as con:
        assert con.execute("SELECT count(*) FROM contacts").fetchall()[0][0] > 3 * 37
        scored, history = precomputed.computed_scores(con, settings, sends.latest_activity_at(con))
    assert scored.schema["contact_id"] == pl.Categorical   # as the app's contacts() loader gives them
    assert_frame_equal(scored.with_columns(pl.col("contact_id").cast(pl.Utf8)), expected_scores, check_exact=True)
    assert_frame_equal(history, expected_history, check_exact=True)
    assert expected_scores["tier"].n_unique() >= 4   # the comparison covers real content


def test_the_loaders_answer_other_settings_without_every_per_send_row(published: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    settings, criteria = OTHER_DECAY[0], segments.SegmentCriteria(inactive_days=90, min_emails=2)
    expected_scores, expected_history = reference(published, settings)   # these read every row
    with read(published) as con:
        as_of, gaps = sends.latest_activity_at(con), history_gaps(con)
        expected = expected_segment(reach.audience(con), sends.per_send(con), criteria, as_of, gaps)
    assert expected.height > 0

    asked: list[int] = []   # how many contacts' rows each read of per-send rows asked for
    contact_rows = sends.contact_rows
    monkeypatch.setattr(sends, "contact_rows", lambda con, ids, *a, **k: (asked.append(len(ids)),
                                                                          contact_rows(con, ids, *a, **k))[1])
    monkeypatch.setattr(sends, "per_send", lambda *_a, **_k: pytest.fail("read every per-send row"))
    monkeypatch.setattr(precomputed, "CHUNK_CONTACTS", 37)
    data.clear()
    db, version = str(published), data.version(published)
    scored, history = data.scores(db, version, astuple(settings), as_of)
    assert len(asked) > 3 and max(asked) <= 37   # a chunk of contacts at a time
    assert_frame_equal(scored.with_columns(pl.col("contact_id").cast(pl.Utf8)), expected_scores, check_exact=True)
    assert_frame_equal(history, expected_history, check_exact=True)
    asked.clear()
    assert_frame_equal(data.segment(db, version, astuple(criteria), as_of), expected, check_exact=True)
    assert not asked   # the segment is aggregated in DuckDB


def test_other_weights_read_the_stored_history_one_month_end_at_a_time(published: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    settings = replace(DEFAULT, click_points=2.0, high=0.8)
    expected_scores, expected_history = reference(published, settings)
    reads: list[str] = []   # every query the stored-scores path sends
    frame = precomputed.frame
    monkeypatch.setattr(precomputed, "frame", lambda con, sql, *a, **k: (reads.append(sql), frame(con, sql, *a, **k))[1])
    data.clear()
    with read(published) as con:
        scored, history = precomputed.stored_scores(con, settings, sends.latest_activity_at(con))
    history_reads = [sql for sql in reads if "history_parts" in sql]
    assert len(history_reads) == precomputed.HISTORY_MONTHS and all("WHERE j = $j" in sql for sql in history_reads)
    assert_frame_equal(scored.sort("contact_id"), expected_scores.sort("contact_id"))
    assert_frame_equal(history, expected_history, check_exact=True)


def test_a_segment_for_other_criteria_reuses_the_loaded_audience(published: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    criteria = segments.SegmentCriteria(inactive_days=90, min_emails=2)
    data.clear()
    db, version = str(published), data.version(published)
    data.audience_frame(db, version)   # the Re-engagement page loads it first
    with read(published) as con:
        as_of, gaps = sends.latest_activity_at(con), history_gaps(con)
        expected = expected_segment(reach.audience(con), sends.per_send(con), criteria, as_of, gaps)
    monkeypatch.setattr(precomputed, "stored_audience", lambda *_a: pytest.fail("read the audience again"))
    assert_frame_equal(data.segment(db, version, astuple(criteria), as_of), expected, check_exact=True)


@pytest.mark.parametrize("settings", [replace(DEFAULT, click_points=2.0), OTHER_DECAY[0]], ids=["parts", "computed"])
def test_scores_for_other_settings_reuse_the_loaded_contacts(published: Path, settings: scoring.ScoreSettings,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    expected_scores, expected_history = reference(published, settings)
    data.clear()
    db, version = str(published), data.version(published)
    data.contacts(db, version)   # the Engagement page loads it first
    monkeypatch.setattr(scoring, "contact_directory", lambda *_a: pytest.fail("read the contacts again"))
    with read(published) as con:
        as_of = sends.latest_activity_at(con)
    scored, history = data.scores(db, version, astuple(settings), as_of)
    assert_frame_equal(scored.with_columns(pl.col("contact_id").cast(pl.Utf8)).sort("contact_id"),
                       expected_scores.sort("contact_id"), check_exact=False)
    assert_frame_equal(history, expected_history, check_exact=True)
