"""A stream's cursor is its own high-water mark (engine.run_listing): the API's clock when its last complete pass
began, less the overlap; never a maximum over stored rows (which other streams write), and never moved by a
listing that was not read to its end."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from cc_data.api.client import CallBudget, Page
from cc_data.config import Settings
from cc_data.store import upserts
from cc_data.sync import streams
from cc_data.sync.engine import CURSOR_OVERLAP, Context, run_listing

OPTOUT = streams.CONTACT_PASSES[1]
T0 = datetime(2026, 6, 15, 12)


class Cut(Exception):
    pass


class FakeApi:
    """Answers a listing with the pages given; records the parameters of each first call."""

    def __init__(self, now: datetime, pages: list[list[dict]], cut_after: int | None = None):
        self.server_now, self.pages_given, self.cut_after = now, pages, cut_after
        self.asked: list[dict] = []
        self.budget = CallBudget(quota=10_000, day=date(2026, 6, 15))

    def now(self) -> datetime:
        return self.server_now

    def pages(self, path, params=None, *, endpoint, read, start_href=None):
        self.asked.append({"params": dict(params or {}), "start_href": start_href})
        start = int(start_href.rsplit("=", 1)[1]) if start_href else 0
        for n in range(start, len(self.pages_given)):
            if self.cut_after is not None and n > self.cut_after:
                raise Cut
            nxt = f"/v3/contacts?cursor={n + 1}" if n + 1 < len(self.pages_given) else None
            body = {path.strip("/").replace("emails", "campaigns"): self.pages_given[n],
                    "_links": {"next": {"href": nxt}} if nxt else {}}
            yield Page(body, path, nxt, read(body))


def _contact(cid: str, opted_out: datetime | None = None, updated: datetime = T0) -> dict:
    email = {"address": f"{cid}@x.org", "permission_to_send": "unsubscribed" if opted_out else "implicit"}
    if opted_out:
        email["opt_out_date"] = opted_out.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"contact_id": cid, "email_address": email, "updated_at": updated.strftime("%Y-%m-%dT%H:%M:%SZ")}


@pytest.fixture
def con(empty_db):
    return empty_db


def _ctx(con, api) -> Context:
    return Context(con=con, client=api, settings=Settings(anchor_date=date(2000, 1, 1)))


def test_the_cursor_is_when_the_last_complete_pass_began_not_the_newest_stored_opt_out(con):
    first = FakeApi(T0, [[_contact("a", T0 - timedelta(hours=3))]])
    run_listing(_ctx(con, first), OPTOUT)
    # another pass stores a contact who opted out later than anything this pass listed
    con.execute("INSERT INTO contacts (contact_id, opt_out_date) VALUES ('b', ?)", [T0 + timedelta(hours=20)])
    second = FakeApi(T0 + timedelta(days=1), [[]])
    run_listing(_ctx(con, second), OPTOUT)
    assert second.asked[0]["params"]["optout_after"] == (T0 - CURSOR_OVERLAP).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert upserts.get_state(con, OPTOUT.name, "cursor") == (T0 + timedelta(days=1)).isoformat()


def test_a_listing_not_read_to_its_end_does_not_move_the_cursor_and_its_resume_keeps_its_start(con):
    upserts.set_state(con, OPTOUT.name, "cursor", T0.isoformat())
    pages = [[_contact("a", T0 + timedelta(hours=1))], [_contact("b", T0 + timedelta(hours=2))]]
    cut = FakeApi(T0 + timedelta(days=1), pages, cut_after=0)
    with pytest.raises(Cut):
        run_listing(_ctx(con, cut), OPTOUT)
    assert upserts.get_state(con, OPTOUT.name, "cursor") == T0.isoformat()
    resumed = FakeApi(T0 + timedelta(days=1, hours=5), pages)
    run_listing(_ctx(con, resumed), OPTOUT)
    assert resumed.asked[0]["start_href"] == "/v3/contacts?cursor=1"
    assert upserts.get_state(con, OPTOUT.name, "cursor") == (T0 + timedelta(days=1)).isoformat()  # the cut pass's start
    assert con.execute("SELECT count(*) FROM contacts WHERE permission_to_send = 'unsubscribed'").fetchone() == (2,)


def test_without_a_cursor_of_its_own_a_pass_starts_at_the_last_full_listing(con):
    upserts.set_state(con, "contacts", "full_done_at", T0.isoformat())
    con.execute("INSERT INTO contacts (contact_id, opt_out_date, updated_at) VALUES ('b', ?, ?)",
                [T0 + timedelta(hours=5), T0 + timedelta(hours=6)])
    for stream, param in ((OPTOUT, "optout_after"), (streams.CONTACT_PASSES[0], "updated_after")):
        api = FakeApi(T0 + timedelta(days=1), [[]])
        run_listing(_ctx(con, api), stream)
        assert api.asked[0]["params"][param] == (T0 - CURSOR_OVERLAP).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    api = FakeApi(T0 + timedelta(days=1), [[]])
    run_listing(_ctx(con, api), streams.CAMPAIGNS)   # campaigns had no full listing to start from: all of them
    assert "after_date" not in api.asked[0]["params"]
