"""The Donors page's inputs stored at publish, and reading them back (or computing them when not stored).

At 200,000 contacts, 14M per-send rows and 220,000 gifts the page's queries take 15-20 s (bench/results/pages.md),
the stored result DONOR_STORE (refreshed after attribution and the precomputed audience) keeps what
does not depend on the fiscal-year setting:

- donor_gift_rows: donors.years.gift_rows() (attribution's revenue rows, with the day each counts on);
- donor_first_touch: each donor's first positive gift and its best email touch within 48 h (from the stored
  attribution_touches);
- donor_email_months: per contact and calendar month of the emails sent: emails, and the email level
  (3 clicked an appeal, 2 opened or clicked, 1 emailed only), so any fiscal year is a max over its months;
- donor_contact_facts: per contact matched to a donor: last open (human), last click, and the audience columns
  emailability needs (email, permission_to_send, deleted, hard_bounced).

They are one stored result (DONOR_STORE, cc_data.analytics.stored.registry); a reader uses the tables only when
they are current, and computes the same frame otherwise (in-memory databases, files built by other code).
"""

from __future__ import annotations

import duckdb
import polars as pl

from cc_data.analytics.attribution.queries import TOUCHES_TABLE
from cc_data.analytics.attribution.stored import EVIDENCE
from cc_data.analytics.audience import precomputed
from cc_data.analytics.donors.email import FIRST_GIFT_WINDOW_HOURS
from cc_data.analytics.donors.years import GIFT_ROWS
from cc_data.analytics.email.sends import PER_SEND, per_send_source
from cc_data.analytics.rules.appeals import APPEALS_SQL
from cc_data.analytics.rules.gifts import revenue_gift_sql
from cc_data.analytics.stored.registry import CONTACTS, GIFTS, MAPPING, TRACKING, Changes, StoredResult
from cc_data.store.query import frame, table_exists

TABLES = ("donor_gift_rows", "donor_first_touch", "donor_email_months", "donor_contact_facts")
LEVELS = {3: "clicked_appeal", 2: "opened_only", 1: "no_engagement"}

FIRST_TOUCH = f"""
WITH firsts AS (
    SELECT donor_id, gift_id FROM donor_gift_rows WHERE {revenue_gift_sql()}
    QUALIFY row_number() OVER (PARTITION BY donor_id ORDER BY gift_day, gift_time, gift_id) = 1)
SELECT f.gift_id AS first_gift_id, t.tier AS touch
FROM firsts f JOIN {TOUCHES_TABLE} t ON t.gift_id = f.gift_id AND t.window_hours = {FIRST_GIFT_WINDOW_HOURS}
"""

EMAIL_MONTHS = """
WITH appeals AS ({appeals})
SELECT p.contact_id, CAST(date_trunc('month', p.sent_at) AS DATE) AS month, count(*) AS emails,
       CAST(max(CASE WHEN p.first_click_at IS NOT NULL AND p.campaign_id IN (SELECT campaign_id FROM appeals) THEN 3
                     WHEN p.first_human_open_at IS NOT NULL OR p.first_click_at IS NOT NULL THEN 2 ELSE 1 END)
            AS TINYINT) AS level
FROM {per_send} AS p WHERE p.sent_at IS NOT NULL AND p.contact_id IS NOT NULL
GROUP BY ALL
"""

CONTACT_FACTS = """
WITH donor_contacts AS (SELECT DISTINCT contact_id FROM donor_gift_rows WHERE contact_id IS NOT NULL),
engaged AS (
    SELECT p.contact_id, max(p.first_human_open_at) AS last_open_at, max(p.first_click_at) AS last_click_at
    FROM {per_send} AS p WHERE p.contact_id IN (SELECT contact_id FROM donor_contacts) GROUP BY 1)
SELECT d.contact_id, e.last_open_at, e.last_click_at, a.email, a.permission_to_send, a.deleted, a.hard_bounced
FROM donor_contacts d LEFT JOIN engaged e USING (contact_id) LEFT JOIN audience a USING (contact_id)
"""


def _build(con: duckdb.DuckDBPyConnection, changes: Changes | None) -> None:  # noqa: ARG001
    """(Re)build the four tables from the source and stored tables (per_send, attribution_touches, audience); none
    without gifts. Runs on the writer's connection inside its transaction (no cursors)."""
    for table in TABLES:
        con.execute(f"DROP TABLE IF EXISTS {table}")
    if not con.execute("SELECT count(*) FROM gifts").fetchall()[0][0] or not all(
            table_exists(con, t) for t in (TOUCHES_TABLE, "audience")):
        return
    per_send = per_send_source(con)
    con.execute(f"CREATE TABLE donor_gift_rows AS {GIFT_ROWS}")
    con.execute(f"CREATE TABLE donor_first_touch AS {FIRST_TOUCH}")
    con.execute(f"CREATE TABLE donor_email_months AS {EMAIL_MONTHS.format(appeals=APPEALS_SQL, per_send=per_send)} "
                "ORDER BY month, contact_id")
    con.execute(f"CREATE TABLE donor_contact_facts AS {CONTACT_FACTS.format(per_send=per_send)} ORDER BY contact_id")


# The mapping decides which emails are appeals (rules.appeals).
DONOR_STORE = StoredResult("donor_store", TABLES, _build, frozenset({TRACKING, CONTACTS, GIFTS, MAPPING}),
                           (GIFT_ROWS, FIRST_TOUCH, EMAIL_MONTHS, APPEALS_SQL, CONTACT_FACTS),
                           needs=(PER_SEND, EVIDENCE, precomputed.PRECOMPUTED))


def is_stored(con: duckdb.DuckDBPyConnection) -> bool:
    return DONOR_STORE.current(con, own_cursor=True)


def stored_gift_rows(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return frame(con, "SELECT * FROM donor_gift_rows ORDER BY donor_id, gift_day, gift_id", own_cursor=True)


def stored_first_touch(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """first_gift_id, touch."""
    return frame(con, "SELECT * FROM donor_first_touch ORDER BY first_gift_id", own_cursor=True)


def stored_email_year(con: duckdb.DuckDBPyConnection, first: object, end: object) -> pl.DataFrame:
    """contact_id, emails, email_group over the months in [first, end): donors.email.email_year's frame."""
    rows = frame(con, "SELECT contact_id, sum(emails) AS emails, max(level) AS level FROM donor_email_months "
                      "WHERE month >= $first AND month < $end GROUP BY 1 ORDER BY 1",
                 {"first": first, "end": end}, own_cursor=True)
    return rows.select("contact_id", "emails", pl.col("level").replace_strict(LEVELS, return_dtype=pl.Utf8)
                       .alias("email_group"))


def stored_contact_facts(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """contact_id, last_open_at, last_click_at, email, permission_to_send, deleted, hard_bounced."""
    return frame(con, "SELECT * FROM donor_contact_facts ORDER BY contact_id", own_cursor=True)
