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
