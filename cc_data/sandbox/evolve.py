"""Move the sandbox clock forward and let the account live: sign-ups, edits, opt-outs, deletions, sends.

Deterministic under the seed: the draws depend only on the seed and the interval being simulated.
"""

from __future__ import annotations

import numpy as np

from cc_data.sandbox.account import Account
from cc_data.sandbox.clock import DAY, NEVER


def advance(account: Account, seconds: int) -> None:
    """Simulate (now, now + seconds]; then the clock reads now + seconds."""
    from cc_data.sandbox.generator import SCALES, rng_for, run_sends
    from cc_data.sandbox.giving import advance_giving
    from cc_data.sandbox.people import make_contacts

    if seconds <= 0:
        return
    start, end = account.now, account.now + seconds
    rng = rng_for(account.seed, 5, start, end)
    c = account.contacts
    days = seconds / DAY
    existing = len(c)

    def moments(k: int) -> np.ndarray:
        return start + 1 + rng.integers(0, seconds, k).astype(np.int64)

    # new sign-ups: a list grows about 15% a year
    growth = rng.poisson(SCALES[account.scale].contacts * 0.15 / 365 * days)
    if growth:
        taken = {e.strip().lower() for e in c.email}
        fresh = make_contacts(rng, int(growth), start + 1, end, end, [e["name"] for e in account.lists], taken,
                              veteran_share=0.0)
        c.extend(fresh)
    alive = np.flatnonzero((c.created_at <= start) & (c.deleted_at > start))
    alive = alive[alive < existing]

    def pick(rate_per_day: float) -> np.ndarray:
        k = min(rng.poisson(len(alive) * rate_per_day * days), len(alive))
        return rng.choice(alive, size=k, replace=False) if k else np.zeros(0, np.int64)

    edited = pick(0.002)                              # profile edits move updated_at
    c.updated_at[edited] = np.maximum(c.updated_at[edited], moments(len(edited)))
    moved = pick(0.0005)                              # list membership changes also move updated_at
    if len(moved):
        bits = rng.integers(0, len(account.lists), len(moved))
        c.lists[moved] ^= (np.uint16(1) << bits.astype(np.uint16))
        c.updated_at[moved] = np.maximum(c.updated_at[moved], moments(len(moved)))
    quits = pick(0.0003)                              # unsubscribes via the preference centre: updated_at stays
    quits = quits[c.optout_at[quits] == NEVER]
    c.optout_at[quits] = moments(len(quits))
    c.optout_source[quits] = 0
    c.optout_reason[quits] = rng.integers(0, 6, len(quits))
    gone = pick(0.0002)                               # deletions
    gone = gone[c.deleted_at[gone] == NEVER]
    c.deleted_at[gone] = moments(len(gone))
    run_sends(account, end)
    advance_giving(account, start, end, rng_for(account.seed, 6, start, end))
    account.now = end
