"""A likely machine open. The API gives no user agent or IP, so an open is flagged as a likely machine open (Apple
Mail Privacy Protection, security scanners) when it came within `max_minutes_after_send` of the contact's send, from
a contact who was sent at least `min_emails` emails, "opened" at least `min_open_share` of them and never clicked
anything. The per-send query (cc_data.analytics.email.sends.per_send_sql) applies it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class MachineOpenRule:
    max_minutes_after_send: int = 10
    min_emails: int = 5
    min_open_share: float = 0.9

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def describe(self) -> str:
        """The rule in words, for a page's help: "opens within 10 minutes of the send by a contact who was sent 5+
        emails, "opened" 90%+ of them and never clicked"."""
        return (f"opens within {self.max_minutes_after_send} minutes of the send by a contact who was sent "
                f"{self.min_emails}+ emails, 'opened' {self.min_open_share:.0%}+ of them and never clicked")


DEFAULT_RULE = MachineOpenRule()   # the rule every page applies unless told otherwise, and the one stored at publish
