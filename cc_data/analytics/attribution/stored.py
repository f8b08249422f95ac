"""Attribution stored at publish, and reading it back (or computing it for any other window).

At large scale one attribution takes seconds (4-13 s for the gifts, 11-22 s for the baseline rates at 21M
tracking rows), so two stored results keep it for each standard window (WINDOW_CHOICES), one row set per
`window_hours`:

- EVIDENCE: each gift's best touch per window (`attribution_touches`, which reads the gifts, the tracking and the
  donors' contacts but not the gift-code mapping) and the baseline counts behind campaign_revenue()'s gift rates
  (`attribution_rates`);
- GIFTS: gift_attribution()'s rows (`attribution_gifts`), from the stored touches and the mapping, so a changed
  mapping rebuilds only these.

`stored_or_live` reads the stored rows when they are current (cc_data.analytics.stored.registry) and the window is
a standard one, and computes them otherwise (custom windows, in-memory databases, files built by other code).
Either way the result is the same frame. The stored rows are for the default evidence (no likely machine open, no
bounced send: attribution.queries); asking to count those computes the query.
"""

from __future__ import annotations

import duckdb
import polars as pl

from cc_data.analytics.attribution.queries import (
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
    """Touches and baseline counts for every standard window; none without gifts (no page asks for attribution
    then). Runs on the writer's connection inside its transaction (no cursors: they would not see it)."""
    for table in (TOUCHES_TABLE, RATES_TABLE):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    if not _has_gifts(con):
        return
    windows = _standard_windows()
    per_send = PER_SEND_TABLE if PER_SEND.current(con) else None
    con.execute(f"CREATE TABLE {TOUCHES_TABLE} AS SELECT * FROM "
                f"({with_evidence(with_windows(ATTRIBUTION_TOUCHES, windows), per_send)})")
    con.execute(f"CREATE TABLE {RATES_TABLE} AS SELECT * FROM ({with_windows(BASELINE, windows)}) "
                f"ORDER BY window_hours, {RATES_ORDER}")


def _build_gifts(con: duckdb.DuckDBPyConnection, changes: Changes | None) -> None:  # noqa: ARG001
    """The gifts with their tiers, from the stored touches and the gift-code mapping."""
    con.execute(f"DROP TABLE IF EXISTS {GIFTS_TABLE}")
    if not (_has_gifts(con) and EVIDENCE.current(con)):
        return
    con.execute(f"CREATE TABLE {GIFTS_TABLE} AS SELECT * FROM ({with_windows(ATTRIBUTION_FROM_TOUCHES, _standard_windows())}) "
                f"ORDER BY window_hours, {GIFT_ORDER}")


# The donors' contacts are matched by email among the contacts, so a new contact can attribute a gift.
EVIDENCE = StoredResult("attribution_evidence", (TOUCHES_TABLE, RATES_TABLE), _build_evidence,
                        frozenset({TRACKING, CONTACTS, GIFTS}),
                        (ATTRIBUTION_TOUCHES, BASELINE, with_evidence, STORED_WINDOWS), needs=(PER_SEND,))
GIFTS_STORED = StoredResult("attribution_gifts", (GIFTS_TABLE,), _build_gifts, frozenset({CONTACTS, GIFTS, MAPPING}),
                            (ATTRIBUTION_FROM_TOUCHES, STORED_WINDOWS), needs=(EVIDENCE,))
_BY_TABLE = {TOUCHES_TABLE: EVIDENCE, RATES_TABLE: EVIDENCE, GIFTS_TABLE: GIFTS_STORED}


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
    """The rows stored at publish for this window if there are (default evidence only), else the query computed
    (the same frame)."""
    if (count_machine_opens or count_bounced_sends or window_hours not in STORED_WINDOWS
            or not _BY_TABLE[table].current(con, own_cursor=True)):
        return live(con, template, window_hours, order, count_machine_opens=count_machine_opens,
                    count_bounced_sends=count_bounced_sends)
    return frame(con, f"SELECT * EXCLUDE (window_hours) FROM {table} WHERE window_hours = $window "
                       f"ORDER BY {order}", {"window": int(window_hours)}, own_cursor=True)


def baseline_counts(con: duckdb.DuckDBPyConnection, window_hours: float) -> pl.DataFrame:
    """Per campaign with sends: sends, clickers, openers, not_engaged and the givers of each group (the BASELINE
    query), stored or computed."""
    return stored_or_live(con, RATES_TABLE, BASELINE, window_hours, RATES_ORDER)
