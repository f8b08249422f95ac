"""How much of the per-contact history the sync has fetched: which emails have their opens and clicks, and their
per-contact sends, in; read from the sync's own record (sync_state, stream `tracking`).

A large account's first sync takes days of quota (bench/results/history.md); until it is done, every figure read
from per-contact rows is short of the emails still missing. Pages say so (pages/components/history_notice.py), and
scoring never calls a contact Lapsed or Not emailed for want of rows not fetched (`HistoryGaps`).

An email's kind (opens, clicks, sends) is in when the sync recorded the email complete (key `<activity>`), or that
kind listed to its end or found to have nothing new (key `<activity>:<kind>` without a `next` page). The emails
counted are those the sync tracks: sent (not DRAFT or SCHEDULED) primary emails and resends it has asked about.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import datetime

import duckdb

PAGE_ROWS = 500   # rows per tracking page the sync asks for (cc_data.sync.streams.TRACKING_PAGE)
# kind -> the activity_stats column counting its rows (cc_data.sync.streams.TRACKING_KINDS)
KINDS = {"sends": "em_sends", "opens": "em_opens_all", "clicks": "em_clicks_all", "bounces": "em_bounces",
         "optouts": "em_optouts", "forwards": "em_forwards"}
ENGAGEMENT = ("opens", "clicks")

EMAILS_SQL = """
    SELECT a.campaign_activity_id, s.last_sent_date
    FROM campaign_activities a JOIN campaign_summaries s USING (campaign_id)
    WHERE a.role IN ('primary_email', 'resend') AND s.last_sent_date IS NOT NULL AND upper(coalesce(a.current_status, '')) NOT IN ('DRAFT', 'SCHEDULED')
      AND a.campaign_activity_id IN (SELECT key FROM sync_state WHERE stream IN ('activity_stats', 'tracking'))
"""


@dataclass(frozen=True)
class HistoryGaps:
    """When each email still missing rows was sent: `engagement` (its opens or clicks not in), `sends` (its
    per-contact sends not in). Empty when everything is in (or nothing says otherwise)."""

    engagement: tuple[datetime, ...] = ()
    sends: tuple[datetime, ...] = ()

    def engagement_missing(self, start: datetime, end: datetime) -> bool:
        """An email sent in (start, end] still lacks its opens or clicks."""
        return any(start < t <= end for t in self.engagement)

    def sends_missing(self, start: datetime, end: datetime) -> bool:
        """An email sent in (start, end] still lacks its per-contact sends."""
        return any(start < t <= end for t in self.sends)


NO_GAPS = HistoryGaps()


@dataclass(frozen=True)
class HistoryStatus:
    emails: int            # emails the sync tracks
    engagement_in: int     # of those, with opens and clicks in
    sends_in: int          # of those, with per-contact sends in
    calls_left: int        # tracking calls still to make, at least (from the API's own counts)
    gaps: HistoryGaps

    @property
    def complete(self) -> bool:
        return not self.gaps.engagement and not self.gaps.sends and self.calls_left == 0

    def days_left(self, daily_quota: int) -> int:
        """Days of this account's quota the missing reports need, at least (1 while anything is missing)."""
        return max(1, math.ceil(self.calls_left / max(daily_quota, 1))) if self.calls_left else 0


def _kind_in(states: dict[str, str], aid: str, kind: str) -> bool:
    if aid in states:
        return True
    state = states.get(f"{aid}:{kind}")
    return state is not None and "next" not in json.loads(state or "{}")


def _missing(con: duckdb.DuckDBPyConnection) -> list[tuple[str, datetime, list[str]]]:
    """(email, when sent, kinds not in) for every tracked email, whether or not anything is missing."""
    emails = con.execute(EMAILS_SQL).fetchall()
    states = dict(con.execute("SELECT key, value FROM sync_state WHERE stream = 'tracking'").fetchall())
    return [(aid, sent, [k for k in KINDS if not _kind_in(states, aid, k)]) for aid, sent in emails]


def history_gaps(con: duckdb.DuckDBPyConnection) -> HistoryGaps:
    """When each email still missing its opens or clicks, or its sends, was sent (a few small reads)."""
    emails = _missing(con)
    return HistoryGaps(tuple(sorted(sent for _, sent, kinds in emails if any(k in kinds for k in ENGAGEMENT))),
                       tuple(sorted(sent for _, sent, kinds in emails if "sends" in kinds)))


def gaps_key(gaps: HistoryGaps) -> str:
    """A short text naming these gaps, for a stored result's facts (scores stored for other gaps are not served)."""
    return hashlib.sha256(repr(gaps).encode()).hexdigest()[:16] if gaps != NO_GAPS else ""


def history_status(con: duckdb.DuckDBPyConnection) -> HistoryStatus:
    """What the sync has fetched of the tracked emails' per-contact reports, and the calls left (rows are counted
    only for the emails with something missing)."""
    emails = _missing(con)
    incomplete = [aid for aid, _, kinds in emails if kinds]
    stats, stored = {}, {}
    if incomplete:
        stats = {row[0]: dict(zip(KINDS, row[1:], strict=True)) for row in con.execute(
            f"SELECT campaign_activity_id, {', '.join(KINDS.values())} FROM activity_stats "
            "WHERE campaign_activity_id IN (SELECT unnest(?))", [incomplete]).fetchall()}
        types = {f"em_{k}": k for k in KINDS}
        stored = {(aid, types[t]): n for aid, t, n in con.execute(
            "SELECT campaign_activity_id, tracking_activity_type, count(*) FROM tracking_events "
            "WHERE campaign_activity_id IN (SELECT unnest(?)) GROUP BY ALL", [incomplete]).fetchall() if t in types}
    calls = 0
    for aid, _, kinds in emails:
        for kind in kinds:   # an unknown count still costs a call
            expected = stats.get(aid, {}).get(kind)
            calls += max(1, math.ceil(max((expected or 0) - stored.get((aid, kind), 0), 0) / PAGE_ROWS))
    gaps = HistoryGaps(tuple(sorted(sent for _, sent, kinds in emails if any(k in kinds for k in ENGAGEMENT))),
                       tuple(sorted(sent for _, sent, kinds in emails if "sends" in kinds)))
    return HistoryStatus(len(emails), len(emails) - len(gaps.engagement), len(emails) - len(gaps.sends), calls, gaps)
