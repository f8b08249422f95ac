"""Gift attribution, worked by hand: every tier, ties, window edges, date-only gifts, refunds, splits, credits."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from test_attribution_support import Account

from cc_data.analytics.attribution.credit import (
    campaign_revenue,
    gift_attribution,
    series_revenue,
    tier_breakdown,
)
from cc_data.analytics.attribution.match import match_report


def one(account: Account, gift_id: str, window_hours: float = 48) -> dict:
    rows = gift_attribution(account.con, window_hours).filter(gift_id=gift_id).to_dicts()
    assert len(rows) == 1
    return rows[0]


@pytest.fixture
def acct() -> Account:
    """Two campaigns; contact c1 is donor D1 (by cc_contact_id)."""
    return (
        Account()
        .contact("c1", "a@x.org").contact("c2", "b@x.org")
        .campaign("K1", "Year-End Appeal 2024", "A1", "A1r")
        .campaign("K2", "Spring Appeal 2025", "A2")
        .donor("D1", "a@x.org", "c1")
    )


def test_click_beats_a_more_recent_open_and_send(acct):
    acct.event("A1", "c1", "sends", "2024-12-01 09:00").event("A1", "c1", "clicks", "2024-12-01 11:00")
    acct.event("A2", "c1", "sends", "2024-12-02 08:00").event("A2", "c1", "opens", "2024-12-02 09:00")
    acct.gift("g1", "D1", 50, "2024-12-02", created="2024-12-02 10:00")
    row = one(acct, "g1")
    assert (row["tier"], row["campaign_id"], row["campaign_activity_id"]) == ("click", "K1", "A1")
    assert row["touch_time"] == datetime(2024, 12, 1, 11) and row["time_basis"] == "timestamp"
    assert row["contact_id"] == "c1" and row["amount"] == 50


def test_open_then_send_tiers(acct):
    acct.event("A2", "c1", "sends", "2024-12-02 08:00").event("A2", "c1", "opens", "2024-12-02 09:00")
    acct.event("A1", "c1", "sends", "2024-12-02 09:30")
    acct.gift("g1", "D1", 10, "2024-12-02", created="2024-12-02 10:00")
    assert (one(acct, "g1")["tier"], one(acct, "g1")["campaign_id"]) == ("open", "K2")
    acct.gift("g2", "D1", 10, "2024-12-05", created="2024-12-05 12:00")
    acct.event("A1", "c1", "sends", "2024-12-05 11:00")
    g2 = one(acct, "g2")   # sent, not opened: shown apart, never credited
    assert (g2["tier"], g2["campaign_id"], g2["sent_only_campaign_id"], g2["campaign_name"]) == (
        "send", None, "K1", "Year-End Appeal 2024")


def test_last_touch_wins_within_a_tier_and_resends_count_for_their_campaign(acct):
    acct.event("A2", "c1", "clicks", "2024-12-02 08:00").event("A1r", "c1", "clicks", "2024-12-02 09:00")
    acct.gift("g1", "D1", 10, "2024-12-02", created="2024-12-02 10:00")
    row = one(acct, "g1")
    assert (row["campaign_id"], row["campaign_activity_id"]) == ("K1", "A1r")


def test_a_tie_goes_to_the_lower_campaign_id(acct):
    acct.event("A2", "c1", "clicks", "2024-12-02 09:00").event("A1", "c1", "clicks", "2024-12-02 09:00")
    acct.gift("g1", "D1", 10, "2024-12-02", created="2024-12-02 10:00")
    assert one(acct, "g1")["campaign_id"] == "K1"


def test_coded_beats_any_touch_and_the_most_specific_code_wins(acct):
    acct.code("solicit_code", "YE24", "K1").code("sub_solicit_code", "SPR-EM", "K2").code("gl_code", "GEN", "K1")
    acct.event("A1", "c1", "clicks", "2024-12-02 09:00")
    acct.gift("g1", "D1", 10, "2024-12-02", created="2024-12-02 10:00", solicit_code=" ye24 ",
              sub_solicit_code="SPR-EM")
    acct.gift("g2", "D1", 10, "2024-12-02", created="2024-12-02 10:00", gl_code="GEN")
    row = one(acct, "g1")
    assert (row["tier"], row["campaign_id"], row["campaign_activity_id"]) == ("coded", "K2", "A2")
    assert row["touch_time"] is None and row["attribution_note"] == "sub_solicit_code"
    assert (one(acct, "g2")["tier"], one(acct, "g2")["campaign_id"]) == ("coded", "K1")


def test_coded_gifts_need_no_contact_match(acct):
    acct.code("campaign", "YEAR END", "K1").donor("D9", "stranger@nowhere.org")
    acct.gift("g1", "D9", 75, "2024-12-02", campaign="Year End")
    row = one(acct, "g1")
    assert (row["tier"], row["campaign_id"], row["contact_id"]) == ("coded", "K1", None)


@pytest.mark.parametrize(
    ("click_at", "window", "tier"),
    [
        ("2024-12-01 12:00:00", 48, "click"),          # exactly 48 h before: inside
        ("2024-12-01 11:59:59", 48, "unattributed"),   # one second more: outside
        ("2024-12-03 12:00:00", 48, "click"),          # same instant as the gift
        ("2024-12-03 12:00:01", 48, "unattributed"),   # after the gift never counts
        ("2024-12-02 12:00:00", 24, "click"),
        ("2024-12-02 11:59:00", 24, "unattributed"),
        ("2024-11-26 12:00:00", 168, "click"),
        ("2024-12-01 11:00:00", 49, "click"),          # a custom window in hours
    ],
)
def test_window_edges(acct, click_at, window, tier):
    acct.event("A1", "c1", "clicks", click_at)
    acct.gift("g1", "D1", 10, "2024-12-03", created="2024-12-03 12:00:00")
    assert one(acct, "g1", window)["tier"] == tier


@pytest.mark.parametrize(
    ("click_at", "window", "tier"),
    [
        ("2024-12-01 00:00", 48, "click"),          # two calendar days before
        ("2024-11-30 23:59", 48, "unattributed"),
        ("2024-12-03 23:59", 48, "click"),          # same day: order unknown, counted
        ("2024-12-02 00:00", 24, "click"),
        ("2024-12-01 23:59", 24, "unattributed"),
        ("2024-12-04 00:00", 48, "unattributed"),   # the next day
        ("2024-12-03 00:00", 6, "click"),           # under 24 h: the gift date only
        ("2024-12-02 23:00", 6, "unattributed"),
        ("2024-11-26 00:00", 168, "click"),
    ],
)
def test_date_only_gifts_use_calendar_days(acct, click_at, window, tier):
    acct.event("A1", "c1", "clicks", click_at)
    acct.gift("g1", "D1", 10, "2024-12-03")
    row = one(acct, "g1", window)
    assert row["tier"] == tier and row["time_basis"] == "calendar_day"
    assert row["gift_time"] == datetime(2024, 12, 3)


def test_created_date_on_another_day_is_entry_time_not_gift_time(acct):
    acct.event("A1", "c1", "clicks", "2024-12-02 09:00")
    acct.gift("g1", "D1", 10, "2024-12-02", created="2024-12-09 15:00")  # batch-entered a week later
    row = one(acct, "g1")
    assert (row["time_basis"], row["tier"]) == ("calendar_day", "click")


def test_pledges_split_main_records_and_soft_credits_are_not_revenue(acct):
    acct.code("solicit_code", "YE24", "K1").code("solicit_code", "SP25", "K2")
    acct.gift("m1", "D1", 100, "2024-12-02", record_type="M", solicit_code="YE24")
    acct.gift("s1", "D1", 60, "2024-12-02", split_gift="Y", glink="m1", solicit_code="YE24")
    acct.gift("s2", "D1", 40, "2024-12-02", split_gift="Y", glink="m1", solicit_code="SP25")
    acct.gift("p1", "D1", 500, "2024-12-02", record_type="P", solicit_code="YE24")
    acct.gift("sc", "D1", 250, "2024-12-02", record_type="S", solicit_code="YE24")
    gifts = gift_attribution(acct.con)
    assert sorted(gifts["gift_id"]) == ["s1", "s2"]
    revenue = {r["campaign_id"]: (r["revenue"], r["gifts"]) for r in campaign_revenue(acct.con).to_dicts()}
    assert revenue == {"K1": (60.0, 1), "K2": (40.0, 1)}


def test_split_children_to_one_campaign_are_one_gift(acct):
    acct.code("solicit_code", "YE24", "K1")
    acct.gift("s1", "D1", 60, "2024-12-02", split_gift="Y", glink="m1", solicit_code="YE24")
    acct.gift("s2", "D1", 40, "2024-12-02", split_gift="Y", glink="m1", solicit_code="YE24")
    k1 = campaign_revenue(acct.con).filter(campaign_id="K1").to_dicts()[0]
    assert (k1["gifts"], k1["donors"], k1["revenue"]) == (1, 1, 100.0)


def test_refunds_and_adjustments(acct):
    acct.event("A1", "c1", "clicks", "2024-12-02 09:00").code("solicit_code", "SP25", "K2")
    acct.gift("g1", "D1", 100, "2024-12-02", created="2024-12-02 10:00")
    acct.gift("a1", "D1", -100, "2024-12-20", record_type="A", glink="g1")       # refund of g1
    acct.gift("a2", "D1", -15, "2024-12-02", created="2024-12-02 10:00", record_type="A")  # unlinked, uncoded
    acct.gift("a3", "D1", -5, "2024-12-02", record_type="A", solicit_code="SP25")  # unlinked, coded
    acct.gift("r1", "D1", -20, "2024-12-02", created="2024-12-02 10:00")          # refund entered as negative G
    linked = one(acct, "a1")
    assert (linked["tier"], linked["campaign_id"], linked["attribution_note"]) == ("click", "K1", "follows gift g1")
    assert one(acct, "a2")["tier"] == "unattributed"      # an email does not cause an adjustment
    assert (one(acct, "a3")["tier"], one(acct, "a3")["campaign_id"]) == ("coded", "K2")
    assert one(acct, "r1")["tier"] == "unattributed" and one(acct, "r1")["is_adjustment"]
    k1 = campaign_revenue(acct.con).filter(campaign_id="K1").to_dicts()[0]
    assert (k1["gifts"], k1["revenue"], k1["click_revenue"]) == (1, 0.0, 0.0)
    tiers = {r["tier"]: (r["gifts"], r["revenue"]) for r in tier_breakdown(gift_attribution(acct.con)).to_dicts()}
    assert tiers == {"coded": (0, -5.0), "click": (1, 0.0), "open": (0, 0.0), "send": (0, 0.0),
                     "unattributed": (0, -35.0)}


def test_match_report_prefers_cc_contact_id_then_normalised_email():
    acct = (
        Account().contact("c1", "a@x.org").contact("c2", "b@x.org").contact("c3", "c@x.org")
        .contact("c0", "c@x.org", deleted=True)
        .donor("D1", "other@x.org", "c1")            # cc_contact_id wins over a different email
        .donor("D2", "  B@X.org ")                    # trimmed and lower-cased
        .donor("D3", "C@x.org", "12345")             # old V2 id: falls back to email; live contact preferred
        .donor("D4", "nobody@x.org").donor("D5").donor("D6", None, "999")
    )
    report = match_report(acct.con)
    got = {r["donor_id"]: (r["contact_id"], r["match_method"], r["unmatched_reason"]) for r in report.donors.to_dicts()}
    assert got == {
        "D1": ("c1", "cc_contact_id", None), "D2": ("c2", "email", None), "D3": ("c3", "email", None),
        "D4": (None, None, "email not found in Constant Contact"),
        "D5": (None, None, "no email and no cc_contact_id"),
        "D6": (None, None, "cc_contact_id not found in Constant Contact, no email"),
    }
    assert (report.total, report.matched, report.rate) == (6, 3, 0.5)
    assert report.by_method == {"cc_contact_id": 1, "email": 2, "unmatched": 3}
    assert sorted(report.unmatched["donor_id"]) == ["D4", "D5", "D6"]


def test_gift_rows_donor_not_in_donor_table_matches_by_the_gift_email(acct):
    acct.con.execute("INSERT INTO gifts (gift_id, donor_id, record_type, gift_date, amount, email) "
                     "VALUES ('g1', 'D7', 'G', DATE '2024-12-02', 5, 'b@x.org')")
    assert one(acct, "g1")["contact_id"] == "c2"


def test_campaign_revenue_baseline_and_engaged_gift_rates():
    acct = Account().campaign("K1", "Year-End Appeal 2024", "A1").campaign("K2", "Newsletter", "A2", sends=300)
    for i in range(1, 7):
        acct.contact(f"c{i}", f"p{i}@x.org").donor(f"D{i}", f"p{i}@x.org")
        acct.event("A1", f"c{i}", "sends", "2024-12-01 10:00")
    acct.event("A1", "c1", "opens", "2024-12-01 11:00").event("A1", "c1", "clicks", "2024-12-01 11:01")
    acct.event("A1", "c2", "opens", "2024-12-01 12:00").event("A1", "c3", "opens", "2024-12-01 12:00")
    acct.gift("g1", "D1", 100, "2024-12-01", created="2024-12-01 11:30")   # clicker, gave
    acct.gift("g2", "D2", 30, "2024-12-02", created="2024-12-02 09:00")    # opener, gave
    acct.gift("g4", "D4", 20, "2024-12-03")                               # not engaged, date-only, 2 days on
    acct.gift("g5", "D5", 20, "2024-12-05", created="2024-12-05 10:00")    # not engaged, too late
    out = {r["campaign_id"]: r for r in campaign_revenue(acct.con).to_dicts()}
    k1 = out["K1"]
    assert (k1["sends"], k1["clickers"], k1["openers"], k1["not_engaged"]) == (6, 1, 2, 3)
    assert k1["clicker_gift_rate"] == 1.0 and k1["opener_gift_rate"] == 0.5
    assert k1["baseline_gift_rate"] == pytest.approx(1 / 3)
    # g1 click, g2 open credited; g4 sent only (calendar days): apart, not credited; g5 is 4 days after the send
    assert (k1["gifts"], k1["donors"], k1["revenue"]) == (2, 2, 130.0)
    assert (k1["click_revenue"], k1["open_revenue"], k1["sent_not_opened_revenue"]) == (100.0, 30.0, 20.0)
    assert k1["revenue_per_1000"] == pytest.approx(130 / 6 * 1000)
    assert out["K2"]["sends"] == 300 and out["K2"]["revenue"] == 0 and out["K2"]["baseline_gift_rate"] is None


def test_a_resend_counts_each_recipient_once():
    acct = Account().campaign("K1", "Appeal", "A1", "A1r").contact("c1", "a@x.org").contact("c2", "b@x.org")
    acct.event("A1", "c1", "sends", "2024-12-01 10:00").event("A1", "c2", "sends", "2024-12-01 10:00")
    acct.event("A1r", "c2", "sends", "2024-12-04 10:00").event("A1r", "c2", "opens", "2024-12-04 11:00")
    k1 = campaign_revenue(acct.con).to_dicts()[0]
    assert (k1["sends"], k1["openers"], k1["not_engaged"]) == (2, 1, 1)


def test_series_revenue_keeps_each_year_apart():
    acct = (
        Account().contact("c1", "a@x.org").donor("D1", "a@x.org")
        .campaign("K1", "Year-End Appeal 2024", sends=100).campaign("K2", "Year-End Appeal 2025 - Wave 2", sends=50)
        .campaign("K4", "Year-End Appeal 2025", sends=30).campaign("K3", "Spring Appeal 2025", sends=10)
        .code("solicit_code", "YE24", "K1").code("solicit_code", "YE25", "K2")
    )
    acct.gift("g1", "D1", 10, "2024-12-02", solicit_code="YE24").gift("g2", "D1", 5, "2025-12-02", solicit_code="YE25")
    rows = {(r["series"], r["year"]): r for r in series_revenue(acct.con).to_dicts()}
    assert set(rows) == {("Year-End Appeal", 2024), ("Year-End Appeal", 2025), ("Spring Appeal", 2025)}
    y24, y25 = rows[("Year-End Appeal", 2024)], rows[("Year-End Appeal", 2025)]
    assert (y24["campaigns"], y24["sends"], y24["gifts"], y24["revenue"]) == (1, 100, 1, 10.0)
    assert (y25["campaigns"], y25["sends"], y25["gifts"], y25["revenue"]) == (2, 80, 1, 5.0)   # both 2025 waves
    assert y25["revenue_per_1000"] == pytest.approx(5 / 80 * 1000)
    assert rows[("Spring Appeal", 2025)]["revenue"] == 0




def test_window_must_be_positive(acct):
    with pytest.raises(ValueError, match="positive"):
        gift_attribution(acct.con, 0)


def test_from_email_is_coded_clicked_and_opened_never_sent_only_nor_scheduled(acct):
    """Issue 21: the headline counts coded gifts and gifts from clickers and human openers within the window; a gift
    from someone sent the email who did not open it is shown apart and not credited; a scheduled gift (a pledge
    payment, an automatic debit) is credited only by its own code."""
    acct.contact("c3", "c@x.org").contact("c4", "d@x.org").contact("c5", "e@x.org")
    acct.donor("D2", "b@x.org", "c2").donor("D3", "c@x.org", "c3").donor("D4", "d@x.org", "c4")
    acct.donor("D5", "e@x.org", "c5").code("solicit_code", "YE24", "K1")
    for contact in ("c1", "c2", "c3", "c4", "c5"):
        acct.event("A1", contact, "sends", "2024-12-01 09:00")
    acct.event("A1", "c1", "clicks", "2024-12-01 10:00").event("A1", "c2", "opens", "2024-12-01 11:00")
    acct.event("A1", "c4", "clicks", "2024-12-01 10:30").event("A1", "c5", "opens", "2024-12-01 10:45")
    acct.gift("coded", "D3", 100, "2024-12-01", created="2024-12-01 12:00", solicit_code="YE24")   # by mail, coded
    acct.gift("clicked", "D1", 50, "2024-12-01", created="2024-12-01 12:00")
    acct.gift("opened", "D2", 30, "2024-12-01", created="2024-12-01 12:00")
    acct.gift("sent", "D3", 500, "2024-12-02", created="2024-12-02 08:00")      # never opened
    acct.gift("monthly", "D4", 25, "2024-12-01", created="2024-12-01 13:00", gift_type="ACH", solicit_code="SUST")
    acct.gift("pledged", "D5", 40, "2024-12-01", created="2024-12-01 13:00", plink="p9")
    acct.gift("pledged-coded", "D5", 60, "2024-12-01", created="2024-12-01 14:00", plink="p9", solicit_code="YE24")
    rows = {r["gift_id"]: r for r in gift_attribution(acct.con).to_dicts()}
    assert {g: (rows[g]["tier"], rows[g]["campaign_id"]) for g in rows} == {
        "coded": ("coded", "K1"), "clicked": ("click", "K1"), "opened": ("open", "K1"), "sent": ("send", None),
        "monthly": ("unattributed", None), "pledged": ("unattributed", None), "pledged-coded": ("coded", "K1")}
    assert [g for g in rows if rows[g]["scheduled"]] == ["monthly", "pledged", "pledged-coded"]
    k1 = campaign_revenue(acct.con).filter(campaign_id="K1").to_dicts()[0]
    assert (k1["revenue"], k1["gifts"], k1["coded_revenue"], k1["click_revenue"], k1["open_revenue"]) == (
        240.0, 4, 160.0, 50.0, 30.0)
    assert k1["sent_not_opened_revenue"] == 500.0 and "send_revenue" not in k1
    # the baseline's gift rates leave scheduled gifts out: c4 clicked and gave only a sustainer's debit
    assert (k1["clickers"], k1["clicker_givers"]) == (2, 1)


def test_email_credit_of_an_appeal_never_exceeds_the_gifts_received_in_its_window(acct):
    """Every gift credited to the appeal by a click or open is received within the window after one of its emails,
    each once (a split gift, an adjusted gift, a refund), so their total is at most what was received then."""
    acct.contact("c3", "c@x.org").donor("D2", "b@x.org", "c2").donor("D3", "c@x.org", "c3")
    for contact in ("c1", "c2", "c3"):
        acct.event("A1", contact, "sends", "2024-12-01 09:00").event("A1", contact, "opens", "2024-12-01 09:30")
    acct.event("A1", "c1", "clicks", "2024-12-01 10:00")
    acct.gift("s1", "D1", 60, "2024-12-01", created="2024-12-01 12:00", split_gift="Y", glink="m1")
    acct.gift("s2", "D1", 40, "2024-12-01", created="2024-12-01 12:00", split_gift="Y", glink="m1")
    acct.gift("m1", "D1", 100, "2024-12-01", created="2024-12-01 12:00", record_type="M")
    acct.gift("orig", "D2", 29.95, "2024-12-01", created="2024-12-01 12:00", record_type="A")
    acct.gift("hist", "D2", -10, "2024-12-02", created="2024-12-02 12:00", record_type="H", glink="orig")
    acct.gift("new", "D2", 19.95, "2024-12-01", created="2024-12-02 12:00")
    acct.gift("g3", "D3", 80, "2024-12-02", created="2024-12-02 08:00")
    acct.gift("r3", "D3", -80, "2024-12-09", record_type="A", glink="g3")
    acct.gift("late", "D3", 1000, "2024-12-20", created="2024-12-20 08:00")   # long after the window
    gifts = gift_attribution(acct.con)
    credited = gifts.filter(campaign_id="K1").filter(gifts.filter(campaign_id="K1")["tier"] != "coded")
    window_end = datetime(2024, 12, 1, 10) + timedelta(hours=48)
    received = gifts.filter((gifts["gift_time"] <= window_end) | gifts["attribution_note"].str.starts_with("follows"))
    assert credited["amount"].sum() <= received["amount"].sum()
    assert credited["gift_id"].n_unique() == credited.height
    k1 = campaign_revenue(acct.con).filter(campaign_id="K1").to_dicts()[0]
    assert (k1["revenue"], k1["gifts"]) == (119.95, 3)   # the split once, the adjusted gift at $19.95, g3 refunded (a gift, $0)


def test_an_adjusted_gift_counts_once_at_its_new_amount(acct):
    """DonorPerfect's XML API manual (v7.1, "Gift Adjustments"; tests/data/donorperfect/gift_adjustment_select_v7_1.xml):
    the $29.95 gift 12885 adjusted by -$10 becomes record type A at $29.95, an H row of -$10 (glink 12885) and a new
    G of $19.95 (alink 12885). By hand: one gift of $19.95."""
    acct.gift("12885", "D1", 29.95, "2018-01-10", record_type="A")
    acct.gift("12891", "D1", -10, "2018-04-05", record_type="H", glink="12885")
    acct.gift("12890", "D1", 19.95, "2018-01-10", created="2018-04-05 00:00")
    acct.gift("12900", "D1", 15, "2018-02-01", record_type="A")   # an original at $15 adjusted to $0: C at $0
    acct.gift("12901", "D1", -15, "2018-03-01", record_type="H", glink="12900")
    acct.gift("12902", "D1", 0, "2018-02-01", record_type="C")
    rows = gift_attribution(acct.con)
    assert rows["gift_id"].to_list() == ["12890"]
    totals = tier_breakdown(rows).filter(tier="unattributed").to_dicts()[0]
    assert (totals["gifts"], totals["revenue"]) == (1, 19.95)
