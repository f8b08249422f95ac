"""List health over a period: who joined, who left (unsubscribed, hard-bounced, deleted), and who may be emailed.

Days are the account's time zone's. Joined: contacts created in the period. Unsubscribed: contacts whose
Constant Contact record dates an opt-out in the period, or with an opt-out tracking row in it (the record is stale
until the contact sync catches up). Hard-bounced: contacts with a bounce of a hard code (B, D, S, X, Z) in the
period. Deleted: contacts deleted in the period. A contact who left in two ways counts once in `left`, under
each way it left. Bounces are known only from the first tracking row on (`tracked_from`). Emailable: audience.emailable today (as of the last sync), not at the period's end: the
permission history is not stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import duckdb

from cc_data.analytics.audience import precomputed, reach
from cc_data.analytics.email.sends import HARD_BOUNCE_CODES


@dataclass(frozen=True)
class ListFlows:
    start: date
    end: date
    joined: int
    unsubscribed: int
    hard_bounced: int
    deleted: int
    left: int            # distinct contacts who unsubscribed, hard-bounced or were deleted
    tracked_from: datetime | None = None   # the first tracking row (naive UTC): no bounce is known before it

    @property
    def net(self) -> int:
        return self.joined - self.left


def _utc_bounds(start: date, end: date, time_zone: str) -> tuple[datetime, datetime]:
    """[first moment of `start`, first moment after `end`) in the zone, as naive UTC (how the store keeps time)."""
    zone = ZoneInfo(time_zone)

    def at(day: date) -> datetime:
        return datetime.combine(day, time.min, zone).astimezone(UTC).replace(tzinfo=None)

    return at(start), at(end + timedelta(days=1))


FLOWS_SQL = f"""
WITH optouts AS (
    SELECT contact_id FROM contacts WHERE opt_out_date >= $lo AND opt_out_date < $hi
    UNION SELECT contact_id FROM tracking_events
    WHERE tracking_activity_type = 'em_optouts' AND created_time >= $lo AND created_time < $hi),
hard AS (
    SELECT DISTINCT contact_id FROM tracking_events
    WHERE tracking_activity_type = 'em_bounces' AND bounce_code IN {HARD_BOUNCE_CODES}
      AND created_time >= $lo AND created_time < $hi),
gone AS (SELECT contact_id FROM contacts WHERE deleted_at BETWEEN $first AND $last)
SELECT (SELECT count(*) FROM contacts WHERE created_at >= $lo AND created_at < $hi),
       (SELECT count(*) FROM optouts), (SELECT count(*) FROM hard), (SELECT count(*) FROM gone),
       (SELECT count(*) FROM (SELECT contact_id FROM optouts UNION SELECT contact_id FROM hard
                              UNION SELECT contact_id FROM gone)),
       (SELECT min(created_time) FROM tracking_events)
"""


def list_flows(con: duckdb.DuckDBPyConnection, start: date, end: date, time_zone: str) -> ListFlows:
    """Joined and left between `start` and `end` (both included, the account's days)."""
    lo, hi = _utc_bounds(start, end, time_zone)
    row = con.cursor().execute(FLOWS_SQL, {"lo": lo, "hi": hi, "first": start, "last": end}).fetchone()
    joined, unsubscribed, hard, deleted, left = (int(v or 0) for v in row[:5])
    return ListFlows(start, end, joined, unsubscribed, hard, deleted, left, row[5])


def emailable_count(con: duckdb.DuckDBPyConnection) -> int:
    """Contacts who may be emailed today (as of the last sync): audience.reach.emailable."""
    return reach.emailable(precomputed.stored_audience(con)).height
