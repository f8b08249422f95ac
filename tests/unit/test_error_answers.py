"""Every error answer the guide pages, the spec and the proxies in front of the API show
(tests/data/answer_forms/errors, each with its source): the client reports it in one line that names what went
wrong and holds no secret, no token and no HTML; a transient one is retried and the answer after it taken; and a
sync that meets one mid-listing stores the pages before it with the link to the page that failed, never moves
its cursor, and finishes exactly when the answer heals."""

from __future__ import annotations

import http.server
import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from cc_data.api.client import ApiClient, ApiUnavailable, Forbidden, NotFound, RequestRefused
from cc_data.config import Settings
from cc_data.errors import AuthError, QuotaExceeded, UserError
from cc_data.store import upserts
from cc_data.store.schema import migrate
from cc_data.sync import streams
from cc_data.sync.engine import Context, run_listing
from tests.loopback import api_client, serve

ERRORS = Path(__file__).resolve().parents[1] / "data" / "answer_forms" / "errors"
FORMS = sorted(p.stem for p in ERRORS.glob("*.json"))
SERVER_DATE = "Mon, 07 Dec 2026 12:00:00 GMT"   # the scripted API's clock (the sync takes it as "now")
SECRET = "sekrit-value"


def error_form(name: str) -> dict:
    return json.loads((ERRORS / f"{name}.json").read_text())


class Script:
    """Answers per path, in order (the last one repeats): (status, content type, body text)."""

    def __init__(self) -> None:
        self.routes: dict[str, list[tuple[int, str, str]]] = {}
        self.log: list[str] = []
        self.issued = 0


def _handler(script: Script) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def date_time_string(self, timestamp=None):   # the test's clock, not the wall clock
            return SERVER_DATE

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):   # the token endpoint: a fresh access token each time; else as scripted
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.startswith("/v3/"):
                self.do_GET()
                return
            script.issued += 1
            self._send(200, "application/json", json.dumps({
                "access_token": f"access-token-{script.issued}", "refresh_token": f"refresh-token-{script.issued}",
                "expires_in": 86400}).encode())

        def do_GET(self):
            path = self.path.split("?")[0]
            script.log.append(self.path)
            queue = script.routes[path]
            status, content_type, body = queue.pop(0) if len(queue) > 1 else queue[0]
            self._send(status, content_type, body.encode())

    return Handler


@pytest.fixture
def api(tmp_path) -> Iterator[tuple[ApiClient, Script]]:
    script = Script()
    with serve(_handler(script)) as base:
        yield api_client(base, tmp_path, client_secret=SECRET, access_token="stored-access-token",
                         refresh_token="refresh-token-0", backoff_base_s=0.001), script


def _answer(name: str) -> tuple[int, str, str]:
    meta = error_form(name)
    return meta["status"], meta["content_type"], meta["body"]


def _ok(body: dict) -> tuple[int, str, str]:
    return 200, "application/json", json.dumps(body)


# What each form must end as when it does not heal: the kind of error and words its one line must hold.
PERSISTENT = {
    "not_found_404_array": (NotFound, "404"),
    "validation_400_array": (RequestRefused, "include_membership_count does not have a valid value"),
    "unauthorized_401_object": (AuthError, "cc-data auth"),
    "forbidden_403_array": (Forbidden, "lack the necessary scopes"),
    "forbidden_403_gateway_message": (Forbidden, "403 Forbidden"),
    "forbidden_403_gateway_missing_token": (Forbidden, "Missing Authentication Token"),
    "conflict_409_array": (RequestRefused, "List name already exists"),
    "unsupported_415_array": (RequestRefused, "HTTP 415"),
    "throttled_429_object": None,   # retried with pauses: shown healing below
    "throttled_429_gateway_message": None,
    "quota_429_array": (QuotaExceeded, "quota"),
    "server_error_500_array": (ApiUnavailable, "HTTP 500"),
    "unavailable_503_array": (ApiUnavailable, "HTTP 503"),
    "unavailable_503_cloudfront_html": (ApiUnavailable, "HTTP 503"),
    "unavailable_503_empty": (ApiUnavailable, "HTTP 503"),
}
TRANSIENT = ("throttled_429_object", "throttled_429_gateway_message", "server_error_500_array", "unavailable_503_array",
             "unavailable_503_cloudfront_html", "unavailable_503_empty")


def test_every_recorded_error_form_is_named_with_its_source_and_known_to_these_tests():
    assert set(FORMS) == set(PERSISTENT)
    for name in FORMS:
        meta = error_form(name)
        assert meta["source"] and meta["form"] and 400 <= meta["status"] < 600, name
        assert isinstance(meta["body"], str), name   # the body as sent, byte for byte


def _one_clear_line(err: BaseException) -> str:
    message = str(err)
    assert isinstance(err, UserError), type(err)          # the CLI prints these without a traceback
    assert "\n" not in message and 20 < len(message) <= 400, message
    for leaked in (SECRET, "stored-access-token", "access-token-", "refresh-token-", "Bearer"):
        assert leaked not in message, message
    assert "<" not in message and "DOCTYPE" not in message.upper(), message   # no HTML pasted in
    return message


