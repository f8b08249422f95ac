"""The one engine every stream runs on: pages → rows → one transaction per page with its checkpoint."""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb

from cc_data.api import parse
from cc_data.api.client import ApiClient, NotFound, RequestRefused, UnreadableAnswer
from cc_data.clock import naive_utc
from cc_data.config import Settings
from cc_data.store import upserts
from cc_data.store.transaction import transaction
from cc_data.sync.records import CARRIED, CONTACT_CHILDREN, MissingId, Rows


@dataclass
class ProgressEvent:
    stream: str
    rows: int                   # rows written by this stream so far
    calls: int                  # API calls made by this stream so far
    rate: float                 # calls per second over the stream so far
    eta_s: float | None         # from the stream's estimated remaining calls and the rate limit
    done: bool = False


@dataclass
class Context:
    con: duckdb.DuckDBPyConnection
    client: ApiClient
    settings: Settings
    full: bool = False
    progress: Callable[[ProgressEvent], None] | None = None
    rows: Counter = field(default_factory=Counter)
    stream: str = ""
    stream_rows: int = 0
    stream_calls_at_start: int = 0
    stream_started: float = 0.0
    estimated_calls: int | None = None
    started: datetime | None = None                  # this run's start on the API's clock (naive UTC)
    skipped: Counter = field(default_factory=Counter)   # records without their id, per stream
    notes: list[str] = field(default_factory=list)      # what the run worked around, for its record
    after_commit: Callable[[], None] | None = None      # e.g. the writer's fit_memory as the copy grows

    def now(self) -> datetime:
        """The API's clock (naive UTC), which is what its timestamps and our settle rules refer to."""
        return naive_utc(self.client.now())

    def now_iso(self) -> str:
        return self.now().isoformat()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Rows and their checkpoint commit together, with today's call count."""
        with transaction(self.con):
            yield
            budget = self.client.budget
            self.con.execute("INSERT OR REPLACE INTO api_calls_daily VALUES (?, ?)", [budget.day, budget.used_today])
        if self.after_commit is not None:
            self.after_commit()

    def write(self, rows: Rows) -> int:
        """Upsert each table's rows; a contact's child lists (memberships, taggings, ...) are replaced for the
        contacts whose answer carried that list, and kept for the others."""
        written = 0
        carried: dict[str, list[str]] = {}
        for mark in rows.get(CARRIED, []):
            carried.setdefault(mark["table"], []).append(mark["contact_id"])
        for table, table_rows in rows.items():
            if table == CARRIED:
                continue
            if table in CONTACT_CHILDREN:
                written += upserts.replace_children(
                    self.con, table, "contact_id", carried.get(table, []), table_rows, CONTACT_CHILDREN[table])
            elif table == "account":
                written += upserts.upsert(self.con, table, table_rows, ())
            else:
                written += upserts.upsert(self.con, table, table_rows, upserts.primary_key(self.con, table))
            self.rows[table] += len(table_rows)
            self.stream_rows += len(table_rows)
        return written

    # --- progress ---
    def begin_stream(self, name: str) -> None:
        self.stream, self.stream_rows, self.estimated_calls = name, 0, None
        self.stream_calls_at_start = self.client.budget.total
        self.stream_started = time.monotonic()
        self.emit()

    def emit(self, done: bool = False) -> None:
        if self.progress is None:
            return
        calls = self.client.budget.total - self.stream_calls_at_start
        elapsed = max(time.monotonic() - self.stream_started, 1e-6)
        eta = None
        if self.estimated_calls is not None:
            eta = max(self.estimated_calls - calls, 0) / (self.settings.rate_limit_rps * 0.95)
        self.progress(ProgressEvent(self.stream, self.stream_rows, calls, calls / elapsed, 0.0 if done else eta, done))


def merge_rows(parts: list[Rows]) -> Rows:
    merged: Rows = {}
    for part in parts:
        for table, rows in part.items():
            merged.setdefault(table, []).extend(rows)
    return merged


@dataclass
class Batch:
    """What one page (or one item's body) holds: its rows and the records skipped without an id."""

    rows: Rows
    skipped: int = 0


