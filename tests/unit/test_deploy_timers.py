"""Reading systemd's list of timers for Data & sync's "next scheduled sync" line."""

from __future__ import annotations

from pages.components.schedule import parse_list_timers

LISTED = """\
NEXT                        LEFT     LAST                        PASSED  UNIT                    ACTIVATES
Wed 2026-12-02 02:30:00 UTC 12h left Tue 2026-12-01 02:31:10 UTC 11h ago cc-data-sync.timer      cc-data-sync.service
Wed 2026-12-02 03:15:00 CET 13h left n/a                         n/a     cc-data-donations.timer cc-data-donations.service
-                           -        -                           -       cc-data-old.timer       cc-data-old.service

3 timers listed.
Pass --all to see loaded but inactive timers, too.
"""


def test_each_timer_with_its_next_run_and_none_when_nothing_is_due() -> None:
    timers = parse_list_timers(LISTED)
    assert [(t.unit, t.activates, t.next) for t in timers] == [
        ("cc-data-sync.timer", "cc-data-sync.service", "Wed 2026-12-02 02:30:00 UTC"),
        ("cc-data-donations.timer", "cc-data-donations.service", "Wed 2026-12-02 03:15:00 CET"),
        ("cc-data-old.timer", "cc-data-old.service", None),
    ]


def test_no_timers_installed_means_nothing_to_show() -> None:
    assert parse_list_timers("") == []
    assert parse_list_timers("0 timers listed.\n") == []
