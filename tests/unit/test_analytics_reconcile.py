"""Reconciliation of recomputed counts with Constant Contact's summaries, and the benchmarks file."""

from __future__ import annotations

from datetime import timedelta

from cc_data.analytics import status
from cc_data.analytics.email import benchmarks, campaigns, reconcile, sends
from tests.app.fixture_db import T0, Rows, memory_db


def test_differences_against_cc_summaries_are_shown() -> None:
    con = memory_db()
    r = Rows(con)
    act = r.campaign("A", "A")
    for i in range(4):
        r.contact(f"c{i}")
        r.event(act, f"c{i}", "sends", T0)
    r.event(act, "c0", "opens", T0)
    r.event(act, "c1", "bounces", T0, bounce_code="V")
    r.summary("A", sends=4, opens=2, clicks=0, bounces=1, optouts=0, forwards=0)
    counts = campaigns.campaign_counts(sends.per_send(con), campaigns.campaign_catalog(con))
    row = reconcile.reconciliation(con, counts).row(0, named=True)
    assert (row["sends_ours"], row["sends_cc"], row["sends_diff"]) == (4, 4, 0)
    assert (row["opens_ours"], row["opens_cc"], row["opens_diff"]) == (1, 2, -1)
    assert row["bounces_diff"] == 0          # CC counts a vacation reply as a bounce row too
    assert row["mismatches"] == 1


def test_every_benchmark_names_its_source_and_year() -> None:
    loaded = benchmarks.load_benchmarks()
    assert {b.metric for b in loaded} >= {"open_rate", "click_rate", "unsubscribe_rate", "revenue_per_1000"}
    assert all(b.source and 2000 < b.year < 2100 for b in loaded)
    assert [b.value for b in benchmarks.benchmarks_for("revenue_per_1000")] == [58.0]


def test_time_ago_reads_like_a_person() -> None:
    assert status.time_ago(T0 - timedelta(minutes=3), now=T0) == "3 minutes ago"
    assert status.time_ago(T0 - timedelta(days=1, hours=2), now=T0) == "1 day ago"
    assert status.time_ago(None) == "never"


def test_differences_come_first_largest_first_with_their_reason() -> None:
    con = memory_db()
    r = Rows(con)
    for i in range(6):
        r.contact(f"c{i}")
    for k, (camp, opens_cc, clicks_cc) in enumerate((("SAME", 1, 0), ("SMALL", 2, 0), ("BIG", 1, 3))):
        act = r.campaign(camp, camp)
        for i in range(6):
            r.event(act, f"c{i}", "sends", T0 + timedelta(days=k))
        r.event(act, "c0", "opens", T0 + timedelta(days=k, hours=1))
        r.summary(camp, sends=6, opens=opens_cc, clicks=clicks_cc, bounces=0, optouts=0, forwards=0)
    r.campaign("UNSENT", "UNSENT")
    r.summary("GONE", sends=9, opens=0, clicks=0, bounces=0, optouts=0, forwards=0)   # no tracking rows synced
    counts = campaigns.campaign_counts(sends.per_send(con), campaigns.campaign_catalog(con))
    rec = reconcile.reconciliation(con, counts)
    # By hand: GONE misses 9 sends (size 9), BIG has 3 clicks fewer (3), SMALL 1 open fewer (1); SAME matches.
    assert rec["campaign_id"].to_list() == ["GONE", "BIG", "SMALL", "SAME"]
    assert rec["difference"].to_list() == [9, 3, 1, 0]
    assert rec["reason"].to_list()[0] == reconcile.REASONS["no_tracking"]
    assert rec["reason"].to_list()[3] is None


def test_charts_get_only_post_mpp_benchmarks() -> None:
    assert [b.source for b in benchmarks.benchmarks_for("click_rate")] == ["M+R Benchmarks 2025"]
    assert benchmarks.benchmarks_for("open_rate") == []   # only a 2019 (pre-MPP) open rate is on file
    assert [b.year for b in benchmarks.benchmarks_for("open_rate", current_only=False)] == [2019]
