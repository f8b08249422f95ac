"""Documented alternative answer forms (docs/sandbox.md "Variants"): same content, different form.

`Variants(seed)` picks, deterministically per (seed, endpoint, request number), among the forms the
reference (`constant-contact-v3.md`) says the real API may use, and rewrites a Response just before it
is encoded. It also injects rare transient faults that a retry always clears. Ids, values, instants,
order and page boundaries never change.
"""

from __future__ import annotations

import copy
import hashlib
import random
import re
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

from cc_data.sandbox.wire import THROTTLED, UNAUTHORIZED, Response

FAULT_RATE = 0.03
_ID_SEGMENT = re.compile(r"^(?:[0-9a-fA-F-]{8,}(?:,[0-9a-fA-F-]*)*|\d+)$")
_WIRE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$")
OFFSETS = (0, -5 * 60, -7 * 60, -6 * 60, 2 * 60, 5 * 60 + 30)   # minutes east of UTC
PAGED = {"contacts": "contacts", "contact_lists": "lists", "contact_tags": "tags",
         "contact_custom_fields": "custom_fields", "segments": "segments", "emails": "campaigns",
         "reports/summary_reports/email_campaign_summaries": "bulk_email_campaign_summaries"}
# §0.4 / §1: a last page may omit _links, send it empty, or send next/href as null or empty
END_FORMS = ("absent", "empty", "next_null", "next_empty", "href_null")
# segmentsLinks requires next{href}: only the forms that keep it (or drop _links) fit the spec
SEGMENT_END_FORMS = ("absent", "next_null", "href_null")
# the spec requires _links on bounces and optouts pages
REQUIRED_LINKS_END_FORMS = ("empty", "next_null", "next_empty", "href_null")


def endpoint_of(path: str) -> str:
    """`reports/email_reports/<uuid>/tracking/opens` -> `reports/email_reports/{id}/tracking/opens`."""
    return "/".join("{id}" if _ID_SEGMENT.match(part) else part for part in path.split("/"))


class Variants:
    def __init__(self, seed: int, fault_rate: float = FAULT_RATE):
        self.seed = seed
        self.fault_rate = fault_rate
        self._numbers: Counter[str] = Counter()
        self._faulted: set[str] = set()          # requests whose retry must be answered correctly
        self._refused: set[str] = set()          # digests of access tokens already refused once

    def _rng(self, endpoint: str, n: int, what: str) -> random.Random:
        digest = hashlib.blake2b(f"{self.seed}|{endpoint}|{n}|{what}".encode(), digest_size=8).digest()
        return random.Random(int.from_bytes(digest, "big"))

    def number(self, endpoint: str) -> int:
        self._numbers[endpoint] += 1
        return self._numbers[endpoint]

    # -- transient faults (§4, §0.7, §2.1) ----------------------------------------------------------
    def fault(self, endpoint: str, n: int, request_key: str, access_token: str,
              segment_first_page: bool) -> Response | None:
        """A transient error answer for this request, or None. A request that got one is answered next time."""
        if request_key in self._faulted:
            self._faulted.discard(request_key)
            return None
        rng = self._rng(endpoint, n, "fault")
        if rng.random() >= self.fault_rate:
            return None
        kinds = ["throttled", "unavailable"]
        token_digest = hashlib.sha256(access_token.encode()).hexdigest()
        if token_digest not in self._refused:
            kinds.append("unauthorized")
        if segment_first_page:
            kinds.append("processing")
        kind = rng.choice(kinds)
        self._faulted.add(request_key)
        if kind == "throttled":     # §0.7 / §4: no Retry-After, the single-object body
            return Response(429, dict(THROTTLED))
        if kind == "unavailable":   # §4: 503 with the error array
            return Response(503, [{"error_key": "service_unavailable",
                                   "error_message": "The service is temporarily unavailable."}])
        if kind == "unauthorized":  # a live token refused once before its expires_in
            self._refused.add(token_digest)
            return Response(401, dict(UNAUTHORIZED), {"WWW-Authenticate": "Bearer realm=api.cc.email",
                                                      "x-amzn-ErrorType": "UnauthorizedException"})
        return Response(202, processing_body(rng))

    # -- answer forms -------------------------------------------------------------------------------
    def apply(self, endpoint: str, n: int, response: Response) -> Response:
        if response.status == 202 and isinstance(response.body, dict) and response.body.get("status"):
            response.body = processing_body(self._rng(endpoint, n, "202"))
            return response
        if response.status not in (200, 201) or not isinstance(response.body, dict | list):
            return response
        rng = self._rng(endpoint, n, "form")
        body = copy.deepcopy(response.body)
        _drop_nulls(body, rng)
        _counts(body, rng, endpoint)
        if endpoint == "emails":
            for item in body.get("campaigns", []):
                if rng.random() < 0.3:
                    item.pop("updated_at", None)   # the /emails/{id} detail still carries it
        if endpoint == "emails/{id}" and rng.random() < 0.5:   # issue 19: the listing carried them
            body.pop("type_code", None)
            body.pop("created_at", None)
        if endpoint == "reports/stats/email_campaign_activities/{id}" and rng.random() < 0.5:
            for result in body.get("results", []):
                result["stats"] = dotted_stats(result.get("stats", {}))
        if isinstance(body, dict) and isinstance(body.get("aggregate_percents"), dict) and rng.random() < 0.5:
            body["aggregate_percents"] = [body["aggregate_percents"]]          # §0.5
        if endpoint == "segments" and rng.random() < 0.5:
            for item in body.get("segments", []):
                item["segment_id"] = str(item["segment_id"])                  # §0.1 / §2.4
        if endpoint.endswith("/tracking/unique_opens") and rng.random() < 0.5:
            for row in body.get("tracking_activities", []):
                row["tracking_activity_type"] = "em_unique_opens"             # §0.6
        _times(body, _time_style(rng))
        _links(body, rng, endpoint)
        response.body = body
        return response


