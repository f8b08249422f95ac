"""Every row the account serves, stored once: identical rows, late events on old campaigns, partial runs,
a refused page size and a resumed run, each against the sandbox over loopback."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from cc_data.sandbox.account import Events
from cc_data.sandbox.wire import Response, bad_request
from cc_data.sync.runner import run_sync
from tests.integration.checks import assert_tracking_equal, db_frame
from tests.integration.conftest import settings_for


def _clicked_activity(account):
    return max((a for a in account.activities if a.tracking is not None),
               key=lambda a: a.tracking.events["clicks"].visible(account.now))


def _add_events(account, activity, kind: str, contact, time, device, detail) -> None:
    """Give the account more rows of one kind; its stats follow (their cache is keyed on the clock)."""
    ev = activity.tracking.events[kind]
    activity.tracking.events[kind] = Events.sorted_from(
        np.concatenate([ev.contact, np.asarray(contact, np.int32)]), np.concatenate([ev.time, np.asarray(time)]),
        np.concatenate([ev.device, np.asarray(device, np.int8)]), np.concatenate([ev.detail, np.asarray(detail, np.int8)]))
    activity.__dict__.pop("_stats", None)


def _double_some_clicks(account, activity, n: int = 4) -> None:
    ev = activity.tracking.events["clicks"]
    k = min(n, ev.visible(account.now))
    _add_events(account, activity, "clicks", ev.contact[:k], ev.time[:k], ev.device[:k], ev.detail[:k])


def test_identical_rows_are_kept_through_syncs_and_random_advances(start_sandbox, tmp_path):
    sandbox = start_sandbox()
    account = sandbox.account
    doubled = _clicked_activity(account)
    _double_some_clicks(account, doubled)
    settings = settings_for(sandbox, tmp_path)
    assert run_sync(settings).outcome == "success"
    assert assert_tracking_equal(settings.db_path, account) == account.counts()["tracking_rows"]
    stored = db_frame(settings.db_path, f"""SELECT count(*) n FROM tracking_events
        WHERE campaign_activity_id = '{doubled.campaign_activity_id}' AND tracking_activity_type = 'em_clicks'""")
    stats = db_frame(settings.db_path, f"""SELECT em_clicks_all n FROM activity_stats
        WHERE campaign_activity_id = '{doubled.campaign_activity_id}'""")
    assert stored["n"][0] == stats["n"][0]  # so the next run has no reason to ask for its clicks again

    draw = random.Random(11)
    for _ in range(3):
        sandbox.advance(round(draw.uniform(0.2, 9.0), 2))
        assert run_sync(settings).outcome == "success"
        assert_tracking_equal(settings.db_path, account)
    quiet = run_sync(settings)
    assert not any("tracking/clicks" in endpoint for endpoint in quiet.calls), quiet.calls


def test_late_clicks_on_a_settled_campaign_are_fetched_and_only_its_kinds(start_sandbox, tmp_path):
    sandbox = start_sandbox()
    account = sandbox.account
    settings = settings_for(sandbox, tmp_path, rescan_days=1)
    assert run_sync(settings).outcome == "success"
    settled = min((a for a in account.activities if a.tracking is not None and a.send_at is not None),
                  key=lambda a: a.send_at)
    assert (account.now - settled.send_at) > 86_400 * 2
    clickers = set(settled.tracking.events["clicks"].contact.tolist())
    newcomer = next(c for c in settled.tracking.recipients.tolist() if c not in clickers)
    _add_events(account, settled, "clicks", [newcomer], [account.now - 60], [0], [0])

    late = run_sync(settings)
    assert late.outcome == "success"
    assert_tracking_equal(settings.db_path, account)
    tracking_calls = {k: v for k, v in late.calls.items() if k.startswith("GET /reports/email_reports")}
    assert tracking_calls == {"GET /reports/email_reports/{id}/tracking/clicks": 1}, tracking_calls


def test_one_failing_stream_makes_the_run_partial_and_the_next_run_mends_it(start_sandbox, tmp_path):
    sandbox = start_sandbox()
    served = sandbox.contacts_api.segments
    sandbox.contacts_api.segments = lambda query: Response(200, {"segments": "not a list"})
    settings = settings_for(sandbox, tmp_path)
    result = run_sync(settings)
    assert result.outcome == "partial"
    assert list(result.failed) == ["segments"] and "$.segments" in result.failed["segments"]
    assert result.calls["GET /segments"] == 2  # asked once more, then given up: not six times
    counts = sandbox.account.counts()
    tables = db_frame(settings.db_path, "SELECT (SELECT count(*) FROM contacts) c, (SELECT count(*) FROM segments) s, "
                                        "(SELECT count(*) FROM tracking_events) t").row(0, named=True)
    assert tables["s"] == 0 and tables["t"] == counts["tracking_rows"] and tables["c"] > 0
    runs = db_frame(settings.db_path, "SELECT outcome, message FROM sync_runs")
    assert runs["outcome"].to_list() == ["partial"] and "segments" in runs["message"][0]

    sandbox.contacts_api.segments = served
    again = run_sync(settings)
    assert again.outcome == "success"
    assert db_frame(settings.db_path, "SELECT count(*) n FROM segments")["n"][0] == counts["segments"]


def test_a_record_without_its_id_is_skipped_counted_and_reported(start_sandbox, tmp_path):
    sandbox = start_sandbox()
    served = sandbox.contacts_api.contact_tags

    def tags_with_a_broken_record(query):
        response = served(query)
        response.body["tags"].append({"name": "no id here"})
        return response

    sandbox.contacts_api.contact_tags = tags_with_a_broken_record
    settings = settings_for(sandbox, tmp_path)
    result = run_sync(settings)
    assert result.outcome == "success" and result.skipped == {"tags": 1}
    assert db_frame(settings.db_path, "SELECT count(*) n FROM contact_tags")["n"][0] == sandbox.account.counts()["tags"]
    assert json.loads(db_frame(settings.db_path, "SELECT skipped FROM sync_runs")["skipped"][0]) == {"tags": 1}


def test_a_refused_page_size_falls_back_to_the_documented_default(start_sandbox, tmp_path):
    sandbox = start_sandbox()
    served = sandbox.campaigns_api.emails
    asked: list[str] = []

    def emails_capped_at_50(query):
        asked.append(query.get("limit", ""))
        if query.get("limit") and int(query["limit"]) > 50:
            raise bad_request("limit must be between 1 and 50.", "campaigns.api.validation.error")
        return served(query)

    sandbox.campaigns_api.emails = emails_capped_at_50
    settings = settings_for(sandbox, tmp_path)
    first = run_sync(settings)
    assert first.outcome == "success" and any("limit=500" in note for note in first.notes), first.notes
    assert db_frame(settings.db_path, "SELECT count(*) n FROM campaigns")["n"][0] == sandbox.account.counts()["campaigns"]
    asked.clear()
    second = run_sync(settings)
    assert second.notes == [] and asked and set(asked) == {"50"}  # remembered: no refused call any more


@pytest.mark.parametrize("stop_at", [0.35, 0.7])
def test_a_run_resumed_after_the_quota_costs_within_5_percent_of_one_uninterrupted(start_sandbox, tmp_path, stop_at):
    whole = start_sandbox()
    uninterrupted = run_sync(settings_for(whole, tmp_path / "whole")).total_calls

    sandbox = start_sandbox()
    sandbox.set_quota(int(uninterrupted * stop_at))
    settings = settings_for(sandbox, tmp_path / "resumed")
    first = run_sync(settings)
    assert first.outcome == "quota_exceeded"
    sandbox.set_quota(1_000_000)
    second = run_sync(settings)
    assert second.outcome == "success"
    assert_tracking_equal(settings.db_path, sandbox.account)
    resumed = first.total_calls + second.total_calls
    assert resumed <= uninterrupted * 1.05, (uninterrupted, first.total_calls, second.total_calls)
