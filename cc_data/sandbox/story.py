"""How well each campaign does: multipliers on a person's chance to open and to click.

A campaign's pull combines its subject line and content (set in `calendar`), the season, the campaign type
and a small seeded variation, so no two sends perform quite alike. Who is on the list matters too, through
the people themselves (donors and the board are more engaged: see `people`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from cc_data.sandbox.calendar import LOCAL, PlannedCampaign

# the season (month of the send): inboxes are busy and generous in November-December, quiet in summer
OPEN_BY_MONTH = {6: 0.85, 7: 0.85, 8: 0.9, 11: 1.05, 12: 1.05}
CLICK_BY_MONTH = {6: 0.8, 7: 0.8, 8: 0.85, 11: 1.05, 12: 1.1}
# campaign type: an appeal asks for one click and gets it more often than a newsletter's many links
CLICK_BY_TYPE = {10: 1.0, 11: 0.9, 14: 1.1, 20: 1.3, 25: 1.4}
OPEN_JITTER, CLICK_JITTER = 0.06, 0.12


@dataclass(frozen=True)
class Pull:
    open: float = 1.0     # multiplies each human recipient's chance to open
    click: float = 1.0    # multiplies each opener's chance to click


def _unit(seed: int, name: str, salt: str) -> float:
    """A number in [-1, 1) fixed by the seed and the campaign's name."""
    digest = hashlib.blake2b(f"{seed}/{name}/{salt}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**63 - 1.0


def pull(planned: PlannedCampaign, seed: int) -> Pull:
    month = datetime.fromtimestamp(planned.send_at, LOCAL).month
    opens = planned.subject_pull * OPEN_BY_MONTH.get(month, 1.0) * (1 + OPEN_JITTER * _unit(seed, planned.name, "o"))
    clicks = (planned.offer_pull * CLICK_BY_MONTH.get(month, 1.0) * CLICK_BY_TYPE.get(planned.type_code, 1.0)
              * (1 + CLICK_JITTER * _unit(seed, planned.name, "c")))
    return Pull(open=opens, click=clicks)
