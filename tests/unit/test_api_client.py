"""The HTTP client against a tiny scripted loopback server: retries, 401 refresh, 429 kinds, pagination."""

from __future__ import annotations

import http.server
import json
import time
from collections.abc import Iterator

import pytest

from cc_data.api import parse
from cc_data.api.auth import TokenManager, TokenSet, TokenStore
from cc_data.api.client import (
    ApiClient,
    RepeatedLink,
    RequestRefused,
    UnreadableAnswer,
    next_href,
)
from cc_data.errors import ApiError, QuotaExceeded
from tests.loopback import api_client, serve


class Script:
    """Responses to serve in order, per path; the last one repeats. Records every request."""

    def __init__(self) -> None:
        self.routes: dict[str, list] = {}
        self.log: list[tuple[str, str, str]] = []
        self.token_calls = 0
        self.issued = 0


def _handler(script: Script) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _send(self, status: int, body: bytes, length: int | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body) if length is None else length))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):  # the token endpoint
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            script.token_calls += 1
            script.issued += 1
            self._send(200, json.dumps({"access_token": f"access-{script.issued}", "refresh_token":
                                        f"refresh-{script.issued}", "expires_in": 86400}).encode())

        def do_GET(self):
            path = self.path.split("?")[0]
            script.log.append((path, self.path, self.headers.get("Authorization", "")))
            queue = script.routes.get(path) or [(404, [{"error_key": "not_found"}])]
            item = queue.pop(0) if len(queue) > 1 else queue[0]
            if item == "drop":
                self.close_connection = True
                self.connection.shutdown(2)
                return
            status, body = item
            if status == 401 and self.headers.get("Authorization") != "Bearer expired":
                status, body = 200, {"ok": True}
            raw = body if isinstance(body, bytes) else json.dumps(body).encode()
            if status == "truncated":
                self._send(200, raw[: len(raw) // 2], length=len(raw))
                self.close_connection = True
                return
            self._send(status, raw)

    return Handler


@pytest.fixture
def api(tmp_path) -> Iterator[tuple[ApiClient, Script]]:
    script = Script()
    with serve(_handler(script)) as base:
        yield api_client(base, tmp_path, max_attempts=4), script


def test_5xx_dropped_and_malformed_are_retried(api):
    client, script = api
    client.max_attempts = 6
    script.routes["/v3/x"] = [(500, {}), "drop", (200, b"{not json"), ("truncated", {"a": "b" * 100}), (200, {"a": 1})]
    assert client.get_json("/x", endpoint="x") == {"a": 1}
    assert len(script.log) == 5
    assert client.budget.by_endpoint["x"] == 5


def test_gives_up_with_a_clear_api_error(api):
    client, script = api
    script.routes["/v3/x"] = [(503, {})]
    with pytest.raises(ApiError, match="failed after 4 attempts"):
        client.get_json("/x", endpoint="x")
    assert len(script.log) == 4


def test_401_refreshes_once_and_saves_rotated_token_first(api):
    client, script = api
    TokenStore(client.settings.token_file).save(TokenSet("expired", "refresh-0", time.time() + 3600, time.time()))
    client.tokens = TokenManager(client.settings)
    script.routes["/v3/x"] = [(401, {"error_key": "unauthorized"})]
    assert client.get_json("/x", endpoint="x") == {"ok": True}
    assert script.token_calls == 1
    saved = TokenStore(client.settings.token_file).load()
    assert saved.refresh_token == "refresh-1" and saved.access_token == "access-1"
    assert script.log[-1][2] == "Bearer access-1"


def test_throttled_backs_off_and_quota_stops(api):
    client, script = api
    client.bucket.pause = lambda seconds: None
    script.routes["/v3/x"] = [(429, {"error_key": "throttled"}), (200, {"a": 2})]
    assert client.get_json("/x", endpoint="x") == {"a": 2}
    script.routes["/v3/y"] = [(429, {"error_key": "quota_exceeded", "error_message": "Limit Exceeded"})]
    with pytest.raises(QuotaExceeded, match="00:00 UTC"):
        client.get_json("/y", endpoint="y")


def test_local_daily_budget_stops_before_sending(api):
    client, script = api
    client.budget.used_today = client.budget.quota
    with pytest.raises(QuotaExceeded):
        client.get_json("/x", endpoint="x")
    assert script.log == []


def test_pagination_follows_relative_links_including_the_tags_shape(api):
    client, script = api
    script.routes["/v3/c"] = [(200, {"items": [1], "_links": {"next": {"href": "/v3/c2?cursor=abc"}}})]
    script.routes["/v3/c2"] = [(200, {"items": [2], "_links": {"next": {"next": {"href": "/v3/c3?cursor=d"}}}})]
    script.routes["/v3/c3"] = [(200, {"items": [3], "_links": {"next": None}})]
    pages = list(client.pages("/c", {"limit": "1"}, endpoint="c"))
    assert [p.body["items"] for p in pages] == [[1], [2], [3]]
    assert [entry[1] for entry in script.log] == ["/v3/c?limit=1", "/v3/c2?cursor=abc", "/v3/c3?cursor=d"]


def test_next_href_absent_or_null_ends():
    assert next_href({}) is None
    assert next_href({"_links": {}}) is None
    assert next_href({"_links": {"next": {"href": None}}}) is None


def test_links_to_another_host_are_refused(api):
    client, _ = api
    with pytest.raises(ApiError, match="another host"):
        client.url_for("https://evil.example.com/v3/contacts")


def test_every_documented_last_page_ends_paging(api):
    client, script = api
    for n, last in enumerate([{}, {"_links": None}, {"_links": {}}, {"_links": {"next": None}},
                              {"_links": {"next": {}}}, {"_links": {"next": {"href": None}}},
                              {"_links": {"next": {"href": ""}}}]):
        script.routes[f"/v3/l{n}"] = [(200, {"items": [1], "_links": {"next": {"href": f"/v3/l{n}b"}}})]
        script.routes[f"/v3/l{n}b"] = [(200, {"items": [2], **last})]
        pages = list(client.pages(f"/l{n}", endpoint="l"))
        assert [p.next_href for p in pages] == [f"/v3/l{n}b", None], last


def test_an_unreadable_answer_is_asked_once_more_then_reported_in_one_line(api):
    client, script = api
    script.routes["/v3/t"] = [(200, {"tags": [], "_links": {"next": {"href": 5}}})]
    with pytest.raises(UnreadableAnswer) as caught:
        list(client.pages("/t", endpoint="t"))
    assert len(script.log) == 2  # not six: the same defect twice is the answer's, not the network's
    message = str(caught.value)
    assert "/v3/t" in message and "$._links.next.href" in message and "5" in message and "\n" not in message


def test_an_unreadable_answer_that_reads_on_the_retry_is_taken(api):
    client, script = api
    script.routes["/v3/t"] = [(200, {"tags": "oops"}), (200, {"tags": [1]})]
    assert client.get_json("/t", endpoint="t", read=lambda body: parse.items(body, "tags")) == [1]


def test_a_next_link_already_followed_stops_the_listing(api):
    client, script = api
    script.routes["/v3/a"] = [(200, {"_links": {"next": {"href": "/v3/b?cursor=1"}}})]
    script.routes["/v3/b"] = [(200, {"_links": {"next": {"href": "/v3/c?cursor=2"}}})]
    script.routes["/v3/c"] = [(200, {"_links": {"next": {"href": "/v3/b?cursor=1"}}})]
    seen = []
    with pytest.raises(RepeatedLink, match="already followed"):
        for page in client.pages("/a", endpoint="a"):
            seen.append(page.next_href)
    assert seen == ["/v3/b?cursor=1", "/v3/c?cursor=2"]  # the looping link is never handed out as a checkpoint
    assert len(script.log) == 3


def test_a_refused_request_names_the_error_and_is_not_retried(api):
    client, script = api
    script.routes["/v3/e"] = [(400, [{"error_key": "emails.api.validation.error",
                                      "error_message": "limit must be between 1 and 50"}])]
    with pytest.raises(RequestRefused) as caught:
        client.get_json("/e", {"limit": "500"}, endpoint="e")
    assert caught.value.status == 400 and "limit" in caught.value.detail
    assert len(script.log) == 1


def test_redirects_are_not_followed(api):
    client, script = api
    script.routes["/v3/r"] = [(302, {})]
    with pytest.raises(ApiError, match="redirect"):
        client.get_json("/r", endpoint="r")