def dotted_stats(stats: dict) -> dict:
    """The guide page's names ("Get an Email Campaign Activities Stats Report"): `em_opens.all`,
    `em_clicks.all.mobile`, ... where the spec has `em_opens_all`, `em_clicks_all_mobile`; other names unchanged."""
    out = {}
    for key, value in stats.items():
        for stem in ("em_opens_all", "em_clicks_all"):
            if key.startswith(stem):
                key = stem.replace("_all", ".all") + key[len(stem):].replace("_", ".")
                break
        out[key] = value
    return out


def processing_body(rng: random.Random) -> dict:
    """§2.1: the 202 answer to a segment query, with or without the empty contacts array."""
    return {"contacts": [], "status": "processing"} if rng.random() < 0.5 else {"status": "processing"}


def _walk(node: object):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _drop_nulls(body: object, rng: random.Random) -> None:
    for node in _walk(body):
        for key in [k for k, v in node.items() if v is None]:
            if rng.random() < 0.5:
                del node[key]


def _maybe_str(value: object, rng: random.Random) -> object:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) and rng.random() < 0.5 else value


def _counts(body: object, rng: random.Random, endpoint: str) -> None:
    """§0.5: counts as integers or numeric strings; zero counts in stats/unique_counts may be absent."""
    for node in _walk(body):
        for key in ("stats", "unique_counts"):
            counts = node.get(key)
            if not isinstance(counts, dict):
                continue
            for name in list(counts):
                if key == "stats" and not name.startswith("em_"):
                    continue
                if counts[name] == 0 and rng.random() < 0.5:
                    del counts[name]
                else:
                    counts[name] = _maybe_str(counts[name], rng)
    if not isinstance(body, dict):
        return
    if endpoint == "contacts" and "contacts_count" in body:
        body["contacts_count"] = _maybe_str(body["contacts_count"], rng)
    for collection, key in (("lists", "membership_count"), ("tags", "contacts_count")):
        for item in body.get(collection, []) if endpoint in ("contact_lists", "contact_tags") else []:
            if key in item:
                item[key] = _maybe_str(item[key], rng)


def _time_style(rng: random.Random) -> tuple[bool, int]:
    return rng.random() < 0.5, rng.choice(OFFSETS)


def _times(body: object, style: tuple[bool, int]) -> None:
    """§2.1 / §5: with or without milliseconds, Z or an equivalent ±hh:mm offset; the same instant."""
    millis, offset = style
    if millis and offset == 0:
        return
    zone = timezone(timedelta(minutes=offset))
    for node in _walk(body):
        for key, value in node.items():
            if isinstance(value, str) and _WIRE_TIME.match(value):
                moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.000Z").replace(tzinfo=UTC).astimezone(zone)
                text = moment.strftime("%Y-%m-%dT%H:%M:%S") + (".000" if millis else "")
                node[key] = text + ("Z" if offset == 0 else moment.strftime("%z")[:3] + ":" + moment.strftime("%z")[3:])


def _links(body: object, rng: random.Random, endpoint: str) -> None:
    if not isinstance(body, dict):
        return
    tracking = "/tracking/" in endpoint
    if endpoint not in PAGED and not tracking:
        return
    href = ((body.get("_links") or {}).get("next") or {}).get("href")
    if href:
        if endpoint == "contact_tags":
            if rng.random() < 0.5:   # the tags guide page's link: the service's own route for the same listing
                href = href.replace("/v3/", "/contacts-service/v3/accounts/1100465488172/", 1)
                body["_links"] = {"next": {"href": href}}
            if rng.random() < 0.5:
                body["_links"] = {"next": {"href": href, "next": {"href": href}}}   # §1 tagsPagingLinks
        return
    forms = (SEGMENT_END_FORMS if endpoint == "segments"
             else REQUIRED_LINKS_END_FORMS if endpoint.endswith(("/bounces", "/optouts")) else END_FORMS)
    form = rng.choice(forms)
    links = {"absent": None, "empty": {}, "next_null": {"next": None}, "next_empty": {"next": {}},
             "href_null": {"next": {"href": None}}}[form]
    if links is None:
        body.pop("_links", None)
    else:
        body["_links"] = links
