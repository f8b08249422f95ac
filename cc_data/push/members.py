"""Who is in a segment, and who of a set of contacts may be sent to Constant Contact at all.

The second question is asked of every push, whatever built the contact set: only contacts audience.emailable
keeps (permission explicit or implicit, an opt-out newer than the opt-in counting as unsubscribed, not deleted,
not hard-bounced) are ever sent.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import duckdb
import polars as pl

from cc_data.analytics.audience import precomputed
from cc_data.analytics.audience.reach import EMAILABLE_PERMISSIONS, audience
from cc_data.analytics.audience.segments import SegmentCriteria
from cc_data.analytics.email import sends


def as_of(con: duckdb.DuckDBPyConnection) -> datetime:
    """The moment segments are computed at: the latest send, open or click (as the dashboard does)."""
    return sends.latest_activity_at(con) or datetime.now()


def segment_members(con: duckdb.DuckDBPyConnection, criteria: SegmentCriteria) -> list[str]:
    """contact_ids of the re-engagement segment for `criteria`, as the dashboard computes it."""
    found = precomputed.stored_segment(con, criteria, as_of(con))
    return found["contact_id"].cast(pl.Utf8).to_list()


def reason(row: dict) -> str | None:
    """Why a contact may not be sent (None when it may): unsubscribed, bounced, deleted, on hold, not opted in."""
    if row["deleted"]:
        return "deleted"
    if row["permission_to_send"] == "unsubscribed":
        return "unsubscribed"
    if row["hard_bounced"]:
        return "bounced"
    if row["permission_to_send"] == "temp_hold":
        return "on hold"
    if row["permission_to_send"] not in EMAILABLE_PERMISSIONS or not (row["email"] or "").strip():
        return "not opted in"
    return None


def split_emailable(con: duckdb.DuckDBPyConnection, contact_ids: list[str]) -> tuple[list[str], Counter]:
    """(the contact_ids that may be sent, in the order given; a count of the others by reason). A contact the
    database does not know is left out as 'unknown'."""
    wanted = list(dict.fromkeys(contact_ids))
    people = audience(con).filter(pl.col("contact_id").is_in(wanted))
    why = {row["contact_id"]: reason(row) for row in
           people.select("contact_id", "deleted", "permission_to_send", "hard_bounced", "email").iter_rows(named=True)}
    keep = [cid for cid in wanted if cid in why and why[cid] is None]
    left = Counter(why.get(cid, "unknown") for cid in wanted if why.get(cid, "unknown") is not None)
    return keep, left
