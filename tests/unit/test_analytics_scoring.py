"""Engagement score and tiers, worked by hand."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from cc_data.analytics.audience import scoring
from cc_data.analytics.email import sends
from tests.app.fixture_db import T0, Rows, memory_db

D = timedelta(days=1)
TWO = scoring.ScoreSettings(min_emails=2)   # these hand-worked accounts send two emails


def test_score_decays_with_a_half_life_and_is_normalised_by_emails_received() -> None:
    con = memory_db()
    r = Rows(con)
    r.contact("clicker")
    r.contact("opener")
    r.contact("silent")
    r.contact("newbie", created_at=T0 + 170 * D)
    as_of = T0 + 180 * D
    old = r.campaign("old", "Old")      # sent 180 days before as_of: decay 0.25
    new = r.campaign("new", "New")      # sent 90 days before as_of: decay 0.5
    for act, when in ((old, T0), (new, T0 + 90 * D)):
        for who in ("clicker", "opener", "silent"):
            r.event(act, who, "sends", when)
    r.event(old, "clicker", "opens", T0 + D)
    r.event(old, "clicker", "clicks", T0 + D)
    r.event(new, "clicker", "clicks", T0 + 91 * D)
    r.event(new, "opener", "opens", T0 + 91 * D)
    scored = scoring.score_contacts(sends.per_send(con), scoring.contact_directory(con), as_of, TWO)
    by = {row["contact_id"]: row for row in scored.to_dicts()}
    # Weights: old email 0.25, new email 0.5; the score is Σ weight × points ÷ Σ weight.
    # clicker: (0.25 × (3 + 1) + 0.5 × 3) / 0.75 = 2.5 / 0.75 = 3.33 -> Highly engaged.
    assert by["clicker"]["score"] == pytest.approx(2.5 / 0.75)
    assert by["clicker"]["tier"] == "Highly engaged"
    # opener: 0.5 × 1 / 0.75 = 0.667 -> at least 0.3 -> Moderately engaged (engaged 89 days ago, not lapsed).
    assert by["opener"]["score"] == pytest.approx(0.5 / 0.75)
    assert by["opener"]["tier"] == "Moderately engaged"
    assert by["silent"]["score"] == 0 and by["silent"]["tier"] == "Lapsed"
    assert by["newbie"]["tier"] == "New"
    strict = scoring.ScoreSettings(moderate=0.7, min_emails=2)
    assert scoring.score_contacts(sends.per_send(con), scoring.contact_directory(con), as_of, strict).filter(
        contact_id="opener")["tier"].item() == "Low engagement"
    # A longer half-life weighs the old email more: opener = 1 × 2^(-90/180) / (2^(-1) + 2^(-0.5)).
    slow = scoring.score_contacts(sends.per_send(con), scoring.contact_directory(con), as_of,
                                  scoring.ScoreSettings(half_life_days=180, min_emails=2))
    assert slow.filter(contact_id="opener")["score"].item() == pytest.approx(2 ** -0.5 / (2 ** -1 + 2 ** -0.5))
    counts = dict(scoring.tier_counts(scored).select("tier", "contacts").iter_rows())
    assert counts == {"Highly engaged": 1, "Moderately engaged": 1, "Low engagement": 0, "Lapsed": 1,
                      "Not enough emails": 0, "New": 1, "Not emailed": 0,
                      "Not enough history yet": 0}


def test_tier_history_uses_only_what_was_known_at_each_month_end() -> None:
    con = memory_db()
    r = Rows(con)
    r.contact("a", created_at=T0 - 400 * D)
    act = r.campaign("x", "X")
    r.event(act, "a", "sends", T0)
    r.event(act, "a", "clicks", T0 + D)
    as_of = T0 + 40 * D
    history = scoring.tier_history(sends.per_send(con), scoring.contact_directory(con), as_of, months=3,
                                   settings=scoring.ScoreSettings(min_emails=1))
    per_moment = {m: dict(g.select("tier", "contacts").iter_rows()) for (m,), g in history.group_by("as_of")}
    moments = sorted(per_moment)
    assert len(moments) == 3 and moments[-1] == as_of
    assert per_moment[moments[0]]["Not emailed"] == 1      # Jan 1: the email had not been sent
    assert per_moment[as_of]["Highly engaged"] == 1          # 3 points × 0.5^(39/90) ≈ 2.2


def test_a_contact_sent_fewer_than_the_minimum_gets_no_score() -> None:
    con = memory_db()
    r = Rows(con)
    for who in ("two", "three"):
        r.contact(who)
    as_of = T0 + 30 * D
    for k in range(3):
        act = r.campaign(f"k{k}", f"Weekly {k}")
        for who in ("two", "three") if k < 2 else ("three",):
            r.event(act, who, "sends", T0 + k * D)
            r.event(act, who, "opens", T0 + k * D + timedelta(hours=20))
        if k < 2:
            r.event(act, "two", "clicks", T0 + k * D + timedelta(hours=21))
    settings = scoring.ScoreSettings()
    assert settings.min_emails == 3 and settings.max_score == 4.0
    scored = scoring.score_contacts(sends.per_send(con), scoring.contact_directory(con), as_of)
    by = {row["contact_id"]: row for row in scored.to_dicts()}
    # two: 2 emails, each clicked and opened (would be 4.0): below the minimum of 3, so no score.
    assert (by["two"]["received"], by["two"]["score"], by["two"]["tier"]) == (2, None, "Not enough emails")
    # three: 3 emails, each opened: 1.0 -> Highly engaged. Scored contacts sort first.
    assert (by["three"]["score"], by["three"]["tier"]) == (1.0, "Highly engaged")
    assert scored["contact_id"].to_list() == ["three", "two"]
    history = scoring.tier_history(sends.per_send(con), scoring.contact_directory(con), as_of, months=2)
    at_end = dict(history.filter(pl.col("as_of") == as_of).select("tier", "contacts").iter_rows())
    assert at_end["Not enough emails"] == 1 and at_end["Highly engaged"] == 1


def test_timeline_lists_a_contacts_events_newest_first() -> None:
    con = memory_db()
    r = Rows(con)
    r.contact("a")
    act = r.campaign("x", "Spring News")
    r.event(act, "a", "sends", T0)
    r.event(act, "a", "clicks", T0 + D, link="https://x.org")
    events = scoring.contact_timeline(con, "a")
    assert events["event"].to_list() == ["clicked", "sent"]
    assert events["campaign"].to_list() == ["Spring News", "Spring News"]
