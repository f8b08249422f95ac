"""Answers in the forms Constant Contact's own guide pages show (tests/data/answer_forms, each with its source)
are stored exactly as the spec's form of the same answer; a count the reader cannot find is unknown and the
tracking planner asks for its rows; an answer that omits a field leaves the stored value alone."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime
from pathlib import Path

import pytest

from cc_data.api import parse
from cc_data.config import Settings
from cc_data.store import upserts
from cc_data.sync import records
from cc_data.sync.engine import Context, Stream
from cc_data.sync.streams import CONTACTS_FULL, TRACKING, mark_stats
from cc_data.sync.tracking import pending_work

FORMS = Path(__file__).resolve().parents[1] / "data" / "answer_forms"
NOW = datetime(2020, 9, 25, 12)


def form(name: str) -> dict:
    return json.loads((FORMS / name).read_text())["body"]


def test_every_form_names_its_source_and_endpoint():
    for path in sorted(FORMS.glob("*.json")):
        meta = json.loads(path.read_text())
        assert meta["source"].startswith(("https://", "amp-labs/")) and meta["endpoint"].startswith("GET /"), path.name
        assert meta["form"] and isinstance(meta["body"], dict), path.name


# --- rule 1: a count the reader cannot find is unknown, never zero --------------------------------

def _spec_form(stats: dict) -> dict:
    """The same stats with the spec's names (underscores)."""
    return {key.replace(".", "_"): value for key, value in stats.items()}


def test_activity_stats_with_the_guide_pages_dotted_names_read_as_the_spec_names():
    body = form("activity_stats_dotted_names.json")
    got = records.activity_stats(body["results"][0], NOW)["activity_stats"][0]
    spec = copy.deepcopy(body["results"][0])
    spec["stats"] = _spec_form(spec["stats"])
    assert got == records.activity_stats(spec, NOW)["activity_stats"][0]
    assert (got["em_opens_all"], got["em_clicks_all"], got["em_opens_all_mobile"], got["em_opens_all_other"]) == (
        6, 2, 3, 3)
    assert None not in got.values()


def test_a_count_the_answer_does_not_carry_is_unknown_not_zero():
    stats = records.activity_stats({"campaign_activity_id": "A", "stats": {"em_sends": "10"}}, NOW)["activity_stats"][0]
    assert stats["em_sends"] == 10 and stats["em_clicks"] is None and stats["em_opens_all"] is None
    summary = records.campaign_summary({"campaign_id": "C", "unique_counts": {"sends": 3}}, NOW)
    assert summary["campaign_summaries"][0]["sends"] == 3 and summary["campaign_summaries"][0]["opens"] is None
    assert records.campaign_summary({"campaign_id": "C"}, NOW)["campaign_summaries"][0]["clicks"] is None
    assert records.contact_list({"list_id": "L"}, NOW)["contact_lists"][0]["membership_count"] is None


def test_summary_counts_as_strings_and_percents_as_an_array_read_as_the_spec_form():
    body = form("campaign_summaries_strings.json")
    rec = body["bulk_email_campaign_summaries"][0]
    spec = {**rec, "unique_counts": {k: int(v) for k, v in rec["unique_counts"].items()}}
    assert records.campaign_summary(rec, NOW) == records.campaign_summary(spec, NOW)
    assert parse.percents(body["aggregate_percents"])["click"] == 43.0
    other = form("campaign_summaries_no_percents.json")
    assert records.campaign_summary(other["bulk_email_campaign_summaries"][0], NOW)["campaign_summaries"][0][
        "not_opened"] == 3
    assert parse.next_href(other).startswith("/v3/reports/summary_reports/email_campaign_summaries?next=")


class _Clock:
    def __init__(self, now: datetime):
        self._now = now

    def now(self) -> datetime:
        return self._now


@pytest.fixture
def con(empty_db):
    return empty_db


