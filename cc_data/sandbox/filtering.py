"""A mailbox provider filtering the organisation's mail for a few weeks, as happens to real senders.

For FILTER_DAYS, starting FILTER_STARTS_AFTER_DAYS into the email history (about a hundred days before the account
was generated), Microsoft's consumer mailboxes (outlook.com, hotmail.com, live.com, msn.com) refuse a share of the
mail outright (a Z "blocked" bounce) and put most of the rest in the junk folder, where hardly anyone opens it. The
blocked addresses are not dead: they keep receiving the emails after the episode, so they are not hard bounces of
the contact.

Draws come from their own generator (seed, send time), so the rest of the simulation draws exactly what it did
before: only the affected recipients' outcomes change.
"""

from __future__ import annotations

import numpy as np

from cc_data.sandbox.account import Account
from cc_data.sandbox.clock import DAY

FILTERING_DOMAINS = ("outlook.com", "hotmail.com", "live.com", "msn.com")
FILTER_STARTS_AFTER_DAYS = 630   # the history is 730 days: about a hundred days before the account's "now"
FILTER_DAYS = 24
BLOCKED_SHARE = 0.10             # refused outright: a Z bounce
JUNKED_SHARE = 0.85              # delivered to the junk folder: no human open, no click


def window(account: Account) -> tuple[int, int]:
    """[start, end) of the filtering episode, epoch seconds."""
    start = account.history_start + FILTER_STARTS_AFTER_DAYS * DAY
    return start, start + FILTER_DAYS * DAY


def at_filtering_provider(account: Account) -> np.ndarray:
    """bool per contact: the address is at the provider that filters (cached until contacts are added)."""
    cached = getattr(account, "_filtering_provider", None)
    if cached is None or len(cached) != len(account.contacts):
        domains = [e.strip().lower().rpartition("@")[2] for e in account.contacts.email]
        cached = np.isin(np.array(domains, dtype=object), FILTERING_DOMAINS)
        account._filtering_provider = cached
    return cached


def filtered(account: Account, recipients: np.ndarray, sent: np.ndarray, send_at: int) -> tuple[np.ndarray, np.ndarray]:
    """(blocked, junked): bool per recipient of an activity sent at `send_at` (send times `sent`)."""
    start, end = window(account)
    n = len(recipients)
    if n == 0 or send_at >= end or int(sent.max(initial=send_at)) < start:
        return np.zeros(n, bool), np.zeros(n, bool)
    rng = np.random.default_rng([account.seed, 11, send_at])
    hit = at_filtering_provider(account)[recipients] & (sent >= start) & (sent < end)
    draw = rng.random(n)
    blocked = hit & (draw < BLOCKED_SHARE)
    junked = hit & ~blocked & (rng.random(n) < JUNKED_SHARE)
    return blocked, junked
