"""Incremental equals a fresh full sync after the clock moves by hours and by a week (test_sync_cursors.py), with
the sandbox answering in every documented form (its transient faults are test_sync_variants.py's subject; off
here to keep the file quick)."""

from __future__ import annotations

from tests.integration.test_sync_cursors import check_advances


def test_incremental_equals_a_fresh_full_sync_with_every_answer_form(start_sandbox, tmp_path):
    check_advances(start_sandbox, tmp_path, advances_days=(0.25, 7), fault_rate=0.0, variants=5)
