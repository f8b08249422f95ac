"""SandboxServer: a local Constant Contact V3 API (and its OAuth2 server) over real HTTP on loopback."""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from cc_data.sandbox.account import Account
from cc_data.sandbox.clock import DAY, start_of_utc_day, to_datetime
from cc_data.sandbox.evolve import advance as advance_account
from cc_data.sandbox.exports import Exports
from cc_data.sandbox.generator import generate
from cc_data.sandbox.limits import DailyQuota, Faults, TokenBucket
from cc_data.sandbox.oauth import ALL_SCOPES, OAuthServer
from cc_data.sandbox.routes_campaigns import CampaignRoutes
from cc_data.sandbox.routes_contacts import ContactRoutes
from cc_data.sandbox.routes_lists import ListRoutes, replay
from cc_data.sandbox.variants import Variants, endpoint_of
from cc_data.sandbox.wire import QUOTA_EXCEEDED, THROTTLED, UNAUTHORIZED, ApiProblem, Response, bad_request

OAUTH_PREFIX = "/oauth2/default/v1"
DEFAULT_SCOPES = ("contact_data", "campaign_data", "account_read", "offline_access")
SCOPE_FOR = (("/v3/account", "account_read"), ("/v3/emails", "campaign_data"), ("/v3/reports", "campaign_data"))
# How often the serving loop looks for a stop: stop() waits up to this long (the default, 0.5 s, is felt by every
# test that starts a sandbox).
POLL_S = 0.02
REPEATABLE = ("bounce_code",)   # the spec's only `collectionFormat: multi` parameter among those served


