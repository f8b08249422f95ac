"""What the sync has fetched of each email's per-contact reports (analytics.history), and the tier that is not
"Lapsed" while it is incomplete (issue 25), worked by hand."""

from __future__ import annotations

import json
from datetime import timedelta

import polars as pl

from cc_data.analytics.audience import reach, scoring, segments
from cc_data.analytics.email import sends
from cc_data.analytics.history import HistoryGaps, history_status
from tests.app.fixture_db import T0, Rows, memory_db

D = timedelta(days=1)
TWO = scoring.ScoreSettings(min_emails=2)


def _account():
    """Two emails: `old` (sent T0) with every report in; `new` (sent T0 + 90 days) with its opens in, its clicks
    never asked for, its sends stopped by the quota after one page. Contacts: `fan` opened both; `silent` got both,
    opened neither of those stored; `unsent` has no row at all."""
    con = memory_db()
    r = Rows(con)
    for who in ("fan", "silent", "unsent"):
        r.contact(who)
    old, new = r.campaign("old", "Old"), r.campaign("new", "New")
    con.execute("INSERT INTO campaign_summaries (campaign_id, last_sent_date) VALUES ('old', ?), ('new', ?)",
                [T0, T0 + 90 * D])
    for who in ("fan", "silent"):
        r.event(old, who, "sends", T0)
    r.event(new, "fan", "sends", T0 + 90 * D)   # the one page of `new`'s sends that came before the quota ran out
    r.event(old, "fan", "opens", T0 + D)
    r.event(new, "fan", "opens", T0 + 91 * D)
    con.execute("INSERT INTO activity_stats (campaign_activity_id, em_sends, em_opens_all, em_clicks_all, em_bounces,"
                " em_optouts, em_forwards) VALUES (?, 2, 1, 0, 0, 0, 0), (?, 1201, 1, 600, NULL, NULL, NULL)", [old, new])
    states = [("activity_stats", old, "x"), ("activity_stats", new, "x"), ("tracking", old, "2026-01-01T00:00:00"),
              ("tracking", f"{new}:opens", json.dumps({"hwm": str(T0 + 91 * D)})),
              ("tracking", f"{new}:sends", json.dumps({"hwm": None, "next": "/page/2", "new_hwm": None}))]
    con.executemany("INSERT INTO sync_state VALUES (?, ?, ?, now())", states)
    return con, old, new


def test_history_status_counts_what_the_sync_recorded_and_the_calls_left() -> None:
    con, _, _ = _account()
    status = history_status(con)
    assert (status.emails, status.engagement_in, status.sends_in) == (2, 1, 1)
    # new: clicks 600 rows = 2 pages; sends 1201 - 1 stored = 1200 = 3 pages; bounces, optouts, forwards unknown:
    # a call each (unknown is not zero)
    assert status.calls_left == 2 + 3 + 3
    assert status.gaps == HistoryGaps(engagement=(T0 + 90 * D,), sends=(T0 + 90 * D,))
    assert not status.complete and status.days_left(10_000) == 1 and status.days_left(5) == 2
    con.execute("INSERT INTO sync_state VALUES ('tracking', 'new:primary_email', '2026-02-01T00:00:00', now())")
    done = history_status(con)
    assert done.complete and (done.engagement_in, done.sends_in, done.calls_left) == (2, 2, 0)
    assert done.days_left(10_000) == 0


def test_no_one_is_lapsed_or_not_emailed_for_want_of_reports_not_fetched() -> None:
    con, _, _ = _account()
    gaps = history_status(con).gaps
    rows, people = sends.per_send(con), scoring.contact_directory(con)
    as_of = T0 + 120 * D
    known = {r["contact_id"]: r["tier"] for r in scoring.score_contacts(rows, people, as_of, TWO).to_dicts()}
    assert known == {"fan": "Highly engaged", "silent": "Lapsed", "unsent": "Not emailed"}
    pending = {r["contact_id"]: r["tier"] for r in scoring.score_contacts(rows, people, as_of, TWO, gaps).to_dicts()}
    # silent may have opened `new` (its opens are in, but its sends are not: did silent get it?) and unsent may
    # have been sent it: neither is Lapsed or Not emailed yet. fan's engagement is known.
    assert pending == {"fan": "Highly engaged", "silent": scoring.HISTORY_PENDING,
                       "unsent": scoring.HISTORY_PENDING}
    history = scoring.tier_history(rows, people, as_of, 6, TWO, gaps)
    at = lambda moment: dict(history.filter(pl.col("as_of") == moment).select("tier", "contacts").iter_rows())  # noqa: E731
    assert at(as_of)[scoring.HISTORY_PENDING] == 2 and at(as_of)["Lapsed"] == 0
    before_new = history["as_of"].unique().sort()[-4]        # a month boundary before `new` was sent
    assert before_new < T0 + 90 * D and at(before_new)[scoring.HISTORY_PENDING] == 0


def test_the_reengagement_segment_waits_for_opens_and_clicks_of_its_window() -> None:
    con, _, new = _account()
    con.execute("DELETE FROM sync_state WHERE key = ?", [f"{new}:opens"])
    gaps = history_status(con).gaps   # new's opens are not in now
    audience = reach.audience(con).filter(pl.col("contact_id") == "silent")
    one = segments.SegmentCriteria(min_emails=1)
    assert segments.reengagement_segment(con, audience, one, T0 + 120 * D)["contact_id"].to_list() == ["silent"]
    assert segments.reengagement_segment(con, audience, one, T0 + 120 * D, gaps).is_empty()
