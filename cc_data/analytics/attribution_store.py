"""Attribution stored at publish, and reading it back (or computing it for any other window).

At large scale one attribution takes seconds (4-13 s for the gifts, 11-22 s for the baseline rates at 21M
tracking rows), so `refresh_stored(con)` (called by cc_data.analytics.derived at every publish) stores the
gift_attribution() rows and the baseline counts behind campaign_revenue()'s gift rates for each standard window
(WINDOW_CHOICES), in the tables `attribution_gifts` and `attribution_rates` (one row set per `window_hours`).
`meta.attribution_store` records the windows and a digest of the SQL that built them; `stored_or_live` reads the
stored rows when that record matches and the window is a standard one, and computes them otherwise (custom
windows, in-memory databases, files published by an older version). Either way the result is the same frame.
The stored rows are for the default evidence (no likely machine open, no bounced send: attribution_sql); asking
to count those computes the query.
"""

from __future__ import annotations

import hashlib
import json

import duckdb
import polars as pl

from cc_data.analytics.attribution_sql import (
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
from cc_data.analytics.sends import PER_SEND_TABLE, rule_stamp, stored_rule
from cc_data.store.query import frame, table_exists

GIFTS_TABLE = "attribution_gifts"
RATES_TABLE = "attribution_rates"
STORE_META_KEY = "attribution_store"
STORED_WINDOWS: tuple[int, ...] = tuple(sorted(set(WINDOW_CHOICES.values())))
GIFT_ORDER = "gift_date, gift_id"   # gift_attribution()'s row order (gift_id is unique)
RATES_ORDER = "campaign_id"


def _store_stamp() -> str:
    """What the stored tables hold: the windows, and a digest of the queries (a changed query invalidates them)."""
    digest = hashlib.sha256((ATTRIBUTION + ATTRIBUTION_TOUCHES + ATTRIBUTION_FROM_TOUCHES + BASELINE).encode()
                            ).hexdigest()[:16]
    return json.dumps({"windows": list(STORED_WINDOWS), "sql": digest}, sort_keys=True)


def _standard_windows() -> str:
    """The `windows` relation of every standard window, written in (CREATE TABLE AS takes no parameters)."""
    rows = ", ".join(
        f"({hours}, CAST({params['window_us']} AS BIGINT), CAST({params['window_days']} AS INTEGER))"
        for hours, params in ((hours, window_params(hours)) for hours in STORED_WINDOWS)
    )
    return f"SELECT * FROM (VALUES {rows}) AS v(window_hours, window_us, window_days)"


def _per_send_item(con: duckdb.DuckDBPyConnection) -> str | None:
    """The stored per_send table when it holds the default rule's rows built by this code, else None (the
    attribution query then computes the givers' rows itself)."""
    cursor = con.cursor()   # the caller's connection may hold a result it has not fully fetched
    try:
        return PER_SEND_TABLE if stored_rule(cursor) == rule_stamp() else None
    finally:
        cursor.close()


def live(con: duckdb.DuckDBPyConnection, template: str, window_hours: float, order: str, *,
         count_machine_opens: bool = False, count_bounced_sends: bool = False) -> pl.DataFrame:
    """The query computed for one window (any number of hours), without its window_hours column."""
    sql = with_evidence(with_windows(template, LIVE_WINDOW), _per_send_item(con),
                        count_machine_opens=count_machine_opens, count_bounced_sends=count_bounced_sends)
    return frame(con, f"SELECT * EXCLUDE (window_hours) FROM ({sql}) ORDER BY {order}", window_params(window_hours),
                 own_cursor=True)


def refresh_stored(con: duckdb.DuckDBPyConnection, *, gifts_only: bool = False) -> None:
    """(Re)build the stored attribution for every standard window from the source tables; drop it without gifts.

    Three tables: each gift's best touch per window (attribution_touches), the gifts with their tiers
    (attribution_gifts) and the baseline gift rates (attribution_rates). `gifts_only`: a changed gift-code
    mapping moves gifts between the coded and the touch tiers but changes neither the touches nor the rates, so
    only the gifts are rebuilt from the stored touches (when those are valid).
    Runs on the writer's connection inside cc_data.analytics.derived's transaction (so no cursors here: a
    cursor is another connection and would not see that transaction)."""
    stored = (con.execute("SELECT value FROM meta WHERE key = ?", [STORE_META_KEY]).fetchall()
              if table_exists(con, RATES_TABLE) and table_exists(con, TOUCHES_TABLE) else [])
    keep = gifts_only and bool(stored) and stored[0][0] == _store_stamp()
    for table in (GIFTS_TABLE,) if keep else (GIFTS_TABLE, TOUCHES_TABLE, RATES_TABLE):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute("DELETE FROM meta WHERE key = ?", [STORE_META_KEY])
    if not con.execute("SELECT count(*) FROM gifts").fetchall()[0][0]:
        for table in (TOUCHES_TABLE, RATES_TABLE):
            con.execute(f"DROP TABLE IF EXISTS {table}")
        return   # nothing to attribute: no page asks for attribution without gifts
    windows = _standard_windows()
    if not keep:
        touches = with_evidence(with_windows(ATTRIBUTION_TOUCHES, windows),
                                PER_SEND_TABLE if stored_rule(con) == rule_stamp() else None)
        con.execute(f"CREATE TABLE {TOUCHES_TABLE} AS SELECT * FROM ({touches})")
        con.execute(f"CREATE TABLE {RATES_TABLE} AS SELECT * FROM ({with_windows(BASELINE, windows)}) "
                    f"ORDER BY window_hours, {RATES_ORDER}")
    con.execute(f"CREATE TABLE {GIFTS_TABLE} AS SELECT * FROM ({with_windows(ATTRIBUTION_FROM_TOUCHES, windows)}) "
                f"ORDER BY window_hours, {GIFT_ORDER}")
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [STORE_META_KEY, _store_stamp()])


def stored_windows(con: duckdb.DuckDBPyConnection) -> tuple[int, ...]:
    """The windows (hours) whose attribution is stored in this database and valid for this code; () if none."""
    cursor = con.cursor()   # the caller's connection may hold a result it has not fully fetched
    try:
        if not (table_exists(cursor, GIFTS_TABLE) and table_exists(cursor, RATES_TABLE)):
            return ()
        stamp = cursor.execute("SELECT value FROM meta WHERE key = ?", [STORE_META_KEY]).fetchall()
    finally:
        cursor.close()
    return STORED_WINDOWS if stamp and stamp[0][0] == _store_stamp() else ()


def stored_or_live(con: duckdb.DuckDBPyConnection, table: str, template: str, window_hours: float,
                   order: str, *, count_machine_opens: bool = False, count_bounced_sends: bool = False) -> pl.DataFrame:
    """The rows stored at publish for this window if there are (default evidence only), else the query computed
    (the same frame)."""
    if count_machine_opens or count_bounced_sends or window_hours not in stored_windows(con):
        return live(con, template, window_hours, order, count_machine_opens=count_machine_opens,
                    count_bounced_sends=count_bounced_sends)
    return frame(con, f"SELECT * EXCLUDE (window_hours) FROM {table} WHERE window_hours = $window "
                       f"ORDER BY {order}", {"window": int(window_hours)}, own_cursor=True)


def baseline_counts(con: duckdb.DuckDBPyConnection, window_hours: float) -> pl.DataFrame:
    """Per campaign with sends: sends, clickers, openers, not_engaged and the givers of each group (the _BASELINE
    query), stored or computed."""
    return stored_or_live(con, RATES_TABLE, BASELINE, window_hours, RATES_ORDER)