class SandboxServer:
    """See docs/sandbox.md. `start()` serves in a background thread; use as a context manager in tests."""

    def __init__(self, *, seed: int = 7, scale: str = "small", now: datetime | None = None,
                 account: Account | None = None, host: str = "127.0.0.1", port: int = 0,
                 rate_limit_rps: float = 4.0, daily_quota: int = 10_000, access_token_lifetime: int = 86_400,
                 rotate_refresh_tokens: bool = True, faults: dict | None = None, token_rps: float = 1.0,
                 variants: int | None = None):
        self.seed = seed
        self.variants = None if variants is None else Variants(variants)
        self.account = account if account is not None else generate(seed, scale, now)
        self.host, self.port = host, port
        self.client_id = f"sandbox-{seed}-client"
        self.client_secret = f"sandbox-{seed}-secret"
        self.request_log: list[tuple[str, str, int]] = []
        self._lock = threading.RLock()
        self._rate = rate_limit_rps
        self._buckets: dict[str, TokenBucket] = {}
        self._quota = DailyQuota(daily_quota)
        self._faults = Faults(**(faults or {}))
        self._api_requests = 0
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.oauth = OAuthServer(self.client_id, self.client_secret, "", lambda: self.account.now,
                                 access_token_lifetime, rotate_refresh_tokens, token_rps)
        self.contacts_api = ContactRoutes(lambda: self.account)
        self.campaigns_api = CampaignRoutes(lambda: self.account)
        self.exports = Exports(lambda: self.account)
        self.lists_api = ListRoutes(lambda: self.account)

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> SandboxServer:
        self._httpd = ThreadingHTTPServer((self.host, self.port), _handler_for(self))
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.oauth.base_url = self.oauth_base_url
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": POLL_S},
                                        name="cc-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base_url(self) -> str:
        return self.url + "/v3"

    @property
    def oauth_base_url(self) -> str:
        return self.url + OAUTH_PREFIX

    @property
    def now(self) -> datetime:
        return to_datetime(self.account.now)

    # -- controls for tests and the demo -----------------------------------------------------------
    def advance(self, days: float) -> None:
        with self._lock:
            advance_account(self.account, int(days * DAY))

    def set_faults(self, **kw: float) -> None:
        with self._lock:
            self._faults = Faults(**kw)

    def set_rate_limit(self, rps: float) -> None:
        with self._lock:
            self._rate = rps
            self._buckets.clear()

    def replay_list_writes(self, journal: list[dict]) -> None:
        """Apply list writes a previous sandbox recorded (`lists_api.journal`), e.g. the demo's pushes."""
        with self._lock:
            replay(self.account, journal)
            self.lists_api.journal.extend(journal)

    def set_quota(self, n: int) -> None:
        with self._lock:
            self._quota.limit = n

    def mint_refresh_token(self, scopes: tuple[str, ...] | list[str] = DEFAULT_SCOPES) -> str:
        with self._lock:
            return self.oauth.mint_refresh_token(tuple(scopes))

    def expire_access_tokens(self) -> None:
        with self._lock:
            self.oauth.expire_access_tokens()

    def approve_device(self, user_code: str) -> bool:
        with self._lock:
            return self.oauth.approve_device(user_code)

    def state(self) -> dict:
        return {"now": to_datetime(self.account.now).isoformat().replace("+00:00", "Z"), "seed": self.seed,
                "scale": self.account.scale, "quota_used_today": self._quota.used, "quota": self._quota.limit,
                "rate_limit_rps": self._rate, "variants": None if self.variants is None else self.variants.seed,
                "counts": self.account.counts()}

    # -- dispatch ----------------------------------------------------------------------------------
    def fate(self) -> str:
        with self._lock:
            self._api_requests += 1
            return self._faults.fate(self.seed, self._api_requests)

    def slow_seconds(self) -> float:
        return self._faults.slow_seconds

    def handle(self, method: str, path: str, query: dict[str, list[str]], headers, body: bytes) -> Response:
        flat = {k: v[-1] for k, v in query.items()}
        with self._lock:
            if path.startswith(OAUTH_PREFIX + "/"):
                return self._oauth(method, path[len(OAUTH_PREFIX):], flat, headers, body)
            if path.startswith("/__sandbox__/"):
                return self._admin(method, path, flat)
            if not path.startswith("/v3/"):
                return Response(404, [{"error_key": "not_found", "error_message": "No such resource."}])
            auth = headers.get("Authorization", "")
            token = self.oauth.check(auth[7:] if auth.startswith("Bearer ") else None)
            if token is None:
                return Response(401, dict(UNAUTHORIZED), {"WWW-Authenticate": "Bearer realm=api.cc.email",
                                                         "x-amzn-ErrorType": "UnauthorizedException"})
            bucket = self._buckets.setdefault(token.client_id, TokenBucket(self._rate))
            if not bucket.take():
                return Response(429, dict(THROTTLED))
            if not self._quota.take(start_of_utc_day(self.account.now)):
                return Response(429, dict(QUOTA_EXCEEDED))
            needed = next((scope for prefix, scope in SCOPE_FOR if path.startswith(prefix)), "contact_data")
            if needed not in token.scopes:
                return Response(403, [{"error_key": "unauthorized",
                                       "error_message": f"This call needs the {needed} scope."}])
            if self.variants is None:
                return self._answer(method, path[4:], flat, query, body)
            endpoint = endpoint_of(path[4:])
            n = self.variants.number(endpoint)
            key = f"{method} {path}?{sorted(query.items())}"
            segment_first_page = path == "/v3/contacts" and "segment_id" in flat and "cursor" not in flat
            fault = self.variants.fault(endpoint, n, key, auth[7:], segment_first_page)
            if fault is not None:
                return fault
            return self.variants.apply(endpoint, n, self._answer(method, path[4:], flat, query, body))

    def _answer(self, method: str, path: str, flat: dict, multi: dict, body: bytes) -> Response:
        try:
            return self._api(method, path, flat, multi, body)
        except ApiProblem as problem:
            return problem.response

    def _api(self, method: str, path: str, flat: dict, multi: dict, body: bytes) -> Response:
        repeated = next((name for name, values in multi.items() if len(values) > 1 and name not in REPEATABLE), None)
        if repeated is not None:   # which of two values the API would take is undocumented: refuse, never guess
            raise bad_request(f"{repeated} is given more than once; give it once.")
        contacts, campaigns, lists = self.contacts_api, self.campaigns_api, self.lists_api
        writes = {"activities/contact_exports": self.exports.create, "contact_lists": lists.create,
                  "activities/add_list_memberships": lambda payload: lists.memberships("add", payload),
                  "activities/remove_list_memberships": lambda payload: lists.memberships("remove", payload)}
        if method == "POST" and path in writes:
            try:
                payload = json.loads(body.decode("utf-8")) if body.strip() else None
            except ValueError:
                return Response(400, [{"error_key": "activities.api.validation.error",
                                       "error_message": "The request body is not valid JSON."}])
            return writes[path](payload)
        if method != "GET":
            return Response(405, [{"error_key": "method_not_allowed", "error_message": f"{method} is not allowed."}])
        simple = {"contacts": contacts.contacts, "contact_lists": contacts.contact_lists,
                  "contact_tags": contacts.contact_tags, "contact_custom_fields": contacts.custom_fields,
                  "segments": contacts.segments, "emails": campaigns.emails,
                  "reports/summary_reports/email_campaign_summaries": campaigns.summaries,
                  "account/summary": campaigns.account_summary}
        if path in simple:
            return simple[path](flat)
        for pattern, action in (
            (r"contacts/([^/]+)", lambda m: contacts.contact(m[1], flat)),
            (r"emails/activities/([^/]+)", lambda m: campaigns.email_activity(m[1], flat)),
            (r"emails/([^/]+)", lambda m: campaigns.email(m[1])),
            (r"reports/stats/email_campaign_activities/([^/]+)", lambda m: campaigns.activity_stats(m[1])),
            (r"reports/email_reports/([^/]+)/tracking/([a-z_]+)",
             lambda m: campaigns.tracking(m[1], m[2], flat, multi)),
            (r"activities/([^/]+)", lambda m: lists.poll(m[1]) if lists.knows(m[1]) else self.exports.poll(m[1])),
            (r"contact_exports/([^/]+)", lambda m: self.exports.download(m[1])),
        ):
            match = re.fullmatch(pattern, path)
            if match:
                return action(match)
        return Response(404, [{"error_key": "not_found", "error_message": f"/v3/{path} does not exist."}])

    def _oauth(self, method: str, path: str, params: dict, headers, body: bytes) -> Response:
        if method == "POST":
            form = {k: v[-1] for k, v in parse_qs(body.decode(errors="replace")).items()}
            params = {**params, **form}
        if path == "/token" and method == "POST":
            return self.oauth.token(params, headers.get("Authorization"))
        if path == "/authorize" and method == "GET":
            return self.oauth.authorize(params)
        if path == "/device/authorize" and method == "POST":
            return self.oauth.device_authorize(params)
        if path == "/device":
            return self.oauth.device_page(params)
        return Response(404, {"error": "not_found", "error_description": f"{path} is not an OAuth endpoint."})

    def _admin(self, method: str, path: str, params: dict) -> Response:
        if path == "/__sandbox__/advance" and method == "POST":
            try:
                days = float(params.get("days", "1"))
            except ValueError:
                return Response(400, {"error": "days must be a number"})
            self.advance(days)
            return Response(200, self.state())
        if path == "/__sandbox__/state" and method == "GET":
            return Response(200, self.state())
        return Response(404, {"error": "unknown sandbox admin endpoint"})


