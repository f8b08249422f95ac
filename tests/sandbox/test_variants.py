"""`SandboxServer(variants=seed)`: every documented form, the same content as the plain sandbox."""

from __future__ import annotations

import re

import pytest

from cc_data.sandbox.server import SandboxServer
from tests.conftest import FIXTURE_DEFAULTS
from tests.sandbox.crawl import DT, Client, canonical, next_href
from tests.sandbox.helpers import get, token
from tests.sandbox.spec import response_errors

SEEDS = (1, 2, 3)


@pytest.fixture(scope="module")
def crawls():
    """A plain crawl and variants crawls (seeds 1-3, faults made frequent so each kind shows)."""
    out = {}
    for seed in (None, *SEEDS):
        with SandboxServer(**FIXTURE_DEFAULTS, variants=seed) as server:
            if server.variants is not None:
                server.variants.fault_rate = 0.15
            client = Client(server)
            out[seed] = (client.crawl(), client)
    return out


def test_variants_change_the_form_never_the_content(crawls):
    plain, _ = crawls[None]
    for seed in SEEDS:
        pages, _ = crawls[seed]
        assert [t for t, _ in pages] == [t for t, _ in plain]
        for (template, body), (_, expected) in zip(pages, plain, strict=True):
            assert canonical(template, body) == canonical(template, expected), template
        # and the plain sandbox needs no undoing at all (besides what canonical drops from both)
    assert sum(len(b.get("contacts", [])) for t, b in plain if t == "/contacts") > 300


def test_plain_answers_fit_the_spec_and_variant_answers_fit_its_documented_forms(crawls):
    for seed, (_, client) in crawls.items():
        for template, status, body in client.raw:
            errors = response_errors("GET", template, status, body, documented=seed is not None)
            assert errors == [], (seed, template, status, errors[:3])


def _forms(client: Client, pages: list[tuple[str, dict]]) -> set[str]:
    seen = set()
    for template, body in pages:
        if not next_href(body) and (template.startswith("/reports/email_reports") or template in (
                "/contacts", "/contact_lists", "/contact_tags", "/contact_custom_fields", "/segments", "/emails",
                "/reports/summary_reports/email_campaign_summaries")):
            links = body.get("_links", "absent")
            seen.add(f"end {links}")
        if template == "/contact_tags" and "next" in (body.get("_links", {}).get("next") or {}):
            seen.add("tags next.next")
        if "/contacts-service/" in str((body.get("_links", {}).get("next") or {}).get("href")):
            seen.add("tags service href")
        for item in body.get("bulk_email_campaign_summaries", []):
            counts = item["unique_counts"]
            seen |= {"unique_counts str" for v in counts.values() if isinstance(v, str)}
            seen |= {"unique_counts zero absent" for k in ("abuse", "forwards", "optouts") if k not in counts}
        for item in body.get("results", []):
            seen |= {"stats str" for v in item["stats"].values() if isinstance(v, str)}
            seen |= {"stats zero absent" for k in ("em_opens_all_none", "em_abuse") if k not in item["stats"]}
            seen |= {"stats dotted names" for k in item["stats"] if k.startswith("em_opens.all")}
        if isinstance(body.get("contacts_count"), str):
            seen.add("contacts_count str")
        seen |= {"membership_count str" for x in body.get("lists", []) if isinstance(x.get("membership_count"), str)}
        seen |= {"tag contacts_count str" for x in body.get("tags", []) if isinstance(x.get("contacts_count"), str)}
        seen |= {"segment_id str" for x in body.get("segments", []) if isinstance(x["segment_id"], str)}
        if isinstance(body.get("aggregate_percents"), list):
            seen.add("aggregate_percents array")
        if template == "/emails" and any("updated_at" not in c for c in body.get("campaigns", [])):
            seen.add("emails updated_at absent")
        if template == "/emails/{campaign_id}":
            seen |= {f"detail {k} absent" for k in ("type_code", "created_at") if k not in body}
        if any(r["tracking_activity_type"] == "em_unique_opens" for r in body.get("tracking_activities", [])):
            seen.add("em_unique_opens")
        for text in re.findall(r"'(\d{4}-\d\d-\d\dT[^']+)'", repr(body)):
            assert DT.match(text), text
            seen.add("time no millis" if "." not in text else "time millis")
            seen.add("time Z" if text.endswith("Z") else "time offset")
    seen |= {f"fault {k}" for k, v in client.faults.items() if v}
    seen |= {"202 without contacts" for t, s, b in client.raw if s == 202 and "contacts" not in b}
    return seen


def test_every_documented_form_is_sent(crawls):
    seen = set()
    for seed in SEEDS:
        pages, client = crawls[seed]
        seen |= _forms(client, pages)
    expected = {"end absent", "end {}", "end {'next': None}", "end {'next': {}}", "end {'next': {'href': None}}",
                "tags next.next", "unique_counts str", "unique_counts zero absent", "stats str", "stats zero absent",
                "contacts_count str", "membership_count str", "tag contacts_count str", "segment_id str",
                "aggregate_percents array", "emails updated_at absent", "em_unique_opens", "time no millis",
                "time millis", "time Z", "time offset", "fault 401", "fault 429", "fault 503", "fault 202",
                "202 without contacts", "stats dotted names", "detail type_code absent", "detail created_at absent",
                "tags service href"}
    assert expected - seen == set()
    assert "fault 429 with Retry-After" not in seen
    plain_pages, plain_client = crawls[None]
    plain = _forms(plain_client, plain_pages)
    assert plain & {"stats dotted names", "detail type_code absent", "time no millis", "time offset", "unique_counts str", "aggregate_percents array",
                    "fault 401", "fault 429", "fault 503", "end {'next': None}"} == set()


def test_variants_are_deterministic_per_seed(sandbox_factory):
    def answers(seed: int) -> list[object]:
        server = sandbox_factory(variants=seed)
        client = Client(server)
        client.crawl()
        return [(t, s, b) for t, s, b in client.raw]

    first = answers(5)
    assert answers(5) == first
    assert answers(6) != first


def test_a_token_is_refused_at_most_once_and_every_fault_clears_on_retry(sandbox_factory):
    server = sandbox_factory(variants=4)
    server.variants.fault_rate = 1.0       # every first try faults; every retry must be answered
    access = token(server)
    first, retry = [], []
    for limit in range(1, 30):
        first.append(get(server, "contacts", access, limit=limit))
        retry.append(get(server, "contacts", access, limit=limit))
    assert [a.status_code for a in first].count(401) == 1
    assert {a.status_code for a in first} == {401, 429, 503}
    assert all(a.status_code == 200 for a in retry)
    for answer in first:
        if answer.status_code == 429:
            assert answer.json()["error_key"] == "throttled" and "Retry-After" not in answer.headers
        if answer.status_code == 503:
            assert isinstance(answer.json(), list) and answer.json()[0]["error_key"]
    client = Client(server)
    pages = client.crawl()
    statuses = [s for _, s, _ in client.raw]
    assert statuses.count(200) == len(pages)
    for before, after in zip(statuses, statuses[1:], strict=False):
        assert before in (200, 202) or after in (200, 202), statuses