@dataclass(frozen=True)
class Stream:
    """One API collection (or one call per item) and how its records become rows."""

    name: str
    endpoint: str                                    # label for call counts, e.g. "GET /contacts"
    path: str                                        # may hold "{ids}" for per-item streams
    to_rows: Callable[[dict, datetime], Rows]
    records: str | None = None                       # the list in the body; None: the body is one record
    params: Mapping[str, str] = field(default_factory=dict)
    page_size: int | None = None                     # the documented maximum page, asked for
    default_page_size: int | None = None             # the documented default: asked for if the maximum is refused
    snapshot: str | None = None                      # table replaced by each complete listing
    items: Callable[[Context], list[str]] | None = None    # ids to call `path` for
    batch: int = 1                                   # ids per call
    item_done: Callable[[Context, list[str]], None] | None = None
    cursor_param: str | None = None                  # incremental: the query parameter its own cursor fills
    cursor_fallback: Callable[[Context], datetime | None] | None = None   # before it has one (see _own_cursor)
    before_write: Callable[[Context, Rows], None] | None = None   # sees a page's rows before they replace stored ones
    needs: tuple[str, ...] = ()                      # streams it chooses its ids from (not run if one failed)

    def read(self, body: dict, now: datetime) -> Batch:
        """A body's records as rows; a record without its id is skipped and counted. Raises parse.Unreadable."""
        recs = [body] if self.records is None else parse.items(body, self.records)
        parts, skipped = [], 0
        for rec in recs:
            try:
                parts.append(self.to_rows(rec, now))
            except MissingId:
                skipped += 1
        return Batch(merge_rows(parts), skipped)


@dataclass(frozen=True)
class Passes:
    """A collection read whole every `full_every_days` (setting name) and by incremental passes in between: the
    full listing finds what no filter can (removals); `after_full(ctx, started)` acts on what it no longer saw."""

    name: str
    full: Stream
    incremental: tuple[Stream, ...]
    full_every_days: str                              # the Settings field
    after_full: Callable[[Context, str], None]
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tracking:
    """Per-activity tracking rows of each kind (kind -> (tracking_activity_type, the activity_stats column that
    counts the same rows)), newest first, each listing paged down to its stored high-water mark
    (cc_data.sync.tracking runs it)."""

    name: str
    kinds: Mapping[str, tuple[str, str]]
    page_size: int
    needs: tuple[str, ...] = ()


Entry = Stream | Passes | Tracking


def run_stream(ctx: Context, stream: Stream) -> None:
    if stream.items is not None:
        run_per_item(ctx, stream)
    else:
        run_listing(ctx, stream)


def run_passes(ctx: Context, passes: Passes) -> None:
    """The full listing when due (or asked for, or resuming one), else the incremental passes."""
    state = passes.name
    last_full = upserts.get_state(ctx.con, state, "full_done_at")
    resuming_full = upserts.get_state(ctx.con, passes.full.name, "next") is not None
    every = timedelta(days=getattr(ctx.settings, passes.full_every_days))
    if not (ctx.full or resuming_full or last_full is None or datetime.fromisoformat(last_full) < ctx.now() - every):
        for stream in passes.incremental:
            run_listing(ctx, stream)
        return

    def note_start(c: Context, now: str) -> None:
        if upserts.get_state(c.con, state, "full_started") is None:
            upserts.set_state(c.con, state, "full_started", now)

    run_listing(ctx, passes.full, on_page=note_start)
    started = upserts.get_state(ctx.con, state, "full_started")
    with ctx.transaction():
        if started:
            passes.after_full(ctx, started)
            for stream in passes.incremental:
                if stream.cursor_param:
                    set_cursor(ctx, stream, started)
        upserts.set_state(ctx.con, state, "full_done_at", started or ctx.now_iso())
        upserts.set_state(ctx.con, state, "full_started", None)


def _page_params(ctx: Context, stream: Stream) -> dict[str, str]:
    params = dict(stream.params)
    if stream.page_size:
        stored = upserts.get_state(ctx.con, stream.name, "page_size")
        params["limit"] = stored or str(stream.page_size)
    if stream.cursor_param:
        mark = _own_cursor(ctx, stream)
        if mark is not None:
            params[stream.cursor_param] = api_time(mark - CURSOR_OVERLAP)
    return params


# --- cursors: each incremental stream's own high-water mark ---------------------------------------------
#
# A stream's cursor is the API's clock when its last complete pass began (what its listing can have missed is
# newer than that), stored under its own name and moved only when its listing was read to the end. It is never
# a maximum over stored rows: other streams write those rows (the updated_after pass stores a sign-up who opted
# out in the evening; a maximum over opt-out dates would then start the next optout_after pass after everyone
# who opted out that morning: issue 19).

