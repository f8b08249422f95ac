"""List writes: POST /contact_lists, POST /activities/add_list_memberships and remove_list_memberships, and
their activities as GET /activities/{id} reports them.

A membership activity does its work when it is created (so a crash of the client after the POST changes the
account as the real one would) and reports it over the following polls: initialized, processing, then a
final state. Nobody is ever resubscribed: an unsubscribed or deleted contact is left off the list and
counted in `cannot_add_to_list_count`; its permission is never touched. Every write that changed the account
is kept in `journal`, which `replay` applies to a freshly generated account (the demo uses it).
"""

from __future__ import annotations

import uuid

import numpy as np

from cc_data.sandbox.account import UNSUBSCRIBED, Account
from cc_data.sandbox.clock import iso
from cc_data.sandbox.exports import KEY
from cc_data.sandbox.wire import UUID, ApiProblem, Response, bad_request, not_found

LIST_KEY = "contact_lists.api.validation.error"
MAX_LISTS = 63                          # the sandbox keeps memberships as a 64-bit mask per contact
FINAL_STATES = ("completed", "failed", "cancelled", "timed_out")
SOURCES = ("contact_ids", "list_ids", "all_active_contacts", "tag_ids", "engagement_level", "segment_id")
QUEUE_FULL = "You exceeded 1,000 queued activities for this user account."


