"""What the pages show first, computed when a database is published rather than when a page opens.

At 200,000 contacts and 14 million sends, scoring every contact, the 12-month tier history and the default
re-engagement segment take 5–15 s each; a page must appear in under 3 s. So `refresh(con)` (called by
cc_data.analytics.stored.refresh at every publish) stores the results for the default settings, as of the latest send, open or click:

- audience: reach.audience() (every contact with lists, tags, bounce and gift facts);
- contact_scores, tier_history: scoring.score_contacts() and scoring.tier_history(12 months) with
  ScoreSettings();
- default_segment: segments.reengagement_segment() with SegmentCriteria();
- score_parts, history_parts: the decayed sums scores and the tier history are linear combinations of
  (scoring.score_parts, scoring.history_parts), so other points per click, open and machine open, thresholds,
  minimum emails or "new" period answer from them in well under a second instead of re-reading 14M sends
  (a different half-life, window or lapsed period still computes from the sends);
- segment_parts: segments.PARTS_SQL, each contact's latest engagement and machine-only open, so a segment for
  other criteria needs only the emails of its window counted (built in DuckDB, like default_segment's counts).

They are one stored result (PRECOMPUTED, cc_data.analytics.stored.registry): its stamp is computed from the
audience, scoring and segment code and the default settings, and the "as of" moment is recorded beside it; a
reader gets the stored rows only when they are current, for that moment and for exactly the default settings, and
computes them otherwise (changed sliders, in-memory databases, files built by other code).
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl

from cc_data.analytics.audience import reach, scoring, segments
from cc_data.analytics.email import sends
from cc_data.analytics.history import gaps_key, history_gaps
from cc_data.analytics.stored.registry import CONTACTS, GIFTS, TRACKING, Changes, StoredResult
from cc_data.store.frames import Scan
from cc_data.store.query import frame

HISTORY_MONTHS = 12
CHUNK_CONTACTS = 10_000   # contacts scored per pass: peak memory follows this (demo: 440 MB at 10k, 480 MB at 50k)
# The publish's pass also builds the tier history's parts (12 month ends per contact and send, its largest step):
# half the app's chunk keeps a demo sync's peak ~30 MB lower, for 20 more reads of the per-send table at 200,000
# contacts (0.36 s each, ~7 s of a publish; bench/results/dlt.md).
PUBLISH_CHUNK_CONTACTS = 5_000
TABLES = ("audience", "contact_scores", "tier_history", "default_segment", "score_parts", "history_parts",
          "segment_parts")


def _moment(as_of: datetime | None) -> str | None:
    return as_of.isoformat() if as_of else None


def _write(con: duckdb.DuckDBPyConnection, table: str, rows: pl.DataFrame) -> None:
    con.register("_precomputed_rows", Scan(rows.with_columns(pl.col(pl.Categorical).cast(pl.Utf8))))
    try:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _precomputed_rows")
    finally:
        con.unregister("_precomputed_rows")


def refresh(con: duckdb.DuckDBPyConnection, changes: Changes | None = None) -> None:  # noqa: ARG001
    """Recompute every stored result from the source tables and the fresh per_send table.

    Scores, tier counts and segment membership are per contact, so contacts go through in chunks of
    PUBLISH_CHUNK_CONTACTS: memory follows the chunk, not the account (one pass over 14M sends held ~3 GB)."""
    as_of = sends.latest_activity_at(con) or datetime.now().replace(microsecond=0)
    people = scoring.contact_directory(con).with_columns(pl.col("contact_id").cast(pl.Categorical))
    everyone = reach.audience(con)
    gaps = history_gaps(con)   # no tier or segment rests on reports the sync has not fetched yet
    _write(con, "audience", everyone)
    scores, histories, score_parts, history_parts = [], [], [], []
    for start in range(0, max(people.height, 1), PUBLISH_CHUNK_CONTACTS):
        part = people.slice(start, PUBLISH_CHUNK_CONTACTS)
        rows = sends.contact_rows(con, part["contact_id"])
        scores.append(scoring.score_contacts(rows, part, as_of, gaps=gaps))
        score_parts.append(scoring.score_parts(rows, as_of))
        moments = scoring.history_parts(rows, part, as_of, HISTORY_MONTHS)
        histories.append(scoring.history_from_parts(moments, part, as_of, HISTORY_MONTHS, gaps=gaps))
        # a moment with no email in the window and no recent engagement is the same as no row
        history_parts.append(moments.filter((pl.col("received") != 0) | (pl.col("recent") != 0)).with_columns(
            pl.col("j").cast(pl.UInt8), pl.col("received", "recent").cast(pl.Int32)))
        del rows
    counts = histories[0].schema["contacts"]
    history = (pl.concat(histories).group_by("as_of", "tier", maintain_order=True)
               .agg(pl.col("contacts").sum().cast(counts)))
    _write(con, "contact_scores", pl.concat(scores).sort(
        pl.col("score"), pl.col("contact_id").cast(pl.Utf8), descending=[True, False], nulls_last=True))
    _write(con, "tier_history", history)
    _write(con, "score_parts", pl.concat(score_parts).with_columns(pl.col("contact_id").cast(pl.Utf8)))
    _write(con, "history_parts", pl.concat(history_parts).with_columns(pl.col("contact_id").cast(pl.Utf8)))
    con.execute(f"CREATE OR REPLACE TABLE segment_parts AS "
                f"{segments.PARTS_SQL.format(per_send=sends.per_send_source(con))} ORDER BY contact_id",
                {"as_of": as_of})
    _write(con, "default_segment", segments.reengagement_segment(
        con, everyone, segments.SegmentCriteria(), as_of, gaps, frame(con, "SELECT * FROM segment_parts")))


PRECOMPUTED = StoredResult(
    "precomputed", TABLES, refresh, frozenset({TRACKING, CONTACTS, GIFTS}),
    (reach, scoring, segments, sends.contact_rows, sends.latest_activity_at, scoring.ScoreSettings(),
     segments.SegmentCriteria(), HISTORY_MONTHS),
    needs=(sends.PER_SEND,), facts=lambda con: {"as_of": _moment(sends.latest_activity_at(con)),
                                                "history": gaps_key(history_gaps(con))})


def _valid(con: duckdb.DuckDBPyConnection, as_of: datetime | None) -> bool:
    return PRECOMPUTED.current(con, as_of=_moment(as_of), history=gaps_key(history_gaps(con)))


def stored_audience(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """reach.audience(con), read from the stored table when it is there."""
    if _valid(con, sends.latest_activity_at(con)):
        return frame(con, "SELECT * FROM audience ORDER BY contact_id")
    return reach.audience(con)


def stored_scores(con: duckdb.DuckDBPyConnection, settings: scoring.ScoreSettings, as_of: datetime,
                  people: pl.DataFrame | None = None) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    """(score_contacts, tier_history) for these settings and moment: stored for the defaults, from the stored parts
    for settings with the default decay, window and lapsed period (scoring.parts_answer); else None. `people`:
    scoring.contact_directory(con), when the caller holds it already (the app)."""
    if not (scoring.parts_answer(settings) and _valid(con, as_of)):
        return None
    if settings == scoring.ScoreSettings():
        return (frame(con, "SELECT * FROM contact_scores ORDER BY score DESC NULLS LAST, contact_id"),
                frame(con, "SELECT * FROM tier_history ORDER BY as_of, list_position($tiers, tier)",
                      {"tiers": list(scoring.TIERS)}))
    people, gaps = _directory(con, people, pl.Utf8), history_gaps(con)
    scores = scoring.scores_from_parts(frame(con, "SELECT * FROM score_parts"), people, as_of, settings, gaps)
    # one month end at a time: a twelfth of history_parts (1.5M rows at 200,000 contacts) in memory at once
    history = pl.concat([scoring.history_from_parts(
        frame(con, "SELECT * FROM history_parts WHERE j = $j", {"j": j}), people, as_of, HISTORY_MONTHS, settings,
        gaps, only=j) for j in range(len(scoring.month_ends(as_of, HISTORY_MONTHS)))])
    return scores, history


def computed_scores(con: duckdb.DuckDBPyConnection, settings: scoring.ScoreSettings, as_of: datetime,
                    people: pl.DataFrame | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(score_contacts, tier_history) for any settings, computed from the per-send rows CHUNK_CONTACTS contacts at a
    time, as the publish does: a contact's score and tiers read that contact's rows only, so memory follows the
    chunk instead of every send (a changed half-life at 200,000 contacts held 14M rows and peaked at 3.5 GB).
    `people`: as for stored_scores."""
    people = _directory(con, people, pl.Categorical)
    gaps = history_gaps(con)
    scores, histories = [], []
    for start in range(0, max(people.height, 1), CHUNK_CONTACTS):
        part = people.slice(start, CHUNK_CONTACTS)
        rows = sends.contact_rows(con, part["contact_id"])
        scores.append(scoring.score_contacts(rows, part, as_of, settings, gaps))
        histories.append(scoring.tier_history(rows, part, as_of, HISTORY_MONTHS, settings, gaps))
        del rows
    counts = histories[0].schema["contacts"]
    return (pl.concat(scores).sort(pl.col("score"), pl.col("contact_id").cast(pl.Utf8), descending=[True, False],
                                   nulls_last=True),
            pl.concat(histories).group_by("as_of", "tier", maintain_order=True)
            .agg(pl.col("contacts").sum().cast(counts)))


