"""List health over a period, in the account's time zone, each person who left counted once (worked by hand)."""

from __future__ import annotations

from datetime import date, datetime

from cc_data.analytics.audience.list_health import list_flows
from tests.app.fixture_db import Rows, memory_db

DENVER = "America/Denver"


def test_joined_and_left_in_the_accounts_days() -> None:
    con = memory_db()
    rows = Rows(con)
    rows.contact("early", created_at=datetime(2025, 1, 1, 6, 59))        # Dec 31, 2024 in Denver: before
    rows.contact("new1", created_at=datetime(2025, 1, 1, 7, 0))          # midnight Jan 1 in Denver: in
    rows.contact("new2", created_at=datetime(2025, 6, 30, 12))
    rows.contact("late", created_at=datetime(2025, 7, 1, 5, 30))         # 23:30 on June 30 in Denver: in
    rows.contact("gone", deleted_at=datetime(2025, 3, 1))
    activity = rows.campaign("c1", "Spring 2025")
    rows.event(activity, "new2", "optouts", datetime(2025, 3, 2, 12))
    con.execute("UPDATE contacts SET opt_out_date = ? WHERE contact_id = 'new2'", [datetime(2025, 3, 2, 12)])
    rows.event(activity, "gone", "bounces", datetime(2025, 2, 1, 12), bounce_code="B")    # hard, then deleted
    rows.event(activity, "early", "bounces", datetime(2025, 2, 1, 12), bounce_code="F")   # mailbox full: soft
    rows.event(activity, "new1", "bounces", datetime(2024, 12, 1, 12), bounce_code="Z")  # before the period
    flows = list_flows(con, date(2025, 1, 1), date(2025, 6, 30), DENVER)
    assert (flows.joined, flows.unsubscribed, flows.hard_bounced, flows.deleted) == (3, 1, 1, 1)
    assert flows.left == 2 and flows.net == 1   # "gone" bounced hard and was deleted: one person
    assert flows.tracked_from == datetime(2024, 12, 1, 12)
    assert list_flows(con, date(2025, 1, 1), date(2025, 6, 30), "UTC").joined == 3   # early in, late out
