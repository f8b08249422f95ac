"""Attribution stored at publish, and reading it back (or computing it for any other window).

At large scale one attribution takes seconds (4-13 s for the gifts, 11-22 s for the baseline rates at 21M
tracking rows), so two stored results keep it:

- EVIDENCE: each gift's nearest touch of each kind and, per campaign, how many givers gave within each number of
  hours after the send (`attribution_nearest`, `attribution_giver_hours`: any window is a filter of these,
  attribution.any_window); from them, each gift's best touch per standard window (WINDOW_CHOICES;
  `attribution_touches`, one row set per `window_hours`) and the baseline counts behind campaign_revenue()'s gift
  rates (`attribution_rates`). They read the gifts, the tracking and the donors' contacts but not the gift-code
  mapping;
- GIFTS: gift_attribution()'s rows for the standard windows (`attribution_gifts`), from the stored touches and the
  mapping, so a changed mapping rebuilds only these.

`stored_or_live` reads the stored rows when they are current (cc_data.analytics.stored.registry) and the window is
a standard one, derives them from the nearest touches and givers' hours for another whole-hour window (a custom
window: well under a second at large scale instead of 8-45 s), and computes the full query otherwise (fractional
or very long windows, in-memory databases, files built by other code). Either way the result is the same frame.
The stored rows are for the default evidence (no likely machine open, no bounced send: attribution.queries);
asking to count those computes the query.
"""

from __future__ import annotations

import duckdb
import polars as pl

from cc_data.analytics.attribution.any_window import (
    ATTRIBUTION_FROM_NEAREST,
    GIVER_HOURS,
    GIVER_HOURS_TABLE,
    NEAREST,
    NEAREST_TABLE,
    RATES_FROM_HOURS,
    SEND_COUNTS,
    WINDOWED_FROM_NEAREST,
    answers,
    with_counts,
)
from cc_data.analytics.attribution.queries import (
    ATTRIBUTION,
    ATTRIBUTION_FROM_TOUCHES,
    ATTRIBUTION_TOUCHES,
    BASELINE,
    LIVE_WINDOW,
    TOUCHES_TABLE,
    WINDOW_CHOICES,
    window_params,
    with_evidence,
    with_windows,
)
from cc_data.analytics.email.sends import PER_SEND, PER_SEND_TABLE
from cc_data.analytics.stored.registry import CONTACTS, GIFTS, MAPPING, TRACKING, Changes, StoredResult
from cc_data.store.query import frame

GIFTS_TABLE = "attribution_gifts"
RATES_TABLE = "attribution_rates"
STORED_WINDOWS: tuple[int, ...] = tuple(sorted(set(WINDOW_CHOICES.values())))
GIFT_ORDER = "gift_date, gift_id"   # gift_attribution()'s row order (gift_id is unique)
RATES_ORDER = "campaign_id"


def _standard_windows() -> str:
    """The `windows` relation of every standard window, written in (CREATE TABLE AS takes no parameters)."""
    rows = ", ".join(
        f"({hours}, CAST({params['window_us']} AS BIGINT), CAST({params['window_days']} AS INTEGER))"
        for hours, params in ((hours, window_params(hours)) for hours in STORED_WINDOWS)
    )
    return f"SELECT * FROM (VALUES {rows}) AS v(window_hours, window_us, window_days)"


def _has_gifts(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute("SELECT count(*) FROM gifts").fetchall()[0][0])


def _build_evidence(con: duckdb.DuckDBPyConnection, changes: Changes | None) -> None:  # noqa: ARG001
    """Each gift's nearest touch of each kind and the givers' hours (any window, any_window), and from them the
    touches and baseline counts of every standard window; none without gifts (no page asks for attribution then).
    Runs on the writer's connection inside its transaction (no cursors: they would not see it)."""
    for table in (TOUCHES_TABLE, RATES_TABLE, NEAREST_TABLE, GIVER_HOURS_TABLE):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    if not _has_gifts(con):
        return
    windows = _standard_windows()
    per_send = PER_SEND_TABLE if PER_SEND.current(con) else None
    con.execute(f"CREATE TABLE {NEAREST_TABLE} AS SELECT * FROM "
                f"({with_evidence(with_windows(NEAREST, windows), per_send)}) ORDER BY gift_id, tier")
    con.execute(f"CREATE TABLE {TOUCHES_TABLE} AS SELECT * FROM ({with_windows(WINDOWED_FROM_NEAREST, windows)})")
    con.execute(f"CREATE TABLE {GIVER_HOURS_TABLE} AS SELECT * FROM ({with_windows(GIVER_HOURS, windows)}) "
                f"ORDER BY campaign_id, hours")
    rates = with_counts(with_windows(RATES_FROM_HOURS, windows), f"({with_windows(SEND_COUNTS, windows)})")
    con.execute(f"CREATE TABLE {RATES_TABLE} AS SELECT * FROM ({rates}) ORDER BY window_hours, {RATES_ORDER}")


