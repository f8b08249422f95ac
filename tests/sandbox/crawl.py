"""Read every served endpoint like a patient client (retry transient faults, follow next hrefs).

Also the canonical form of an answer: what a client should make of it, whatever documented form it came in
(reference §0.4-§0.6, §1, §5). The tests compare canonical answers of a plain and a variants sandbox.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from datetime import UTC, datetime

import requests

from cc_data.sandbox.server import SandboxServer
from tests.sandbox.helpers import token

DT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?(Z|[+-]\d\d:\d\d)$")
COUNT_KEYS = ("contacts_count", "membership_count", "lists_count", "segment_id")
TRACKING_KINDS = ("sends", "opens", "unique_opens", "clicks", "bounces", "optouts", "didnotopens", "forwards")


def start_requests(server: SandboxServer) -> list[tuple[str, str, dict]]:
    """(spec path template, path, params) for every GET the sandbox serves, small pages so paging shows."""
    account = server.account
    sent = [a for a in account.activities if a.tracking is not None and a.send_at is not None
            and a.send_at <= account.now][:2]
    campaign = account.campaign(sent[0].campaign_id)
    out = [("/contacts", "contacts", {"status": "all", "include_count": "true", "limit": "100",
                                      "include": "custom_fields,list_memberships,phone_numbers,street_addresses,"
                                                 "taggings,notes"}),
           ("/contacts", "contacts", {"segment_id": "14", "limit": "20"}),
           ("/contacts/{contact_id}", f"contacts/{account.contacts.contact_id[5]}",
            {"include": "phone_numbers,street_addresses"}),
           ("/contact_lists", "contact_lists", {"include_membership_count": "all", "include_count": "true",
                                                "status": "all", "limit": "3"}),
           ("/contact_tags", "contact_tags", {"include_count": "true", "limit": "2"}),
           ("/contact_custom_fields", "contact_custom_fields", {"limit": "2"}),
           ("/segments", "segments", {"limit": "2"}),
           ("/emails", "emails", {"limit": "3"}),
           ("/emails/{campaign_id}", f"emails/{campaign.campaign_id}", {}),
           ("/reports/summary_reports/email_campaign_summaries",
            "reports/summary_reports/email_campaign_summaries", {"limit": "4"}),
           ("/reports/stats/email_campaign_activities/{campaign_activity_ids}",
            "reports/stats/email_campaign_activities/" + ",".join(a.campaign_activity_id for a in sent), {}),
           ("/account/summary", "account/summary", {"extra_fields": "physical_address"})]
    for activity in sent:
        aid = activity.campaign_activity_id
        out.append(("/emails/activities/{campaign_activity_id}", f"emails/activities/{aid}", {}))
        out += [(f"/reports/email_reports/{{campaign_activity_id}}/tracking/{kind}",
                 f"reports/email_reports/{aid}/tracking/{kind}", {"limit": "40"}) for kind in TRACKING_KINDS]
    return out


class Client:
    def __init__(self, server: SandboxServer):
        self.server = server
        self.access = token(server)
        self.faults: Counter[str] = Counter()
        self.raw: list[tuple[str, int, object]] = []   # (template, status, body) of every answer

    def get(self, template: str, path_or_href: str, params: dict | None = None) -> dict:
        url = (self.server.url + path_or_href if path_or_href.startswith("/v3/")
               else f"{self.server.api_base_url}/{path_or_href}")
        for _ in range(20):
            answer = requests.get(url, params=params, headers={"Authorization": f"Bearer {self.access}"},
                                  timeout=10)
            body = answer.json()
            self.raw.append((template, answer.status_code, body))
            if answer.status_code == 200:
                return body
            if answer.status_code == 401:
                self.faults["401"] += 1
                self.access = token(self.server)
            elif answer.status_code in (202, 429, 503):
                self.faults[str(answer.status_code)] += 1
                if answer.status_code == 429:
                    self.faults["429 with Retry-After"] += "Retry-After" in answer.headers
            else:
                raise AssertionError(f"{url}: {answer.status_code} {answer.text[:200]}")
        raise AssertionError(f"{url}: still failing after 20 tries")

    def crawl(self) -> list[tuple[str, dict]]:
        """Every page of every start request, in order: (template, body)."""
        pages = []
        for template, path, params in start_requests(self.server):
            body = self.get(template, path, params)
            pages.append((template, body))
            while next_href(body):
                body = self.get(template, next_href(body))
                pages.append((template, body))
        return pages


def next_href(body: object) -> str | None:
    links = body.get("_links") if isinstance(body, dict) else None
    nxt = links.get("next") if isinstance(links, dict) else None
    href = nxt.get("href") if isinstance(nxt, dict) and nxt.get("href") else None
    # the tags guide page's form: the service's own route for the same listing
    return re.sub(r"^/contacts-service/v3/accounts/[^/]+/", "/v3/", href) if href else None


def _utc(text: str) -> str:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _int(value: object) -> object:
    return int(value) if isinstance(value, str) and value.lstrip("-").isdigit() else value


def canonical(template: str, body: object) -> object:
    """The content of an answer with every documented form choice undone."""
    body = copy.deepcopy(body)
    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack += node
            continue
        if not isinstance(node, dict):
            continue
        for key in [k for k, v in node.items() if v is None]:
            del node[key]
        for key, value in list(node.items()):
            if isinstance(value, str) and DT.match(value):
                node[key] = _utc(value)
            elif key in COUNT_KEYS:
                node[key] = _int(value)
            elif key in ("stats", "unique_counts") and isinstance(value, dict):
                node[key] = {k.replace(".", "_"): _int(v) for k, v in value.items() if _int(v) != 0}
            elif key == "tracking_activity_type" and value == "em_unique_opens":
                node[key] = "em_opens"
            elif isinstance(value, dict | list):
                stack.append(value)
    if isinstance(body, dict):
        if isinstance(body.get("aggregate_percents"), list):
            body["aggregate_percents"] = body["aggregate_percents"][0]
        href = next_href(body)
        body.pop("_links", None)
        if href:
            body["_links"] = {"next": {"href": href}}
        if template == "/emails":
            for item in body.get("campaigns", []):
                item.pop("updated_at", None)
        if template == "/emails/{campaign_id}":   # the detail may omit them (issue 19); the listing carries them
            body.pop("type_code", None)
            body.pop("created_at", None)
    return body
