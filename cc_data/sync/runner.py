"""A sync run: streams in order, progress events, the run's record, and publishing at the end.

`run_sync` is the library entry point the CLI, the app and the demo call.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import duckdb

from cc_data.api.auth import TokenManager
from cc_data.api.client import ApiClient, ApiUnavailable, CallBudget
from cc_data.config import Settings
from cc_data.errors import ApiError, ConfigError, QuotaExceeded, UserError
from cc_data.store import upserts
from cc_data.store.db import writer
from cc_data.sync import streams as s
from cc_data.sync.engine import Context, ProgressEvent, Stream, run_listing, run_per_item
from cc_data.sync.tracking import run_tracking

__all__ = ["ProgressEvent", "RunResult", "STREAMS", "run_sync"]

STREAMS = (
    "account", "custom_fields", "lists", "tags", "segments", "contacts", "campaigns", "campaign_details",
    "campaign_summaries", "activity_details", "activity_stats", "tracking",
)
# A stream chooses its ids from what these stored: it does not run when one of them failed in this run.
DEPENDS_ON: dict[str, tuple[str, ...]] = {
    "campaign_details": ("campaigns",),
    "activity_details": ("campaign_details", "campaign_summaries"),
    "activity_stats": ("campaign_details", "campaign_summaries"),
    "tracking": ("campaign_details", "campaign_summaries"),
}


@dataclass
class RunResult:
    run_id: str
    outcome: str                      # success, partial, quota_exceeded
    mode: str                         # incremental, full
    calls: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    elapsed_s: float = 0.0
    message: str | None = None
    skipped: dict[str, int] = field(default_factory=dict)   # records without their id, per stream
    failed: dict[str, str] = field(default_factory=dict)    # stream -> why it failed (outcome partial)
    notes: list[str] = field(default_factory=list)          # what the run worked around

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())


def _run_contacts(ctx: Context) -> None:
    last_full = upserts.get_state(ctx.con, "contacts", "full_done_at")
    resuming_full = upserts.get_state(ctx.con, "contacts_full", "next") is not None
    due = (
        ctx.full or resuming_full or last_full is None
        or datetime.fromisoformat(last_full) < ctx.now() - timedelta(days=ctx.settings.full_sync_days)
    )
    if not due:
        for stream in s.CONTACT_PASSES:
            run_listing(ctx, stream)
        return

    def note_start(c: Context, now: str) -> None:
        if upserts.get_state(c.con, "contacts", "full_started") is None:
            upserts.set_state(c.con, "contacts", "full_started", now)

    run_listing(ctx, s.CONTACTS_FULL, on_page=note_start)
    started = upserts.get_state(ctx.con, "contacts", "full_started")
    with ctx.transaction():
        if started:
            _record_removed(ctx, started)
        upserts.set_state(ctx.con, "contacts", "full_done_at", started or ctx.now_iso())
        upserts.set_state(ctx.con, "contacts", "full_started", None)


def _record_removed(ctx: Context, started: str) -> None:
    """Contacts a complete listing (deleted ones included) no longer returns: keep the row, record when."""
    gone = "SELECT contact_id FROM contacts WHERE (last_seen_at IS NULL OR last_seen_at < ?) AND removed_at IS NULL"
    count = ctx.con.execute(f"SELECT count(*) FROM ({gone})", [started]).fetchone()[0]
    if not count:
        return
    for table in ("list_memberships", "contact_taggings"):
        ctx.con.execute(f"DELETE FROM {table} WHERE contact_id IN ({gone})", [started])
    ctx.con.execute(
        "UPDATE contacts SET removed_at = ?, deleted_at = coalesce(deleted_at, CAST(? AS DATE)) "
        "WHERE (last_seen_at IS NULL OR last_seen_at < ?) AND removed_at IS NULL",
        [ctx.now(), ctx.now(), started],
    )
    ctx.rows["contacts_removed"] += count
    upserts.mark_changed(ctx.con, "contacts")


RUNNERS: dict[str, Callable[[Context], None] | Stream] = {
    "account": s.ACCOUNT, "custom_fields": s.CUSTOM_FIELDS, "lists": s.LISTS, "tags": s.TAGS,
    "segments": s.SEGMENTS, "contacts": _run_contacts, "campaigns": s.CAMPAIGNS,
    "campaign_details": s.CAMPAIGN_DETAILS, "campaign_summaries": s.CAMPAIGN_SUMMARIES,
    "activity_details": s.ACTIVITY_DETAILS, "activity_stats": s.ACTIVITY_STATS, "tracking": run_tracking,
}


RESUME_WITHIN = timedelta(hours=36)        # a quota stop resumes after the next UTC midnight
CONTACTS_FRESH_FOR = timedelta(hours=1)    # opt-outs must be current: older contact passes run again


def _begin_chain(ctx: Context) -> bool:
    """Set `ctx.started` (on the API's clock, known once a call was answered): the start of the run a quota stop or a kill interrupted (then True: this run resumes
    it), or now. Streams completed since then are not run again, and activity stats fetched since then count
    as fresh, so a resumed run costs about what the rest of the interrupted one would have."""
    now = ctx.now()
    stored = upserts.get_state(ctx.con, "run", "resume_from")
    started = datetime.fromisoformat(stored) if stored else None
    if started is not None and not ctx.full and timedelta(0) <= now - started < RESUME_WITHIN:
        ctx.started = started
        return True
    ctx.started = now
    with ctx.transaction():
        upserts.set_state(ctx.con, "run", "resume_from", now.isoformat())
    return False


def _done_in_chain(ctx: Context, name: str) -> bool:
    completed = upserts.get_state(ctx.con, name, "completed_at")
    if completed is None or ctx.started is None or datetime.fromisoformat(completed) < ctx.started:
        return False
    return name != "contacts" or ctx.now() - datetime.fromisoformat(completed) < CONTACTS_FRESH_FOR


def _run_one(ctx: Context, name: str) -> None:
    ctx.begin_stream(name)
    runner = RUNNERS[name]
    if isinstance(runner, Stream):
        if runner.items is not None:
            run_per_item(ctx, runner)
        else:
            run_listing(ctx, runner)
    else:
        runner(ctx)
    with ctx.transaction():
        upserts.set_state(ctx.con, name, "completed_at", ctx.now_iso())
    ctx.emit(done=True)


def run_sync(
    settings: Settings, *, full: bool = False, only: list[str] | None = None,
    progress: Callable[[ProgressEvent], None] | None = None,
    before_publish: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> RunResult:
    """Sync Constant Contact into settings.db_path. Resumes an interrupted run; publishes at the end, after
    `before_publish` (the caller's derived tables, e.g. cc_data.analytics.derived.refresh_changed).

    Returns outcome 'success', 'partial' (some streams failed: the others, and what the failed ones fetched,
    are published; the next run retries what failed) or 'quota_exceeded' (the next run resumes). Trouble no
    stream can get past (login, the API unreachable) is recorded, what was fetched is published, then the
    UserError is raised. Anything else leaves the published file untouched; the working copy keeps every
    committed page.
    """
    unknown = sorted(set(only or ()) - set(STREAMS))
    if unknown:
        raise ConfigError(f"Unknown stream(s) {', '.join(unknown)}; choose from: {', '.join(STREAMS)}.")
    tokens = TokenManager(settings)
    started = time.monotonic()
    run_id = uuid.uuid4().hex[:12]
    mode = "full" if full else "incremental"
    with writer(settings.db_path, before_publish=before_publish) as w:
        con = w.con
        con.execute("SET TimeZone = 'UTC'")
        con.execute("UPDATE sync_runs SET outcome = 'interrupted' WHERE outcome = 'running'")
        con.execute("INSERT INTO sync_runs (run_id, started_at, outcome, mode) VALUES (?, ?, 'running', ?)",
                    [run_id, _utc_now(), mode])
        today = datetime.now(UTC).date()
        used = con.execute("SELECT calls FROM api_calls_daily WHERE day = ?", [today]).fetchone()
        budget = CallBudget(quota=settings.daily_quota, used_today=int(used[0]) if used else 0, day=today)
        client = ApiClient(settings, tokens, budget=budget)
        ctx = Context(con=con, client=client, settings=settings, full=full, progress=progress)
        outcome, message, failure = "success", None, None
        failed: dict[str, str] = {}
        resuming = False
        try:
            for name in STREAMS:
                if only and name not in only:
                    continue
                blocked = [d for d in DEPENDS_ON.get(name, ()) if d in failed]
                if blocked:
                    failed[name] = f"not run: it needs {', '.join(blocked)}"
                    continue
                if ctx.started is None and (name != "account" or only):  # after the account call: the API's clock
                    resuming = _begin_chain(ctx)
                if resuming and _done_in_chain(ctx, name):
                    continue
                try:
                    _run_one(ctx, name)
                except ApiUnavailable:
                    raise
                except ApiError as err:  # this stream's answers: the streams that do not need it go on
                    failed[name] = str(err)
            if failed:
                outcome = "partial"
                message = "; ".join(f"{name}: {why}" for name, why in failed.items())
            with ctx.transaction():  # finished: the next run starts afresh
                upserts.set_state(ctx.con, "run", "resume_from", None)
        except QuotaExceeded as err:
            outcome, message = "quota_exceeded", str(err)
        except KeyboardInterrupt:
            _finish(ctx, run_id, "interrupted", "interrupted by the user")
            raise
        except UserError as err:  # expected trouble: publish what was fetched, then report it
            outcome, message, failure = "failed", str(err), err
        except Exception as err:
            _finish(ctx, run_id, "failed", f"{type(err).__name__}: {err}")
            raise
        _finish(ctx, run_id, outcome, message)
    if failure is not None:
        raise failure
    return RunResult(run_id, outcome, mode, dict(client.budget.by_endpoint), dict(ctx.rows),
                     time.monotonic() - started, message, skipped={k: v for k, v in ctx.skipped.items() if v},
                     failed=failed, notes=list(ctx.notes))


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _finish(ctx: Context, run_id: str, outcome: str, message: str | None) -> None:
    ctx.con.execute(
        "UPDATE sync_runs SET finished_at = ?, outcome = ?, calls = ?, rows = ?, message = ?, skipped = ?, "
        "notes = ? WHERE run_id = ?",
        [_utc_now(), outcome, json.dumps(dict(ctx.client.budget.by_endpoint)), json.dumps(dict(ctx.rows)),
         message, json.dumps({k: v for k, v in ctx.skipped.items() if v}), json.dumps(ctx.notes), run_id],
    )
    budget = ctx.client.budget
    ctx.con.execute("INSERT OR REPLACE INTO api_calls_daily VALUES (?, ?)", [budget.day, budget.used_today])
