"""The tests' clock. Every test runs at an instant it sets, never at the wall clock's.

The whole session is moved to TEST_NOW (time-machine: `datetime.now()`, `date.today()` and `time.time()` read it,
in this process and in the processes a test starts), so a reader of the wall clock that a test forgot about
still reads the test's clock. `CC_TEST_NOW=2027-06-30T23:50:00Z make test` runs the whole suite at another instant.

Tests marked `calendar` run once at each of EDGE_INSTANTS, the moments where date arithmetic breaks: see
docs/operations.md#the-tests-clock.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

SHIM = Path(__file__).resolve().parent / "clock_shim"

# When the bug was found: a Year-End Appeal resend scheduled, not yet sent (issue 19).
DEFAULT_NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)

EDGE_INSTANTS: dict[str, datetime] = {
    "new-year-00h20": datetime(2027, 1, 1, 0, 20, tzinfo=UTC),
    "us-dst-starts": datetime(2027, 3, 14, 7, 30, tzinfo=UTC),     # 02:30 EST does not exist that night
    "us-dst-ends": datetime(2026, 11, 1, 6, 30, tzinfo=UTC),       # 01:30 EDT happens twice that night
    "fiscal-july-eve-23h50": datetime(2027, 6, 30, 23, 50, tzinfo=UTC),
    "giving-tuesday-week": datetime(2026, 12, 2, 15, 0, tzinfo=UTC),
    "dec-31-23h50": datetime(2026, 12, 31, 23, 50, tzinfo=UTC),
    "today-2026-12-07": DEFAULT_NOW,
}


def parse_instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


TEST_NOW: datetime = parse_instant(os.environ["CC_TEST_NOW"]) if os.environ.get("CC_TEST_NOW") else DEFAULT_NOW
