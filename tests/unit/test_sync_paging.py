"""The engine's one paging loop (engine.fetch, engine.page_through) and the write modes streams declare.

Whatever stops a listing, the pages already fetched are committed first, each with the checkpoint of its own page;
a listing stops where its on_page hook says (tracking: the stored high-water mark) without asking for the next
page; a snapshot listing cut short replaces nothing. Hand-made pages, no network."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from cc_data.api.client import CallBudget, Page
from cc_data.config import Settings
from cc_data.errors import QuotaExceeded
from cc_data.store import upserts
from cc_data.store.schema import migrate
from cc_data.sync import streams
from cc_data.sync.engine import Context, Gather, Listing, Stream, fetch, page_through, run_listing
from cc_data.sync.writes import Snapshot, Upsert, WithChildren

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 7, 12)


class Pages:
    """Serves `bodies` as one listing's pages (next links `?page=N`), then raises `stop` if given."""

    def __init__(self, bodies: list[dict], stop: BaseException | None = None) -> None:
        self.bodies, self.stop, self.served = bodies, stop, 0
        self.budget = CallBudget(quota=10_000, day=date(2026, 12, 7))

    def now(self) -> datetime:
        return NOW

    def pages(self, path, params=None, *, endpoint, read, start_href=None):
        start = int(start_href.rsplit("=", 1)[1]) if start_href else 0
        for n in range(start, len(self.bodies)):
            self.served += 1
            nxt = f"{path}?page={n + 1}" if n + 1 < len(self.bodies) or self.stop else None
            body = {**self.bodies[n], "_links": {"next": {"href": nxt}} if nxt else {}}
            yield Page(body, path, nxt, read(body))
        if self.stop is not None:
            raise self.stop


def _listing(client: Pages, **kw) -> tuple[Context, Listing]:
    ctx = Context(con=None, client=client, settings=Settings())   # type: ignore[arg-type]
    return ctx, Listing("/things", {}, "GET /things", read=lambda body: body["n"], **kw)


@pytest.mark.parametrize("gather", [None, Gather(rows=10**9, seconds=10**9, size=lambda page: 1)])
def test_pages_fetched_before_the_quota_stopped_the_listing_are_committed_first(gather):
    client = Pages([{"n": 1}, {"n": 2}, {"n": 3}], stop=QuotaExceeded("the daily quota is used up"))
    ctx, listing = _listing(client)
    committed: list[list[int]] = []
    with pytest.raises(QuotaExceeded):
        page_through(fetch(ctx, [listing]), lambda pages: committed.append([p.content for p in pages]),
                     gather=gather)
    assert [n for group in committed for n in group] == [1, 2, 3]
    if gather is None:
        assert committed == [[1], [2], [3]]   # each page in its own transaction, with its own checkpoint


def test_a_gathered_commit_waits_for_its_rows_and_a_page_alone_does_not():
    client = Pages([{"n": 5}, {"n": 5}, {"n": 5}, {"n": 5}])
    ctx, listing = _listing(client)
    committed: list[list[int]] = []
    page_through(fetch(ctx, [listing]), lambda pages: committed.append([p.content for p in pages]),
                 depth=1, gather=Gather(rows=10, seconds=10**9, size=lambda page: page.content))
    assert [n for group in committed for n in group] == [5, 5, 5, 5]
    assert all(sum(group) >= 10 for group in committed[:-1]) and len(committed) < 4


def test_a_listing_stops_where_its_hook_says_without_asking_for_the_next_page():
    client = Pages([{"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}])
    ctx, listing = _listing(client, on_page=lambda page: (page.content, page.content == 2))
    second = Listing("/others", {}, "GET /others", read=lambda body: -body["n"])
    got: list[int] = []
    page_through(fetch(ctx, [listing, second]),
                 lambda items: got.extend(i if isinstance(i, int) else i.content for i in items))
    assert got == [1, 2, -1, -2, -3, -4]   # the first listing stopped at 2; the next one ran whole
    assert client.served == 2 + 4


def test_a_snapshot_listing_cut_short_replaces_nothing_and_a_complete_one_replaces_the_table():
    con = duckdb.connect()
    migrate(con)
    con.execute("INSERT INTO contact_tags (tag_id, name) VALUES ('old', 'Old tag')")
    tags = [{"tags": [{"tag_id": "t1", "name": "One"}]}, {"tags": [{"tag_id": "t2", "name": "Two"}]}]
    cut = Pages(tags, stop=QuotaExceeded("the daily quota is used up"))
    with pytest.raises(QuotaExceeded):
        run_listing(Context(con=con, client=cut, settings=Settings()), streams.TAGS)
    assert con.execute("SELECT tag_id FROM contact_tags").fetchall() == [("old",)]
    run_listing(Context(con=con, client=Pages(tags), settings=Settings()), streams.TAGS)
    assert con.execute("SELECT tag_id FROM contact_tags ORDER BY 1").fetchall() == [("t1",), ("t2",)]


def test_a_listing_commits_each_page_with_the_link_to_the_next_and_resumes_there():
    con = duckdb.connect()
    migrate(con)
    bodies = [{"campaigns": [{"campaign_id": f"C{n}", "name": f"Campaign {n}"}]} for n in range(3)]
    with pytest.raises(QuotaExceeded):
        run_listing(Context(con=con, client=Pages(bodies[:2], stop=QuotaExceeded("quota")), settings=Settings()),
                    streams.CAMPAIGNS)
    assert con.execute("SELECT count(*) FROM campaigns").fetchone() == (2,)
    assert upserts.get_state(con, "campaigns", "next") == "/emails?page=2"
    resumed = Pages(bodies)
    run_listing(Context(con=con, client=resumed, settings=Settings()), streams.CAMPAIGNS)
    assert resumed.served == 1 and con.execute("SELECT count(*) FROM campaigns").fetchone() == (3,)
    assert upserts.get_state(con, "campaigns", "next") is None


def test_every_stream_declares_how_its_rows_are_stored():
    declared = {entry.name: entry.write_mode for entry in streams.ALL if isinstance(entry, Stream)}
    declared |= {s.name: s.write_mode for s in (streams.CONTACTS_FULL, *streams.CONTACT_PASSES)}
    assert {name: mode.table for name, mode in declared.items() if isinstance(mode, Snapshot)} == {
        "account": "account", "custom_fields": "custom_fields", "lists": "contact_lists", "tags": "contact_tags",
        "segments": "segments"}
    assert {name for name, mode in declared.items() if isinstance(mode, WithChildren)} == {
        "contacts_full", "contacts_updated", "contacts_optout", "contacts_deleted"}
    assert all(isinstance(mode, Snapshot | WithChildren | Upsert) for mode in declared.values())


def test_only_the_engine_pages_through_a_listing():
    """One paging loop: no stream calls the client's pages() itself, and the engine names no table to choose how
    rows are written."""
    callers = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "cc_data/sync").glob("*.py")
                     if re.search(r"\.pages\(", p.read_text()))
    assert callers == ["cc_data/sync/engine.py"]
    engine = (ROOT / "cc_data/sync/engine.py").read_text()
    assert not re.search(r"""table\s*(==|in)\s*["'A-Z]""", engine)
