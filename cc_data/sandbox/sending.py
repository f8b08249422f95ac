"""Send one campaign activity: who receives it, and who opens, clicks, bounces, opts out and forwards when.

All draws are vectorised over the recipients. Events are stored with their future times; the clock decides
what is visible, so opens and clicks keep "arriving" as the sandbox clock advances.
"""

from __future__ import annotations

import numpy as np

from cc_data.sandbox.account import PERMISSIONS, Account, Activity, Events, Tracking
from cc_data.sandbox.clock import DAY, NEVER
from cc_data.sandbox.filtering import filtered
from cc_data.sandbox.names import BOUNCE_CODES
from cc_data.sandbox.story import Pull

EMAILABLE = np.array([PERMISSIONS.index("implicit"), PERMISSIONS.index("explicit")], np.int8)
HARD_BOUNCES = (0, 6)  # B non-existent, Z blocked: the address stops receiving
BLOCKED = BOUNCE_CODES.index("Z")
MINUTE, HOUR = 60, 3600


def eligible(account: Account, activity: Activity, at: int) -> np.ndarray:
    """Contacts an activity reaches at time `at`: on a target list or segment, emailable then."""
    c = account.contacts
    mask = np.zeros(len(c), bool)
    list_bits = [i for i, entry in enumerate(account.lists) if entry["list_id"] in activity.contact_list_ids]
    for bit in list_bits:
        mask |= ((c.lists >> bit) & 1).astype(bool)
    for segment_id in activity.segment_ids:
        from cc_data.sandbox.segments import members  # segments import Account helpers; keep the cycle lazy
        mask |= members(account, segment_id, at)
    return (mask & (c.created_at <= at) & (c.deleted_at > at) & (c.optout_at > at)
            & (c.hard_bounced_at > at) & np.isin(c.permission, EMAILABLE))


def _delays(rng: np.random.Generator, n: int, median_hours: float) -> np.ndarray:
    """Most engagement lands in the first 24-48 h, with a long tail over the following days."""
    hours = rng.lognormal(np.log(median_hours), 1.3, n)
    return (np.minimum(hours, 21 * 24) * HOUR).astype(np.int64) + rng.integers(0, 60, n)