def _handler_for(server: SandboxServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "cc-sandbox"
        # Headers and body leave in two writes: with Nagle's algorithm on a kept-alive connection the body waits
        # for the client's delayed ACK, ~40 ms per answer on loopback (a real API answers in one go).
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
            pass

        def date_time_string(self, timestamp: float | None = None) -> str:
            # the Date header reads the sandbox clock: clients take it as "now" (e.g. the sync's rescan window)
            return super().date_time_string(server.account.now if timestamp is None else timestamp)

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            body = self.rfile.read(length) if length > 0 else b""
            fate = server.fate() if parts.path.startswith("/v3/") else "ok"
            if fate == "drop":
                server.request_log.append((method, parts.path, 0))
                self.close_connection = True
                return
            if fate == "slow":
                time.sleep(server.slow_seconds())
            if fate == "error":
                response = Response(503 if server._api_requests % 2 else 500,
                                    [{"error_key": "server_error", "error_message": "Service unavailable."}])
            elif length < 0:
                response = Response(400, [{"error_key": "bad_request", "error_message": "Content-Length is not a number."}])
                self.close_connection = True
            else:
                try:
                    response = server.handle(method, parts.path, parse_qs(parts.query, keep_blank_values=True),
                                             self.headers, body)
                except Exception:  # noqa: BLE001 - a sandbox bug answers 500 (tests see it), not a dropped socket
                    response = Response(500, [{"error_key": "server_error", "error_message": "Internal error."}])
            if response.drop:
                server.request_log.append((method, parts.path, 0))
                self.close_connection = True
                return
            server.request_log.append((method, parts.path, response.status))
            payload = response.encoded()
            self.send_response(response.status)
            content_type = response.content_type
            if content_type in ("application/json", "text/html", "text/csv", "text/plain"):
                content_type += "; charset=utf-8"
            self.send_header("Content-Type", content_type)
            for name, value in response.headers.items():
                self.send_header(name, value)
            if fate == "truncate" and len(payload) > 2:
                cut = payload[: len(payload) // 2]
                honest = server._api_requests % 2 == 0
                self.send_header("Content-Length", str(len(payload) if honest else len(cut)))
                self.end_headers()
                self.wfile.write(cut)
                self.close_connection = True
                return
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(payload)

        def do_GET(self) -> None:  # noqa: N802 - stdlib naming
            self._serve("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._serve("POST")

        def do_PUT(self) -> None:  # noqa: N802
            self._serve("PUT")

        def do_DELETE(self) -> None:  # noqa: N802
            self._serve("DELETE")

    return Handler


__all__ = ["SandboxServer", "ALL_SCOPES"]