CURSOR_OVERLAP = timedelta(minutes=10)   # re-ask a little of the past: late commits on the API side


def api_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _own_cursor(ctx: Context, stream: Stream) -> datetime | None:
    stored = upserts.get_state(ctx.con, stream.name, "cursor")
    if stored:
        return datetime.fromisoformat(stored)
    return stream.cursor_fallback(ctx) if stream.cursor_fallback else None


def _note_pass_start(ctx: Context, stream: Stream, began: str) -> None:
    if stream.cursor_param and upserts.get_state(ctx.con, stream.name, "pass_started") is None:
        upserts.set_state(ctx.con, stream.name, "pass_started", began)


def _advance_cursor(ctx: Context, stream: Stream) -> None:
    """The listing was read to its end: its cursor moves to when the pass began."""
    began = upserts.get_state(ctx.con, stream.name, "pass_started")
    if stream.cursor_param and began:
        upserts.set_state(ctx.con, stream.name, "cursor", began)
    upserts.set_state(ctx.con, stream.name, "pass_started", None)


def set_cursor(ctx: Context, stream: Stream, moment: str) -> None:
    """A complete listing of everything (a full pass that began at `moment`) covers this stream's window too."""
    current = upserts.get_state(ctx.con, stream.name, "cursor")
    if current is None or datetime.fromisoformat(current) < datetime.fromisoformat(moment):
        upserts.set_state(ctx.con, stream.name, "cursor", moment)


def _refuses_page_size(err: RequestRefused, stream: Stream, params: Mapping[str, str]) -> bool:
    return (err.status == 400 and "limit" in err.detail.lower() and stream.default_page_size is not None
            and params.get("limit") != str(stream.default_page_size))


def _smaller_pages(ctx: Context, stream: Stream, params: dict[str, str]) -> None:
    """The endpoint refused the documented maximum page size: ask for its documented default instead (the
    caller stores it with its next commit, so later runs ask for it directly). Runs in the fetching thread."""
    assert stream.default_page_size is not None
    ctx.notes.append(f"{stream.endpoint} refused limit={params['limit']}; asked for its documented default "
                     f"page size, {stream.default_page_size}, instead.")
    params["limit"] = str(stream.default_page_size)


def _remember_page_size(ctx: Context, stream: Stream, params: Mapping[str, str]) -> None:
    if stream.page_size and params.get("limit") != str(stream.page_size):
        upserts.set_state(ctx.con, stream.name, "page_size", params["limit"])


def _pages(ctx: Context, stream: Stream, params: dict[str, str], start_href: str | None) -> Iterator:
    """The stream's pages as (Page, Batch); a refused page size is retried once at the documented default."""
    def read(body: dict) -> Batch:
        return stream.read(body, ctx.now())

    first = True
    while True:
        try:
            for page in ctx.client.pages(stream.path, params, endpoint=stream.endpoint, read=read,
                                         start_href=start_href):
                first = False
                yield page, page.content
            return
        except RequestRefused as err:
            if not (first and start_href is None and _refuses_page_size(err, stream, params)):
                raise
            _smaller_pages(ctx, stream, params)


