"""Bulk writes: timestamps to UTC, upserts that touch only given columns, tracking rows never duplicated."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from cc_data.store import upserts
from cc_data.sync.records import tracking_row
from cc_data.sync.tracking import number_identical_rows


@pytest.fixture
def con(empty_db):
    return empty_db


def _event(contact, created, url_id=None, kind="em_clicks"):
    rec = {"contact_id": contact, "created_time": created, "url_id": url_id, "link_url": "https://x" if url_id else None}
    return tracking_row(rec, "A", kind)


def _page(*rows, carry=None):
    number_identical_rows(list(rows), carry or {})
    return list(rows)


def test_tracking_page_fetched_twice_is_stored_once(con):
    page = _page(_event("c1", "2024-10-30T18:56:35.000Z", "11"), _event("c1", "2024-10-30T18:56:35Z", "12"),
                 _event("c2", "2024-10-30T12:56:35-06:00", None, "em_opens"))
    assert upserts.insert_tracking(con, "A", page) == 3
    assert upserts.insert_tracking(con, "A", page) == 0
    assert upserts.insert_tracking(con, "A", _page(page[0], _event("c3", "2024-11-01T00:00:00Z"))) == 1
    rows = con.execute("SELECT contact_id, created_time, url_id FROM tracking_events ORDER BY ALL").fetchall()
    assert len(rows) == 4
    assert ("c2", datetime(2024, 10, 30, 18, 56, 35), None) in rows  # offsets become naive UTC


def test_upsert_updates_only_given_columns(con):
    upserts.upsert(con, "campaign_activities", [{"campaign_activity_id": "A", "campaign_id": "C", "role": "resend",
                                                  "subject": "Hi", "contact_list_ids": ["l1", "l2"]}],
                   ["campaign_activity_id"])
    upserts.upsert(con, "campaign_activities", [{"campaign_activity_id": "A", "campaign_id": "C",
                                                  "role": "primary_email"}], ["campaign_activity_id"])
    assert con.execute("SELECT role, subject, contact_list_ids FROM campaign_activities").fetchall() == [
        ("primary_email", "Hi", ["l1", "l2"])]


def test_replace_children_makes_a_contacts_rows_exact(con):
    cols = ("contact_id", "list_id")
    upserts.replace_children(con, "list_memberships", "contact_id", ["c1", "c2"],
                             [{"contact_id": "c1", "list_id": "a"}, {"contact_id": "c1", "list_id": "b"},
                              {"contact_id": "c2", "list_id": "a"}], cols)
    upserts.replace_children(con, "list_memberships", "contact_id", ["c1"], [{"contact_id": "c1", "list_id": "b"}],
                             cols)
    assert con.execute("SELECT * FROM list_memberships ORDER BY ALL").fetchall() == [("c1", "b"), ("c2", "a")]


def test_dates_and_state(con):
    upserts.upsert(con, "contacts", [{"contact_id": "c", "deleted_at": "2016-07-08", "opt_out_date": None}],
                   ["contact_id"])
    assert con.execute("SELECT deleted_at FROM contacts").fetchone()[0] == date(2016, 7, 8)
    upserts.set_state(con, "s", "k", "v1")
    upserts.set_state(con, "s", "k", "v2")
    assert upserts.get_state(con, "s", "k") == "v2"
    upserts.set_state(con, "s", "k", None)
    assert upserts.get_states(con, "s") == {}


def test_identical_rows_are_all_kept_and_a_refetch_adds_none(con):
    double = [_event("c1", "2024-10-30T18:56:35Z", "11"), _event("c1", "2024-10-30T18:56:35.000Z", "11")]
    first = _page(*double, _event("c2", "2024-10-30T18:00:00Z", "11"))
    assert [r["ordinal"] for r in first] == [1, 2, 1]
    assert upserts.insert_tracking(con, "A", first) == 3
    again = _page(*[_event("c1", "2024-10-30T18:56:35Z", "11") for _ in range(2)], _event("c2", "2024-10-30T18:00:00Z", "11"))
    assert upserts.insert_tracking(con, "A", again) == 0
    assert con.execute("SELECT count(*) FROM tracking_events").fetchone()[0] == 3


def test_identical_rows_split_by_a_page_boundary_are_numbered_on(con):
    page1 = [_event("c2", "2024-10-30T19:00:00Z"), _event("c1", "2024-10-30T18:56:35Z", "11")]
    carry = number_identical_rows(page1, {})
    page2 = [_event("c1", "2024-10-30T18:56:35Z", "11"), _event("c3", "2024-10-30T18:00:00Z")]
    carry = number_identical_rows(page2, carry)
    assert [r["ordinal"] for r in page1 + page2] == [1, 1, 2, 1]
    assert upserts.insert_tracking(con, "A", page1) + upserts.insert_tracking(con, "A", page2) == 4


def test_a_row_without_its_contact_or_time_is_skipped_not_stored():
    from cc_data.sync.records import MissingId
    with pytest.raises(MissingId):
        tracking_row({"created_time": "2024-10-30T18:56:35Z"}, "A", "em_opens")
    with pytest.raises(MissingId):
        tracking_row({"contact_id": "c1"}, "A", "em_opens")


def test_a_column_a_row_does_not_carry_keeps_its_value(con):
    upserts.upsert(con, "campaigns", [{"campaign_id": "C", "name": "A", "updated_at": datetime(2024, 1, 2)}],
                   ["campaign_id"])
    upserts.upsert(con, "campaigns", [{"campaign_id": "C", "name": "B"}], ["campaign_id"])
    assert con.execute("SELECT name, updated_at FROM campaigns").fetchall() == [("B", datetime(2024, 1, 2))]


def test_primary_keys_come_from_the_schema(con):
    assert upserts.primary_key(con, "contacts") == ("contact_id",)
    assert upserts.primary_key(con, "gift_code_campaigns") == ("code_field", "code")
    assert upserts.primary_key(con, "tracking_events") == ()
