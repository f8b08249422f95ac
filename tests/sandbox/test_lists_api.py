"""The sandbox's list writes as the official spec describes them: POST /contact_lists, add/remove list
memberships by contact_id, and their activities moving through their states. Shapes are checked against the
spec file (tests/data/cc-v3-openapi.json), never against the sandbox's own description."""

from __future__ import annotations

import copy

import numpy as np
import requests
from jsonschema import Draft4Validator

from cc_data.sandbox.account import PERMISSIONS, UNSUBSCRIBED
from cc_data.sandbox.server import SandboxServer
from tests.sandbox.helpers import get, token
from tests.sandbox.spec import FORMATS, definition_errors, response_errors, spec


def post(server: SandboxServer, path: str, access: str, body: object) -> requests.Response:
    data = body if isinstance(body, bytes) else None
    return requests.post(f"{server.api_base_url}/{path}", json=None if data else body, data=data,
                         headers={"Authorization": f"Bearer {access}"}, timeout=10)


def _is_error_array(body: object) -> bool:
    return (isinstance(body, list) and len(body) >= 1
            and all(isinstance(e, dict) and isinstance(e.get("error_key"), str)
                    and isinstance(e.get("error_message"), str) for e in body))


def _request_errors(definition: str, body: dict) -> list[str]:
    """The request body against the spec's definition. The spec's remove schema says maxItems 0 for
    source.contact_ids and for list_ids while its own text says 'up to 500' and 'up to 50': the text is taken
    (the only relaxation)."""
    defs = copy.deepcopy(spec()["definitions"])
    remove = defs["ListActivityRemoveContacts"]["properties"]
    remove["source"]["properties"]["contact_ids"]["maxItems"] = 500
    remove["list_ids"]["maxItems"] = 50
    validator = Draft4Validator({"$ref": f"#/definitions/{definition}", "definitions": defs}, format_checker=FORMATS)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]


def _emailable(server: SandboxServer, n: int) -> list[str]:
    account = server.account
    ok = account.existing() & ~account.deleted() & np.isin(account.permission_now(), [0, 1])
    return [account.contacts.contact_id[i] for i in np.flatnonzero(ok)[:n]]


def _list_entry(server: SandboxServer, access: str, name: str) -> dict:
    answer = get(server, "contact_lists", access, include_membership_count="all", name=name)
    assert answer.status_code == 200 and not response_errors("GET", "/contact_lists", 200, answer.json(), True)
    (entry,) = answer.json()["lists"]
    return entry


def _poll_to_end(server: SandboxServer, access: str, activity_id: str) -> list[dict]:
    seen = []
    for _ in range(10):
        answer = get(server, f"activities/{activity_id}", access)
        assert answer.status_code == 200
        assert response_errors("GET", "/activities/{activity_id}", 200, answer.json()) == []
        seen.append(answer.json())
        if answer.json()["state"] in ("completed", "failed", "cancelled", "timed_out"):
            return seen
    raise AssertionError(f"activity {activity_id} never finished: {seen[-1]}")


def test_a_new_list_is_created_as_the_spec_says_and_a_second_of_that_name_conflicts(sandbox):
    access = token(sandbox)
    body = {"name": "Lapsed donors 2026", "description": "from a segment", "favorite": False}
    assert definition_errors("ListInput", body) == []
    answer = post(sandbox, "contact_lists", access, body)
    assert answer.status_code == 201, answer.text
    assert response_errors("POST", "/contact_lists", 201, answer.json()) == []
    entry = _list_entry(sandbox, access, "Lapsed donors 2026")
    assert entry["list_id"] == answer.json()["list_id"] and entry["membership_count"] == 0
    again = post(sandbox, "contact_lists", access, {"name": "lapsed DONORS 2026"})
    assert again.status_code == 409 and _is_error_array(again.json())
    assert "409" in spec()["paths"]["/contact_lists"]["post"]["responses"]


def test_invalid_list_and_membership_requests_get_400_with_the_error_array(sandbox):
    access = token(sandbox)
    list_id = sandbox.account.lists[0]["list_id"]
    ids = _emailable(sandbox, 2)
    cases = [
        ("contact_lists", {}), ("contact_lists", {"name": ""}), ("contact_lists", {"name": "x" * 256}),
        ("contact_lists", {"name": "ok", "favorite": "yes"}), ("contact_lists", b"{not json"),
        ("activities/add_list_memberships", {"list_ids": [list_id]}),
        ("activities/add_list_memberships", {"source": {"contact_ids": ids}}),
        ("activities/add_list_memberships", {"source": {"contact_ids": ids, "list_ids": [list_id]},
                                             "list_ids": [list_id]}),
        ("activities/add_list_memberships", {"source": {"contact_ids": ["not-a-uuid"]}, "list_ids": [list_id]}),
        ("activities/add_list_memberships", {"source": {"contact_ids": ids * 251}, "list_ids": [list_id]}),
        ("activities/add_list_memberships", {"source": {"contact_ids": ids},
                                             "list_ids": ["00000000-0000-4000-8000-000000000000"]}),
        ("activities/remove_list_memberships", {"source": {}, "list_ids": [list_id]}),
    ]
    for path, body in cases:
        answer = post(sandbox, path, access, body)
        assert answer.status_code == 400, (path, body, answer.status_code, answer.text)
        assert _is_error_array(answer.json()), (path, answer.text)
        assert "400" in spec()["paths"]["/" + path]["post"]["responses"]
    missing = post(sandbox, "activities/remove_list_memberships", access,
                   {"source": {"contact_ids": ids}, "list_ids": ["00000000-0000-4000-8000-000000000000"]})
    assert missing.status_code == 404 and _is_error_array(missing.json())


