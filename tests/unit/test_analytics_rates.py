"""Campaign counts, pooled rates and the machine-open heuristic on a hand-worked account."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cc_data.analytics.email import campaigns, overview, sends
from cc_data.analytics.rules import rates
from tests.app.fixture_db import T0, Rows, memory_db

M = timedelta(minutes=1)
H = timedelta(hours=1)


@pytest.fixture
def con():
    con = memory_db()
    r = Rows(con)
    for i in range(1, 11):
        r.contact(f"c{i}")
    # Campaign A: 10 sent, 2 bounced (one B, one V auto-reply: Constant Contact counts both), 4 openers, 2 clickers,
    # 1 opt-out.
    a = r.campaign("A", "Spring Appeal 2025", "FUNDRAISER", lists=("donors",))
    for i in range(1, 11):
        r.event(a, f"c{i}", "sends", T0)
    r.event(a, "c9", "bounces", T0 + M, bounce_code="B")
    r.event(a, "c10", "bounces", T0 + M, bounce_code="V")
    for i in (1, 2, 3, 4):
        r.event(a, f"c{i}", "opens", T0 + 2 * H, device="mobile")
    r.event(a, "c1", "opens", T0 + 5 * H)          # a second open by the same contact counts once
    r.event(a, "c1", "clicks", T0 + 2 * H, link="https://x.org/give")
    r.event(a, "c2", "clicks", T0 + 30 * H, link="https://x.org/give")
    r.event(a, "c4", "optouts", T0 + 3 * H)
    # Campaign B a week later: 4 sent, 1 opener, 1 clicker, to the newsletter list.
    b = r.campaign("B", "News 2025", "Newsletter", lists=("newsletter",))
    for i in (1, 2, 3, 5):
        r.event(b, f"c{i}", "sends", T0 + 7 * 24 * H)
    r.event(b, "c5", "opens", T0 + 7 * 24 * H + H)
    r.event(b, "c5", "clicks", T0 + 7 * 24 * H + H)
    return con


def counts_of(con):
    return campaigns.campaign_counts(sends.per_send(con), campaigns.campaign_catalog(con))


def test_campaign_counts_are_unique_per_contact_and_vacation_bounces_are_bounces(con) -> None:
    a = counts_of(con).filter(campaign_id="A").row(0, named=True)
    # delivered = sends − bounces of every code: 10 − 2 (B and V) = 8; the V one is also shown apart.
    assert (a["sends"], a["bounces"], a["auto_replies"], a["delivered"]) == (10, 2, 1, 8)
    assert (a["opens"], a["clicks"], a["optouts"]) == (4, 2, 1)
    r = campaigns.campaign_rates(counts_of(con)).filter(campaign_id="A").row(0, named=True)
    assert r["open_rate"] == pytest.approx(4 / 8)
    assert r["click_rate"] == pytest.approx(2 / 8)
    assert r["click_to_open"] == pytest.approx(2 / 4)
    assert r["unsubscribe_rate"] == pytest.approx(1 / 8)
    assert r["bounce_rate"] == pytest.approx(2 / 10)
    rows = {row["contact_id"]: row for row in sends.per_send(con).filter(campaign_id="A").to_dicts()}
    assert (rows["c10"]["bounced"], rows["c10"]["auto_replied"], rows["c10"]["hard_bounced"]) == (True, True, False)
    assert (rows["c9"]["bounced"], rows["c9"]["auto_replied"], rows["c9"]["hard_bounced"]) == (True, False, True)


def test_period_rates_are_pooled_not_averaged(con) -> None:
    totals = rates.pooled(counts_of(con))
    # A: 4 opens / 8 delivered; B: 1 / 4. Pooled 5/12 = 41.7%; the mean of rates would be (50% + 25%) / 2 = 37.5%.
    assert totals["open_rate"] == pytest.approx(5 / 12)
    assert totals["click_rate"] == pytest.approx(3 / 12)
    assert totals["open_rate"] != pytest.approx((4 / 8 + 1 / 4) / 2)


def test_filters_by_date_type_name_and_list(con) -> None:
    all_ = counts_of(con)
    day = T0.date()
    assert campaigns.apply_filters(all_, campaigns.Filters(day, day))["campaign_id"].to_list() == ["A"]
    assert campaigns.apply_filters(all_, campaigns.Filters(types=("Newsletter",)))["campaign_id"].to_list() == ["B"]
    assert campaigns.apply_filters(all_, campaigns.Filters(name_contains="spring"))["campaign_id"].to_list() == ["A"]
    assert campaigns.apply_filters(all_, campaigns.Filters(list_ids=("newsletter",)))["campaign_id"].to_list() == ["B"]


def test_period_kpis_compare_with_the_previous_period(con) -> None:
    # Current week holds B only; the previous week (same length) holds A.
    start = (T0 + timedelta(days=7)).date()
    k = {r["metric"]: r for r in overview.period_kpis(counts_of(con), campaigns.Filters(start, start + timedelta(days=6)))
         .to_dicts()}
    assert overview.previous_period(start, start + timedelta(days=6)) == (date(2025, 1, 6), date(2025, 1, 12))
    assert k["delivered"]["current"] == 4 and k["delivered"]["previous"] == 8
    assert k["open_rate"]["change"] == pytest.approx(1 / 4 - 4 / 8)
    first = {r["metric"]: r for r in overview.period_kpis(counts_of(con), campaigns.Filters(T0.date(), T0.date()))
             .to_dicts()}
    assert first["delivered"]["current"] == 8 and first["delivered"]["change"] is None  # nothing sent before


def test_machine_opens_are_flagged_only_for_habitual_non_clicking_fast_openers() -> None:
    con = memory_db()
    r = Rows(con)
    r.contact("bot")
    r.contact("reader")
    for k in range(5):
        act = r.campaign(f"K{k}", f"Weekly {k}")
        sent = T0 + k * 24 * H
        for who in ("bot", "reader"):
            r.event(act, who, "sends", sent)
        r.event(act, "bot", "opens", sent + 2 * M)          # within 10 minutes, every email, never clicks
        r.event(act, "reader", "opens", sent + 3 * M)       # also fast, but clicks once below
    r.event("K4:primary_email", "bot", "opens", T0 + 4 * 24 * H + 5 * H)  # a later open by the bot is human
    r.event("K0:primary_email", "reader", "clicks", T0 + 5 * M)
    per = sends.per_send(con)
    assert sends.machine_openers(per)["contact_id"].to_list() == ["bot"]
    counts = campaigns.campaign_counts(per, campaigns.campaign_catalog(con))
    assert counts["opens"].sum() == 10
    # The bot's fast opens drop out (4 of its 5 emails); its late open on K4 stays.
    assert counts["human_opens"].sum() == 6
    human = rates.pooled(counts, human_opens_only=True)
    assert human["open_rate"] == pytest.approx(6 / 10)


def test_a_resend_opener_is_one_open_and_sends_add_up() -> None:
    con = memory_db()
    r = Rows(con)
    for who in ("c1", "c2", "c3"):
        r.contact(who)
    primary = r.campaign("G", "Giving Tuesday 2025", "FUNDRAISER", resend=True)
    resend = "G:resend"
    for who in ("c1", "c2", "c3"):
        r.event(primary, who, "sends", T0)
    r.event(primary, "c1", "opens", T0 + H)
    for who in ("c2", "c3"):                        # the resend goes to the non-openers
        r.event(resend, who, "sends", T0 + 48 * H)
    r.event(resend, "c2", "opens", T0 + 49 * H)
    r.event(primary, "c2", "opens", T0 + 50 * H)    # c2 then opens the primary too: still one person
    r.event(resend, "c2", "clicks", T0 + 49 * H, link="https://x.org/give")
    r.event(primary, "c2", "clicks", T0 + 50 * H, link="https://x.org/give")
    r.event(resend, "c3", "bounces", T0 + 48 * H, bounce_code="F")
    # By hand: sends 3 + 2 = 5 emails; bounces: c3 = 1, delivered 4; opens c1, c2 = 2; clicks c2 = 1.
    per = sends.per_send(con)
    assert per.height == 5                           # the per-activity rows stay as they are
    g = counts_of(con).row(0, named=True)
    assert (g["sends"], g["bounces"], g["delivered"], g["opens"], g["human_opens"], g["clicks"]) == (5, 1, 4, 2, 2, 1)
    assert campaigns.campaign_rates(counts_of(con))["open_rate"].item() == pytest.approx(2 / 4)
    assert campaigns.campaign_counts_in_db(con).drop("list_ids").equals(counts_of(con).drop("list_ids"))
