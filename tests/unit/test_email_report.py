"""The per-email report, worked by hand: bounces of each reason, opt-out reasons, a link clicked twice by one person,
and the median email of the same type counted at the same age."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from cc_data.analytics.email import campaigns, report
from cc_data.analytics.stored import refresh
from tests.app.fixture_db import T0, Rows, memory_db


def test_a_bounce_of_each_reason_is_counted_in_words() -> None:
    con = memory_db()
    r = Rows(con)
    act = r.campaign("K", "Spring Newsletter", resend=True)
    codes = ["B", "D", "F", "S", "V", "X", "Z"]
    for k, code in enumerate(codes):
        r.contact(f"c{k}")
        r.event(act, f"c{k}", "sends", T0)
        r.event(act, f"c{k}", "bounces", T0 + timedelta(minutes=5), bounce_code=code)
    r.contact("ok")
    r.event(act, "ok", "sends", T0)
    # c5 bounced "other" on the primary and "mailbox full" on the resend: one bounce, under each reason
    r.event("K:resend", "c5", "sends", T0 + timedelta(days=3))
    r.event("K:resend", "c5", "bounces", T0 + timedelta(days=3, minutes=2), bounce_code="F")
    found = report.bounce_reasons(con, ["K"]).sort("bounce_code")
    assert dict(zip(found["reason"], found["contacts"], strict=True)) == {
        "Non-existent address": 1, "Undeliverable": 1, "Mailbox full": 2, "Suspended": 1,
        "Vacation or auto-reply": 1, "Other": 1, "Blocked by the provider": 1}
    counts = campaigns.campaign_counts_in_db(con).row(0, named=True)
    assert (counts["sends"], counts["bounces"], counts["delivered"]) == (9, 7, 2)   # 8 + the resend; 7 people
    refresh.refresh_all(con)   # the stored reasons are the same rows
    assert report.EMAIL_REASONS.current(con)
    assert report.bounce_reasons(con, ["K"]).sort("bounce_code").equals(found)


def test_opt_out_reasons_are_the_ones_people_gave() -> None:
    con = memory_db()
    r = Rows(con)
    act = r.campaign("K", "Spring Newsletter")
    for c, reason in (("a", "The emails are too frequent"), ("b", "The emails are too frequent"), ("c", None),
                      ("d", "  ")):
        r.contact(c)
        r.event(act, c, "sends", T0)
        con.execute("INSERT INTO tracking_events (campaign_activity_id, contact_id, tracking_activity_type, "
                    "created_time, opt_out_reason) VALUES (?, ?, 'em_optouts', ?, ?)", [act, c, T0, reason])
    assert report.optout_reasons(con, "K").rows() == [("No reason given", 2), ("The emails are too frequent", 2)]


def test_a_link_clicked_twice_by_one_person_is_two_clicks_and_one_clicker() -> None:
    con = memory_db()
    r = Rows(con)
    act = r.campaign("K", "Giving Tuesday 2025", resend=True)
    for c in ("c1", "c2", "c3"):
        r.contact(c)
        r.event(act, c, "sends", T0)
    r.event(act, "c1", "clicks", T0 + timedelta(hours=1), link="https://o.example/donate?utm_source=cc&utm_campaign=gt")
    r.event(act, "c1", "clicks", T0 + timedelta(hours=2), link="https://o.example/donate?utm_source=cc&utm_campaign=gt")
    r.event("K:resend", "c1", "sends", T0 + timedelta(days=2))
    r.event("K:resend", "c1", "clicks", T0 + timedelta(days=2, hours=1), link="https://o.example/donate?utm_medium=e")
    r.event(act, "c2", "clicks", T0 + timedelta(hours=3), link="https://o.example/donate")
    r.event(act, "c2", "clicks", T0 + timedelta(hours=3), link="https://o.example/story?id=7&fbclid=x")
    found = report.links(con, "K")
    assert found.rows() == [("https://o.example/donate", 4, 2), ("https://o.example/story?id=7", 1, 1)]
    clickers = report.link_clickers(con, "K", "https://o.example/donate")
    assert clickers["contact_id"].to_list() == ["c1", "c2"]
    gifts = pl.DataFrame({"campaign_id": ["K", "K", "K"], "contact_id": ["c1", "c2", "c3"],
                          "tier": ["click", "click", "open"], "amount": [50.0, 25.0, 20.0],
                          "transaction_id": ["t1", "t2", "t3"], "is_adjustment": [False, False, False]})
    by_link = {row["link"]: (row["gifts"], row["revenue"])
               for row in report.link_gifts(report.link_clickers(con, "K"), gifts, "K").to_dicts()}
    # c2 clicked both links and gave once by a click: the gift counts for both; c3 gave after an open only
    assert by_link == {"https://o.example/donate": (2, 75.0), "https://o.example/story?id=7": (1, 25.0)}


def test_the_median_email_is_counted_at_the_same_age() -> None:
    con = memory_db()
    r = Rows(con)
    sent = {"A": T0, "B": T0 + timedelta(days=7), "C": T0 + timedelta(days=14), "NOW": T0 + timedelta(days=30)}
    for cid, at in sent.items():
        act = r.campaign(cid, f"Newsletter {cid}")
        for k in range(60):
            r.contact(f"{cid}{k}")
            r.event(act, f"{cid}{k}", "sends", at)
        # 6 open in the first hour; A and B have 12 more after three days, which a 2-day-old email has not had time for
        for k in range(6):
            r.event(act, f"{cid}{k}", "opens", at + timedelta(minutes=30))
        if cid in ("A", "B"):
            for k in range(6, 18):
                r.event(act, f"{cid}{k}", "opens", at + timedelta(days=3))
    counts = campaigns.campaign_counts_in_db(con)
    as_of = sent["NOW"] + timedelta(days=2)
    peers = report.peers(counts, "NOW", as_of)
    assert sorted(peers.campaign_ids) == ["A", "B", "C"] and peers.age_hours == pytest.approx(48)
    at_age = report.figures(report.counts_at_age(con, peers.campaign_ids, peers.age_hours), None)
    assert at_age["opens"].to_list() == [6, 6, 6]
    assert report.median_of(at_age)["open_rate"] == pytest.approx(0.1)
    full = report.figures(report.counts_at_age(con, peers.campaign_ids, 24 * 10), None)
    assert sorted(full["opens"].to_list()) == [6, 18, 18]