def _context(con, now=NOW) -> Context:
    return Context(con=con, client=_Clock(now), settings=Settings(anchor_date=date(2000, 1, 1)), started=now)


def _one_sent_activity(con, stats_rec: dict) -> None:
    ctx = _context(con)
    ctx.write(records.campaign_detail({"campaign_id": "C", "updated_at": "2020-09-20T00:00:00Z",
                                       "campaign_activities": [{"campaign_activity_id": "A", "role": "primary_email"}]},
                                      NOW))
    ctx.write(records.campaign_summary({"campaign_id": "C", "last_sent_date": "2020-09-20T00:00:00Z",
                                        "unique_counts": {"sends": 15, "opens": 6, "clicks": 2}}, NOW))
    ctx.write(records.activity_stats(stats_rec, NOW))
    upserts.set_states(con, "activity_stats", {"A": NOW.isoformat()})


def test_the_planner_asks_for_opens_and_clicks_when_the_stats_name_them_with_dots(con):
    """The loss of issue 19: read as 0, the dotted all-opens and all-clicks counts told the planner there was
    nothing to fetch; the sync reported success and the opens and clicks were never stored."""
    body = form("activity_stats_dotted_names.json")
    rec = {**body["results"][0], "campaign_id": "C", "campaign_activity_id": "A"}
    _one_sent_activity(con, rec)
    ctx = _context(con)
    work = {(kind, n) for _, kind, n in pending_work(ctx, TRACKING)}
    assert ("opens", 6) in work and ("clicks", 2) in work
    assert ctx.notes == []


def test_the_planner_asks_for_a_kind_whose_count_is_unknown_and_says_so_once(con):
    _one_sent_activity(con, {"campaign_id": "C", "campaign_activity_id": "A", "stats": {"em_sends": 15}})
    ctx = _context(con)
    work = {kind: n for _, kind, n in pending_work(ctx, TRACKING)}
    assert set(work) == set(TRACKING.kinds) and work["opens"] is None and work["sends"] == 15
    pending_work(ctx, TRACKING)
    assert len(ctx.notes) == 1 and "unknown" in ctx.notes[0] and "em_opens_all" in ctx.notes[0]


# --- rule 2: absent is not null ----------------------------------------------------------------------

def test_a_campaign_detail_without_type_code_or_created_at_keeps_what_the_listing_stored(con):
    ctx = _context(con)
    ctx.write(records.campaign(form("campaigns_page.json")["campaigns"][0], NOW))
    ctx.write(records.campaign_detail(form("campaign_detail_sparse.json"), NOW))
    row = con.execute("SELECT type_code, created_at, updated_at, current_status FROM campaigns").fetchone()
    assert row == (10, datetime(2018, 11, 15, 19, 15, 2), datetime(2018, 11, 15, 19, 15, 14), "Done")
    ctx.write(records.campaign_detail({**form("campaign_detail_sparse.json"), "type_code": None}, NOW))
    assert con.execute("SELECT type_code FROM campaigns").fetchone() == (None,)   # a null sent is a null


def test_a_contact_answer_without_a_field_or_a_child_list_keeps_the_stored_ones(con):
    ctx = _context(con)
    full = copy.deepcopy(form("contacts_page_sparse.json")["contacts"][0])
    full["list_memberships"] = ["L1", "L2"]
    full["email_address"]["opt_out_reason"] = "too many emails"
    ctx.write(CONTACTS_FULL.read({"contacts": [full]}, NOW).rows, CONTACTS_FULL.write_mode)
    sparse = form("contacts_page_sparse.json")
    sparse["contacts"][0]["first_name"] = "Deb"
    ctx.write(CONTACTS_FULL.read(sparse, NOW).rows, CONTACTS_FULL.write_mode)
    row = con.execute("SELECT first_name, job_title, opt_out_reason, permission_to_send FROM contacts").fetchone()
    assert row == ("Deb", "Musician", "too many emails", "implicit")
    assert con.execute("SELECT list(list_id ORDER BY list_id) FROM list_memberships").fetchone() == (["L1", "L2"],)
    assert con.execute("SELECT value FROM contact_custom_fields").fetchall() == [("Skiing",)]
    sparse["contacts"][0]["list_memberships"] = []   # carried and empty: the contact is on no list now
    ctx.write(CONTACTS_FULL.read(sparse, NOW).rows, CONTACTS_FULL.write_mode)
    assert con.execute("SELECT count(*) FROM list_memberships").fetchone() == (0,)


