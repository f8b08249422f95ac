"""A first sync the daily quota stops: opens and clicks of every email of the last 12 months come before any
per-contact `sends` report, and the run resumed the next day still stores exactly the account (issue 25)."""

from __future__ import annotations

import json
from datetime import timedelta

from cc_data.sync.runner import run_sync
from tests.conftest import SANDBOX_NOW
from tests.integration.checks import assert_tracking_equal, db_frame
from tests.integration.conftest import settings_for

REPORTS = "/reports/email_reports/"


def _tracking_calls(log: list[tuple[str, str, int]]) -> list[tuple[str, str]]:
    """(activity, kind) of each tracking report answered, in order."""
    calls = []
    for _, path, status in log:
        if REPORTS in path and "/tracking/" in path and status == 200:
            aid, _, kind = path.split(REPORTS, 1)[1].split("/")[:3]
            calls.append((aid, kind))
    return calls


def test_quota_stopped_first_sync_fetches_recent_opens_and_clicks_before_any_sends(start_sandbox, tmp_path):
    unlimited = start_sandbox(now=SANDBOX_NOW)
    whole = run_sync(settings_for(unlimited, tmp_path / "whole"))
    assert whole.outcome == "success"
    first_tracking = next(i for i, (_, p, _) in enumerate(unlimited.request_log) if "/tracking/" in p)
    tracking_calls = len(_tracking_calls(unlimited.request_log))

    sandbox = start_sandbox(now=SANDBOX_NOW)
    settings = settings_for(sandbox, tmp_path / "limited")
    sandbox.set_quota(first_tracking + tracking_calls // 2)   # the quota ends halfway through the tracking reports
    first = run_sync(settings)
    assert first.outcome == "quota_exceeded"
    calls = _tracking_calls(sandbox.request_log)
    assert ("sends" in {kind for _, kind in calls}) and len(calls) < tracking_calls

    recent_from = (SANDBOX_NOW - timedelta(days=365)).replace(tzinfo=None)
    recent = set(db_frame(settings.db_path, f"""
        SELECT a.campaign_activity_id FROM campaign_activities a JOIN campaign_summaries s USING (campaign_id)
        WHERE a.role IN ('primary_email', 'resend') AND upper(a.current_status) NOT IN ('DRAFT', 'SCHEDULED')
          AND s.last_sent_date >= TIMESTAMP '{recent_from:%Y-%m-%d %H:%M:%S}'""")["campaign_activity_id"])
    assert len(recent) >= 5
    first_sends = next(i for i, (_, kind) in enumerate(calls) if kind == "sends")
    assert all(kind in ("opens", "clicks", "bounces", "optouts", "forwards") and aid in recent
               for aid, kind in calls[:first_sends])
    assert not any(kind in ("opens", "clicks") and aid in recent for aid, kind in calls[first_sends:])
    # every recent email's opens and clicks are in: listed to the end, or nothing to list (recorded as such)
    states = dict(db_frame(settings.db_path, "SELECT key, value FROM sync_state WHERE stream = 'tracking'").rows())
    for aid in recent:
        for kind in ("opens", "clicks"):
            state = states.get(f"{aid}:{kind}")
            assert aid in states or (state is not None and "next" not in json.loads(state)), (aid, kind, state)

    sandbox.set_quota(10_000)
    sandbox.advance(1)
    assert run_sync(settings).outcome == "success"
    assert_tracking_equal(settings.db_path, sandbox.account)
