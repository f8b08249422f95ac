"""What counts as evidence for attribution, worked by hand: a likely machine open is not an open, a send that
bounced is not a send (both by default, stored or computed), and the opt-in arguments count them again."""

from __future__ import annotations

from datetime import datetime

import pytest
from test_attribution_support import Account

from cc_data.analytics.attribution.credit import gift_attribution
from cc_data.analytics.stored import refresh


@pytest.fixture
def acct() -> Account:
    """c1 (donor D1) opens all 5 weekly emails 2 minutes after the send and never clicks: a likely machine opener.
    c2 (donor D2) was sent C on Nov 4 and B on Nov 5, and B bounced."""
    acct = Account().contact("c1", "a@x.org").contact("c2", "b@x.org").donor("D1", cc_contact_id="c1")
    acct.donor("D2", cc_contact_id="c2")
    for day in range(5):
        acct.campaign(f"W{day}", f"Weekly {day}", f"W{day}-a")
        acct.event(f"W{day}-a", "c1", "sends", f"2024-11-0{day + 1} 09:00")
        acct.event(f"W{day}-a", "c1", "opens", f"2024-11-0{day + 1} 09:02")
    acct.event("W3-a", "c1", "opens", "2024-11-04 14:00")      # 5 h after the send: a person's open
    acct.gift("g1", "D1", 40, "2024-11-05", created="2024-11-05 12:00")
    acct.campaign("C", "Autumn News", "C-a").campaign("B", "Autumn Appeal", "B-a")
    acct.event("C-a", "c2", "sends", "2024-11-04 08:00")
    acct.event("B-a", "c2", "sends", "2024-11-05 09:00").event("B-a", "c2", "bounces", "2024-11-05 09:01")
    acct.gift("g2", "D2", 25, "2024-11-05", created="2024-11-05 14:00")
    return acct


def touches(gifts) -> dict[str, tuple]:
    """The touch each gift's tier rests on (a sent-only touch names its email in sent_only_campaign_id)."""
    return {r["gift_id"]: (r["tier"], r["campaign_id"] or r["sent_only_campaign_id"], r["touch_time"])
            for r in gifts.to_dicts()}


def test_a_machine_open_and_a_bounced_send_are_not_evidence(acct: Account) -> None:
    # g1 (Nov 5 12:00, 48 h): W4's open at 09:02 is a machine open (2 min after the send, by a contact who opened
    # 5 of 5 and never clicked), so the last open that counts is W3's 14:00 open of Nov 4, a person's.
    # g2 (Nov 5 14:00): B's send bounced, so the last send that counts is C's of Nov 4 08:00 (30 h before).
    expected = {"g1": ("open", "W3", datetime(2024, 11, 4, 14)), "g2": ("send", "C", datetime(2024, 11, 4, 8))}
    assert touches(gift_attribution(acct.con, 48)) == expected
    # Counting them again gives the previous answers: W4's machine open, B's bounced send.
    assert touches(gift_attribution(acct.con, 48, count_machine_opens=True, count_bounced_sends=True)) == {
        "g1": ("open", "W4", datetime(2024, 11, 5, 9, 2)), "g2": ("send", "B", datetime(2024, 11, 5, 9))}
    assert touches(gift_attribution(acct.con, 48, count_machine_opens=True))["g2"] == expected["g2"]
    assert touches(gift_attribution(acct.con, 48, count_bounced_sends=True))["g1"] == expected["g1"]
    # 24 h: W3's human open (22 h before) still counts; C's send (30 h) is out, so g2 has no evidence left.
    assert touches(gift_attribution(acct.con, 24)) == {"g1": expected["g1"], "g2": ("unattributed", None, None)}


def test_the_stored_rows_are_the_default_and_the_toggles_still_compute(acct: Account) -> None:
    computed = gift_attribution(acct.con, 48)
    refresh.refresh_all(acct.con)   # per_send, then the attribution tables, as at publish
    assert acct.con.sql("SELECT count(*) FROM attribution_gifts").fetchall()[0][0] > 0
    assert gift_attribution(acct.con, 48).equals(computed)
    assert touches(gift_attribution(acct.con, 48, count_machine_opens=True, count_bounced_sends=True))["g1"][1] == "W4"
