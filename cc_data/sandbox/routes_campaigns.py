"""GET /v3/emails..., the report endpoints (summaries, stats, tracking) and /v3/account/summary."""

from __future__ import annotations

import re

import numpy as np

from cc_data.sandbox import render, reports
from cc_data.sandbox.account import TRACKING_TYPES, Account, Activity
from cc_data.sandbox.clock import iso, iso_date
from cc_data.sandbox.names import BOUNCE_CODES, DEVICE_TYPES, OPT_OUT_REASONS
from cc_data.sandbox.wire import (
    Response,
    bad_request,
    decode_cursor,
    next_link,
    not_found,
    parse_csv_enum,
    parse_date_time,
    parse_int64,
    parse_limit,
)

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TRACKING_KINDS = ("sends", "opens", "unique_opens", "clicks", "bounces", "optouts", "didnotopens", "forwards")
REPORT_KEY = "reportingsvc.validation.error"
EXTRA_FIELDS = ("physical_address", "company_logo")


class CampaignRoutes:
    def __init__(self, account_ref):
        self._account = account_ref

    @property
    def account(self) -> Account:
        return self._account()

    def emails(self, query: dict[str, str]) -> Response:
        if "cursor" in query:
            state = decode_cursor(query["cursor"], "emails")
            query, offset = state["q"], state["o"]
        else:
            offset = 0
        limit = parse_limit(query.get("limit"), 50, 500, "campaigns.api.validation.error")
        account = self.account
        bounds = {name: moment for name in ("after_date", "before_date")
                  if (moment := parse_date_time(query.get(name), name, "campaigns.api.validation.error")) is not None}
        items = []
        for campaign in account.campaigns_visible():
            updated = min(campaign.updated_at, account.now)
            if "after_date" in bounds and updated < bounds["after_date"]:
                continue
            if "before_date" in bounds and updated > bounds["before_date"]:
                continue
            items.append((updated, campaign.campaign_id, campaign))
        items.sort(key=lambda row: (-row[0], row[1]))
        page = items[offset: offset + limit]
        body: dict = {"campaigns": [render.campaign(account, c, False) for _, _, c in page]}
        if offset + limit < len(items):
            body["_links"] = next_link("emails", {"e": "emails", "q": query, "o": offset + limit})
        return Response(200, body)

    def email(self, campaign_id: str) -> Response:
        campaign = self.account.campaign(campaign_id)
        if campaign is None or campaign.created_at > self.account.now:
            raise not_found("The campaign was not found.", "campaigns.api.not_found")
        return Response(200, render.campaign(self.account, campaign, True))

    def email_activity(self, activity_id: str, query: dict[str, str]) -> Response:
        include = parse_csv_enum(query.get("include"), render.ACTIVITY_INCLUDES, "include",
                                 "campaigns.api.validation.error")
        activity = self._activity(activity_id, "campaigns.api.not_found")
        return Response(200, render.activity(self.account, activity, set(include)))

    def _activity(self, activity_id: str, key: str) -> Activity:
        activity = self.account.activity(activity_id)
        if activity is None or activity.created_at > self.account.now:
            raise not_found(f"campaign activity {activity_id} was not found.", key)
        return activity

    def summaries(self, query: dict[str, str]) -> Response:
        if "next" in query:
            state = decode_cursor(query["next"], "summaries")
            query, offset = state["q"], state["o"]
        else:
            offset = 0
        limit = parse_limit(query.get("limit"), 50, 500, REPORT_KEY)
        account = self.account
        rows = reports.summaries(account)
        page = rows[offset: offset + limit]
        items, totals = [], {"sends": 0, "opens": 0, "clicks": 0, "bounces": 0, "optouts": 0, "not_opened": 0}
        for campaign, sent_at in page:
            counts = reports.campaign_unique_counts(campaign, account.now)
            for key in totals:
                totals[key] += counts[key]
            items.append({"campaign_id": campaign.campaign_id, "campaign_type": campaign.type.replace("_", " ").title(),
                          "last_sent_date": iso(sent_at), "unique_counts": counts})
        delivered = max(totals["sends"] - totals["bounces"], 0)

        def pct(part: int, whole: int) -> float:
            return round(100.0 * part / whole, 1) if whole else 0.0

        body: dict = {"bulk_email_campaign_summaries": items, "aggregate_percents": {
            "click": pct(totals["clicks"], delivered), "open": pct(totals["opens"], delivered),
            "did_not_open": pct(totals["not_opened"], delivered), "bounce": pct(totals["bounces"], totals["sends"]),
            "unsubscribe": pct(totals["optouts"], delivered)}}
        if offset + limit < len(rows):
            body["_links"] = next_link("reports/summary_reports/email_campaign_summaries",
                                       {"e": "summaries", "q": query, "o": offset + limit}, "next")
        return Response(200, body)

    def activity_stats(self, ids_text: str) -> Response:
        ids = [part for part in ids_text.split(",") if part]
        if not ids or len(ids) > 10:
            raise bad_request("campaign_activity_ids must list between 1 and 10 ids.", REPORT_KEY)
        if any(not UUID.match(i) for i in ids):
            raise not_found("campaign_activity_ids contains a malformed id.",
                            "reportingsvc.not_found.invalid_path_param.campaign_activity_ids")
        account = self.account
        results, errors = [], []
        for activity_id in ids:
            activity = account.activity(activity_id)
            if (activity is None or activity.tracking is None or activity.send_at is None
                    or activity.send_at > account.now):
                errors.append({"error_key": "reportingsvc.not_found.invalid_path_param.campaign_activity_ids.",
                               "error_message": f"No stats found for campaign activity {activity_id}."})
                continue
            results.append({"campaign_id": activity.campaign_id, "campaign_activity_id": activity_id,
                            "stats": reports.activity_stats(activity, account.now),
                            "last_refresh_time": iso(account.now)})
        return Response(200, {"results": results, "errors": errors})

    def tracking(self, activity_id: str, kind: str, query: dict[str, str], multi: dict[str, list[str]]) -> Response:
        if kind not in TRACKING_KINDS:
            raise not_found(f"Unknown report {kind}.", "reportingsvc.not_found")
        path = f"reports/email_reports/{activity_id}/tracking/{kind}"
        endpoint = f"tracking/{activity_id}/{kind}"
        if "next" in query:
            state = decode_cursor(query["next"], endpoint)
            params, before = state["q"], state["b"]
        else:
            params, before = {k: v for k, v in multi.items() if k in ("limit", "url_id", "bounce_code")}, None
        limit = parse_limit((params.get("limit") or [None])[0], 500, 500, REPORT_KEY)
        # url_id is an int64 in the spec: 2**64 or "abc" is a 400, and "007" asks for link 7
        url_ids = {parse_int64(u, "url_id", REPORT_KEY) for u in params.get("url_id", [])} if kind == "clicks" else set()
        codes = params.get("bounce_code", []) if kind == "bounces" else []
        if any(code not in BOUNCE_CODES for code in codes):
            raise bad_request("bounce_code must be one of B, D, F, S, V, X, Z.", REPORT_KEY)
        activity = self._activity(activity_id, "reportingsvc.not_found.campaign_activity_id")
        if activity.role == "permalink":
            raise not_found("Permalink activities have no tracking reports.", "reportingsvc.not_found")
        if activity.tracking is None or activity.send_at is None or activity.send_at > self.account.now:
            return Response(200, {"tracking_activities": []})
        rows, times, source = self._rows(activity, kind, url_ids, [BOUNCE_CODES.index(c) for c in codes])
        # rows ascend by time; a page is the newest `limit` rows below the cursor, newest first
        end = len(rows) if before is None else int(np.searchsorted(rows, before, side="left"))
        start = max(end - limit, 0)
        chosen = rows[start:end][::-1]
        body: dict = {"tracking_activities": [self._row(activity, kind, source, int(r), times) for r in chosen]}
        if start > 0:
            body["_links"] = next_link(path, {"e": endpoint, "q": params, "b": int(rows[start])}, "next")
        elif kind in ("bounces", "optouts"):
            body["_links"] = {}
        return Response(200, body)

    def _rows(self, activity: Activity, kind: str, url_ids: set[int], codes: list[int]):
        """Indices (ascending, i.e. oldest first) into the arrays a kind is served from."""
        t, now = activity.tracking, self.account.now
        if kind == "sends":
            n = t.sends_visible(now)
            return np.arange(n), t.send_times(slice(0, n)), None
        if kind == "didnotopens":
            n = t.sends_visible(now)
            opens = t.events["opens"]
            seen = np.concatenate([opens.contact[: opens.visible(now)], t.events["bounces"].contact])
            return np.flatnonzero(~np.isin(t.recipients[:n], seen)), t.send_times(slice(0, n)), None
        base = "opens" if kind == "unique_opens" else kind
        ev = t.events[base]
        k = ev.visible(now)
        if kind == "unique_opens":
            # the last open per contact: scan newest first and keep each contact's first appearance
            _, first = np.unique(ev.contact[:k][::-1], return_index=True)
            return np.sort(k - 1 - first), ev.time, ev
        rows = np.arange(k)
        if url_ids:
            link_ok = np.array([int(url_id) in url_ids for url_id, _ in activity.links] + [False], bool)
            rows = rows[link_ok[ev.detail[:k]]]
        if codes:
            rows = rows[np.isin(ev.detail[:k], codes)]
        return rows, ev.time, ev

    def _row(self, activity: Activity, kind: str, ev, r: int, times: np.ndarray) -> dict:
        c = self.account.contacts
        contact = int(activity.tracking.recipients[r]) if ev is None else int(ev.contact[r])
        tracking_type = {"unique_opens": "em_opens", "didnotopens": "em_didnotopens"}.get(kind) or TRACKING_TYPES[kind]
        row = {"contact_id": c.contact_id[contact], "campaign_activity_id": activity.campaign_activity_id,
               "tracking_activity_type": tracking_type, "email_address": c.email[contact].strip(),
               "first_name": c.first_name[contact], "last_name": c.last_name[contact]}
        if kind in ("opens", "unique_opens", "clicks"):
            row["device_type"] = DEVICE_TYPES[ev.device[r]]
        if kind == "clicks":
            row["url_id"], row["link_url"] = activity.links[ev.detail[r]]
        if kind == "bounces":
            row["bounce_code"] = BOUNCE_CODES[ev.detail[r]]
            row["current_email_address"] = row["email_address"]
        if kind == "optouts":
            row["opt_out_reason"] = OPT_OUT_REASONS[ev.detail[r]]
        row["created_time"] = iso(int(times[r]))
        if c.deleted_at[contact] <= self.account.now:
            row["deleted_at"] = iso_date(int(c.deleted_at[contact]))
        return row

    def account_summary(self, query: dict[str, str]) -> Response:
        summary = dict(self.account.summary)
        extras = set(parse_csv_enum(query.get("extra_fields"), EXTRA_FIELDS, "extra_fields", "account.api.validation.error"))
        if "physical_address" not in extras:
            summary.pop("physical_address", None)
        if "company_logo" in extras:
            summary["company_logo"] = {"url": "https://files.constantcontact.com/sandbox/logo.png",
                                       "external_url": "https://www.riverbendfoodbank.org/logo.png",
                                       "internal_id": "1"}
        return Response(200, summary)
