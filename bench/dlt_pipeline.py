"""The peer: dlt's `rest_api` source over the same Constant Contact V3 endpoints a `cc-data sync` reads, loaded
into DuckDB through dlt's parquet loader. Runs INSIDE dlt's own virtual environment (bench/.dlt-venv, made by
bench/dlt_compare.py); nothing in the project imports it and dlt is not a project dependency.

    bench/.dlt-venv/bin/python bench/dlt_pipeline.py CONFIG.json

CONFIG.json: {"api_base_url", "oauth_base_url", "client_id", "client_secret", "refresh_token", "db_path",
"pipelines_dir", "rps", "parallelized", "normalize_workers", "duckdb_config"}. Prints one JSON line: {"rows": {resource: rows loaded}, "calls": N,
"stages_s": {...}}.

The streams and their requests are those of cc_data/sync/streams.py, at the same page sizes (the documented
maxima: 500 for contacts, /emails, summaries, tags, lists and tracking, 100 for custom fields, 1000 for
segments):

    account/summary, contact_custom_fields, contact_lists, contact_tags, segments, contacts (status=all, the same
    include=), emails -> emails/{campaign_id} -> emails/activities/{id} of each primary_email and resend ->
    reports/stats/email_campaign_activities/{id} of each that went out -> reports/email_reports/{id}/tracking/
    {kind} for each kind whose count in the stats is not zero (as the sync skips them), and the campaign
    summaries.

What `rest_api` cannot say as configuration (a child resource fed by a filtered list inside a parent's record,
or by the kinds a stats answer counts) is three small `dlt.transformer`s between rest_api resources, each
selected=False (never loaded). Stats are asked one activity per call (the endpoint takes up to 10 ids; rest_api
resolves one parent value per call): about 84 calls more than the sync at the demo scale.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import dlt
import requests
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials
from dlt.sources.helpers.requests.retry import Client
from dlt.sources.rest_api import rest_api_resources
from requests.adapters import HTTPAdapter

CONTACT_INCLUDE = "custom_fields,list_memberships,taggings,phone_numbers,street_addresses"
# Every listing's next page is the relative link `_links.next.href` (absent on the last page). Named on each
# endpoint: a paginator set once on the client was not followed by the dependent (tracking) resources.
NEXT_LINK = {"type": "json_link", "next_url_path": "_links.next.href"}
TRACKED_ROLES = ("primary_email", "resend")
NOT_SENT = ("DRAFT", "SCHEDULED")
# tracking kind -> the activity-stats count of the same rows (cc_data/sync/streams.py TRACKING_KINDS)
TRACKING_KINDS = {"sends": "em_sends", "opens": "em_opens_all", "clicks": "em_clicks_all",
                  "bounces": "em_bounces", "optouts": "em_optouts", "forwards": "em_forwards"}


class PacedAdapter(HTTPAdapter):
    """Every request waits for its slot at `rps` (the same pacing the sync's client keeps), and is counted."""

    def __init__(self, rps: float) -> None:
        super().__init__(pool_connections=4, pool_maxsize=8)
        self.interval = 1.0 / rps
        self.next_at = 0.0
        self.calls = 0
        self.lock = threading.Lock()

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        with self.lock:
            now = time.monotonic()
            wait = self.next_at - now
            self.next_at = max(now, self.next_at) + self.interval
            self.calls += 1
        if wait > 0:
            time.sleep(wait)
        return super().send(request, *args, **kwargs)


def access_token(cfg: dict) -> str:
    answer = requests.post(cfg["oauth_base_url"].rstrip("/") + "/token", timeout=30,
                           auth=(cfg["client_id"], cfg["client_secret"]),
                           data={"grant_type": "refresh_token", "refresh_token": cfg["refresh_token"]})
    answer.raise_for_status()
    return answer.json()["access_token"]


def as_list(items: dict | list[dict]) -> list[dict]:
    """A transformer gets a parent's page, or its one record; it yields pages (rest_api's children iterate them)."""
    return [items] if isinstance(items, dict) else items


def listing(name: str, path: str, records: str, limit: int, **params: str) -> dict:
    return {"name": name, "endpoint": {"path": path, "data_selector": records, "paginator": NEXT_LINK,
                                       "params": {"limit": limit, **params}}}


def source(cfg: dict, session: requests.Session) -> list:
    client = {"base_url": cfg["api_base_url"].rstrip("/") + "/", "session": session,
              "auth": {"type": "bearer", "token": access_token(cfg)}}
    parallel = bool(cfg.get("parallelized"))
    first = rest_api_resources({"client": client, "resources": [
        {"name": "account", "endpoint": {"path": "account/summary", "data_selector": "$",
                                         "paginator": "single_page"}},
        listing("custom_fields", "contact_custom_fields", "custom_fields", 100),
        listing("lists", "contact_lists", "lists", 500, include_membership_count="all", status="all"),
        listing("tags", "contact_tags", "tags", 500, include_count="true"),
        listing("segments", "segments", "segments", 1000),
        {**listing("contacts", "contacts", "contacts", 500, include=CONTACT_INCLUDE, status="all",
                   include_count="true"), "parallelized": parallel},
        listing("campaigns", "emails", "campaigns", 500),
        {"name": "campaign_details", "endpoint": {
            "path": "emails/{campaign_id}", "data_selector": "$", "paginator": "single_page",
            "params": {"campaign_id": {"type": "resolve", "resource": "campaigns", "field": "campaign_id"}}}},
        listing("campaign_summaries", "reports/summary_reports/email_campaign_summaries",
                "bulk_email_campaign_summaries", 500),
    ]})
    by_name = {r.name: r for r in first}

    @dlt.transformer(data_from=by_name["campaign_details"], selected=False)
    def emailed_activities(details: dict | list[dict]) -> Iterator[list[dict]]:
        yield [{"campaign_activity_id": activity["campaign_activity_id"]} for detail in as_list(details)
               for activity in detail.get("campaign_activities") or [] if activity.get("role") in TRACKED_ROLES]

    second = rest_api_resources({"client": client, "resources": [
        emailed_activities,
        {"name": "activity_details", "endpoint": {
            "path": "emails/activities/{campaign_activity_id}", "data_selector": "$", "paginator": "single_page",
            "params": {"campaign_activity_id": {"type": "resolve", "resource": "emailed_activities",
                                                "field": "campaign_activity_id"}}}},
    ]})
    activity_details = next(r for r in second if r.name == "activity_details")

    @dlt.transformer(data_from=activity_details, selected=False)
    def sent_activities(details: dict | list[dict]) -> Iterator[list[dict]]:
        yield [{"campaign_activity_id": detail["campaign_activity_id"]} for detail in as_list(details)
               if str(detail.get("current_status") or "").upper() not in NOT_SENT]

    third = rest_api_resources({"client": client, "resources": [
        sent_activities,
        {"name": "activity_stats", "endpoint": {
            "path": "reports/stats/email_campaign_activities/{campaign_activity_id}", "data_selector": "results",
            "paginator": "single_page",
            "params": {"campaign_activity_id": {"type": "resolve", "resource": "sent_activities",
                                                "field": "campaign_activity_id"}}}},
    ]})
    activity_stats = next(r for r in third if r.name == "activity_stats")

    @dlt.transformer(data_from=activity_stats, selected=False)
    def tracking_jobs(results: dict | list[dict]) -> Iterator[list[dict]]:
        yield [{"campaign_activity_id": result["campaign_activity_id"], "kind": kind} for result in as_list(results)
               for kind, count in TRACKING_KINDS.items() if int((result.get("stats") or {}).get(count) or 0) > 0]

    fourth = rest_api_resources({"client": client, "resources": [
        tracking_jobs,
        {"name": "tracking", "parallelized": parallel, "endpoint": {
            "path": "reports/email_reports/{campaign_activity_id}/tracking/{kind}",
            "data_selector": "tracking_activities", "paginator": NEXT_LINK,
            "params": {"limit": int(cfg.get("tracking_page", 500)),
                       "campaign_activity_id": {"type": "resolve", "resource": "tracking_jobs",
                                                "field": "campaign_activity_id"},
                       "kind": {"type": "resolve", "resource": "tracking_jobs", "field": "kind"}}}},
    ]})
    return [r for r in (*first, *second, *third, *fourth) if r.selected]


def main(config_path: str) -> None:
    with open(config_path) as fh:
        cfg = json.load(fh)
    adapter = PacedAdapter(float(cfg["rps"]))
    session = Client(request_max_attempts=5, raise_for_status=False).session
    session.mount("http://", adapter)
    pipeline = dlt.pipeline(pipeline_name="cc_v3", pipelines_dir=cfg["pipelines_dir"], dataset_name="cc",
                            destination=dlt.destinations.duckdb(DuckDbCredentials(
                                cfg["db_path"], global_config=cfg.get("duckdb_config"))), progress=None)
    resources = source(cfg, session)
    stages = {}
    t0 = time.perf_counter()
    pipeline.extract(resources, loader_file_format="parquet")
    stages["extract"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    pipeline.normalize(workers=int(cfg.get("normalize_workers", 1)))
    stages["normalize"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    pipeline.load()
    stages["load"] = time.perf_counter() - t0
    rows = {t: n for t, n in (pipeline.last_trace.last_normalize_info.row_counts or {}).items()
            if not t.startswith("_dlt")}
    print(json.dumps({"rows": rows, "calls": adapter.calls, "stages_s": {k: round(v, 1) for k, v in stages.items()}}))


if __name__ == "__main__":
    main(sys.argv[1])