def _build_gifts(con: duckdb.DuckDBPyConnection, changes: Changes | None) -> None:  # noqa: ARG001
    """The gifts with their tiers, from the stored touches and the gift-code mapping."""
    con.execute(f"DROP TABLE IF EXISTS {GIFTS_TABLE}")
    if not (_has_gifts(con) and EVIDENCE.current(con)):
        return
    con.execute(f"CREATE TABLE {GIFTS_TABLE} AS SELECT * FROM ({with_windows(ATTRIBUTION_FROM_TOUCHES, _standard_windows())}) "
                f"ORDER BY window_hours, {GIFT_ORDER}")


# The donors' contacts are matched by email among the contacts, so a new contact can attribute a gift.
EVIDENCE = StoredResult("attribution_evidence", (TOUCHES_TABLE, RATES_TABLE, NEAREST_TABLE, GIVER_HOURS_TABLE),
                        _build_evidence, frozenset({TRACKING, CONTACTS, GIFTS}),
                        (NEAREST, WINDOWED_FROM_NEAREST, GIVER_HOURS, SEND_COUNTS, RATES_FROM_HOURS, with_evidence,
                         STORED_WINDOWS), needs=(PER_SEND,))
GIFTS_STORED = StoredResult("attribution_gifts", (GIFTS_TABLE,), _build_gifts, frozenset({CONTACTS, GIFTS, MAPPING}),
                            (ATTRIBUTION_FROM_TOUCHES, STORED_WINDOWS), needs=(EVIDENCE,))
_BY_TABLE = {TOUCHES_TABLE: EVIDENCE, RATES_TABLE: EVIDENCE, GIFTS_TABLE: GIFTS_STORED}
# A query for any window from the stored tables: the gifts need the mapping too (it is read live), the rates read
# the send counts stored with the standard windows (they do not depend on the window).
_STORED_COUNTS = (f"(SELECT campaign_id, sends, clickers, openers, not_engaged FROM {RATES_TABLE} "
                  f"WHERE window_hours = {STORED_WINDOWS[0]})")
_ANY_WINDOW = {ATTRIBUTION: ATTRIBUTION_FROM_NEAREST, BASELINE: with_counts(RATES_FROM_HOURS, _STORED_COUNTS),
               ATTRIBUTION_TOUCHES: WINDOWED_FROM_NEAREST}


def _per_send_item(con: duckdb.DuckDBPyConnection) -> str | None:
    """The stored per_send table when it holds the default rule's rows built by this code, else None (the
    attribution query then computes the givers' rows itself)."""
    return PER_SEND_TABLE if PER_SEND.current(con, own_cursor=True) else None


def live(con: duckdb.DuckDBPyConnection, template: str, window_hours: float, order: str, *,
         count_machine_opens: bool = False, count_bounced_sends: bool = False) -> pl.DataFrame:
    """The query computed for one window (any number of hours), without its window_hours column."""
    sql = with_evidence(with_windows(template, LIVE_WINDOW), _per_send_item(con),
                        count_machine_opens=count_machine_opens, count_bounced_sends=count_bounced_sends)
    return frame(con, f"SELECT * EXCLUDE (window_hours) FROM ({sql}) ORDER BY {order}", window_params(window_hours),
                 own_cursor=True)


def stored_windows(con: duckdb.DuckDBPyConnection) -> tuple[int, ...]:
    """The windows (hours) whose attribution is stored in this database and current; () if none."""
    return STORED_WINDOWS if EVIDENCE.current(con, own_cursor=True) and GIFTS_STORED.current(con, own_cursor=True) else ()


def stored_or_live(con: duckdb.DuckDBPyConnection, table: str, template: str, window_hours: float,
                   order: str, *, count_machine_opens: bool = False, count_bounced_sends: bool = False) -> pl.DataFrame:
    """The rows stored at publish for this window if there are (default evidence only); for another whole-hour
    window up to any_window.MAX_WINDOW_HOURS, the same rows from the stored nearest touches and givers' hours;
    else the query computed. The same frame either way."""
    lenient = count_machine_opens or count_bounced_sends
    if lenient or not _BY_TABLE[table].current(con, own_cursor=True):
        return live(con, template, window_hours, order, count_machine_opens=count_machine_opens,
                    count_bounced_sends=count_bounced_sends)
    if window_hours in STORED_WINDOWS:
        return frame(con, f"SELECT * EXCLUDE (window_hours) FROM {table} WHERE window_hours = $window "
                           f"ORDER BY {order}", {"window": int(window_hours)}, own_cursor=True)
    if template in _ANY_WINDOW and answers(window_hours) and EVIDENCE.current(con, own_cursor=True):
        return live(con, _ANY_WINDOW[template], window_hours, order)
    return live(con, template, window_hours, order)


def baseline_counts(con: duckdb.DuckDBPyConnection, window_hours: float) -> pl.DataFrame:
    """Per campaign with sends: sends, clickers, openers, not_engaged and the givers of each group (the BASELINE
    query), stored or computed."""
    return stored_or_live(con, RATES_TABLE, BASELINE, window_hours, RATES_ORDER)
