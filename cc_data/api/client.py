"""The HTTP client: one session, a shared token bucket, a daily call budget, retries, and pagination.

Every attempt (first try or retry) passes through the token bucket and is counted against the daily
quota, which is why retries live in one small loop here rather than inside urllib3.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import logging
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from cc_data.api import parse
from cc_data.api.auth import REAUTH, TokenManager, redact
from cc_data.api.ratelimit import TokenBucket, bucket_for
from cc_data.config import Settings
from cc_data.errors import ApiError, AuthError, QuotaExceeded

# The tags guide page ("Get Details About All Tags") shows a next link on the service's own route,
# `/contacts-service/v3/accounts/<account>/contact_tags?cursor=...`: the same listing under the public base.
_INTERNAL_HREF = re.compile(r"^/[\w-]+/v3/accounts/[^/?]+(/.*)$")

log = logging.getLogger(__name__)

RETRYABLE_STATUS = {408, 500, 502, 503, 504}
CONNECT_TIMEOUT_S = 10
READ_TIMEOUT_S = 60


def next_midnight_utc(now: datetime | None = None) -> datetime:
    now = now or datetime.now(UTC)
    return datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)


def quota_message(quota: int | None = None) -> str:
    reset = next_midnight_utc()
    left = reset - datetime.now(UTC)
    hours, minutes = divmod(int(left.total_seconds()) // 60, 60)
    used = f" ({quota:,} calls)" if quota else ""
    return (
        f"The daily Constant Contact API quota{used} is used up; the sync stopped at a checkpoint and resumes "
        f"where it left off after the reset at {reset:%Y-%m-%d %H:%M} UTC (in {hours}h {minutes:02d}m)."
    )


@dataclass
class CallBudget:
    """Calls made today (UTC) including earlier runs, and calls this run per endpoint."""

    quota: int
    used_today: int = 0
    day: date = field(default_factory=lambda: datetime.now(UTC).date())
    by_endpoint: Counter = field(default_factory=Counter)

    def check(self) -> None:
        today = datetime.now(UTC).date()
        if today != self.day:
            self.day, self.used_today = today, 0
        if self.used_today >= self.quota:
            raise QuotaExceeded(quota_message(self.quota))

    def add(self, endpoint: str) -> None:
        self.used_today += 1
        self.by_endpoint[endpoint] += 1

    @property
    def total(self) -> int:
        return sum(self.by_endpoint.values())


@dataclass
class Page:
    body: dict
    url: str
    next_href: str | None
    content: Any = None        # what the caller's `read` made of the body


class ApiUnavailable(ApiError):
    """Every attempt failed in the network or with a server error: the API (or the way to it) is down."""


class UnreadableAnswer(ApiError):
    """A well-formed answer whose content no documented form explains, the same way on a second try."""


class RequestRefused(ApiError):
    """A 4xx answer other than 401/404/429: the request itself is wrong (e.g. a page size above the maximum)."""

    def __init__(self, message: str, status: int, detail: str) -> None:
        super().__init__(message)
        self.status, self.detail = status, detail


class Forbidden(ApiError):
    """403: the login lacks a scope, or the user a privilege."""


class ActivitiesQueued(ApiError):
    """429 on a bulk activity: the account already has 1,000 activities queued (not the per-second limit)."""


class RepeatedLink(ApiError):
    """A `next` link that was already followed in this listing: following it would loop forever."""


class _Retry(Exception):
    """One attempt failed in a way worth retrying; the message says how."""


class ApiClient:
    def __init__(
        self,
        settings: Settings,
        tokens: TokenManager,
        *,
        bucket: TokenBucket | None = None,
        budget: CallBudget | None = None,
        session: requests.Session | None = None,
        max_attempts: int = 6,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.base_url = settings.api_base_url.rstrip("/")
        self.tokens = tokens
        self.bucket = bucket or bucket_for(settings.rate_limit_rps)
        self.budget = budget or CallBudget(quota=settings.daily_quota)
        self.session = session or requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": "cc-data"})
        self.max_attempts = max_attempts
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.sleep = sleep
        self.server_now: datetime | None = None
        self.retries = 0

    # --- URLs ---------------------------------------------------------------------------------
    def url_for(self, path_or_href: str) -> str:
        """A path relative to the API base ('/contacts') or an href from `_links` ('/v3/contacts?cursor=')."""
        base = urlsplit(self.base_url)
        prefix = base.path.rstrip("/")
        if path_or_href.startswith(("http://", "https://")):
            url = path_or_href
        elif prefix and path_or_href.startswith(prefix + "/"):
            url = urljoin(self.base_url, path_or_href)
        elif internal := _INTERNAL_HREF.match(path_or_href):
            url = self.base_url + internal[1]
        else:
            url = self.base_url + "/" + path_or_href.lstrip("/")
        if urlsplit(url).netloc != base.netloc:
            raise ApiError(f"The API sent a link to another host ({urlsplit(url).netloc}); refusing to follow it.")
        return url

    # --- one request, with retries ----------------------------------------------------------------
    def get_json(self, path: str, params: dict | None = None, *, endpoint: str,
                 read: Callable[[dict], Any] | None = None) -> Any:
        """GET a JSON object. With `read`, returns `read(body)`; a body it cannot read (parse.Unreadable) is asked
        for once more, and the same problem twice is reported as a defect of the answer, not retried further."""
        return self._call("GET", path, params, None, endpoint=endpoint, read=read)

    def post_json(self, path: str, body: dict, *, endpoint: str, read: Callable[[dict], Any] | None = None) -> Any:
        """POST a JSON body; the answer as get_json gives it (200 or 201).

        A POST is retried like a GET (network trouble, 5xx), so call this only where sending the same body twice
        changes nothing more than sending it once: list membership is a set (adding someone already on a list
        leaves one membership), and a repeated list creation answers 409, which the caller resolves by name.
        A 429 about the queue of bulk activities raises ActivitiesQueued, for the caller to wait on."""
        return self._call("POST", path, None, body, endpoint=endpoint, read=read)

    def _call(self, method: str, path: str, params: dict | None, json_body: dict | None, *, endpoint: str,
              read: Callable[[dict], Any] | None) -> Any:
        url = self.url_for(path)
        refreshed = False
        throttled = 0
        attempt = 0
        last_problem = ""
        unreadable: str | None = None
        while attempt < self.max_attempts:
            self.budget.check()
            self.bucket.acquire()
            token = self.tokens.access_token()
            self.budget.add(endpoint)
            try:
                resp = self.session.request(
                    method, url, params=params, json=json_body, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S),
                    headers={"Authorization": f"Bearer {token}"}, allow_redirects=False,
                )
                body = self._handle(resp, method)
                return body if read is None else read(body)
            except parse.Unreadable as why:
                if unreadable == str(why):
                    raise UnreadableAnswer(
                        f"{method} {urlsplit(url).path}: Constant Contact sent an answer cc-data cannot read, twice "
                        f"({why}); nothing from it was stored."
                    ) from None
                unreadable = last_problem = str(why)
            except _Retry as why:
                last_problem = str(why)
            except _Unauthorized:
                if refreshed:
                    raise AuthError(f"Constant Contact rejected a freshly renewed login; {REAUTH}.") from None
                refreshed = True
                self.tokens.refresh_after_401(token)
                continue
            except _Throttled:
                throttled += 1
                if throttled > 20:
                    raise ApiError("Constant Contact kept answering 'too many requests'; lower CC_RATE_LIMIT_RPS.") from None
                self.bucket.pause(1.0 + random.random())
                continue
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ContentDecodingError) as err:
                last_problem = type(err).__name__
            attempt += 1
            self.retries += 1
            if attempt < self.max_attempts:
                delay = min(self.backoff_max_s, self.backoff_base_s * 2 ** (attempt - 1))
                self.sleep(delay * (0.5 + random.random() / 2))
        raise ApiUnavailable(
            f"{method} {urlsplit(url).path} failed after {self.max_attempts} attempts ({last_problem}); "
            "Constant Contact may be having trouble: try again later."
        )

    def _handle(self, resp: requests.Response, method: str = "GET") -> dict:
        self._note_server_time(resp)
        status = resp.status_code
        where = urlsplit(resp.url).path
        if status == 401:
            raise _Unauthorized
        if status == 429:
            key = _error_key(resp)
            if key == "quota_exceeded":
                raise QuotaExceeded(quota_message())
            # the bulk-activity queue names its own error_key; the gateway's own 429 ({"message": ...}) names none
            if method == "POST" and key not in (None, "throttled"):
                raise ActivitiesQueued(f"{method} {where}: Constant Contact has 1,000 bulk activities queued for "
                                       "this account; wait for some to finish.")
            raise _Throttled
        if status in RETRYABLE_STATUS:
            raise _Retry(f"HTTP {status}")
        if status == 404:
            raise NotFound(f"{method} {where} was not found (404).")
        if 300 <= status < 400:
            raise ApiError(f"{method} {where} answered with a redirect ({status}); cc-data does not follow it "
                           "(the login token would go with it). Check CC_API_BASE_URL.")
        if status >= 400:
            detail = redact(_error_text(resp) or resp.reason or "", self.settings.client_secret)
            if status == 403:
                raise Forbidden(
                    f"Constant Contact refused {where} (403 {detail}): the login lacks a scope or "
                    "the user lacks a privilege; run `cc-data auth` again as an account owner."
                )
            raise RequestRefused(f"{method} {where} failed: HTTP {status} {detail}.", status, detail)
        if status != 200 and not (method == "POST" and status == 201):
            raise _Retry(f"HTTP {status}")  # 202 (a segment still being computed) and other non-final answers
        try:
            body = json.loads(resp.content)
        except ValueError:
            raise _Retry("malformed JSON") from None
        if not isinstance(body, dict):
            raise parse.Unreadable("$", body, "a JSON object")
        return body

    def _note_server_time(self, resp: requests.Response) -> None:
        stamp = resp.headers.get("Date")
        if stamp:
            with contextlib.suppress(TypeError, ValueError):
                self.server_now = email.utils.parsedate_to_datetime(stamp).astimezone(UTC)

    def now(self) -> datetime:
        """The API's clock when known (from the last response's Date header), else ours. Aware, UTC."""
        return self.server_now or datetime.now(UTC)

    # --- pagination -------------------------------------------------------------------------------
    def pages(
        self, path: str, params: dict | None = None, *, endpoint: str, read: Callable[[dict], Any] | None = None,
        start_href: str | None = None,
    ) -> Iterator[Page]:
        """Pages of a collection, following `_links.next` until a last page (every documented form of it).

        A `next` link already followed in this listing stops it with RepeatedLink before it is yielded, so it
        is never stored as a checkpoint and never burns the daily quota in a loop."""
        target, query = (start_href, None) if start_href else (path, params)
        followed: set[str] = {start_href} if start_href else set()

        def read_page(body: dict) -> tuple[str | None, Any, dict]:
            href = parse.next_href(body)
            return href, (read(body) if read is not None else None), body

        while target:
            href, content, body = self.get_json(target, query, endpoint=endpoint, read=read_page)
            if href is not None and href in followed:
                raise RepeatedLink(
                    f"GET {urlsplit(self.url_for(target)).path}: Constant Contact sent a next-page link that was "
                    "already followed in this listing; stopped it here instead of looping."
                )
            if href is not None:
                followed.add(href)
            yield Page(body=body, url=target, next_href=href, content=content)
            target, query = href, None


def next_href(body: dict) -> str | None:
    """`_links.next.href`, or None at the end (see cc_data.api.parse.next_href)."""
    return parse.next_href(body)


def _error_key(resp: requests.Response) -> str | None:
    try:
        body = resp.json()
    except ValueError:
        return None
    if isinstance(body, list) and body and isinstance(body[0], dict):
        body = body[0]
    return str(body.get("error_key")) if isinstance(body, dict) and body.get("error_key") else None


def _error_text(resp: requests.Response) -> str:
    """`error_key: error_message` of every error object in the body (single object or array), or the `message` of
    the API gateway's own answers (`{"message": "Missing Authentication Token"}`); one line, never a page of HTML."""
    try:
        body = resp.json()
    except ValueError:
        return ""
    errors = body if isinstance(body, list) else [body]
    parts = [f"{e.get('error_key', '')}: {e.get('error_message') or e.get('message') or e.get('Message') or ''}"
             .strip(": ") for e in errors if isinstance(e, dict)]
    return " ".join("; ".join(p for p in parts if p).split())[:300]


class NotFound(ApiError):
    """The item asked for does not exist (any more)."""


class _Unauthorized(Exception):
    pass


class _Throttled(Exception):
    pass
