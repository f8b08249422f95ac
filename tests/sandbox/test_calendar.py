"""The sending calendar plans every campaign whose first send falls in a window, whatever month planned it."""

from __future__ import annotations

from datetime import date

from cc_data.sandbox.calendar import _at, plan


def test_a_window_starting_in_december_still_finds_giving_tuesday_sent_on_december_2():
    # Giving Tuesday 2025 is the Tuesday after Thanksgiving: Dec 2, though November's rules plan it
    names = [p.name for p in plan(_at(date(2025, 12, 1), 0), _at(date(2025, 12, 3), 0), "demo")]
    assert "Giving Tuesday 2025" in names


def test_consecutive_windows_plan_what_one_window_plans():
    start, middle, end = _at(date(2025, 10, 1), 0), _at(date(2025, 12, 1), 0), _at(date(2026, 1, 31), 0)
    whole = [p.name for p in plan(start, end, "demo")]
    assert [p.name for p in plan(start, middle, "demo") + plan(middle, end, "demo")] == whole
