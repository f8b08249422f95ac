"""The one engine every stream runs on: pages → rows → one transaction per page with its checkpoint.

Read top-down: the run's context, the entries a stream is declared as (streams.py declares them), how a listing,
a set of incremental passes and a per-item stream run, and at the end the one paging loop (`fetch` and
`page_through`) that listings and the tracking stream share.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import duckdb

from cc_data.api import parse
from cc_data.api.client import ApiClient, NotFound, Page, RequestRefused, UnreadableAnswer
from cc_data.clock import naive_utc
from cc_data.config import Settings
from cc_data.store import runs, upserts
from cc_data.store.transaction import transaction
from cc_data.sync.prefetch import prefetch_batches
from cc_data.sync.records import CARRIED, MissingId, Rows
from cc_data.sync.writes import UPSERT, Snapshot, WriteMode


@dataclass
class ProgressEvent:
    stream: str
    rows: int                   # rows written by this stream so far
    calls: int                  # API calls made by this stream so far
    rate: float                 # calls per second over the stream so far
    eta_s: float | None         # from the stream's estimated remaining calls and the rate limit
    done: bool = False
    expected_calls: int | None = None   # the calls this stream is expected to make in all, once known


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
            runs.record_calls(self.con, self.client.budget.day, self.client.budget.used_today)
        if self.after_commit is not None:
            self.after_commit()

    def write(self, rows: Rows, mode: WriteMode = UPSERT) -> int:
        """Store rows the way their stream declares (cc_data.sync.writes) and count them."""
        written = mode.write(self.con, rows)
        for table, table_rows in rows.items():
            if table != CARRIED:
                self.rows[table] += len(table_rows)
                self.stream_rows += len(table_rows)
        return sum(written.values())

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
        self.progress(ProgressEvent(self.stream, self.stream_rows, calls, calls / elapsed, 0.0 if done else eta, done,
                                    self.estimated_calls))


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
    write_mode: WriteMode = UPSERT                   # how its rows are stored (cc_data.sync.writes)
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

    run_listing(ctx, passes.full, in_each_commit=note_start)
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


def _remember_page_size(ctx: Context, stream: Stream, params: Mapping[str, str]) -> None:
    if stream.page_size and params.get("limit") != str(stream.page_size):
        upserts.set_state(ctx.con, stream.name, "page_size", params["limit"])


def _listing(ctx: Context, stream: Stream, params: dict[str, str], start_href: str | None = None) -> Listing:
    return Listing(stream.path, params, stream.endpoint, read=lambda body: stream.read(body, ctx.now()),
                   start_href=start_href, default_page_size=stream.default_page_size)


def run_listing(ctx: Context, stream: Stream, in_each_commit: Callable[[Context, str], None] | None = None) -> None:
    """A collection, page by page; each page commits with the link to the next one (resumable)."""
    resume = upserts.get_state(ctx.con, stream.name, "next")
    params = _page_params(ctx, stream)
    if isinstance(stream.write_mode, Snapshot):
        _run_snapshot(ctx, stream, params)
        return
    began = ctx.now_iso()   # the API's clock before this listing's first call: its cursor if read to the end

    def commit(pages: list[Page]) -> None:
        (page,) = pages
        batch: Batch = page.content
        now = ctx.now_iso()
        stop = page.next_href is None
        with ctx.transaction():
            if in_each_commit is not None:
                in_each_commit(ctx, now)
            _note_pass_start(ctx, stream, began)
            if stream.before_write is not None:
                stream.before_write(ctx, batch.rows)
            ctx.write(batch.rows, stream.write_mode)
            upserts.set_state(ctx.con, stream.name, "next", None if stop else page.next_href)
            _remember_page_size(ctx, stream, params)
            if stop and stream.cursor_param:
                _advance_cursor(ctx, stream)
        ctx.skipped[stream.name] += batch.skipped
        if ctx.estimated_calls is None and stream.page_size:
            total = _total(page.body)
            if total is not None:
                ctx.estimated_calls = -(-total // int(params["limit"]))
        ctx.emit()

    page_through(fetch(ctx, [_listing(ctx, stream, params, resume)]), commit)


def _total(body: dict) -> int | None:
    try:
        return parse.count(body.get("contacts_count"))
    except parse.Unreadable:
        return None


def _run_snapshot(ctx: Context, stream: Stream, params: dict[str, str]) -> None:
    """Small listings: every page, then one transaction that makes the table equal to what was listed."""
    pages: list[Page] = []

    def keep(fetched: list[Page]) -> None:   # nothing is written before the listing is complete
        pages.extend(fetched)
        ctx.emit()

    page_through(fetch(ctx, [_listing(ctx, stream, params)]), keep)
    with ctx.transaction():
        ctx.write(merge_rows([page.content.rows for page in pages]), stream.write_mode)
        _remember_page_size(ctx, stream, params)
    ctx.skipped[stream.name] += sum(page.content.skipped for page in pages)


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
            ctx.write(merge_rows([a.rows for a in answers]), stream.write_mode)
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


# --- the one paging loop: listings fetched ahead, pages committed with their checkpoints ------------------

def _whole_page(page: Page) -> tuple[Page, bool]:
    return page, page.next_href is None


@dataclass
class Listing:
    """One paged listing: where it starts, how a page's body is read, and what each page becomes."""

    path: str
    params: dict[str, str]                           # the caller's: a refused page size changes its "limit"
    endpoint: str                                    # label for call counts, e.g. "GET /contacts"
    read: Callable[[dict], object]                   # a page's body -> Page.content
    start_href: str | None = None                    # a stored `next` link to resume from
    default_page_size: int | None = None             # asked for once if the endpoint refuses params["limit"]
    # What a page becomes for its commit, and whether the listing ends there (its last page, or one that reached
    # what is already stored). Like `read`, it runs in the fetching thread and never touches the database.
    on_page: Callable[[Page], tuple[Any, bool]] = _whole_page


