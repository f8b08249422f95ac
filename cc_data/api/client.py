"""The HTTP client: one session, a shared token bucket, a daily call budget, retries, and pagination.

Every attempt (first try or retry) passes through the token bucket and is counted against the daily
quota, which is why retries live in one small loop here rather than inside urllib3.
"""

from __future__ import annotations

import contextlib
import email.utils
import importlib
import json
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from cc_data.api.auth import TokenManager, redact
from cc_data.api.ratelimit import TokenBucket, bucket_for
from cc_data.config import Settings
from cc_data.errors import ApiError, AuthError, QuotaExceeded

log = logging.getLogger(__name__)

RETRYABLE_STATUS = {408, 500, 502, 503, 504}
CONNECT_TIMEOUT_S = 10
READ_TIMEOUT_S = 60


def _load_validator() -> Callable[[str, Any], list[str]] | None:
    try:
        return importlib.import_module("cc_data.api.shapes").validate
    except (ImportError, AttributeError):
        return None


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
        self.validate = _load_validator()
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
        else:
            url = self.base_url + "/" + path_or_href.lstrip("/")
        if urlsplit(url).netloc != base.netloc:
            raise ApiError(f"The API sent a link to another host ({urlsplit(url).netloc}); refusing to follow it.")
        return url

    # --- one request, with retries ----------------------------------------------------------------
    def get_json(self, path: str, params: dict | None = None, *, endpoint: str, shape: str | None = None) -> dict:
        url = self.url_for(path)
        refreshed = False
        throttled = 0
        attempt = 0
        last_problem = ""
        while attempt < self.max_attempts:
            self.budget.check()
            self.bucket.acquire()
            token = self.tokens.access_token()
            self.budget.add(endpoint)
            try:
                resp = self.session.get(
                    url, params=params, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S),
                    headers={"Authorization": f"Bearer {token}"},
                )
                return self._handle(resp, shape)
            except _Retry as why:
                last_problem = str(why)
            except _Unauthorized:
                if refreshed:
                    raise AuthError("Constant Contact rejected a freshly renewed login; run `cc-data auth` again.") from None
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
        raise ApiError(
            f"GET {urlsplit(url).path} failed after {self.max_attempts} attempts ({last_problem}); "
            "Constant Contact may be having trouble: try again later."
        )

    def _handle(self, resp: requests.Response, shape: str | None) -> dict:
        self._note_server_time(resp)
        status = resp.status_code
        if status == 401:
            raise _Unauthorized
        if status == 429:
            if _error_key(resp) == "quota_exceeded":
                raise QuotaExceeded(quota_message())
            raise _Throttled
        if status in RETRYABLE_STATUS:
            raise _Retry(f"HTTP {status}")
        if status == 404:
            raise NotFound(f"GET {urlsplit(resp.url).path} was not found (404).")
        if status >= 400:
            key = _error_key(resp) or resp.reason
            detail = redact(f"{key}", self.settings.client_secret)
            if status == 403:
                raise ApiError(
                    f"Constant Contact refused {urlsplit(resp.url).path} (403 {detail}): the login lacks a scope or "
                    "the user lacks a privilege; run `cc-data auth` again as an account owner."
                )
            raise ApiError(f"GET {urlsplit(resp.url).path} failed: HTTP {status} {detail}.")
        try:
            body = json.loads(resp.content)
        except ValueError:
            raise _Retry("malformed JSON") from None
        if not isinstance(body, dict):
            raise _Retry("unexpected JSON (not an object)")
        if shape and self.validate is not None:
            problems = self.validate(shape, body)
            if problems:
                raise _Retry(f"response does not match shape {shape}: {problems[0]}")
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
        self, path: str, params: dict | None = None, *, endpoint: str, shape: str | None = None,
        start_href: str | None = None,
    ) -> Iterator[Page]:
        """Pages of a collection, following `_links.next.href` until it is absent or null."""
        target, query = (start_href, None) if start_href else (path, params)
        while target:
            body = self.get_json(target, query, endpoint=endpoint, shape=shape)
            href = next_href(body)
            yield Page(body=body, url=target, next_href=href)
            target, query = href, None


def next_href(body: dict) -> str | None:
    """`_links.next.href`, also in the tags shape (`_links.next.next.href`); None at the end."""
    links = body.get("_links") or {}
    nxt = links.get("next") if isinstance(links, dict) else None
    if not isinstance(nxt, dict):
        return None
    href = nxt.get("href")
    if not href and isinstance(nxt.get("next"), dict):
        href = nxt["next"].get("href")
    return href or None


def _error_key(resp: requests.Response) -> str | None:
    try:
        body = resp.json()
    except ValueError:
        return None
    if isinstance(body, list) and body and isinstance(body[0], dict):
        body = body[0]
    return str(body.get("error_key")) if isinstance(body, dict) and body.get("error_key") else None


class NotFound(ApiError):
    """The item asked for does not exist (any more)."""


class _Unauthorized(Exception):
    pass


class _Throttled(Exception):
    pass