def _directory(con: duckdb.DuckDBPyConnection, people: pl.DataFrame | None, ids: type[pl.DataType]) -> pl.DataFrame:
    """The contact directory, with contact_id as `ids`: the caller's (reading it again held 100 MB more at 200,000
    contacts) or read now."""
    return (scoring.contact_directory(con) if people is None else people).with_columns(pl.col("contact_id").cast(ids))


def stored_segment(con: duckdb.DuckDBPyConnection, criteria: segments.SegmentCriteria, as_of: datetime,
                   audience: pl.DataFrame | None = None) -> pl.DataFrame:
    """reengagement_segment for these criteria and moment: stored for the defaults; for other criteria the emails of
    the window counted in DuckDB beside the stored segment_parts; without them (another moment, a file built by
    other code) the parts too are aggregated from every per-send row in DuckDB. `audience`: stored_audience(con),
    when the caller holds it already (the app: reading it again held 200 MB more at 200,000 contacts)."""
    valid = _valid(con, as_of)
    if criteria == segments.SegmentCriteria() and valid:
        return frame(con, "SELECT * FROM default_segment ORDER BY contact_id")
    parts = frame(con, "SELECT * FROM segment_parts") if valid else None
    cursor = con.cursor()   # the app's connection may hold a result it has not fully fetched
    try:
        everyone = stored_audience(con) if audience is None else audience
        return segments.reengagement_segment(cursor, everyone, criteria, as_of, history_gaps(con), parts)
    finally:
        cursor.close()