def send(account: Account, activity: Activity, rng: np.random.Generator, recipients: np.ndarray,
         pull: Pull) -> None:
    """Simulate delivery and engagement for `recipients` (contact positions); fills `activity.tracking`.
    `pull` is how strongly this campaign draws opens and clicks (see `story`); machine opens ignore it."""
    c = account.contacts
    start = int(activity.send_at or 0)
    recipients = rng.permutation(recipients).astype(np.int32)
    n = len(recipients)
    seconds = int(min(max(n // 40, 60), 40 * MINUTE))
    tracking = Tracking(recipients=recipients, send_start=start, send_seconds=seconds, events={})
    sent = tracking.send_times()
    bad = c.bad_address[recipients]
    bounced = rng.random(n) < np.where(bad, 0.35, 0.009)
    code = np.where(bad, rng.choice(7, n, p=[0.7, 0.1, 0.05, 0.05, 0.0, 0.05, 0.05]),
                    rng.choice(7, n, p=[0.15, 0.2, 0.2, 0.1, 0.15, 0.1, 0.1]))
    blocked, junked = filtered(account, recipients, sent, start)   # a provider filtering for a few weeks
    blocked &= ~bounced
    bounced |= blocked
    code = np.where(blocked, BLOCKED, code)
    delivered = ~bounced
    engagement = c.engagement_at(start, recipients) * (1.0 if activity.role == "primary_email" else 0.6)
    machine = c.machine_opener[recipients] & delivered
    human_open = (delivered & ~machine & (rng.random(n) < np.minimum(engagement * 0.75 * pull.open, 0.97))
                  & ~junked)
    machine_open = machine & (rng.random(n) < 0.93)
    first_open = np.full(n, NEVER, np.int64)
    first_open[machine_open] = sent[machine_open] + rng.integers(30, 8 * MINUTE, machine_open.sum())
    first_open[human_open] = sent[human_open] + _delays(rng, int(human_open.sum()), 4.0)
    # every open, including repeats (humans reopen; MPP sometimes prefetches twice)
    repeats = np.where(human_open, rng.poisson(0.7, n), np.where(machine_open, rng.poisson(0.1, n), 0))
    opener = np.flatnonzero(first_open < NEVER)
    extra = np.repeat(opener, repeats[opener])
    open_rows = np.concatenate([opener, extra])
    open_time = np.concatenate([first_open[opener],
                                first_open[extra] + _delays(rng, len(extra), 20.0)])
    human_device = rng.choice(4, n, p=[0.47, 0.43, 0.07, 0.03])
    device = np.where(machine, 1, human_device)
    clicked = human_open & (rng.random(n) < np.minimum((0.02 + 0.12 * engagement) * pull.click, 0.9))
    clickers = np.flatnonzero(clicked)
    click_rows = np.repeat(clickers, 1 + rng.poisson(0.35, len(clickers)))
    click_time = first_open[click_rows] + rng.integers(5, 15 * MINUTE, len(click_rows))
    click_link = rng.integers(0, max(len(activity.links), 1), len(click_rows))
    optout = delivered & (rng.random(n) < np.where(engagement < 0.08, 0.004, 0.0012))
    optout_time = np.where(first_open < NEVER, first_open + rng.integers(20, 10 * MINUTE, n),
                           sent + _delays(rng, n, 10.0))
    forwarded = human_open & (rng.random(n) < 0.004)
    abuse = delivered & ~human_open & (rng.random(n) < 0.0002)
    bounce_time = sent + rng.integers(5, 30 * MINUTE, n)

    def events(rows: np.ndarray, times: np.ndarray, dev: np.ndarray | None = None,
               detail: np.ndarray | None = None) -> Events:
        k = len(rows)
        return Events.sorted_from(recipients[rows], times,
                                  dev if dev is not None else np.zeros(k, np.int8),
                                  detail if detail is not None else np.zeros(k, np.int8))

    b, o, f, a = (np.flatnonzero(m) for m in (bounced, optout, forwarded, abuse))
    reason = rng.integers(0, 6, len(o)).astype(np.int8)
    tracking.events = {
        "opens": events(open_rows, open_time, device[open_rows]),
        "clicks": events(click_rows, click_time, device[click_rows], click_link),
        "bounces": events(b, bounce_time[b], None, code[b]),
        "optouts": events(o, optout_time[o], None, reason),
        "forwards": events(f, first_open[f] + rng.integers(HOUR, DAY, len(f))),
        "abuse": events(a, sent[a] + rng.integers(HOUR, DAY, len(a))),
    }
    activity.tracking = tracking
    # consequences for the contacts: opted out (email_address changes, updated_at does not) and hard bounces
    who = recipients[o]
    first_time = c.optout_at[who] == NEVER
    c.optout_at[who[first_time]] = optout_time[o][first_time]
    c.optout_source[who[first_time]] = 0
    c.optout_reason[who[first_time]] = reason[first_time]
    hard = b[np.isin(code[b], HARD_BOUNCES) & ~blocked[b]]   # a provider's block passes; the address lives
    c.hard_bounced_at[recipients[hard]] = np.minimum(c.hard_bounced_at[recipients[hard]], bounce_time[hard])


def non_openers(account: Account, primary: Activity, at: int) -> np.ndarray:
    """Recipients of `primary` who were delivered and had not opened by `at` (a resend's audience)."""
    t = primary.tracking
    if t is None:
        return np.zeros(0, np.int32)
    opens = t.events["opens"]
    opened = opens.contact[: int(np.searchsorted(opens.time, at, side="right"))]
    bounced = t.events["bounces"].contact
    audience = t.recipients[~np.isin(t.recipients, np.concatenate([opened, bounced]))]
    c = account.contacts
    still = (c.optout_at[audience] > at) & (c.deleted_at[audience] > at) & (c.hard_bounced_at[audience] > at)
    return audience[still]