def test_tracking_answers_of_the_guide_pages_read():
    stream = Stream("t", "GET t", "/t", records.campaign, records="tracking_activities")
    for name in ("tracking_empty.json", "tracking_empty_with_activity_id.json"):
        body = form(name)
        assert stream.read(body, NOW).rows == {} and parse.next_href(body) is None
    row = records.tracking_row(form("tracking_unique_opens_type.json")["tracking_activities"][0], "A", "em_opens")
    assert row["tracking_activity_type"] == "em_opens" and row["created_time"] == datetime(2019, 5, 16, 21, 14)
    click = records.tracking_row(form("tracking_click_row.json")["tracking_activities"][0], "A", "em_clicks")
    assert click["url_id"] == "1100407204171" and click["link_url"] == "http://www.yoursite.com"


def test_a_tags_next_link_on_the_services_own_route_is_followed_under_the_public_base():
    from cc_data.api.client import ApiClient

    body = form("tags_page_service_href.json")
    rows = records.tag(body["tags"][0], NOW)["contact_tags"][0]
    assert rows["contacts_count"] == 45 and rows["created_at"] == datetime(2020, 11, 12, 11, 41, 30)
    client = ApiClient(Settings(api_base_url="https://api.cc.email/v3"), tokens=None)
    assert client.url_for(parse.next_href(body)) == (
        "https://api.cc.email/v3/contact_tags?cursor=aW5jbHVkZV9jb3VudD10cnVlJmxpbWl0PTImbmV4dD0yYzM4OGU4ZS0yNGVmLTE"
        "xZWItOGFlOC1mYTE2M2U1OTU1OTE=")
    assert client.url_for("/v3/contacts?cursor=x") == "https://api.cc.email/v3/contacts?cursor=x"


# --- the reference collections, the account and the activity detail (issue 19, second pass) -----------------

