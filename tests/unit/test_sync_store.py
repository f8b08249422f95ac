"""Bulk writes: timestamps to UTC, upserts that touch only given columns, tracking rows never duplicated."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from cc_data.store import upserts
from cc_data.store.schema import migrate


@pytest.fixture
def con():
    connection = duckdb.connect()
    migrate(connection)
    yield connection
    connection.close()


def _event(contact, created, url_id=None, kind="em_clicks"):
    return {"campaign_activity_id": "A", "contact_id": contact, "tracking_activity_type": kind,
            "created_time": created, "url_id": url_id, "link_url": "https://x" if url_id else None}


def test_tracking_page_fetched_twice_is_stored_once(con):
    page = [_event("c1", "2024-10-30T18:56:35.000Z", "11"), _event("c1", "2024-10-30T18:56:35Z", "12"),
            _event("c2", "2024-10-30T12:56:35-06:00", None, "em_opens")]
    assert upserts.insert_tracking(con, "A", page) == 3
    assert upserts.insert_tracking(con, "A", page) == 0
    assert upserts.insert_tracking(con, "A", page[:1] + [_event("c3", "2024-11-01T00:00:00Z")]) == 1
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