def fetch(ctx: Context, listings: Iterable[Listing]) -> Iterator:
    """Each listing's pages in turn, as its `on_page` makes them. Runs in the fetching thread (`page_through`):
    it touches only the HTTP client."""
    for listing in listings:
        for page in _follow(ctx, listing):
            item, last = listing.on_page(page)
            yield item
            if last:
                break


def _follow(ctx: Context, listing: Listing) -> Iterator[Page]:
    """A listing's pages; a page size the endpoint refuses on the first page is asked again at its default."""
    first = True
    while True:
        try:
            for page in ctx.client.pages(listing.path, listing.params, endpoint=listing.endpoint, read=listing.read,
                                         start_href=listing.start_href):
                first = False
                yield page
            return
        except RequestRefused as err:
            if not (first and listing.start_href is None and _refuses_page_size(err, listing)):
                raise
            _smaller_pages(ctx, listing)


def _refuses_page_size(err: RequestRefused, listing: Listing) -> bool:
    return (err.status == 400 and "limit" in err.detail.lower() and listing.default_page_size is not None
            and listing.params.get("limit") != str(listing.default_page_size))


def _smaller_pages(ctx: Context, listing: Listing) -> None:
    """The endpoint refused the documented maximum page size: ask for its documented default instead (the
    stream stores it with its next commit, so later runs ask for it directly)."""
    ctx.notes.append(f"{listing.endpoint} refused limit={listing.params['limit']}; asked for its documented default "
                     f"page size, {listing.default_page_size}, instead.")
    listing.params["limit"] = str(listing.default_page_size)


@dataclass(frozen=True)
class Gather:
    """Commit the pages fetched so far together, once they hold `rows` rows or `seconds` passed since the last
    commit (a commit costs milliseconds; a kill re-fetches at most that much)."""

    rows: int
    seconds: float
    size: Callable[[Any], int]                       # the rows one page holds


def page_through(pages: Iterator, commit: Callable[[list], None], *, depth: int = 3,
                 gather: Gather | None = None) -> None:
    """The one paging loop. `pages` (from `fetch`) runs in a background thread up to `depth` pages ahead, so the
    next request overlaps writing this one; `commit` writes pages together with their checkpoints: each page on
    its own, or, with `gather`, what arrived meanwhile in one transaction.

    Whatever stops a listing (the quota, an unreadable answer), the pages already fetched are committed before
    the error surfaces, each checkpoint naming where its own page ends: nothing fetched is lost, and no
    checkpoint moves past a page that was not stored."""
    pending: list = []
    last_commit = time.monotonic()
    try:
        for fetched in prefetch_batches(pages, depth):
            if gather is None:
                for page in fetched:
                    commit([page])
                continue
            pending.extend(fetched)
            if sum(gather.size(p) for p in pending) < gather.rows and time.monotonic() - last_commit < gather.seconds:
                continue
            commit(pending)
            pending, last_commit = [], time.monotonic()
    finally:
        if pending:
            commit(pending)
