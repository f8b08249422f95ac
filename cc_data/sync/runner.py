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
from cc_data.clock import utc_now
from cc_data.config import Settings
from cc_data.errors import ApiError, ConfigError, QuotaExceeded, UserError
from cc_data.store import runs, upserts
from cc_data.store.db import writer
from cc_data.sync import streams as s
from cc_data.sync.engine import (
    Context,
    Entry,
    Passes,
    ProgressEvent,
    Stream,
    Tracking,
    run_passes,
    run_stream,
)
from cc_data.sync.tracking import run_tracking

__all__ = ["ProgressEvent", "RunResult", "STREAMS", "run_sync"]

STREAMS = tuple(entry.name for entry in s.ALL)
ENTRIES: dict[str, Entry] = {entry.name: entry for entry in s.ALL}
RUN: dict[type, Callable] = {Stream: run_stream, Passes: run_passes, Tracking: run_tracking}


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
    entry = ENTRIES[name]
    RUN[type(entry)](ctx, entry)
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
                    [run_id, utc_now(), mode])
        today = datetime.now(UTC).date()
        budget = CallBudget(quota=settings.daily_quota, used_today=runs.calls_on(con, today), day=today)
        client = ApiClient(settings, tokens, budget=budget)
        ctx = Context(con=con, client=client, settings=settings, full=full, progress=progress,
                      after_commit=w.fit_memory)
        outcome, message, failure = "success", None, None
        failed: dict[str, str] = {}
        resuming = False
        try:
            for name in STREAMS:
                if only and name not in only:
                    continue
                blocked = [d for d in ENTRIES[name].needs if d in failed]
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


def _finish(ctx: Context, run_id: str, outcome: str, message: str | None) -> None:
    ctx.con.execute(
        "UPDATE sync_runs SET finished_at = ?, outcome = ?, calls = ?, rows = ?, message = ?, skipped = ?, "
        "notes = ? WHERE run_id = ?",
        [utc_now(), outcome, json.dumps(dict(ctx.client.budget.by_endpoint)), json.dumps(dict(ctx.rows)),
         message, json.dumps({k: v for k, v in ctx.skipped.items() if v}), json.dumps(ctx.notes), run_id],
    )
    runs.record_calls(ctx.con, ctx.client.budget.day, ctx.client.budget.used_today)
