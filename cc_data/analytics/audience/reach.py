"""Who may be emailed. Constant Contact is the source of truth for subscriber preferences: a contact is
emailable only with permission_to_send explicit or implicit, not deleted or removed, and not hard-bounced.

Opted out since the last opt-in: a contact with an em_optouts tracking row later than their opt_in_date (or
with no opt_in_date) is treated as unsubscribed, whatever the contact record still says: the record is stale
until the contact sync catches up, and only a re-opt-in (which sets a new opt_in_date) undoes an opt-out.

Hard-bounced: a bounce with code B (non-existent), D (undeliverable), S (suspended), X (other) or
Z (blocked) that is later than the contact's last open or click. F (mailbox full) is soft and V
(vacation reply) was delivered.
"""

from __future__ import annotations

import duckdb
import polars as pl

from cc_data.analytics.email.sends import HARD_BOUNCE_CODES
from cc_data.analytics.rules.gifts import gifts_table_revenue_gift_sql
from cc_data.store.query import frame, row_count

EMAILABLE_PERMISSIONS = ("explicit", "implicit")


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = ? AND column_name = ?",
        [table, column]).fetchall()[0][0])


def audience(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every contact with what a segment needs: contact_id, email, first_name, last_name, permission_to_send,
    created_at, deleted (bool), hard_bounced (bool), list_ids, list_names, tag_ids, last_gift_date.
    permission_to_send is 'unsubscribed' when an opt-out tracking row is later than the contact's opt-in."""
    removed = "OR k.removed_at IS NOT NULL" if _has_column(con, "contacts", "removed_at") else ""
    gifts = ""
    gift_join = "NULL::DATE AS last_gift_date"
    if row_count(con, "gifts"):
        gifts = f""", paid AS (
            SELECT g.gift_date, g.cc_contact_id, lower(trim(g.email)) AS email, d.cc_contact_id AS donor_contact_id,
                   lower(trim(d.email)) AS donor_email
            FROM gifts g LEFT JOIN donors d USING (donor_id)
            WHERE {gifts_table_revenue_gift_sql("g")}),
        given AS (   -- a gift matches a contact by contact id or by email, on the gift row or its donor
            SELECT contact_id, max(gift_date) AS last_gift_date FROM (
                SELECT cc_contact_id AS contact_id, gift_date FROM paid WHERE cc_contact_id IS NOT NULL
                UNION ALL SELECT donor_contact_id, gift_date FROM paid WHERE donor_contact_id IS NOT NULL
                UNION ALL SELECT k.contact_id, p.gift_date FROM paid p JOIN contacts k ON p.email = k.email
                UNION ALL SELECT k.contact_id, p.gift_date FROM paid p JOIN contacts k ON p.donor_email = k.email
            ) GROUP BY 1)"""
        gift_join = "v.last_gift_date"
    return frame(con, f"""
        WITH engaged AS (
            SELECT contact_id, max(created_time) AS last_engaged FROM tracking_events
            WHERE tracking_activity_type IN ('em_opens', 'em_clicks') GROUP BY 1),
        bounced AS (
            SELECT contact_id, max(created_time) AS last_hard_bounce FROM tracking_events
            WHERE tracking_activity_type = 'em_bounces' AND bounce_code IN {HARD_BOUNCE_CODES} GROUP BY 1),
        opted_out AS (
            SELECT contact_id, max(created_time) AS last_optout FROM tracking_events
            WHERE tracking_activity_type = 'em_optouts' GROUP BY 1),
        lists AS (
            SELECT m.contact_id, list(m.list_id ORDER BY m.list_id) AS list_ids,
                   string_agg(coalesce(l.name, m.list_id), ', ' ORDER BY coalesce(l.name, m.list_id)) AS list_names
            FROM list_memberships m LEFT JOIN contact_lists l USING (list_id) GROUP BY 1),
        tags AS (SELECT contact_id, list(tag_id ORDER BY tag_id) AS tag_ids FROM contact_taggings GROUP BY 1)
        {gifts}
        SELECT k.contact_id, coalesce(k.email, lower(trim(k.email_address))) AS email, k.first_name, k.last_name,
               -- opt_in_date, not updated_at: any edit moves updated_at, only a re-opt-in undoes an opt-out
               CASE WHEN o.last_optout > coalesce(k.opt_in_date, '1900-01-01'::TIMESTAMP) THEN 'unsubscribed'
                    ELSE coalesce(k.permission_to_send, 'not_set') END AS permission_to_send,
               coalesce(k.created_at, k.opt_in_date, k.email_created_at) AS created_at,
               (k.deleted_at IS NOT NULL {removed}) AS deleted,
               coalesce(b.last_hard_bounce > coalesce(e.last_engaged, '1900-01-01'::TIMESTAMP), false) AS hard_bounced,
               coalesce(li.list_ids, []::VARCHAR[]) AS list_ids, coalesce(li.list_names, '') AS list_names,
               coalesce(t.tag_ids, []::VARCHAR[]) AS tag_ids, {gift_join}
        FROM contacts k
        LEFT JOIN engaged e USING (contact_id) LEFT JOIN bounced b USING (contact_id)
        LEFT JOIN opted_out o USING (contact_id)
        LEFT JOIN lists li USING (contact_id) LEFT JOIN tags t USING (contact_id)
        {"LEFT JOIN given v USING (contact_id)" if gifts else ""}
        ORDER BY k.contact_id""")


def list_names(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """list_id, name of every list not deleted, by name (the sidebar and segment list pickers)."""
    return frame(con, "SELECT list_id, coalesce(name, list_id) AS name FROM contact_lists "
                      "WHERE deleted_at IS NULL ORDER BY name")


def tag_names(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """tag_id, name of every tag, by name."""
    return frame(con, "SELECT tag_id, coalesce(name, tag_id) AS name FROM contact_tags ORDER BY name")


def emailable(contacts: pl.DataFrame) -> pl.DataFrame:
    """Only contacts that may be emailed: explicit/implicit permission (an opt-out newer than the opt-in already made
    it 'unsubscribed' in audience()), not deleted, not hard-bounced, has an email."""
    return contacts.filter(
        pl.col("permission_to_send").is_in(list(EMAILABLE_PERMISSIONS))
        & ~pl.col("deleted").fill_null(True)
        & ~pl.col("hard_bounced").fill_null(True)
        & pl.col("email").is_not_null() & (pl.col("email").str.strip_chars() != "")
    )
