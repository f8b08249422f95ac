"""Saved segments: each is a rule over the contact columns, evaluated at a moment in time."""

from __future__ import annotations

import numpy as np

from cc_data.sandbox.account import Account
from cc_data.sandbox.clock import DAY

SEGMENTS = (
    (11, "Major donors ($1,000+)"),
    (12, "Engaged in the last 90 days"),
    (13, "New subscribers (last 60 days)"),
    (14, "Denver metro volunteers"),
)


def _list_bit(account: Account, name: str) -> int:
    return next(i for i, entry in enumerate(account.lists) if entry["name"] == name)


def members(account: Account, segment_id: int, at: int) -> np.ndarray:
    """Boolean mask over contacts in the segment at time `at` (deleted contacts are never members)."""
    c = account.contacts
    alive = (c.created_at <= at) & (c.deleted_at > at)
    if segment_id == 11:
        giving = np.array([float(v) if v else 0.0 for v in c.custom["TotalLifetimeGiving"]])
        rule = (giving >= 1000) | (((c.lists >> _list_bit(account, "Major Donors")) & 1) == 1)
    elif segment_id == 12:
        rule = c.engagement_at(at) > 0.3
    elif segment_id == 13:
        rule = c.created_at > at - 60 * DAY
    elif segment_id == 14:
        rule = (c.city >= 0) & (c.city <= 2) & (((c.lists >> _list_bit(account, "Volunteers")) & 1) == 1)
    else:
        rule = np.zeros(len(c), bool)
    return alive & rule
