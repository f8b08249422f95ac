"""Each stream's cursor is its own high-water mark (issue 19): after the sandbox clock moves by hours, a day or a
week, an incremental sync leaves the same contacts, subscription states, deletions and tracking rows as a fresh
full sync at that moment. The clock is set explicitly; the variants run is in test_sync_cursors_variants.py, the loss itself made on
purpose in test_sync_optout_cursor.py."""

from __future__ import annotations

from datetime import UTC, datetime

from cc_data.sync.runner import run_sync
from tests.integration.conftest import settings_for
from tests.integration.cursor_checks import differences, unsubscribed_but_not_stored

START = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
NO_FULL_PASS = {"full_sync_days": 365}   # the incremental passes are under test, not the weekly full reconcile


def check_advances(start_sandbox, tmp_path, advances_days=(0.25, 1, 7), fault_rate=None, **sandbox_options) -> None:
    sandbox = start_sandbox(now=START, **sandbox_options)
    if fault_rate is not None:
        sandbox.variants.fault_rate = fault_rate
    incremental = settings_for(sandbox, tmp_path / "incremental", **NO_FULL_PASS)
    assert run_sync(incremental).outcome == "success"
    for days in advances_days:
        sandbox.advance(days)
        assert run_sync(incremental).outcome == "success"
        fresh = settings_for(sandbox, tmp_path / f"fresh-{days}")
        assert run_sync(fresh, full=True).outcome == "success"
        assert unsubscribed_but_not_stored(incremental.db_path, fresh.db_path) == 0, days
        assert differences(incremental.db_path, fresh.db_path) == {}, f"after {days} day(s)"


def test_incremental_equals_a_fresh_full_sync_after_hours_a_day_and_a_week(start_sandbox, tmp_path):
    check_advances(start_sandbox, tmp_path)

