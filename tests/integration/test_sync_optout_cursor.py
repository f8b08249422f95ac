"""The optout_after loss of issue 19, made on purpose: the optout_after cursor is that pass's own high-water mark,
not the newest opt-out over contacts another pass stored."""

from __future__ import annotations

from cc_data.sync.runner import run_sync
from tests.integration.conftest import settings_for
from tests.integration.cursor_checks import differences, unsubscribed_but_not_stored
from tests.integration.test_sync_cursors import NO_FULL_PASS, START


def _subscribed(account, count: int) -> list[int]:
    c = account.contacts
    alive = (c.created_at <= account.now) & (c.deleted_at > account.now) & (c.optout_at > account.now)
    return [int(i) for i in alive.nonzero()[0][:count]]


def test_an_early_opt_out_is_not_skipped_because_an_edited_contact_opted_out_later(start_sandbox, tmp_path):
    """The loss of issue 19, made on purpose: in one day, contact A unsubscribes in the morning; contact B edits
    their profile and unsubscribes in the evening. The updated_after pass stores B; a cursor taken as the newest
    opt-out over all stored contacts then starts the optout_after pass at B's evening and never lists A."""
    sandbox = start_sandbox(now=START)
    incremental = settings_for(sandbox, tmp_path / "incremental", **NO_FULL_PASS)
    assert run_sync(incremental).outcome == "success"
    sandbox.advance(1)
    account, end = sandbox.account, sandbox.account.now
    a, b = _subscribed(account, 2)
    account.contacts.optout_at[a] = end - 20 * 3600          # 16:00 the day before, UTC: morning in Denver
    account.contacts.optout_at[b] = end - 3600
    account.contacts.updated_at[b] = end - 2 * 3600          # a profile edit: the updated_after pass lists B
    assert run_sync(incremental).outcome == "success"
    fresh = settings_for(sandbox, tmp_path / "fresh")
    assert run_sync(fresh, full=True).outcome == "success"
    assert unsubscribed_but_not_stored(incremental.db_path, fresh.db_path) == 0
    assert differences(incremental.db_path, fresh.db_path) == {}
