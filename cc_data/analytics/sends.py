"""One row per email sent: who got which campaign activity, and what they did with it.

Everything else in the dashboard (campaign rates, equal-age curves, scores, segments) is derived
from this frame. Counts are unique per (campaign activity, contact), like Constant Contact's own.

Machine opens: the API gives no user agent or IP, so a likely machine open (Apple Mail Privacy
Protection, security scanners) is flagged with a heuristic: the open came within
`max_minutes_after_send` of the contact's send, from a contact who was sent at least `min_emails`
emails, "opened" at least `min_open_share` of them and never clicked anything.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from cc_data.analytics.query import frame

REPORTING_ROLES = ("primary_email", "resend")
HARD_BOUNCE_CODES = ("B", "D", "S", "X", "Z")  # F (mailbox full) is soft; V (vacation) was delivered


@dataclass(frozen=True)
class MachineOpenRule:
    max_minutes_after_send: int = 10
    min_emails: int = 5
    min_open_share: float = 0.9


def per_send(con: duckdb.DuckDBPyConnection, rule: MachineOpenRule = MachineOpenRule()) -> pl.DataFrame:
    """Per (campaign_activity_id, contact_id): campaign_id, sent_at, bounced, hard_bounced, opened,
    first_open_at, first_human_open_at (first open not flagged as a machine open), first_click_at,
    opted_out, forwarded, machine_opener."""
    sql = f"""
    WITH ev AS (
        SELECT e.campaign_activity_id, a.campaign_id, e.contact_id, e.tracking_activity_type AS t,
               e.created_time, e.bounce_code
        FROM tracking_events e JOIN campaign_activities a USING (campaign_activity_id)
        WHERE a.role IN {REPORTING_ROLES}
    ),
    sends AS (   -- CASE inside min/max is faster than FILTER clauses here
        SELECT campaign_activity_id, any_value(campaign_id) AS campaign_id, contact_id,
            min(CASE WHEN t = 'em_sends' THEN created_time END) AS sent_at,
            coalesce(max(t = 'em_bounces' AND coalesce(bounce_code, '?') <> 'V'), false) AS bounced,
            coalesce(max(t = 'em_bounces' AND bounce_code IN {HARD_BOUNCE_CODES}), false) AS hard_bounced,
            min(CASE WHEN t = 'em_opens' THEN created_time END) AS first_open_at,
            min(CASE WHEN t = 'em_clicks' THEN created_time END) AS first_click_at,
            coalesce(max(t = 'em_optouts'), false) AS opted_out,
            coalesce(max(t = 'em_forwards'), false) AS forwarded
        FROM ev GROUP BY campaign_activity_id, contact_id
    ),
    activity_sent AS (
        SELECT campaign_activity_id, min(sent_at) AS activity_sent_at FROM sends GROUP BY 1
    ),
    habits AS (
        SELECT contact_id, count(sent_at) AS received,
               count(*) FILTER (WHERE sent_at IS NOT NULL AND first_open_at IS NOT NULL) AS opened,
               count(first_click_at) AS clicked
        FROM sends GROUP BY 1
    ),
    machine AS (
        SELECT contact_id FROM habits
        WHERE received >= $min_emails AND clicked = 0 AND opened >= $min_share * received
    ),
    late_machine_open AS (   -- only machine openers need their opens examined one by one
        SELECT o.campaign_activity_id, o.contact_id, min(o.created_time) AS first_human_open_at
        FROM ev o
        JOIN machine m USING (contact_id)
        JOIN sends s USING (campaign_activity_id, contact_id)
        JOIN activity_sent a USING (campaign_activity_id)
        WHERE o.t = 'em_opens'
          AND o.created_time > coalesce(s.sent_at, a.activity_sent_at) + to_minutes($minutes::BIGINT)
        GROUP BY 1, 2
    )
    SELECT s.campaign_activity_id, s.campaign_id, s.contact_id, s.sent_at, s.bounced, s.hard_bounced,
           s.first_open_at IS NOT NULL AS opened, s.first_open_at,
           CASE WHEN m.contact_id IS NULL THEN s.first_open_at ELSE h.first_human_open_at END AS first_human_open_at,
           s.first_click_at, s.opted_out, s.forwarded, m.contact_id IS NOT NULL AS machine_opener
    FROM sends s
    LEFT JOIN machine m USING (contact_id)
    LEFT JOIN late_machine_open h USING (campaign_activity_id, contact_id)
    """
    params = {"min_emails": rule.min_emails, "min_share": rule.min_open_share, "minutes": rule.max_minutes_after_send}
    return frame(con, sql, params)


def machine_openers(sends: pl.DataFrame) -> pl.DataFrame:
    """The contacts the heuristic treats as machine openers (one column, contact_id)."""
    return sends.filter(pl.col("machine_opener")).select("contact_id").unique().sort("contact_id")
