"""One row per email sent: who got which campaign activity, and what they did with it.

Everything else in the dashboard (campaign rates, equal-age curves, scores, segments) is derived
from these rows. Rows are unique per (campaign activity, contact); campaign counts (email.campaigns)
then count each contact once per campaign, as Constant Contact's summary does.

Bounces: `bounced` is any bounce code, vacation/auto-replies (V) included, as Constant Contact counts them in
"sends − bounces"; `auto_replied` marks the V ones so they can still be shown apart.

Machine opens: the rule is cc_data.analytics.rules.machine_opens.MachineOpenRule.

The rows for the default rule are the stored result PER_SEND (table `per_send`, refreshed at every publish for the
contacts whose tracking changed); `per_send_source` reads it when current, and computes the rows from
tracking_events otherwise (a file built by other code, an in-memory test database, a non-default rule).
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl

from cc_data.analytics.rules.machine_opens import DEFAULT_RULE, MachineOpenRule
from cc_data.analytics.stored.registry import TRACKING, Changes, StoredResult
from cc_data.store.frames import Scan
from cc_data.store.query import frame

REPORTING_ROLES = ("primary_email", "resend")
HARD_BOUNCE_CODES = ("B", "D", "S", "X", "Z")  # F (mailbox full) is soft; V (vacation) reached the mailbox
AUTO_REPLY_CODE = "V"
PER_SEND_TABLE = "per_send"
COLUMNS = ("campaign_activity_id", "campaign_id", "contact_id", "sent_at", "bounced", "hard_bounced", "auto_replied",
           "opened", "first_open_at", "first_human_open_at", "first_click_at", "opted_out", "forwarded",
           "machine_opener")


def per_send_sql(rule: MachineOpenRule = DEFAULT_RULE, contacts: str | None = None) -> str:
    """The per-send query over tracking_events for `rule` (its numbers inlined, so the text also works inside
    CREATE TABLE AS and as a subquery). Rows: see COLUMNS. `contacts` names a table of contact_ids to compute
    the rows of (every row of a contact depends only on that contact's rows and on when each activity was sent)."""
    minutes, min_emails = int(rule.max_minutes_after_send), int(rule.min_emails)
    min_share = float(rule.min_open_share)
    only = f"AND e.contact_id IN (SELECT contact_id FROM {contacts})" if contacts else ""
    return f"""
    WITH ev AS (
        SELECT e.campaign_activity_id, a.campaign_id, e.contact_id, e.tracking_activity_type AS t,
               e.created_time, e.bounce_code
        FROM tracking_events e JOIN campaign_activities a USING (campaign_activity_id)
        WHERE a.role IN {REPORTING_ROLES} {only}
    ),
    sends AS (   -- CASE inside min/max is faster than FILTER clauses here
        SELECT campaign_activity_id, any_value(campaign_id) AS campaign_id, contact_id,
            min(CASE WHEN t = 'em_sends' THEN created_time END) AS sent_at,
            coalesce(max(t = 'em_bounces'), false) AS bounced,
            coalesce(max(t = 'em_bounces' AND bounce_code IN {HARD_BOUNCE_CODES}), false) AS hard_bounced,
            coalesce(max(t = 'em_bounces' AND bounce_code = '{AUTO_REPLY_CODE}'), false) AS auto_replied,
            min(CASE WHEN t = 'em_opens' THEN created_time END) AS first_open_at,
            min(CASE WHEN t = 'em_clicks' THEN created_time END) AS first_click_at,
            coalesce(max(t = 'em_optouts'), false) AS opted_out,
            coalesce(max(t = 'em_forwards'), false) AS forwarded
        FROM ev GROUP BY campaign_activity_id, contact_id
    ),
    activity_sent AS (   -- over every contact, whichever contacts the rows are for
        SELECT e.campaign_activity_id, min(e.created_time) AS activity_sent_at
        FROM tracking_events e JOIN campaign_activities a USING (campaign_activity_id)
        WHERE a.role IN {REPORTING_ROLES} AND e.tracking_activity_type = 'em_sends' GROUP BY 1
    ),
    habits AS (
        SELECT contact_id, count(sent_at) AS received,
               count(*) FILTER (WHERE sent_at IS NOT NULL AND first_open_at IS NOT NULL) AS opened,
               count(first_click_at) AS clicked
        FROM sends GROUP BY 1
    ),
    machine AS (
        SELECT contact_id FROM habits
        WHERE received >= {min_emails} AND clicked = 0 AND opened >= {min_share!r}::DOUBLE * received
    ),
    late_machine_open AS (   -- only machine openers need their opens examined one by one
        SELECT o.campaign_activity_id, o.contact_id, min(o.created_time) AS first_human_open_at
        FROM ev o
        JOIN machine m USING (contact_id)
        JOIN sends s USING (campaign_activity_id, contact_id)
        JOIN activity_sent a USING (campaign_activity_id)
        WHERE o.t = 'em_opens'
          AND o.created_time > coalesce(s.sent_at, a.activity_sent_at) + to_minutes({minutes}::BIGINT)
        GROUP BY 1, 2
    )
    SELECT s.campaign_activity_id, s.campaign_id, s.contact_id, s.sent_at, s.bounced, s.hard_bounced,
           s.auto_replied, s.first_open_at IS NOT NULL AS opened, s.first_open_at,
           CASE WHEN m.contact_id IS NULL THEN s.first_open_at ELSE h.first_human_open_at END AS first_human_open_at,
           s.first_click_at, s.opted_out, s.forwarded, m.contact_id IS NOT NULL AS machine_opener
    FROM sends s
    LEFT JOIN machine m USING (contact_id)
    LEFT JOIN late_machine_open h USING (campaign_activity_id, contact_id)
    """


def _build_per_send(con: duckdb.DuckDBPyConnection, changes: Changes | None) -> None:
    """All rows, or those of the contacts with tracking in the changed activities: a contact's rows depend on that
    contact's rows alone (the machine-open rule reads their habits) and on when each activity was sent."""
    if changes is None:
        con.execute(f"CREATE OR REPLACE TABLE {PER_SEND_TABLE} AS "
                    f"SELECT * FROM ({per_send_sql()}) ORDER BY campaign_activity_id, contact_id")
        return
    con.execute("CREATE OR REPLACE TEMP TABLE _changed_contacts AS SELECT DISTINCT contact_id FROM tracking_events "
                "WHERE campaign_activity_id IN (SELECT unnest(?))", [list(changes.activities)])
    con.execute(f"DELETE FROM {PER_SEND_TABLE} WHERE contact_id IN (SELECT contact_id FROM _changed_contacts)")
    con.execute(f"INSERT INTO {PER_SEND_TABLE} SELECT * FROM ({per_send_sql(contacts='_changed_contacts')})")
    con.execute("DROP TABLE _changed_contacts")


PER_SEND = StoredResult("per_send", (PER_SEND_TABLE,), _build_per_send, frozenset({TRACKING}),
                        (per_send_sql, DEFAULT_RULE, REPORTING_ROLES, HARD_BOUNCE_CODES, AUTO_REPLY_CODE))


def per_send_source(con: duckdb.DuckDBPyConnection, rule: MachineOpenRule = DEFAULT_RULE, *,
                    own_cursor: bool = False) -> str:
    """A FROM-clause item holding the per-send rows for `rule`: the stored table when it holds the default rule's
    rows built by this code, otherwise the live query as a subquery."""
    if rule == DEFAULT_RULE:
        return PER_SEND.source(con, per_send_sql(rule), own_cursor=own_cursor)
    return f"({per_send_sql(rule)})"


def per_send(con: duckdb.DuckDBPyConnection, rule: MachineOpenRule = DEFAULT_RULE,
             columns: tuple[str, ...] = COLUMNS, where: str = "", params: object = None) -> pl.DataFrame:
    """Per (campaign_activity_id, contact_id): campaign_id, sent_at, bounced (any code), hard_bounced,
    auto_replied (a V bounce), opened,
    first_open_at, first_human_open_at (first open not flagged as a machine open), first_click_at,
    opted_out, forwarded, machine_opener. `columns` picks fewer columns; `where` (SQL over those rows,
    with `params`) fewer rows."""
    unknown = set(columns) - set(COLUMNS)
    if unknown:
        raise ValueError(f"per_send has no column(s) {sorted(unknown)}")
    sql = f"SELECT {', '.join(columns)} FROM {per_send_source(con, rule)} AS p"
    if where:
        sql += f" WHERE {where}"
    return frame(con, sql, params)


def latest_activity_at(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """The latest send, open or click recorded, repeat opens and clicks included: the "as of" moment for scores
    and segments (late opens and clicks arrive after the last send, and must count as engagement). None before
    any send. Read from tracking_events: the per-send rows keep only each contact's first open and click."""
    return con.sql(f"""
        SELECT max(e.created_time) FROM tracking_events e
        WHERE e.tracking_activity_type IN ('em_sends', 'em_opens', 'em_clicks')
          AND e.campaign_activity_id IN (SELECT campaign_activity_id FROM campaign_activities
                                         WHERE role IN {REPORTING_ROLES})""").fetchall()[0][0]


def contact_rows(con: duckdb.DuckDBPyConnection, contact_ids: pl.Series,
                 columns: tuple[str, ...] = ("sent_at", "first_open_at", "first_human_open_at", "first_click_at"),
                 rule: MachineOpenRule = DEFAULT_RULE) -> pl.DataFrame:
    """contact_id plus `columns` of the per-send rows of the contacts in `contact_ids` (others are left out),
    compact for millions of rows: contact_id comes back Categorical, built from integer positions in
    `contact_ids` rather than from millions of id strings."""
    directory = pl.DataFrame({"contact_id": contact_ids.cast(pl.Utf8)}).with_row_index("position")
    con.register("_contact_positions", Scan(directory))
    try:
        picked = ", ".join(f"p.{c}" for c in columns)
        rows = frame(con, f"SELECT d.position, {picked} FROM {per_send_source(con, rule)} AS p "
                          f"JOIN _contact_positions d USING (contact_id)")
    finally:
        con.unregister("_contact_positions")
    categories = contact_ids.cast(pl.Categorical)
    return rows.select(categories.gather(rows["position"]).alias("contact_id"), *columns)


def machine_openers(sends: pl.DataFrame) -> pl.DataFrame:
    """The contacts the heuristic treats as machine openers (one column, contact_id)."""
    return sends.filter(pl.col("machine_opener")).select("contact_id").unique().sort("contact_id")