def test_an_add_activity_moves_through_its_states_and_the_members_show_in_the_account(sandbox):
    access = token(sandbox)
    list_id = post(sandbox, "contact_lists", access, {"name": "Pushed"}).json()["list_id"]
    ids = _emailable(sandbox, 5)
    body = {"source": {"contact_ids": ids}, "list_ids": [list_id]}
    assert _request_errors("ListActivityAddContacts", body) == []
    created = post(sandbox, "activities/add_list_memberships", access, body)
    assert created.status_code == 201
    assert response_errors("POST", "/activities/add_list_memberships", 201, created.json()) == []
    assert created.json()["state"] == "initialized"
    seen = _poll_to_end(sandbox, access, created.json()["activity_id"])
    states = [s["state"] for s in seen]
    assert states[-1] == "completed" and "processing" in states
    assert seen[0]["status"]["items_completed_count"] < seen[-1]["status"]["items_completed_count"] == len(ids)
    assert seen[-1]["status"]["items_total_count"] == len(ids)
    assert seen[-1]["status"]["cannot_add_to_list_count"] == 0
    assert _list_entry(sandbox, access, "Pushed")["membership_count"] == len(ids)
    one = get(sandbox, f"contacts/{ids[0]}", access, include="list_memberships").json()
    assert list_id in one["list_memberships"]

    remove = {"source": {"contact_ids": ids[:2]}, "list_ids": [list_id]}
    assert _request_errors("ListActivityRemoveContacts", remove) == []
    removed = post(sandbox, "activities/remove_list_memberships", access, remove)
    assert removed.status_code == 201
    assert response_errors("POST", "/activities/remove_list_memberships", 201, removed.json()) == []
    _poll_to_end(sandbox, access, removed.json()["activity_id"])
    assert _list_entry(sandbox, access, "Pushed")["membership_count"] == len(ids) - 2


def test_an_unsubscribed_contact_is_never_added_nor_resubscribed(sandbox):
    access = token(sandbox)
    account = sandbox.account
    perm = account.permission_now()
    gone = np.flatnonzero(account.existing() & ~account.deleted() & (perm == UNSUBSCRIBED))[0]
    contact_id = account.contacts.contact_id[gone]
    list_id = post(sandbox, "contact_lists", access, {"name": "Pushed"}).json()["list_id"]
    created = post(sandbox, "activities/add_list_memberships", access,
                   {"source": {"contact_ids": [contact_id, *_emailable(sandbox, 1)]}, "list_ids": [list_id]})
    final = _poll_to_end(sandbox, access, created.json()["activity_id"])[-1]
    assert final["status"]["cannot_add_to_list_count"] == 1
    one = get(sandbox, f"contacts/{contact_id}", access, include="list_memberships").json()
    assert list_id not in one["list_memberships"]
    assert one["email_address"]["permission_to_send"] == "unsubscribed"
    assert PERMISSIONS[account.permission_now()[gone]] == "unsubscribed"


def test_more_than_the_queued_activities_limit_gets_429_until_one_finishes(sandbox):
    access = token(sandbox)
    sandbox.lists_api.queue_limit = 1
    list_id = post(sandbox, "contact_lists", access, {"name": "Pushed"}).json()["list_id"]
    body = {"source": {"contact_ids": _emailable(sandbox, 1)}, "list_ids": [list_id]}
    first = post(sandbox, "activities/add_list_memberships", access, body)
    assert first.status_code == 201
    refused = post(sandbox, "activities/add_list_memberships", access, body)
    assert refused.status_code == 429 and _is_error_array(refused.json())
    assert "1,000 queued activities" in spec()["paths"]["/activities/add_list_memberships"]["post"]["responses"]["429"]["description"]
    _poll_to_end(sandbox, access, first.json()["activity_id"])
    assert post(sandbox, "activities/add_list_memberships", access, body).status_code == 201


def test_replaying_the_journal_gives_the_same_lists_and_memberships(sandbox_factory):
    first = sandbox_factory()
    access = token(first)
    list_id = post(first, "contact_lists", access, {"name": "Pushed"}).json()["list_id"]
    ids = _emailable(first, 8)
    for path, chosen in (("add", ids), ("remove", ids[:3])):
        answer = post(first, f"activities/{path}_list_memberships", access,
                      {"source": {"contact_ids": chosen}, "list_ids": [list_id]})
        _poll_to_end(first, access, answer.json()["activity_id"])
    again = sandbox_factory()
    again.replay_list_writes(first.lists_api.journal)
    access_again = token(again)
    assert _list_entry(again, access_again, "Pushed") == _list_entry(first, access, "Pushed")
    assert np.array_equal(again.account.contacts.lists, first.account.contacts.lists)
    assert np.array_equal(again.account.contacts.updated_at, first.account.contacts.updated_at)
