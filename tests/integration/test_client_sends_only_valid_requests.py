"""The client sends nothing the official spec forbids: the sandbox refuses such requests with 400, as the API does
(tests/sandbox/test_strict_requests.py), so a sync or a push that meets no 400 asked only for valid things.

The sync falls back quietly after some 400s (a refused `limit`), so a request the API would refuse could hide
behind a passing sync; this test looks at every answer instead.
"""

from __future__ import annotations

import shutil

from cc_data.push.run import Target, push
from cc_data.push.saved import DEFAULT_SEGMENT
from cc_data.sync.runner import run_sync
from tests.integration.conftest import settings_for


def _refused(sandbox) -> list[tuple[str, str, int]]:
    return [entry for entry in sandbox.request_log if entry[2] == 400]


def test_a_full_and_an_incremental_sync_meet_no_400(start_sandbox, tmp_path):
    sandbox = start_sandbox()
    settings = settings_for(sandbox, tmp_path)
    assert run_sync(settings).outcome == "success"
    sandbox.advance(12)   # incremental passes: cursors in updated_after, optout_after, after_date
    assert run_sync(settings).outcome == "success"
    asked = {path.split("/")[2] for _, path, _ in sandbox.request_log if path.startswith("/v3/")}
    assert {"contacts", "contact_lists", "emails", "reports", "account"} <= asked
    assert _refused(sandbox) == []


def test_a_segment_push_meets_no_400(start_sandbox, synced_file, tmp_path):
    sandbox = start_sandbox()
    settings = settings_for(sandbox, tmp_path)
    shutil.copy(synced_file, settings.db_path)
    result = push(settings, Target(DEFAULT_SEGMENT), "Lapsed donors 2026", sleep=lambda s: None, poll_first_s=0)
    assert result.state == "completed"
    assert any(method == "POST" for method, _, _ in sandbox.request_log)
    assert _refused(sandbox) == []
