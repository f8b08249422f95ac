"""Bulk contact export: POST activities/contact_exports, poll GET activities/{id}, download the CSV."""

from __future__ import annotations

import csv
import io
import uuid

import numpy as np

from cc_data.sandbox.account import PERMISSIONS, Account
from cc_data.sandbox.clock import iso
from cc_data.sandbox.routes_contacts import _bits
from cc_data.sandbox.segments import members
from cc_data.sandbox.wire import UUID, Response, bad_request, not_found

COLUMNS = ("contact_id", "email", "first_name", "last_name", "job_title", "company_name",
           "email_permission_status", "email_optin_date", "email_optout_date", "email_optout_reason",
           "created_at", "updated_at", "list_memberships")
STATES = ("initialized", "processing", "completed")
KEY = "activities.api.validation.error"
ID_ARRAYS = (("contact_ids", 500), ("list_ids", 50), ("tag_ids", 50))   # the spec's maxItems


def _uuid_array(value: object, name: str, most: int | None) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and UUID.fullmatch(v) for v in value):
        raise bad_request(f"{name} must be an array of UUID strings.", KEY)
    if most is not None and len(value) > most:
        raise bad_request(f"{name} accepts at most {most} ids.", KEY)
    return value


def check_body(body: object) -> dict:
    """The ContactsExport body the spec defines (required: no body or `null` is a 400); else a 400, never a crash."""
    if body is None:
        raise bad_request("The request body is required: a JSON object such as {\"list_ids\": [...]}.", KEY)
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.", KEY)
    for name, most in ID_ARRAYS:
        if name in body:
            _uuid_array(body[name], name, most)
    if "segment_id" in body and (not isinstance(body["segment_id"], int) or isinstance(body["segment_id"], bool)):
        raise bad_request("segment_id must be an integer.", KEY)
    if "new_subscriber" in body and not isinstance(body["new_subscriber"], bool):
        raise bad_request("new_subscriber must be true or false.", KEY)
    if "fields" in body and not (isinstance(body["fields"], list) and all(isinstance(f, str) for f in body["fields"])):
        raise bad_request("fields must be an array of strings.", KEY)
    if "status" in body and body["status"] not in PERMISSIONS:
        raise bad_request(f"status must be one of {', '.join(PERMISSIONS)}.", KEY)
    if "exclude" in body:
        if not isinstance(body["exclude"], dict):
            raise bad_request("exclude must be an object with contact_ids.", KEY)
        if "contact_ids" in body["exclude"]:
            _uuid_array(body["exclude"]["contact_ids"], "exclude.contact_ids", None)
    return body


class Exports:
    def __init__(self, account_ref):
        self._account = account_ref
        self.jobs: dict[str, dict] = {}

    def create(self, body: object) -> Response:
        body = check_body(body)
        account: Account = self._account()
        mask = account.existing() & ~account.deleted()
        c = account.contacts
        if body.get("contact_ids"):
            wanted = set(body["contact_ids"][:500])
            mask &= np.array([cid in wanted for cid in c.contact_id], bool)
        if body.get("list_ids"):
            mask &= (c.lists & _bits(body["list_ids"], account.lists, "list_id")) != 0
        if body.get("tag_ids"):
            mask &= (c.tags & _bits(body["tag_ids"], account.tags, "tag_id")) != 0
        if body.get("segment_id"):
            mask &= members(account, int(body["segment_id"]), account.now)
        if body.get("exclude", {}).get("contact_ids"):
            mask &= ~np.isin(c.contact_id, body["exclude"]["contact_ids"])
        if body.get("status"):
            perm = account.permission_now()
            mask &= perm == PERMISSIONS.index(body["status"])
        activity_id = str(uuid.uuid4())
        self.jobs[activity_id] = {"rows": np.flatnonzero(mask), "polls": 0, "created": account.now}
        return Response(201, self._status(activity_id, advance=False))

    def _status(self, activity_id: str, advance: bool) -> dict:
        job = self.jobs[activity_id]
        if advance:
            job["polls"] += 1
        state = STATES[min(job["polls"], 2)]
        total = int(len(job["rows"]))
        done = {"initialized": 0, "processing": total // 2, "completed": total}[state]
        out = {"activity_id": activity_id, "state": state, "created_at": iso(job["created"]),
               "updated_at": iso(job["created"]), "percent_done": round(100 * done / total) if total else 100,
               "activity_errors": [], "status": {"items_total_count": total, "items_completed_count": done},
               "_links": {"self": {"href": f"/v3/activities/{activity_id}"}}}
        if state != "initialized":
            out["started_at"] = iso(job["created"])
        if state == "completed":
            out["completed_at"] = iso(job["created"])
            out["_links"]["results"] = {"href": f"/v3/contact_exports/{activity_id}"}
        return out

    def poll(self, activity_id: str) -> Response:
        if activity_id not in self.jobs:
            raise not_found("The activity was not found.", "activities.api.not_found")
        return Response(200, self._status(activity_id, advance=True))

    def download(self, activity_id: str) -> Response:
        job = self.jobs.get(activity_id)
        if job is None or job["polls"] < 2:
            raise not_found("The export file was not found or is not ready.", "activities.api.not_found")
        account: Account = self._account()
        c, perm = account.contacts, account.permission_now()
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for i in job["rows"]:
            opted = c.optout_at[i] <= account.now
            writer.writerow([
                c.contact_id[i], c.email[i], c.first_name[i], c.last_name[i], c.job_title[i] or "",
                c.company_name[i] or "", PERMISSIONS[perm[i]], iso(int(c.created_at[i])),
                iso(int(c.optout_at[i])) if opted else "", "" if not opted else "",
                iso(int(c.created_at[i])), iso(int(c.updated_at[i])),
                ";".join(e["name"] for b, e in enumerate(account.lists) if c.lists[i] >> b & 1)])
        return Response(200, out.getvalue(), content_type="text/csv")
