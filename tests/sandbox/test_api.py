"""The sandbox answers like Constant Contact: the official spec's schemas, pagination, filters, errors."""

from __future__ import annotations

import pytest
import requests

from tests.sandbox.helpers import all_pages, get, token
from tests.sandbox.spec import definition_errors, response_errors

REFERENCE = [("contact_lists", "lists", "/contact_lists", (1, 2, 50)),
             ("contact_tags", "tags", "/contact_tags", (1, 3, 50)),
             ("contact_custom_fields", "custom_fields", "/contact_custom_fields", (1, 2, 100)),
             ("segments", "segments", "/segments", (1, 3, 1000)),
             ("emails", "campaigns", "/emails", (1, 3, 50))]
TRACKING = "/reports/email_reports/{campaign_activity_id}/tracking/"
STATS = "/reports/stats/email_campaign_activities/{campaign_activity_ids}"


def _errors_fit(body: object) -> bool:
    """§4: an error array of {error_key, error_message}, as the spec's APIErrorSchema."""
    return (definition_errors("APIErrorSchema", body) == [] and len(body) >= 1
            and all({"error_key", "error_message"} <= set(e) for e in body))


def test_contacts_pages_return_every_contact_once_for_several_page_sizes(sandbox):
    access = token(sandbox)
    truth = sandbox.account.contacts_frame()
    for limit in (1, 7, 50, 500):
        items, pages = all_pages(sandbox, "contacts", access, "contacts", limit=limit, status="all",
                                 include="custom_fields,list_memberships,taggings")
        ids = [c["contact_id"] for c in items]
        assert len(ids) == len(set(ids)) == truth.height
        assert pages == -(-truth.height // limit)
        assert response_errors("GET", "/contacts", 200, {"contacts": items[:100]}) == []


@pytest.mark.parametrize(("path", "key", "template", "limits"), REFERENCE)
def test_reference_collections_page_exactly_once_and_fit_the_spec(sandbox, path, key, template, limits):
    access = token(sandbox)
    seen = None
    for limit in limits:
        items, _ = all_pages(sandbox, path, access, key, limit=limit)
        assert response_errors("GET", template, 200, {key: items}) == []
        ids = [next(iter(item.values())) if key != "segments" else item["segment_id"] for item in items]
        assert len(ids) == len(set(ids))
        seen = seen or sorted(map(str, ids))
        assert sorted(map(str, ids)) == seen


def test_tracking_pages_match_ground_truth_newest_first(sandbox):
    access = token(sandbox)
    truth = sandbox.account.tracking_frame()
    activity = max((a for a in sandbox.account.activities if a.tracking is not None),
                   key=lambda a: len(a.tracking.recipients))
    aid = activity.campaign_activity_id
    for kind, tracking_type in (("sends", "em_sends"), ("opens", "em_opens"), ("clicks", "em_clicks"),
                                ("bounces", "em_bounces"), ("optouts", "em_optouts"), ("forwards", "em_forwards")):
        expected = truth.filter((truth["campaign_activity_id"] == aid)
                                & (truth["tracking_activity_type"] == tracking_type))
        for limit in (1, 13, 500):
            rows, _ = all_pages(sandbox, f"reports/email_reports/{aid}/tracking/{kind}", access,
                                "tracking_activities", limit=limit)
            assert response_errors("GET", TRACKING + kind, 200, {"tracking_activities": rows, "_links": {}}) == []
            assert len(rows) == expected.height
            assert sorted((r["contact_id"], r["created_time"]) for r in rows) == sorted(
                (c, t.strftime("%Y-%m-%dT%H:%M:%S.000Z")) for c, t in expected.select("contact_id", "created_time").rows())
            times = [r["created_time"] for r in rows]
            assert times == sorted(times, reverse=True)


def test_unique_opens_and_didnotopens_are_consistent_with_stats(sandbox):
    access = token(sandbox)
    activity = next(a for a in sandbox.account.activities if a.role == "primary_email" and a.tracking is not None)
    aid = activity.campaign_activity_id
    stats = get(sandbox, f"reports/stats/email_campaign_activities/{aid}", access).json()
    assert response_errors("GET", STATS, 200, stats) == []
    s = stats["results"][0]["stats"]
    unique, _ = all_pages(sandbox, f"reports/email_reports/{aid}/tracking/unique_opens", access,
                          "tracking_activities", limit=5)
    missed, _ = all_pages(sandbox, f"reports/email_reports/{aid}/tracking/didnotopens", access,
                          "tracking_activities", limit=50)
    assert len(unique) == len({r["contact_id"] for r in unique}) == s["em_opens"]
    assert len(missed) == s["em_not_opened"]
    assert {r["tracking_activity_type"] for r in missed} == {"em_didnotopens"}


def test_contact_filters_select_what_they_say(sandbox):
    access = token(sandbox)
    truth = sandbox.account.contacts_frame()
    default, _ = all_pages(sandbox, "contacts", access, "contacts", limit=500)
    assert len(default) == truth.filter(truth["deleted_at"].is_null()).height
    deleted, _ = all_pages(sandbox, "contacts", access, "contacts", status="deleted", limit=500)
    assert deleted and all("deleted_at" in c for c in deleted)
    unsub, _ = all_pages(sandbox, "contacts", access, "contacts", status="unsubscribed", limit=500)
    assert {c["email_address"]["permission_to_send"] for c in unsub} == {"unsubscribed"}
    list_id = sandbox.account.lists[1]["list_id"]
    on_list, _ = all_pages(sandbox, "contacts", access, "contacts", lists=list_id, include="list_memberships")
    assert on_list and all(list_id in c["list_memberships"] for c in on_list)
    cut = "2026-01-01T00:00:00Z"
    recent, _ = all_pages(sandbox, "contacts", access, "contacts", updated_after=cut, status="all")
    assert recent and all(c["updated_at"] > cut for c in recent)
    assert len(recent) == truth.filter(truth["updated_at"].dt.strftime("%Y-%m-%dT%H:%M:%S.000Z") > cut).height
    target = truth["email_address"][3]
    one = get(sandbox, "contacts", access, email=target.strip().upper()).json()["contacts"]
    assert [c["contact_id"] for c in one] == [truth["contact_id"][3]]
    counted = get(sandbox, "contacts", access, include_count="true", limit=1).json()
    assert counted["contacts_count"] == len(default)


def test_segment_query_is_processing_first_then_answers(sandbox):
    access = token(sandbox)
    first = get(sandbox, "contacts", access, segment_id=14)
    assert first.status_code == 202 and first.json()["status"] == "processing"
    first_errors = response_errors("GET", "/contacts", 202, first.json())
    second = get(sandbox, "contacts", access, segment_id=14)
    assert first_errors == []
    assert second.status_code == 200 and response_errors("GET", "/contacts", 200, second.json()) == []


def test_validation_errors_are_arrays(sandbox):
    access = token(sandbox)
    for params in ({"limit": 501}, {"limit": 0}, {"status": "nope"}, {"include": "hobbies"},
                   {"updated_after": "yesterday"}):
        answer = get(sandbox, "contacts", access, **params)
        assert answer.status_code == 400
        assert _errors_fit(answer.json())
    missing = get(sandbox, "emails/00000000-0000-4000-8000-000000000000", access)
    assert missing.status_code == 404 and _errors_fit(missing.json())
    too_many = get(sandbox, "reports/summary_reports/email_campaign_summaries", access, limit="501")
    assert too_many.status_code == 400


def test_401_is_a_single_object_with_the_bearer_realm(sandbox):
    for headers in ({}, {"Authorization": "Bearer nope"}):
        answer = requests.get(f"{sandbox.api_base_url}/contacts", headers=headers, timeout=10)
        assert answer.status_code == 401
        assert answer.json() == {"error_key": "unauthorized", "error_message": "Unauthorized"}
        assert answer.headers["WWW-Authenticate"] == "Bearer realm=api.cc.email"
    access = token(sandbox)
    assert get(sandbox, "contacts", access).status_code == 200
    sandbox.expire_access_tokens()
    assert get(sandbox, "contacts", access).status_code == 401


def test_campaign_endpoints_fit_the_spec(sandbox):
    access = token(sandbox)
    campaigns, _ = all_pages(sandbox, "emails", access, "campaigns")
    updated = [c["updated_at"] for c in campaigns]
    assert updated == sorted(updated, reverse=True)
    ye = next(c for c in campaigns if c["name"] == "Year-End Appeal 2025 – Wave 1")
    detail = get(sandbox, f"emails/{ye['campaign_id']}", access).json()
    assert response_errors("GET", "/emails/{campaign_id}", 200, detail) == []
    assert {a["role"] for a in detail["campaign_activities"]} == {"primary_email", "permalink", "resend"}
    for a in detail["campaign_activities"]:
        body = get(sandbox, f"emails/activities/{a['campaign_activity_id']}", access).json()
        assert response_errors("GET", "/emails/activities/{campaign_activity_id}", 200, body) == []
        assert body["current_status"] == "DONE"
    permalink = next(a for a in detail["campaign_activities"] if a["role"] == "permalink")
    assert get(sandbox, f"reports/email_reports/{permalink['campaign_activity_id']}/tracking/opens",
               access).status_code == 404
    summaries, _ = all_pages(sandbox, "reports/summary_reports/email_campaign_summaries", access,
                             "bulk_email_campaign_summaries", limit="3")
    assert response_errors("GET", "/reports/summary_reports/email_campaign_summaries", 200,
                           {"bulk_email_campaign_summaries": summaries}) == []
    sent = [s["last_sent_date"] for s in summaries]
    assert sent == sorted(sent, reverse=True) and len(sent) == len(campaigns)
    page = get(sandbox, "reports/summary_reports/email_campaign_summaries", access).json()
    assert isinstance(page["aggregate_percents"], dict)
    ids = ",".join([a["campaign_activity_id"] for a in detail["campaign_activities"]]
                   + ["00000000-0000-4000-8000-000000000000"])
    stats = get(sandbox, f"reports/stats/email_campaign_activities/{ids}", access).json()
    assert len(stats["results"]) == 2 and len(stats["errors"]) == 2
    summary = get(sandbox, "account/summary", access, extra_fields="physical_address").json()
    assert response_errors("GET", "/account/summary", 200, summary) == [] and summary["time_zone_id"] == "US/Mountain"


def test_contact_export_moves_through_states_to_a_csv(sandbox):
    access = token(sandbox)
    list_id = sandbox.account.lists[0]["list_id"]
    created = requests.post(f"{sandbox.api_base_url}/activities/contact_exports", json={"list_ids": [list_id]},
                            headers={"Authorization": f"Bearer {access}"}, timeout=10)
    assert created.status_code == 201 and created.json()["state"] == "initialized"
    assert response_errors("POST", "/activities/contact_exports", 201, created.json()) == []
    states = []
    href = created.json()["_links"]["self"]["href"]
    for _ in range(3):
        body = get(sandbox, href, access).json()
        assert response_errors("GET", "/activities/{activity_id}", 200, body) == []
        states.append(body["state"])
    assert states == ["processing", "completed", "completed"]
    csv_text = get(sandbox, body["_links"]["results"]["href"], access)
    assert csv_text.headers["Content-Type"].startswith("text/csv")
    lines = csv_text.text.strip().splitlines()
    assert lines[0].startswith("contact_id,email") and len(lines) - 1 == body["status"]["items_total_count"]


def test_missing_scope_is_forbidden(sandbox):
    access = token(sandbox, scopes=("contact_data", "offline_access"))
    assert get(sandbox, "contacts", access).status_code == 200
    assert get(sandbox, "emails", access).status_code == 403
