"""The sandbox refuses what the official spec does not allow, as the API does (400 and its error array).

One test per kind of request the spec forbids and a lenient server would take: a parameter given but empty or
out of its type (`include=`, `extra_fields=`, `updated_after=`, `limit=`, `include_count=`), ids of the wrong
form (`tags`, `url_id` beyond 64 bits), an export POST with no body, a one-value parameter given twice. The
client is proven against a strict server: nothing it sends may lean on the sandbox reading such a request
kindly. Each test also shows the valid neighbour is still answered (so strictness never refuses a good request).
"""

from __future__ import annotations

import requests

from tests.sandbox.helpers import get, token
from tests.sandbox.spec import definition_errors

NO_SUCH_TAG = "3fa85f64-5717-4562-b3fc-2c963f66afa6"


def _refused(answer: requests.Response, what: object) -> None:
    assert answer.status_code == 400, (what, answer.status_code, answer.text[:200])
    body = answer.json()
    assert definition_errors("APIErrorSchema", body) == [] and body, (what, body)
    assert all({"error_key", "error_message"} <= set(error) for error in body), (what, body)


def _ids(sandbox) -> dict[str, str]:
    account = sandbox.account
    activity = next(a for a in account.activities if a.role == "primary_email" and a.tracking is not None
                    and a.send_at is not None and a.send_at <= account.now and a.links)
    return {"contact": account.contacts.contact_id[1], "activity": activity.campaign_activity_id}


def test_an_empty_or_padded_enum_value_is_refused(sandbox):
    access, ids = token(sandbox), _ids(sandbox)
    cases = [("contacts", "include", ""), (f"contacts/{ids['contact']}", "include", ""),
             (f"emails/activities/{ids['activity']}", "include", ""), ("account/summary", "extra_fields", ""),
             ("contacts", "status", ""), ("contacts", "sms_status", ""), ("contact_lists", "status", ""),
             ("contact_lists", "include_membership_count", ""), ("contact_lists", "channel_type", ""),
             ("contacts", "include", "custom_fields,"), ("contacts", "include", " custom_fields"),
             ("account/summary", "extra_fields", "physical_address,,company_logo")]
    for path, name, value in cases:
        _refused(get(sandbox, path, access, **{name: value}), (path, name, value))
    assert get(sandbox, "contacts", access, include="custom_fields,taggings", limit=1).status_code == 200
    assert get(sandbox, "account/summary", access, extra_fields="physical_address,company_logo").status_code == 200


def test_an_empty_or_malformed_date_time_is_refused(sandbox):
    access = token(sandbox)
    names = [("contacts", name) for name in ("updated_after", "updated_before", "created_after", "created_before",
                                             "optout_after", "optout_before")]
    names += [("emails", "after_date"), ("emails", "before_date")]
    for path, name in names:
        # the spec's format is date-time: a bare date or a time without its offset is not one
        for value in ("", "2024-01-01", "2024-01-01T00:00:00", "2024-01-01 00:00:00Z", "yesterday"):
            _refused(get(sandbox, path, access, **{name: value}), (path, name, value))
        for value in ("2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00-07:00"):
            assert get(sandbox, path, access, **{name: value}, limit=1).status_code == 200, (path, name, value)


def test_a_boolean_parameter_is_true_or_false_only(sandbox):
    access = token(sandbox)
    for path, name in (("contacts", "include_count"), ("contact_lists", "include_count"),
                       ("contact_tags", "include_count"), ("contact_lists", "include_sms_membership_count")):
        for value in ("", "2", "0.5", "null", "yes"):
            _refused(get(sandbox, path, access, **{name: value}), (path, name, value))
        for value in ("true", "false"):
            assert get(sandbox, path, access, **{name: value}).status_code == 200, (path, name, value)


def test_an_empty_limit_is_refused_on_every_paged_endpoint(sandbox):
    access, ids = token(sandbox), _ids(sandbox)
    paths = ["contacts", "contact_lists", "contact_tags", "contact_custom_fields", "segments", "emails",
             "reports/summary_reports/email_campaign_summaries",
             f"reports/email_reports/{ids['activity']}/tracking/sends"]
    for path in paths:
        for value in ("", "ten", "+5", "5.0"):
            _refused(get(sandbox, path, access, limit=value), (path, value))
        assert get(sandbox, path, access, limit="5").status_code == 200, path


def test_tags_are_uuids(sandbox):
    access = token(sandbox)
    for value in ("", "null", "true", f"{NO_SUCH_TAG},", "fa85f64-5717-4562-b3fc-2c963f66afa6"):
        _refused(get(sandbox, "contacts", access, tags=value), value)
    _refused(get(sandbox, "contacts", access, tags=",".join([NO_SUCH_TAG] * 51)), "51 tags")
    tag_id = sandbox.account.tags[0]["tag_id"]
    assert get(sandbox, "contacts", access, tags=f"{tag_id},{NO_SUCH_TAG}").status_code == 200


def test_url_id_is_a_64_bit_integer(sandbox):
    access, ids = token(sandbox), _ids(sandbox)
    path = f"reports/email_reports/{ids['activity']}/tracking/clicks"
    for value in (str(2**63), str(2**64 + 7), str(-(2**63) - 1), "abc", "", "1.5"):
        _refused(get(sandbox, path, access, url_id=value), value)
    assert get(sandbox, path, access, url_id=str(2**63 - 1)).json() == {"tracking_activities": []}
    url_id = sandbox.account.activity(ids["activity"]).links[0][0]
    rows = get(sandbox, path, access, url_id=url_id).json()["tracking_activities"]
    assert rows and {row["url_id"] for row in rows} == {url_id}
    assert get(sandbox, path, access, url_id="00" + url_id).json()["tracking_activities"] == rows


def test_an_export_post_needs_a_body(sandbox):
    access = token(sandbox)
    url = f"{sandbox.api_base_url}/activities/contact_exports"
    headers = {"Authorization": f"Bearer {access}", "Content-Type": "application/json"}
    for body in (None, b"", b"null", b"  "):
        _refused(requests.post(url, data=body, headers=headers, timeout=10), body)
    assert requests.post(url, data=b"{}", headers=headers, timeout=10).status_code == 201


def test_a_one_value_parameter_given_twice_is_refused(sandbox):
    access, ids = token(sandbox), _ids(sandbox)
    for query in ("contacts?limit=1&limit=2", "contacts?include_count=true&include_count=true",
                  "contact_lists?status=all&status=all", f"contacts/{ids['contact']}?include=notes&include=notes"):
        _refused(get(sandbox, f"/v3/{query}", access), query)
    # bounce_code is the spec's one repeatable parameter (collectionFormat: multi)
    bounces = f"/v3/reports/email_reports/{ids['activity']}/tracking/bounces?bounce_code=B&bounce_code=D"
    assert get(sandbox, bounces, access).status_code == 200