def list_id_for(seed: int, name: str) -> str:
    """A new list's id depends on the seed and its name only, so a replayed account gives it the same id."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://sandbox.cc-data/{seed}/created-list/{name}"))


def _body_object(body: object) -> dict:
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.", KEY)
    return body


def _ids(value: object, name: str, most: int, key: str = KEY) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and UUID.fullmatch(v) for v in value):
        raise bad_request(f"{name} must be a non-empty array of UUID strings.", key)
    if len(value) > most:
        raise bad_request(f"{name} accepts at most {most} ids.", key)
    return value


def create_list(account: Account, name: str, description: str, favorite: bool, at: int) -> dict:
    if len(account.lists) >= MAX_LISTS:
        raise bad_request(f"The sandbox holds at most {MAX_LISTS} lists.", LIST_KEY)
    entry = {"list_id": list_id_for(account.seed, name), "name": name, "description": description,
             "favorite": favorite, "created_at": at, "updated_at": at}
    account.lists.append(entry)
    if len(account.lists) > 16 and account.contacts.lists.dtype != np.uint64:
        account.contacts.lists = account.contacts.lists.astype(np.uint64)
    return entry


def apply_memberships(account: Account, op: str, list_ids: list[str], contact_ids: list[str], at: int) -> dict:
    """Add (op 'add') or remove contacts, as of `at`. Returns the counts the activity reports."""
    c = account.contacts
    bits = {e["list_id"]: b for b, e in enumerate(account.lists)}
    mask = 0
    for list_id in list_ids:
        mask |= 1 << bits[list_id]
    found = [account.contact_position(cid) for cid in contact_ids]
    rows = np.array([i for i in found if i is not None and c.created_at[i] <= at], np.int64)
    missing = len(contact_ids) - len(rows)
    refused = 0
    if op == "add" and len(rows):
        gone = (c.deleted_at[rows] <= at) | (c.optout_at[rows] <= at) | (c.permission[rows] == UNSUBSCRIBED)
        refused = int(gone.sum())
        rows = rows[~gone]
    if len(rows):
        mask_value = np.array(mask, dtype=c.lists.dtype)
        before = c.lists[rows].copy()
        c.lists[rows] = (before | mask_value) if op == "add" else (before & ~mask_value)
        changed = rows[c.lists[rows] != before]
        c.updated_at[changed] = np.maximum(c.updated_at[changed], at)   # a membership change moves updated_at
    for entry in account.lists:
        if entry["list_id"] in list_ids:
            entry["updated_at"] = max(entry["updated_at"], at)
    return {"total": len(contact_ids), "refused": refused, "missing": missing}


def replay(account: Account, journal: list[dict]) -> None:
    """Apply recorded writes (ListRoutes.journal) to an account, at the times they first happened."""
    for write in journal:
        if write["op"] == "create_list":
            if write["list_id"] not in {e["list_id"] for e in account.lists}:
                create_list(account, write["name"], write.get("description", ""), bool(write.get("favorite")),
                            int(write["at"]))
        else:
            apply_memberships(account, write["op"], write["list_ids"], write["contact_ids"], int(write["at"]))


class ListRoutes:
    def __init__(self, account_ref):
        self._account = account_ref
        self.jobs: dict[str, dict] = {}
        self.journal: list[dict] = []
        self.queue_limit = 1000            # queued (unfinished) activities per account
        self.outcome = "completed"         # tests: 'failed', 'cancelled' or 'timed_out' makes activities end so
        self.polls_to_finish = 2

    @property
    def account(self) -> Account:
        return self._account()

    # -- POST /contact_lists ---------------------------------------------------------------------
    def create(self, body: object) -> Response:
        body = _body_object(body)
        name = body.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 255:
            raise bad_request("name is required: a string of 1 to 255 characters.", LIST_KEY)
        if "favorite" in body and not isinstance(body["favorite"], bool):
            raise bad_request("favorite must be true or false.", LIST_KEY)
        if "description" in body and not isinstance(body["description"], str):
            raise bad_request("description must be a string.", LIST_KEY)
        account = self.account
        if any(e["name"].lower() == name.lower() for e in account.lists):
            raise ApiProblem(409, "contact_lists.api.conflict", f"A list named {name!r} already exists.")
        entry = create_list(account, name, body.get("description", ""), body.get("favorite", False), account.now)
        self.journal.append({"op": "create_list", "list_id": entry["list_id"], "name": name,
                             "description": entry["description"], "favorite": entry["favorite"], "at": account.now})
        return Response(201, {"list_id": entry["list_id"], "name": name, "description": entry["description"],
                              "favorite": entry["favorite"], "created_at": iso(account.now),
                              "updated_at": iso(account.now)})

    # -- POST /activities/{add,remove}_list_memberships ----------------------------------------------
    def memberships(self, op: str, body: object) -> Response:
        body = _body_object(body)
        account = self.account
        targets = _ids(body.get("list_ids"), "list_ids", 50)
        known = {e["list_id"] for e in account.lists}
        unknown = [t for t in targets if t not in known]
        if unknown:
            if op == "remove":
                raise not_found(f"list {unknown[0]} was not found.", "activities.api.not_found")
            raise bad_request(f"list_ids: list {unknown[0]} does not exist.", KEY)
        source = body.get("source")
        if not isinstance(source, dict):
            raise bad_request("source is required: an object with exactly one of " + ", ".join(SOURCES) + ".", KEY)
        given = [k for k in source if k in SOURCES]
        if len(given) != 1 or len(source) != 1:
            raise bad_request("source must have exactly one of " + ", ".join(SOURCES) + ".", KEY)
        if given[0] == "contact_ids":
            contact_ids = _ids(source["contact_ids"], "source.contact_ids", 500)
        elif given[0] == "list_ids":
            from_lists = _ids(source["list_ids"], "source.list_ids", 50)
            bits = {e["list_id"]: b for b, e in enumerate(account.lists)}
            mask = sum(1 << bits[i] for i in from_lists if i in bits)
            rows = np.flatnonzero(((account.contacts.lists & np.array(mask, account.contacts.lists.dtype)) != 0)
                                  & account.existing())
            contact_ids = [account.contacts.contact_id[i] for i in rows]
        else:
            raise bad_request(f"source.{given[0]} is not simulated by the sandbox; use contact_ids or list_ids.", KEY)
        if "exclude" in body:
            raise bad_request("exclude is not simulated by the sandbox.", KEY)
        queued = sum(1 for job in self.jobs.values() if job["state"] not in FINAL_STATES)
        if queued >= self.queue_limit:
            raise ApiProblem(429, "activities.api.too_many_requests", QUEUE_FULL)
        counts = {"total": len(contact_ids), "refused": 0, "missing": 0}
        if self.outcome == "completed":
            counts = apply_memberships(account, op, targets, contact_ids, account.now)
            self.journal.append({"op": op, "list_ids": targets, "contact_ids": contact_ids, "at": account.now})
        activity_id = str(uuid.uuid4())
        self.jobs[activity_id] = {"op": op, "lists": len(targets), "counts": counts, "polls": 0,
                                  "state": "initialized", "created": account.now}
        return Response(201, self._status(activity_id, poll=False))

    # -- GET /activities/{id} ---------------------------------------------------------------------
    def knows(self, activity_id: str) -> bool:
        return activity_id in self.jobs

    def poll(self, activity_id: str) -> Response:
        return Response(200, self._status(activity_id, poll=True))

    def _status(self, activity_id: str, poll: bool) -> dict:
        job = self.jobs[activity_id]
        if poll and job["state"] not in FINAL_STATES:
            job["polls"] += 1
            job["state"] = self.outcome if job["polls"] >= self.polls_to_finish else "processing"
        state, counts = job["state"], job["counts"]
        total = counts["total"]
        done = {"initialized": 0, "processing": total // 2}.get(state, total if state == "completed" else 0)
        errors = [f"{counts['missing']} contact ids were not found."] if counts["missing"] and state == "completed" else []
        if state in ("failed", "cancelled", "timed_out"):
            errors = [f"The activity ended {state.replace('_', ' ')}; no list membership was changed."]
        status = {"items_total_count": total, "items_completed_count": done, "list_count": job["lists"]}
        if poll and job["op"] == "add" and state == "completed":
            status["cannot_add_to_list_count"] = counts["refused"]
        out = {"activity_id": activity_id, "state": state, "created_at": iso(job["created"]),
               "updated_at": iso(job["created"]), "percent_done": round(100 * done / total) if total else 100,
               "activity_errors": errors, "status": status,
               "_links": {"self": {"href": f"/v3/activities/{activity_id}"}}}
        if state != "initialized":
            out["started_at"] = iso(job["created"])
        if state in FINAL_STATES:
            out["completed_at"] = iso(job["created"])
        return out
