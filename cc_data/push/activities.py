"""The only Constant Contact writes a push makes: create a list, add or remove list memberships by contact_id,
and poll the activity. Never contacts_json_import, PUT /contacts/{id} or resubscribe: those can change a
contact's email permission, and Constant Contact, not this tool, owns preferences."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from cc_data.api.client import ActivitiesQueued, ApiClient, RequestRefused
from cc_data.errors import ApiError

FINAL_STATES = ("completed", "failed", "cancelled", "timed_out")
ENDPOINTS = {"add": "/activities/add_list_memberships", "remove": "/activities/remove_list_memberships"}
QUEUE_WAIT_S = 30.0            # the 1,000-queued-activities 429: wait for some to finish, this long each time
QUEUE_TRIES = 10
POLL_FIRST_S, POLL_MAX_S, POLL_LIMIT_S = 1.0, 10.0, 900.0


class ActivityStuck(ApiError):
    """An activity did not reach a final state in time; the push resumes from its record."""


def create_list(client: ApiClient, name: str) -> str:
    """POST /contact_lists; a 409 (it exists, e.g. a retried creation went through) finds it by name."""
    body = {"name": name, "description": "Created by cc-data from a segment.", "favorite": False}
    try:
        return str(client.post_json("/contact_lists", body, endpoint="POST /contact_lists")["list_id"])
    except RequestRefused as err:
        if err.status != 409:
            raise
    found = client.get_json("/contact_lists", {"name": name}, endpoint="GET /contact_lists")
    for entry in found.get("lists") or []:
        if str(entry.get("name", "")).lower() == name.lower() and entry.get("list_id"):
            return str(entry["list_id"])
    raise ApiError(f"Constant Contact says a list named {name!r} exists but does not list it; try again later.")


def submit(client: ApiClient, action: str, list_id: str, contact_ids: list[str], *,
           sleep: Callable[[float], None] = time.sleep, queue_wait_s: float = QUEUE_WAIT_S) -> dict:
    """Create one add/remove activity for at most 500 contacts. Sending the same batch again (a retry after a
    lost answer) adds nobody twice: membership is a set."""
    body = {"source": {"contact_ids": contact_ids}, "list_ids": [list_id]}
    for attempt in range(QUEUE_TRIES):
        try:
            return client.post_json(ENDPOINTS[action], body, endpoint=f"POST {ENDPOINTS[action]}")
        except ActivitiesQueued:
            if attempt == QUEUE_TRIES - 1:
                raise
            sleep(queue_wait_s)
    raise AssertionError("unreachable")


def poll(client: ApiClient, activity_id: str, *, sleep: Callable[[float], None] = time.sleep,
         first_s: float = POLL_FIRST_S, limit_s: float = POLL_LIMIT_S,
         progress: Callable[[dict], None] | None = None) -> dict[str, Any]:
    """GET /activities/{id} until completed, failed, cancelled or timed_out, waiting longer between polls."""
    waited, delay = 0.0, first_s
    while True:
        status = client.get_json(f"/activities/{activity_id}", endpoint="GET /activities/{id}")
        if progress is not None:
            progress(status)
        if status.get("state") in FINAL_STATES:
            return status
        if waited >= limit_s:
            raise ActivityStuck(f"Constant Contact's activity {activity_id} was still {status.get('state')} after "
                                f"{limit_s:.0f} s; run the push again later and it picks the activity up.")
        sleep(delay)
        waited += delay
        delay = min(POLL_MAX_S, delay * 1.5)
