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
from datetime import UTC, datetime

import duckdb

from cc_data.api.client import ApiClient, NotFound
from cc_data.config import Settings
from cc_data.store import upserts
from cc_data.sync.records import CONTACT_CHILDREN, Rows

TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "custom_fields": ("custom_field_id",), "contact_lists": ("list_id",), "contact_tags": ("tag_id",),
    "segments": ("segment_id",), "contacts": ("contact_id",), "campaigns": ("campaign_id",),
    "campaign_activities": ("campaign_activity_id",), "campaign_summaries": ("campaign_id",),
    "activity_stats": ("campaign_activity_id",),
}


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
    fresh_stats: set = field(default_factory=set)   # activities whose stats were fetched this run

    def now(self) -> datetime:
        """The API's clock (naive UTC), which is what its timestamps and our settle rules refer to."""
        return self.client.now().astimezone(UTC).replace(tzinfo=None)

    def now_iso(self) -> str:
        return self.now().isoformat()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Rows and their checkpoint commit together, with today's call count."""
        self.con.execute("BEGIN")
        try:
            yield
            budget = self.client.budget
            self.con.execute("INSERT OR REPLACE INTO api_calls_daily VALUES (?, ?)", [budget.day, budget.used_today])
            self.con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                self.con.execute("ROLLBACK")
            raise

    def write(self, rows: Rows, replace_children_of: list[str] | None = None) -> int:
        written = 0
        for table, table_rows in rows.items():
            if table in CONTACT_CHILDREN:
                written += upserts.replace_children(
                    self.con, table, "contact_id", replace_children_of or [], table_rows, CONTACT_CHILDREN[table])
            elif table == "account":
                written += upserts.upsert(self.con, table, table_rows, ())
            else:
                written += upserts.upsert(self.con, table, table_rows, TABLE_KEYS[table])
            self.rows[table] += len(table_rows)
        self.stream_rows += sum(len(r) for r in rows.values())
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


def records_of(body: dict, key: str | None) -> list[dict]:
    if key is None:
        return [body]
    items = body.get(key) or []
    return [r for r in items if isinstance(r, dict)]


@dataclass(frozen=True)
class Stream:
    """One API collection (or one call per item) and how its records become rows."""

    name: str
    endpoint: str                                    # label for call counts, e.g. "GET /contacts"
    path: str                                        # may hold "{ids}" for per-item streams
    to_rows: Callable[[dict, str], Rows]
    records: str | None = None                       # the list in the body; None: the body is one record
    params: Mapping[str, str] = field(default_factory=dict)
    shape: str | None = None
    page_size: int | None = None                     # the largest page the endpoint serves
    snapshot: str | None = None                      # table replaced by each complete listing
    items: Callable[[Context], list[str]] | None = None    # ids to call `path` for
    batch: int = 1                                   # ids per call
    item_done: Callable[[Context, list[str]], None] | None = None
    cursor_param: str | None = None                  # incremental: query parameter ...
    cursor_value: Callable[[Context], str | None] | None = None   # ... and its value from stored data
    stop_after: Callable[[Context, dict], bool] | None = None     # end a listing early
    children: bool = False                           # rows include contact children to replace


def run_listing(ctx: Context, stream: Stream, on_page: Callable[[Context, str], None] | None = None) -> None:
    """A collection, page by page; each page commits with the link to the next one (resumable)."""
    state_key = "next"
    resume = upserts.get_state(ctx.con, stream.name, state_key)
    params = dict(stream.params)
    if stream.cursor_param and stream.cursor_value:
        value = stream.cursor_value(ctx)
        if value:
            params[stream.cursor_param] = value
    if stream.snapshot:
        _run_snapshot(ctx, stream, params)
        return
    pages = ctx.client.pages(stream.path, params, endpoint=stream.endpoint, shape=stream.shape,
                             start_href=resume)
    for page in (pages if stream.stop_after else prefetch(pages)):  # an early stop must not fetch ahead
        now = ctx.now_iso()
        recs = records_of(page.body, stream.records)
        rows = merge_rows([stream.to_rows(r, now) for r in recs])
        stop = page.next_href is None or (stream.stop_after is not None and stream.stop_after(ctx, page.body))
        with ctx.transaction():
            if on_page is not None:
                on_page(ctx, now)
            ctx.write(rows, [r.get("contact_id") for r in recs] if stream.children else None)
            upserts.set_state(ctx.con, stream.name, state_key, None if stop else page.next_href)
        if ctx.estimated_calls is None and stream.page_size:
            total = page.body.get("contacts_count")
            if isinstance(total, int):
                ctx.estimated_calls = -(-total // stream.page_size)
        ctx.emit()
        if stop:
            break


def _run_snapshot(ctx: Context, stream: Stream, params: Mapping[str, str]) -> None:
    """Small listings: every page, then one transaction that makes the table equal to what was listed."""
    parts = []
    for page in ctx.client.pages(stream.path, dict(params), endpoint=stream.endpoint, shape=stream.shape):
        now = ctx.now_iso()
        parts.extend(stream.to_rows(r, now) for r in records_of(page.body, stream.records))
        ctx.emit()
    rows = merge_rows(parts)
    table = stream.snapshot
    assert table is not None
    with ctx.transaction():
        ctx.con.execute(f"DELETE FROM {table}")
        ctx.write(rows)


def run_per_item(ctx: Context, stream: Stream) -> None:
    """One call per id (or per batch of ids); each call commits with the ids it completed."""
    assert stream.items is not None
    ids = stream.items(ctx)
    ctx.estimated_calls = -(-len(ids) // stream.batch)
    ctx.emit()
    for start in range(0, len(ids), stream.batch):
        batch = ids[start:start + stream.batch]
        path = stream.path.format(ids=",".join(batch))
        try:
            body = ctx.client.get_json(path, dict(stream.params), endpoint=stream.endpoint, shape=stream.shape)
        except NotFound:
            body = None  # gone (e.g. a removed activity): remember it as done so it is not asked for again
        now = ctx.now_iso()
        rows = merge_rows([stream.to_rows(r, now) for r in records_of(body, stream.records)]) if body else {}
        with ctx.transaction():
            ctx.write(rows)
            if stream.item_done:
                stream.item_done(ctx, batch)
        ctx.emit()


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