def _spec_times(node: object) -> object:
    """The same body with every timestamp written as the spec's examples mostly do: UTC, `Z`, milliseconds."""
    if isinstance(node, dict):
        return {k: _spec_times(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_spec_times(v) for v in node]
    if isinstance(node, str) and len(node) > 10 and node[4] == "-" and node[10] == "T":
        moment = parse.timestamp(node)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return node


@pytest.mark.parametrize(("name", "stream"), [
    ("segments_guide_item.json", "SEGMENTS"), ("custom_fields_page_no_links.json", "CUSTOM_FIELDS"),
    ("contact_lists_spec_example.json", "LISTS"), ("contacts_last_page_empty_links.json", "CONTACTS_FULL")])
def test_a_reference_page_of_the_guide_pages_reads_as_the_spec_form_and_ends_the_listing(con, name, stream):
    from cc_data.sync import streams

    entry = getattr(streams, stream)
    body = form(name)
    spec = {**_spec_times(body), "_links": {"next": None}}
    assert parse.next_href(body) is None and parse.next_href(spec) is None
    got = entry.read(body, NOW)
    assert got.rows == entry.read(spec, NOW).rows and got.skipped == 0
    _context(con).write(got.rows, entry.write_mode)
    table = next(t for t in got.rows if not t.startswith("_"))
    assert con.execute(f"SELECT count(*) FROM {table}").fetchone() == (1,)


def test_a_segment_id_sent_as_text_is_the_same_segment():
    item = form("segments_guide_item.json")["segments"][0]
    as_text = records.segment({**item, "segment_id": "30"}, NOW)
    assert as_text == records.segment(item, NOW) and as_text["segments"][0]["segment_id"] == 30
    assert as_text["segments"][0]["edited_at"] == datetime(2020, 1, 27, 17, 10, 50)


def test_a_list_keeps_its_milliseconds_and_reads_an_offset_as_the_same_instant(con):
    body = form("contact_lists_spec_example.json")
    rows = records.contact_list(body["lists"][0], NOW)
    _context(con).write(rows)
    assert con.execute("SELECT membership_count, created_at, updated_at, deleted_at FROM contact_lists").fetchone() == (
        327, datetime(2016, 1, 23, 13, 48, 44, 108000), datetime(2016, 3, 3, 15, 56, 29), datetime(2016, 3, 3, 15, 56, 29))


def test_the_account_summary_with_its_extra_fields_stores_the_same_account():
    body = form("account_summary_extra_fields.json")
    bare = {k: v for k, v in body.items() if k not in ("physical_address", "company_logo", "encoded_partner_id")}
    got = records.account(body, NOW)
    assert got == records.account(bare, NOW)
    assert got["account"][0]["encoded_account_id"] == "p07e1l8cdif9dl" and got["account"][0]["time_zone_id"] == (
        "US/Eastern")


def test_an_activity_detail_with_its_footer_and_content_stores_the_same_activity():
    body = form("activity_detail_spec_example.json")
    bare = {k: v for k, v in body.items() if k not in (
        "physical_address_in_footer", "html_content", "template_id", "permalink_url")}
    got = records.activity_detail(body, NOW)["campaign_activities"][0]
    assert got == records.activity_detail(bare, NOW)["campaign_activities"][0]
    assert got["segment_ids"] == [30] and got["format_type"] == 5 and got["current_status"] == "DRAFT"
    as_text = records.activity_detail({**body, "segment_ids": ["30"], "format_type": "5"}, NOW)
    assert as_text["campaign_activities"][0] == got


def test_an_activity_left_out_of_a_stats_answer_with_errors_has_its_reports_asked_for(con):
    """A partial failure (errors[] in a 200) stores the stats it carries; the activity it left out has no stats, so
    the planner takes its counts as unknown and fetches its tracking reports rather than trusting nothing."""
    body = form("activity_stats_partial_errors.json")
    ctx = _context(con)
    for aid in ("A", "B"):
        ctx.write(records.campaign_detail({"campaign_id": f"C{aid}", "updated_at": "2020-09-20T00:00:00Z",
                                           "campaign_activities": [{"campaign_activity_id": aid,
                                                                    "role": "primary_email"}]}, NOW))
        ctx.write(records.campaign_summary({"campaign_id": f"C{aid}", "last_sent_date": "2020-09-20T00:00:00Z",
                                            "unique_counts": {"sends": 15}}, NOW))
    stream = Stream("s", "GET s", "/s", records.activity_stats, records="results")
    ctx.write(stream.read(body, NOW).rows)
    upserts.set_states(con, "activity_stats", {"A": NOW.isoformat(), "B": NOW.isoformat()})   # both were asked
    assert con.execute("SELECT campaign_activity_id FROM activity_stats").fetchall() == [("A",)]
    work = {(aid, kind): n for aid, kind, n in pending_work(_context(con), TRACKING)}
    assert {kind for aid, kind in work if aid == "B"} == set(TRACKING.kinds)
    assert all(n is None for (aid, _), n in work.items() if aid == "B")


def test_an_activity_left_out_of_a_stats_answer_is_asked_for_again(con):
    """Its stats were not read, so it is not marked as fetched: once it settles, nothing else would ask again."""
    body = form("activity_stats_partial_errors.json")
    ctx = _context(con)
    stream = Stream("s", "GET s", "/s", records.activity_stats, records="results")
    ctx.write(stream.read(body, NOW).rows)
    mark_stats(ctx, ["A", "B"])   # both were in the call
    assert set(upserts.get_states(con, "activity_stats")) == {"A"}
