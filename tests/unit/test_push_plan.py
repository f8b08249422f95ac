"""Who a push sends and the preview's numbers, on a handful of contacts in an in-memory database."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from cc_data.analytics.audience.segments import SegmentCriteria
from cc_data.errors import UserError
from cc_data.push.members import split_emailable
from cc_data.push.plan import BATCH, make_plan
from cc_data.push.saved import (
    DEFAULT_SEGMENT,
    criteria_from,
    criteria_json,
    find_segment,
    save_segment,
    saved_segments,
)
from cc_data.store.schema import migrate

OPT_IN = datetime(2025, 1, 1)
PEOPLE = {   # contact_id: (permission_to_send, deleted_at)
    "ok-explicit": ("explicit", None), "ok-implicit": ("implicit", None), "unsub": ("unsubscribed", None),
    "hold": ("temp_hold", None), "pending": ("pending_confirmation", None), "gone": ("explicit", "2025-06-01"),
    "bounced": ("explicit", None), "opted-out-later": ("explicit", None), "on-list": ("explicit", None),
}


@pytest.fixture
def con():
    con = duckdb.connect()
    migrate(con)
    for cid, (perm, deleted) in PEOPLE.items():
        con.execute("INSERT INTO contacts (contact_id, email_address, email, permission_to_send, opt_in_date, "
                    "deleted_at) VALUES (?, ?, ?, ?, ?, ?)", [cid, f"{cid}@x.org", f"{cid}@x.org", perm, OPT_IN, deleted])
    # a hard bounce after the last engagement; an opt-out row newer than the opt-in (the record not synced yet)
    con.execute("INSERT INTO tracking_events VALUES ('a', 'bounced', 'em_bounces', '2025-05-01', NULL, NULL, NULL, "
                "'B', NULL, 1)")
    con.execute("INSERT INTO tracking_events VALUES ('a', 'opted-out-later', 'em_optouts', '2025-05-01', NULL, NULL, "
                "NULL, NULL, 'x', 1)")
    con.execute("INSERT INTO contact_lists (list_id, name) VALUES ('L1', 'Lapsed donors 2026'), ('L2', 'Newsletter')")
    con.execute("INSERT INTO list_memberships VALUES ('on-list', 'L1'), ('ok-explicit', 'L2'), ('left', 'L1')")
    return con


def test_only_emailable_contacts_are_kept_whatever_the_set_says(con):
    keep, left = split_emailable(con, [*PEOPLE, "nobody"])
    assert keep == ["ok-explicit", "ok-implicit", "on-list"]
    assert left == {"unsubscribed": 2, "on hold": 1, "not opted in": 1, "deleted": 1, "bounced": 1, "unknown": 1}


def test_the_preview_counts_new_members_those_on_the_list_and_those_who_left(con):
    keep, left = split_emailable(con, list(PEOPLE))
    plan = make_plan(con, segment_name="s", criteria=None, members=keep, left_out=left,
                     list_name=" lapsed DONORS 2026 ")
    assert plan.list_id == "L1" and plan.to_add == ["ok-explicit", "ok-implicit"] and plan.already_on == ["on-list"]
    assert not plan.created_by_tool and plan.to_remove == []   # not a list cc-data made: nobody to remove
    with pytest.raises(UserError, match="not created by cc-data"):
        make_plan(con, segment_name="s", criteria=None, members=keep, left_out=left, list_name="Lapsed donors 2026",
                  remove_missing=True)
    con.execute("INSERT INTO list_pushes (push_id, list_id, list_name, list_created, state) "
                "VALUES ('p', 'L1', 'Lapsed donors 2026', true, 'completed')")
    ours = make_plan(con, segment_name="s", criteria=None, members=keep, left_out=left, list_name="Lapsed donors 2026")
    assert ours.created_by_tool and ours.to_remove == ["left"] and ours.removing == []   # removal off by default
    trim = make_plan(con, segment_name="s", criteria=None, members=keep, left_out=left, list_name="Lapsed donors 2026",
                     remove_missing=True)
    assert trim.removing == ["left"]
    new = make_plan(con, segment_name="s", criteria=None, members=keep, left_out=left, list_name="Brand new")
    assert new.list_id is None and new.to_add == keep and new.calls == 1 + 1 * (1 + 4)


def test_a_large_segment_is_sent_in_activities_of_at_most_500(con):
    members = [f"c{i}" for i in range(BATCH * 2 + 1)]
    plan = make_plan(con, segment_name="s", criteria=None, members=members, left_out={}, list_name="Newsletter")
    assert plan.calls == 3 * 5


def test_saved_segments_keep_criteria_and_the_default_is_always_there(con):
    assert [s.name for s in saved_segments(con)] == [DEFAULT_SEGMENT]
    criteria = SegmentCriteria(inactive_days=90, list_ids=("L1",), lapsed_donors_only=True)
    assert criteria_from(criteria_json(criteria)) == criteria
    save_segment(con, "Quiet donors", criteria)
    assert find_segment(con, "quiet DONORS").criteria == criteria
    assert find_segment(con, DEFAULT_SEGMENT).criteria == SegmentCriteria()
    with pytest.raises(UserError, match="built-in"):
        save_segment(con, "Re-engagement", criteria)
    with pytest.raises(UserError, match="segments list"):
        find_segment(con, "nope")
