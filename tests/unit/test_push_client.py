"""ApiClient.post_json against a scripted loopback server, and the bodies the push sends checked against the
official spec's request definitions."""

from __future__ import annotations

import copy
import http.server
import json
from collections.abc import Iterator

import pytest
from jsonschema import Draft4Validator

from cc_data.api.client import ActivitiesQueued, ApiClient, Forbidden
from cc_data.errors import QuotaExceeded
from cc_data.push import activities
from tests.loopback import api_client, serve
from tests.sandbox.spec import FORMATS, spec


def _handler(answers: list, bodies: list) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _serve(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            bodies.append((self.command, self.path, json.loads(raw) if raw else None))
            status, body = answers.pop(0) if len(answers) > 1 else answers[0]
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve  # noqa: N815

    return Handler


@pytest.fixture
def api(tmp_path) -> Iterator[tuple[ApiClient, list, list]]:
    answers: list = [(201, {"ok": True})]
    bodies: list = []
    with serve(_handler(answers, bodies)) as base:
        yield api_client(base, tmp_path), answers, bodies


def _set(answers: list, *items) -> None:
    answers[:] = list(items)


def test_post_json_sends_the_body_and_takes_201(api):
    client, answers, bodies = api
    assert client.post_json("/contact_lists", {"name": "x"}, endpoint="e") == {"ok": True}
    assert bodies == [("POST", "/v3/contact_lists", {"name": "x"})]


def test_a_429_on_a_post_tells_the_queue_from_the_quota_and_the_per_second_limit(api):
    client, answers, bodies = api
    _set(answers, (429, [{"error_key": "activities.api.too_many_requests", "error_message": "1,000 queued"}]))
    with pytest.raises(ActivitiesQueued):
        client.post_json("/activities/add_list_memberships", {}, endpoint="e")
    _set(answers, (429, {"error_key": "quota_exceeded", "error_message": "Limit Exceeded"}))
    with pytest.raises(QuotaExceeded):
        client.post_json("/activities/add_list_memberships", {}, endpoint="e")
    client.bucket.pause = lambda seconds: None
    _set(answers, (429, {"error_key": "throttled", "error_message": "Too Many Requests"}), (201, {"ok": 1}))
    assert client.post_json("/activities/add_list_memberships", {}, endpoint="e") == {"ok": 1}


def test_a_403_is_forbidden_and_a_5xx_post_is_retried(api):
    client, answers, bodies = api
    _set(answers, (403, [{"error_key": "unauthorized", "error_message": "needs contact_data"}]))
    with pytest.raises(Forbidden):
        client.post_json("/contact_lists", {"name": "x"}, endpoint="e")
    _set(answers, (503, {}), (201, {"list_id": "L"}))
    bodies.clear()
    assert client.post_json("/contact_lists", {"name": "x"}, endpoint="e") == {"list_id": "L"}
    assert len(bodies) == 2


def _validator(definition: str) -> Draft4Validator:
    """The spec's definition; its remove schema says maxItems 0 where its own text says up to 500 and 50."""
    defs = copy.deepcopy(spec()["definitions"])
    remove = defs["ListActivityRemoveContacts"]["properties"]
    remove["source"]["properties"]["contact_ids"]["maxItems"] = 500
    remove["list_ids"]["maxItems"] = 50
    return Draft4Validator({"$ref": f"#/definitions/{definition}", "definitions": defs}, format_checker=FORMATS)


def test_the_push_sends_bodies_the_spec_accepts_by_contact_id(api):
    client, answers, bodies = api
    ids = [f"{n:08x}-0000-4000-8000-000000000000" for n in range(500)]
    list_id = "11111111-2222-4333-8444-555555555555"
    _set(answers, (201, {"list_id": list_id, "name": "x"}))
    activities.create_list(client, "Lapsed donors 2026")
    _set(answers, (201, {"activity_id": "a", "state": "initialized"}))
    activities.submit(client, "add", list_id, ids)
    activities.submit(client, "remove", list_id, ids[:3])
    (_, p1, create), (_, p2, add), (_, p3, remove) = bodies
    assert (p1, p2, p3) == ("/v3/contact_lists", "/v3/activities/add_list_memberships",
                            "/v3/activities/remove_list_memberships")
    assert not list(_validator("ListInput").iter_errors(create))
    assert not list(_validator("ListActivityAddContacts").iter_errors(add))
    assert not list(_validator("ListActivityRemoveContacts").iter_errors(remove))
    assert list(add["source"]) == ["contact_ids"] and len(add["source"]["contact_ids"]) == 500
    assert list(_validator("ListActivityAddContacts").iter_errors(
        {**add, "source": {"contact_ids": [*ids, ids[0]]}}))   # 501 would break the spec: the batch stops at 500


def test_queued_activities_are_waited_out_then_given_up_in_one_line(api):
    client, answers, bodies = api
    _set(answers, (429, [{"error_key": "activities.api.too_many_requests", "error_message": "queued"}]),
         (201, {"activity_id": "a"}))
    waits: list[float] = []
    assert activities.submit(client, "add", "L", ["x"], sleep=waits.append) == {"activity_id": "a"}
    assert waits == [activities.QUEUE_WAIT_S]
    _set(answers, (429, [{"error_key": "activities.api.too_many_requests", "error_message": "queued"}]))
    with pytest.raises(ActivitiesQueued) as err:
        activities.submit(client, "add", "L", ["x"], sleep=waits.append)
    assert "\n" not in str(err.value) and len(waits) == activities.QUEUE_TRIES


def test_the_push_library_writes_only_through_the_list_endpoints():
    """Every write cc_data/push makes goes through post_json to a list-membership or list-creation path (the
    client has no PUT): never contacts_json_import, PUT /contacts/{id} or resubscribe."""
    import ast
    from pathlib import Path

    root = Path(activities.__file__).parent
    written = set()
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                assert node.func.attr not in ("put", "patch", "delete", "request"), (path.name, node.func.attr)
                if node.func.attr == "post_json":
                    written.add(ast.unparse(node.args[0]))
    assert written == {"'/contact_lists'", "ENDPOINTS[action]"}
    assert set(activities.ENDPOINTS.values()) == {"/activities/add_list_memberships",
                                                  "/activities/remove_list_memberships"}
    assert not hasattr(ApiClient, "put_json")
