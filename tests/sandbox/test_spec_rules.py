"""The sandbox answers invalid requests as the official spec says (one test per rule)."""

from __future__ import annotations

import requests

from cc_data.sandbox.clock import to_ts
from tests.sandbox.helpers import all_pages, get, token
from tests.sandbox.spec import response_errors, spec


def _is_error_array(body: object) -> bool:
    """§4: errors other than 401/429 are arrays of {error_key, error_message}."""
    return (isinstance(body, list) and len(body) >= 1
            and all(isinstance(e, dict) and isinstance(e.get("error_key"), str)
                    and isinstance(e.get("error_message"), str) for e in body))


def _enum(template: str, name: str) -> list[str]:
    param = next(p for p in spec()["paths"][template]["get"]["parameters"] if p["name"] == name)
    return param.get("enum") or param["items"]["enum"]


def test_enum_values_outside_the_spec_get_400_with_the_error_array(sandbox):
    access = token(sandbox)
    account = sandbox.account
    contact_id = account.contacts.contact_id[0]
    activity = next(a for a in account.activities if a.role == "primary_email" and a.tracking is not None)
    aid = activity.campaign_activity_id
    assert "explicit" not in _enum("/contacts", "status")
    cases = [("contacts", {"status": "nope"}), ("contacts", {"status": "active,explicit"}),
             ("contacts", {"include": "hobbies"}), ("contacts", {"include": "taggings,hobbies"}),
             ("contacts", {"sms_status": "nope"}),
             (f"contacts/{contact_id}", {"include": "hobbies"}),
             ("contact_lists", {"status": "archived"}), ("contact_lists", {"include_membership_count": "some"}),
             ("contact_lists", {"channel_type": "fax"}),
             (f"emails/activities/{aid}", {"include": "attachments"}),
             ("account/summary", {"extra_fields": "bank_account"}),
             (f"reports/email_reports/{aid}/tracking/bounces", {"bounce_code": "Q"})]
    for path, params in cases:
        answer = get(sandbox, path, access, **params)
        assert answer.status_code == 400, (path, params, answer.status_code, answer.text[:200])
        assert _is_error_array(answer.json()), (path, params, answer.text[:200])
    # every value the spec lists is accepted
    for value in _enum("/contacts", "status"):
        assert get(sandbox, "contacts", access, status=value, limit=1).status_code == 200, value
    for value in _enum("/contact_lists", "status"):
        assert get(sandbox, "contact_lists", access, status=value).status_code == 200, value
    for value in _enum("/emails/activities/{campaign_activity_id}", "include"):
        assert get(sandbox, f"emails/activities/{aid}", access, include=value).status_code == 200, value
    assert get(sandbox, "contacts", access, include=",".join(_enum("/contacts", "include"))).status_code == 200


def test_sub_resource_ids_are_uuids_as_the_spec_says(sandbox):
    access = token(sandbox)
    body = get(sandbox, "contacts", access, include="phone_numbers,street_addresses,notes", limit=100).json()
    phones = [p for c in body["contacts"] for p in c["phone_numbers"]]
    addresses = [a for c in body["contacts"] for a in c["street_addresses"]]
    assert phones and addresses
    assert response_errors("GET", "/contacts", 200, body) == []
    one = body["contacts"][0]["contact_id"]
    detail = get(sandbox, f"contacts/{one}", access, include="phone_numbers,street_addresses").json()
    assert response_errors("GET", "/contacts/{contact_id}", 200, detail) == []
    # the same sub-resource keeps its id from one answer to the next
    again = get(sandbox, "contacts", access, include="phone_numbers,street_addresses", limit=100).json()
    assert [p["phone_number_id"] for c in again["contacts"] for p in c["phone_numbers"]] == [
        p["phone_number_id"] for p in phones]


def test_email_activity_include_is_honoured(sandbox):
    access = token(sandbox)
    activity = next(a for a in sandbox.account.activities if a.role == "primary_email" and a.tracking is not None)
    path = f"emails/activities/{activity.campaign_activity_id}"
    extras = _enum("/emails/activities/{campaign_activity_id}", "include")
    plain = get(sandbox, path, access).json()
    assert not set(extras) & set(plain)
    full = get(sandbox, path, access, include=",".join(extras)).json()
    assert set(extras) <= set(full)
    assert response_errors("GET", "/emails/activities/{campaign_activity_id}", 200, full) == []
    only = get(sandbox, path, access, include="permalink_url").json()
    assert set(extras) & set(only) == {"permalink_url"}
    assert {k: v for k, v in full.items() if k not in extras} == plain


def test_contact_lists_status_all_returns_deleted_lists_with_deleted_at(sandbox):
    account = sandbox.account
    gone_at = account.now - 86_400 * 30
    account.lists.append({"list_id": "5e1f0b2a-6a43-4c55-9d2e-7f7a1c0de001", "name": "Gala 2024 (old)",
                          "description": "", "favorite": False, "created_at": gone_at - 86_400 * 400,
                          "updated_at": gone_at, "deleted_at": gone_at})
    access = token(sandbox)
    default, _ = all_pages(sandbox, "contact_lists", access, "lists")
    every, _ = all_pages(sandbox, "contact_lists", access, "lists", status="all")
    deleted, _ = all_pages(sandbox, "contact_lists", access, "lists", status="deleted")
    active, _ = all_pages(sandbox, "contact_lists", access, "lists", status="active")
    assert [x["list_id"] for x in deleted] == ["5e1f0b2a-6a43-4c55-9d2e-7f7a1c0de001"]
    assert "5e1f0b2a-6a43-4c55-9d2e-7f7a1c0de001" not in {x["list_id"] for x in default}
    assert default == active and len(every) == len(default) + 1
    assert to_ts_iso(deleted[0]["deleted_at"]) == gone_at
    assert all("deleted_at" not in x for x in default)
    assert response_errors("GET", "/contact_lists", 200, {"lists": every}) == []


def to_ts_iso(text: str) -> int:
    from datetime import datetime
    return to_ts(datetime.fromisoformat(text.replace("Z", "+00:00")))


def test_malformed_export_bodies_get_400_never_a_dropped_connection(sandbox):
    access = token(sandbox)
    url = f"{sandbox.api_base_url}/activities/contact_exports"
    headers = {"Authorization": f"Bearer {access}", "Content-Type": "application/json"}
    bodies = ['{"list_ids": ', '[1, 2]', '"all"', '{"contact_ids": "abc"}', '{"contact_ids": [1]}',
              '{"list_ids": {"a": 1}}', '{"tag_ids": [null]}', '{"segment_id": "abc"}', '{"segment_id": [1]}',
              '{"status": 5}', '{"new_subscriber": "yes"}', '{"fields": "email"}', '{"exclude": []}',
              '{"exclude": {"contact_ids": 3}}', '{"contact_ids": ["not-a-uuid"]}',
              '{"list_ids": [' + ",".join(['"5e1f0b2a-6a43-4c55-9d2e-7f7a1c0de001"'] * 51) + ']}',
              b'\xff\xfe{}']
    for body in bodies:
        answer = requests.post(url, data=body, headers=headers, timeout=10)
        assert answer.status_code == 400, (body, answer.status_code, answer.text[:200])
        assert _is_error_array(answer.json()), body
    ok = requests.post(url, json={"list_ids": [sandbox.account.lists[0]["list_id"]]}, headers=headers, timeout=10)
    assert ok.status_code == 201
    assert response_errors("POST", "/activities/contact_exports", 201, ok.json()) == []
