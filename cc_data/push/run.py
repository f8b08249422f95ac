"""Preview and push a segment to a Constant Contact list, by the list-sync rules:

1. an incremental contacts sync runs first (no push when it cannot);
2. only contacts that may be emailed as of that sync are sent, whatever built the set;
3. only list-membership activities (by contact_id, at most 500 each) and list creation are used;
4. activities are polled to a final state; an interrupted push resumes from its record, sending no finished
   batch again; the 1,000-queued-activities 429 is waited out;
5. the login needs the contact_data scope.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cc_data.analytics.audience.segments import SegmentCriteria
from cc_data.api.auth import REAUTH, TokenManager
from cc_data.api.client import ApiClient, ApiUnavailable, CallBudget, Forbidden
from cc_data.config import Settings
from cc_data.errors import ApiError, QuotaExceeded, UserError
from cc_data.push import activities, record, source
from cc_data.push.members import segment_members, split_emailable
from cc_data.push.plan import Plan, make_plan
from cc_data.push.saved import criteria_json, find_segment
from cc_data.store import runs
from cc_data.store.db import read, writer

SCOPE = "contact_data"


class MissingScope(UserError):
    """The login cannot write list memberships."""


class PresyncFailed(UserError):
    """The contacts sync that must come right before a push did not complete: nothing was sent."""


def missing_scope() -> MissingScope:
    return MissingScope(f"Pushing to Constant Contact needs the {SCOPE} scope (contacts and lists, read and write), "
                        f"which this login lacks; {REAUTH}, allowing access to contacts.")


@dataclass(frozen=True)
class Target:
    """What to push: a saved segment (by name), criteria to evaluate, or a fixed set of contact_ids."""

    name: str
    criteria: SegmentCriteria | None = None
    contact_ids: tuple[str, ...] | None = None


@dataclass
class PushResult:
    plan: Plan
    dry_run: bool
    push: dict | None = None          # the list_pushes row
    resumed: bool = False
    presync: Any = None

    @property
    def state(self) -> str:
        return "preview" if self.dry_run else str(self.push["state"])


def plan_for(con: Any, target: Target, list_name: str, remove_missing: bool) -> Plan:
    """The preview from the data in `con` (call it right after the incremental sync)."""
    criteria = target.criteria
    if criteria is None and target.contact_ids is None:
        criteria = find_segment(con, target.name).criteria
    members = segment_members(con, criteria) if criteria is not None else list(target.contact_ids or ())
    keep, left = split_emailable(con, members)
    return make_plan(con, segment_name=target.name, criteria=criteria_json(criteria) if criteria else None,
                     members=keep, left_out=left, list_name=list_name, remove_missing=remove_missing)


def _check_scope(settings: Settings) -> None:
    tokens = TokenManager(settings)
    tokens.access_token()
    granted = tokens.tokens.scope.split()
    if granted and SCOPE not in granted:
        raise missing_scope()


def _presync(link: source.Link) -> Any:
    try:
        result = link.presync()
    except (ApiUnavailable, ApiError) as err:
        raise PresyncFailed(f"The contacts sync that must run right before a push failed, so nothing was sent: "
                            f"{err}") from None
    failed = {k: v for k, v in (result.failed or {}).items() if k in source.PRESYNC}
    if result.outcome == "quota_exceeded":
        raise QuotaExceeded(f"{result.message} Nothing was sent.")
    if failed:
        if any("403" in why for why in failed.values()):
            raise missing_scope()
        raise PresyncFailed("The contacts sync that must run right before a push did not complete, so nothing was "
                            "sent: " + "; ".join(f"{k}: {v}" for k, v in failed.items()))
    return result


def push(settings: Settings, target: Target, list_name: str, *, remove_missing: bool = False,
         dry_run: bool = False, actor: str = "cc-data segments push",
         progress: Callable[[dict], None] | None = None, sync_progress: Callable[[Any], None] | None = None,
         sleep: Callable[[float], None] = time.sleep, poll_first_s: float = activities.POLL_FIRST_S) -> PushResult:
    """Sync contacts, then preview (dry_run) or push `target` to the list named `list_name` (created when there
    is none). An unfinished push to the same list is resumed instead of starting a new one."""
    say = progress or (lambda event: None)
    with source.connect(settings, sync_progress) as link:
        _check_scope(link.settings)
        say({"step": "sync", "text": "syncing contacts from Constant Contact"})
        synced = _presync(link)
        with read(settings.db_path) as con:
            plan = plan_for(con, target, list_name, remove_missing)
        if dry_run:
            return PushResult(plan, True, presync=synced)
        return _execute(settings, link, plan, actor, say, sleep, poll_first_s, synced)


def _execute(settings: Settings, link: source.Link, plan: Plan, actor: str, say: Callable[[dict], None],
             sleep: Callable[[float], None], poll_first_s: float, synced: Any) -> PushResult:
    failure: BaseException | None = None
    with writer(settings.db_path) as w:
        con = w.con
        today = datetime.now(UTC).date()
        client = ApiClient(link.settings, TokenManager(link.settings),
                           budget=CallBudget(quota=link.settings.daily_quota, used_today=runs.calls_on(con, today),
                                             day=today))
        push_id = record.unfinished(con, plan.list_name)
        resumed = push_id is not None
        if push_id is None:
            push_id = record.start(con, plan, actor)
        state, message = "completed", None
        try:
            _send(con, client, push_id, say, sleep, poll_first_s, recheck=resumed)
            batches = record.batches(con, push_id)
            bad = [b for b in batches if b["state"] != "completed"]
            if bad:
                state = "failed"
                message = (f"{len(bad)} of {len(batches)} activities ended "
                           f"{', '.join(sorted({str(b['state']) for b in bad}))}; see the activity ids.")
        except Forbidden:
            state, message, failure = "failed", str(missing_scope()), missing_scope()
        except (QuotaExceeded, ApiUnavailable, activities.ActivityStuck, activities.ActivitiesQueued) as err:
            state, message, failure = "interrupted", str(err), err
        except UserError as err:
            state, message, failure = "failed", str(err), err
        except BaseException as err:   # a kill or a bug: the record says where to resume
            state, message = "interrupted", f"{type(err).__name__}: {err}"
            record.finish(con, push_id, state, message, client.budget.total)
            raise
        row = record.finish(con, push_id, state, message, client.budget.total)
        runs.record_calls(con, client.budget.day, client.budget.used_today)
        if link.journal is not None:
            source.store_journal(con, link.journal())
    if failure is not None:
        raise failure
    return PushResult(plan, False, push=row, resumed=resumed, presync=synced)


def _send(con: Any, client: ApiClient, push_id: str, say: Callable[[dict], None],
          sleep: Callable[[float], None], poll_first_s: float, *, recheck: bool) -> None:
    row = record.push_row(con, push_id)
    list_id = row["list_id"]
    if list_id is None:
        say({"step": "create_list", "text": f"creating the list {row['list_name']!r}"})
        list_id = activities.create_list(client, row["list_name"])
        record.list_created(con, push_id, list_id)
    todo = record.batches(con, push_id)
    for number, batch in enumerate(todo, start=1):
        if batch["state"] in activities.FINAL_STATES:
            continue
        action, ids = batch["action"], batch["contact_ids"]
        activity_id = batch["activity_id"]
        if activity_id is None:
            if action == "add" and recheck:   # resumed: someone may have unsubscribed since this was planned
                ids, _ = split_emailable(con, ids)
            if not ids:
                record.batch_done(con, push_id, action, batch["batch"], {"state": "completed", "status": {}})
                continue
            say({"step": action, "batch": number, "of": len(todo), "text": f"{action} batch {number} of {len(todo)}"})
            created = activities.submit(client, action, list_id, ids, sleep=sleep)
            record.batch_sent(con, push_id, action, batch["batch"], created)
            activity_id = created.get("activity_id")
        final = activities.poll(client, str(activity_id), sleep=sleep, first_s=poll_first_s,
                                progress=lambda status, n=number: say({"step": "poll", "batch": n, "of": len(todo),
                                                                       "activity": status}))
        record.batch_done(con, push_id, action, batch["batch"], final)