def run_listing(ctx: Context, stream: Stream, on_page: Callable[[Context, str], None] | None = None) -> None:
    """A collection, page by page; each page commits with the link to the next one (resumable)."""
    state_key = "next"
    resume = upserts.get_state(ctx.con, stream.name, state_key)
    params = _page_params(ctx, stream)
    if stream.snapshot:
        _run_snapshot(ctx, stream, params)
        return
    began = ctx.now_iso()   # the API's clock before this listing's first call: its cursor if read to the end
    for page, batch in prefetch(_pages(ctx, stream, params, resume)):
        now = ctx.now_iso()
        stop = page.next_href is None
        with ctx.transaction():
            if on_page is not None:
                on_page(ctx, now)
            _note_pass_start(ctx, stream, began)
            if stream.before_write is not None:
                stream.before_write(ctx, batch.rows)
            ctx.write(batch.rows)
            upserts.set_state(ctx.con, stream.name, state_key, None if stop else page.next_href)
            _remember_page_size(ctx, stream, params)
            if stop and stream.cursor_param:
                _advance_cursor(ctx, stream)
        ctx.skipped[stream.name] += batch.skipped
        if ctx.estimated_calls is None and stream.page_size:
            total = _total(page.body)
            if total is not None:
                ctx.estimated_calls = -(-total // int(params["limit"]))
        ctx.emit()
        if stop:
            break


def _total(body: dict) -> int | None:
    try:
        return parse.count(body.get("contacts_count"))
    except parse.Unreadable:
        return None


def _run_snapshot(ctx: Context, stream: Stream, params: dict[str, str]) -> None:
    """Small listings: every page, then one transaction that makes the table equal to what was listed."""
    parts, skipped = [], 0
    for _, batch in _pages(ctx, stream, params, None):
        parts.append(batch.rows)
        skipped += batch.skipped
        ctx.emit()
    rows = merge_rows(parts)
    table = stream.snapshot
    assert table is not None
    with ctx.transaction():
        ctx.con.execute(f"DELETE FROM {table}")
        ctx.write(rows)
        _remember_page_size(ctx, stream, params)
    ctx.skipped[stream.name] += skipped


class ItemsFailed(UnreadableAnswer):
    """Some items of a per-item stream could not be read; the others were stored."""


ITEM_COMMIT_SECONDS = 2.0   # per-item answers are small: commit what arrived at most this often


def run_per_item(ctx: Context, stream: Stream) -> None:
    """One call per id (or per batch of ids); answers commit together with the ids they completed, every
    ITEM_COMMIT_SECONDS and when the stream stops for any reason.

    An item whose answer cannot be read (or is refused) is left for the next run; the others go on, and the
    stream ends with ItemsFailed naming the first problem."""
    assert stream.items is not None
    ids = stream.items(ctx)
    ctx.estimated_calls = -(-len(ids) // stream.batch)
    ctx.emit()
    problems: list[str] = []
    answers: list[Batch] = []
    done: list[str] = []
    last_commit = time.monotonic()

    def commit() -> None:
        with ctx.transaction():
            ctx.write(merge_rows([a.rows for a in answers]))
            if stream.item_done:
                stream.item_done(ctx, list(done))
        ctx.skipped[stream.name] += sum(a.skipped for a in answers)
        answers.clear()
        done.clear()

    try:
        for start in range(0, len(ids), stream.batch):
            ids_here = ids[start:start + stream.batch]
            path = stream.path.format(ids=",".join(ids_here))
            try:
                answers.append(ctx.client.get_json(path, dict(stream.params), endpoint=stream.endpoint,
                                                   read=lambda body: stream.read(body, ctx.now())))
            except NotFound:
                pass  # gone (e.g. a removed activity): remember it as done so it is not asked for again
            except (UnreadableAnswer, RequestRefused) as err:
                problems.append(str(err))
                continue
            done.extend(ids_here)
            if time.monotonic() - last_commit >= ITEM_COMMIT_SECONDS:
                commit()
                last_commit = time.monotonic()
            ctx.emit()
    finally:
        if done:
            commit()
    if problems:
        raise ItemsFailed(f"{len(problems)} of {-(-len(ids) // stream.batch)} calls could not be read and are "
                          f"retried next run; the first: {problems[0]}")


def dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


_DONE = object()


def prefetch(items: Iterator, depth: int = 3) -> Iterator:
    """Run `items` (HTTP pages) in a background thread, up to `depth` ahead, so the next request overlaps
    writing the current page. Errors surface in the consumer; leaving the loop early stops the producer."""
    for batch in prefetch_batches(items, depth):
        yield from batch


def prefetch_batches(items: Iterator, depth: int = 3) -> Iterator[list]:
    """Like `prefetch`, but yields everything already fetched at once (at least one item), so a consumer
    that falls behind can write several pages in one transaction."""
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        buffer.put((item, None), timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put((_DONE, None))
        except BaseException as err:  # noqa: BLE001 - handed to the consumer, which re-raises it
            buffer.put((_DONE, err))

    thread = threading.Thread(target=produce, name="prefetch", daemon=True)
    thread.start()
    try:
        finished = False
        while not finished:
            got = [buffer.get()]
            with contextlib.suppress(queue.Empty):
                while True:
                    got.append(buffer.get_nowait())
            ready = []
            for item, err in got:
                if item is _DONE:
                    if err is not None:
                        if ready:
                            yield ready
                        raise err
                    finished = True
                    break
                ready.append(item)
            if ready:
                yield ready
    finally:
        stop.set()
        with contextlib.suppress(queue.Empty):
            while True:
                buffer.get_nowait()
        thread.join(timeout=READ_TIMEOUT_JOIN_S)


READ_TIMEOUT_JOIN_S = 90.0
