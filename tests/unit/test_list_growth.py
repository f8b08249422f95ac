"""List growth and churn, worked by hand: a month with additions, unsubscribes and deletions, and the emailable total
that follows from them."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

from cc_data.analytics.audience import list_growth, reach
from cc_data.analytics.stored import refresh
from tests.app.fixture_db import Rows, memory_db

ZONE = "America/Denver"


def _contact(r: Rows, cid: str, created: datetime, source: str = "Contact", permission: str = "implicit",
             lists: tuple[str, ...] = ("news",)) -> None:
    r.contact(cid, permission=permission, created_at=created, lists=lists)
    r.con.execute("UPDATE contacts SET create_source = ? WHERE contact_id = ?", [source, cid])


def _account() -> Rows:
    con = memory_db()
    con.execute("INSERT INTO account (organization_name, time_zone_id) VALUES ('Riverbend', ?)", [ZONE])
    r = Rows(con)
    # January (Denver): three who may be emailed (two signed up, one imported) and one awaiting confirmation
    _contact(r, "a", datetime(2025, 1, 5, 18))
    _contact(r, "b", datetime(2025, 1, 20, 18))
    _contact(r, "c", datetime(2025, 1, 31, 20), source="Account", lists=("news", "donors"))
    _contact(r, "p", datetime(2025, 1, 10, 18), permission="pending_confirmation")
    # 2025-02-01 03:00 UTC is still January 31 in Denver
    _contact(r, "d", datetime(2025, 2, 1, 3), source="Account")
    # February: two more sign up; "a" unsubscribes giving a reason; "b" is deleted; "c" hard-bounces
    _contact(r, "e", datetime(2025, 2, 10, 18))
    _contact(r, "f", datetime(2025, 2, 11, 18), lists=("donors",))
    con.execute("UPDATE contacts SET permission_to_send = 'unsubscribed', opt_out_date = ?, opt_out_source = "
                "'Contact', opt_out_reason = 'The emails are too frequent' WHERE contact_id = 'a'",
                [datetime(2025, 2, 14, 18)])
    con.execute("UPDATE contacts SET deleted_at = DATE '2025-02-20' WHERE contact_id = 'b'")
    act = r.campaign("K", "February Newsletter")
    for cid in ("a", "b", "c", "d"):
        r.event(act, cid, "sends", datetime(2025, 2, 3, 16))
    r.event(act, "c", "bounces", datetime(2025, 2, 3, 16, 5), bounce_code="B")
    # March: "e" unsubscribed through an email (the record not synced since: still implicit) and gave no reason
    r.event(act, "e", "sends", datetime(2025, 3, 3, 16))
    r.event(act, "e", "optouts", datetime(2025, 3, 4, 16))
    return r


def test_a_month_with_additions_unsubscribes_and_deletions() -> None:
    r = _account()
    rows = list_growth.growth_rows(r.con, ZONE)
    months = list_growth.monthly(rows, list_growth.ACCOUNT, date(2025, 3, 20))
    assert months.rows() == [
        # month, added, added not emailable, unsubscribed, hard-bounced, deleted, net, emailable at the month's end
        (date(2025, 1, 1), 4, 1, 0, 0, 0, 4, 4),
        (date(2025, 2, 1), 2, 0, 1, 1, 1, -1, 3),
        (date(2025, 3, 1), 0, 0, 1, 0, 0, -1, 2),
    ]
    how = list_growth.details(rows, list_growth.ACCOUNT, list_growth.ADDED, date(2025, 1, 1), date(2025, 1, 1))
    assert how.rows() == [("Added by the organisation", 2), ("Signed up themselves", 2)]
    why = list_growth.details(rows, list_growth.ACCOUNT, list_growth.UNSUBSCRIBED, date(2025, 1, 1), date(2025, 3, 1))
    assert why.rows() == [("No reason given", 1), ("The emails are too frequent", 1)]
    # the last month's total is who may be emailed now
    assert months["emailable"][-1] == reach.emailable(reach.audience(r.con)).height == 2


def test_a_list_counts_its_current_members() -> None:
    rows = list_growth.growth_rows(_account().con, ZONE)
    donors = list_growth.monthly(rows, "donors", date(2025, 2, 28))
    assert donors.select("month", "added", "hard_bounced", "emailable").rows() == [
        (date(2025, 1, 1), 1, 0, 1), (date(2025, 2, 1), 1, 1, 1)]


def test_stored_at_publish_for_the_accounts_time_zone() -> None:
    r = _account()
    live = list_growth.growth_rows(r.con, ZONE)
    refresh.refresh_all(r.con)
    assert list_growth.LIST_GROWTH.current(r.con, time_zone=ZONE)
    assert not list_growth.LIST_GROWTH.current(r.con, time_zone="UTC")
    assert list_growth.stored_growth(r.con, ZONE).sort(pl.all()).equals(live.sort(pl.all()))
    # in UTC, "d" joined in February
    utc = list_growth.monthly(list_growth.stored_growth(r.con, "UTC"), list_growth.ACCOUNT, date(2025, 3, 1))
    assert utc["added"].to_list() == [3, 3, 0]