@pytest.mark.parametrize("name", [n for n in FORMS if PERSISTENT[n]])
def test_an_error_that_does_not_heal_is_one_clear_line(api, name):
    client, script = api
    kind, words = PERSISTENT[name]
    script.routes["/v3/things"] = [_answer(name)]
    with pytest.raises(kind) as caught:
        client.get_json("/things", endpoint="things")
    assert words in _one_clear_line(caught.value)


@pytest.mark.parametrize("name", TRANSIENT)
def test_a_transient_error_is_asked_again_and_the_answer_after_it_taken(api, name, monkeypatch):
    client, script = api
    monkeypatch.setattr(client.bucket, "pause", lambda seconds: None)   # a 429 waits a second in real life
    script.routes["/v3/things"] = [_answer(name), _ok({"things": [1]})]
    assert client.get_json("/things", endpoint="things") == {"things": [1]}
    assert len(script.log) == 2


@pytest.mark.parametrize("name", ["throttled_429_object", "throttled_429_gateway_message"])
def test_a_throttled_post_is_asked_again_not_taken_for_a_full_queue_of_activities(api, name, monkeypatch):
    """Only a 429 that names another error_key is the queue of bulk activities; the gateway's own 429 carries none."""
    client, script = api
    monkeypatch.setattr(client.bucket, "pause", lambda seconds: None)
    script.routes["/v3/activities/add_list_memberships"] = [_answer(name), (201, "application/json", '{"ok":1}')]
    assert client.post_json("/activities/add_list_memberships", {}, endpoint="add") == {"ok": 1}


def test_a_401_renews_the_login_once_and_a_second_one_asks_for_a_new_login(api):
    client, script = api
    script.routes["/v3/things"] = [_answer("unauthorized_401_object"), _ok({"things": []})]
    assert client.get_json("/things", endpoint="things") == {"things": []} and script.issued == 1
    script.routes["/v3/things"] = [_answer("unauthorized_401_object")]
    with pytest.raises(AuthError) as caught:
        client.get_json("/things", endpoint="things")
    _one_clear_line(caught.value)


# --- the sync: what was read is kept, with the link to the page that failed; the cursor stays -------------

def _page(n: int, last: bool = False) -> tuple[int, str, str]:
    body: dict = {"campaigns": [{"campaign_id": f"C{n}", "name": f"Campaign {n}", "current_status": "Done",
                                 "updated_at": f"2026-12-0{n}T10:00:00.000Z"}]}
    if not last:
        body["_links"] = {"next": {"href": f"/v3/emails?cursor=page{n + 1}"}}
    return _ok(body)


@pytest.mark.parametrize("name", [n for n in FORMS if PERSISTENT[n] and PERSISTENT[n][0] is not RequestRefused])
def test_a_listing_stopped_by_an_error_keeps_the_pages_read_and_its_cursor_where_it_was(api, name, monkeypatch):
    client, script = api
    monkeypatch.setattr(client.bucket, "pause", lambda seconds: None)
    con = duckdb.connect()
    migrate(con)
    upserts.set_state(con, "campaigns", "cursor", "2026-12-01T00:00:00")
    ctx = Context(con=con, client=client, settings=Settings(anchor_date=date(2000, 1, 1)))
    # page 1, then page 2 answers the error form for as long as the client asks
    script.routes["/v3/emails"] = [_page(1), _answer(name)]
    with pytest.raises(UserError):
        run_listing(ctx, streams.CAMPAIGNS)
    assert con.execute("SELECT campaign_id FROM campaigns").fetchall() == [("C1",)]
    assert upserts.get_state(con, "campaigns", "next") == "/v3/emails?cursor=page2"
    assert upserts.get_state(con, "campaigns", "cursor") == "2026-12-01T00:00:00"   # not moved
    # the next run resumes at page 2; read to the end, the listing moves the cursor to when its pass began
    script.routes["/v3/emails"] = [_page(2), _page(3, last=True)]
    run_listing(ctx, streams.CAMPAIGNS)
    assert script.log[-2:] == ["/v3/emails?cursor=page2", "/v3/emails?cursor=page3"]
    assert con.execute("SELECT list(campaign_id ORDER BY campaign_id) FROM campaigns").fetchone() == (
        ["C1", "C2", "C3"],)
    assert upserts.get_state(con, "campaigns", "next") is None
    moved = datetime.fromisoformat(upserts.get_state(con, "campaigns", "cursor"))
    assert datetime(2026, 12, 7, 12) <= moved < datetime(2026, 12, 7, 13)   # the API's clock as the pass began


@pytest.mark.parametrize("name", ["unavailable_503_cloudfront_html", "forbidden_403_gateway_message",
                                  "quota_429_array"])
def test_a_snapshot_listing_stopped_by_an_error_replaces_nothing(api, name):
    client, script = api
    con = duckdb.connect()
    migrate(con)
    con.execute("INSERT INTO contact_lists (list_id, name, membership_count) VALUES ('L0', 'Kept', 7)")
    script.routes["/v3/contact_lists"] = [
        _ok({"lists": [{"list_id": "L1", "name": "One", "membership_count": 3}],
             "_links": {"next": {"href": "/v3/contact_lists?cursor=2"}}}),
        _answer(name)]
    with pytest.raises(UserError) as caught:
        run_listing(Context(con=con, client=client, settings=Settings()), streams.LISTS)
    _one_clear_line(caught.value)
    assert con.execute("SELECT list_id, name, membership_count FROM contact_lists").fetchall() == [("L0", "Kept", 7)]
