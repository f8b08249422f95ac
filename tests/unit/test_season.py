"""Season to date against the same date last year (cc_data.analytics.season), worked by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from cc_data.analytics import season

DENVER = "America/Denver"
CAMPAIGNS = pl.DataFrame({
    "campaign_id": ["ye25", "ye25w2", "ye24", "gt25", "news"],
    "name": ["Year-End Appeal 2025 – Wave 1", "Year-End Appeal 2025 – Wave 2", "Year-End Appeal 2024",
             "Giving Tuesday 2025", "December 2025 Newsletter"],
    "appeal": [True, True, True, True, False],
    "send_time": [datetime(2025, 12, 3, 17), datetime(2025, 12, 17, 17), datetime(2024, 12, 10, 17),
                  datetime(2025, 12, 2, 15), datetime(2025, 12, 9, 17)],
})


def gift(gift_id: str, day: date, amount: float, tier: str, campaign: str | None, donor: str = "d1",
         adjustment: bool = False) -> dict:
    return {"gift_id": gift_id, "donor_id": donor, "amount": amount, "gift_date": day, "tier": tier,
            "campaign_id": campaign, "is_adjustment": adjustment, "transaction_id": gift_id}


GIFTS = pl.DataFrame([
    gift("g1", date(2025, 12, 4), 100, "coded", "ye25", "d1"),
    gift("g2", date(2025, 12, 9), 50, "click", "ye25", "d2"),          # credited by a click: email, not coded
    gift("g3", date(2025, 12, 11), 500, "coded", "ye25", "d3"),        # after the as-of date
    gift("g4", date(2025, 11, 30), 70, "unattributed", None, "d4"),   # before the season
    gift("g5", date(2025, 12, 5), -20, "coded", "ye25", "d1", adjustment=True),   # a refund of part of g1
    gift("g9", date(2025, 12, 6), 30, "send", "news", "d5"),           # sent, not opened: no email credit
    gift("g6", date(2024, 12, 10), 200, "coded", "ye24", "d1"),        # on the same calendar date last year
    gift("g7", date(2024, 12, 11), 300, "send", "ye24", "d6"),         # the day after it
    gift("g8", date(2024, 12, 2), 40, "open", "ye24", "d7"),
])


def pacing(as_of: date = date(2025, 12, 10), campaigns: pl.DataFrame = CAMPAIGNS) -> season.SeasonPacing:
    found = season.season_pacing(GIFTS, campaigns, "Year-End Appeal", as_of, time_zone=DENVER)
    assert found is not None
    return found


def test_season_to_date_against_the_same_date_in_earlier_years() -> None:
    p = pacing()
    this, last, before = p.years
    assert (this.year, this.start, this.end, this.through) == (2025, date(2025, 12, 1), date(2025, 12, 31),
                                                                 date(2025, 12, 10))
    assert (last.start, last.through) == (date(2024, 12, 1), date(2024, 12, 10))
    # coded to the appeal's 2025 campaigns through Dec 10: g1 net of its refund g5; g3 comes later
    assert (this.appeal_revenue, this.appeal_gifts) == (80.0, 1)
    # every gift in the season so far: g1, g2, g5, g9 (g4 is in November, g3 after Dec 10)
    assert (this.season_revenue, this.season_gifts, this.season_donors) == (160.0, 3, 3)
    # email: coded and click, not the send-only g9
    assert this.email_revenue == 130.0 and this.email_share == 130 / 160
    assert (last.appeal_revenue, last.season_revenue, last.email_revenue) == (200.0, 240.0, 240.0)
    assert before.year == 2023 and before.campaigns == 0 and before.appeal_revenue is None   # unknown, not $0
    assert before.season_revenue == 0.0


def test_the_curve_never_draws_the_future_and_lays_years_on_this_calendar() -> None:
    curve = pacing().curve
    now = curve.filter(pl.col("year") == 2025)
    assert now["day"].max() == date(2025, 12, 10)
    assert now.filter(pl.col("day") == date(2025, 12, 5))["appeal"].item() == 80.0
    assert now.filter(pl.col("day") == date(2025, 12, 10))["season"].item() == 160.0
    last = curve.filter(pl.col("year") == 2024)
    assert (last["day"].min(), last["day"].max()) == (date(2025, 12, 1), date(2025, 12, 31))   # the whole season
    assert last.filter(pl.col("day") == date(2025, 12, 11))["season"].item() == 540.0
    assert curve.filter(pl.col("year") == 2023)["appeal"].null_count() == 31


def test_the_season_is_in_the_accounts_time_zone() -> None:
    # 05:00 UTC on December 1 is the evening of November 30 in Denver: the season starts in November
    early = pl.concat([CAMPAIGNS, pl.DataFrame({"campaign_id": ["ye25w0"], "name": ["Year-End Appeal 2025 – Wave 0"],
                                                "appeal": [True], "send_time": [datetime(2025, 12, 1, 5)]})])
    p = pacing(campaigns=early)
    assert p.current.start == date(2025, 11, 1) and p.years[1].start == date(2024, 11, 1)
    in_utc = season.season_pacing(GIFTS, early, "Year-End Appeal", date(2025, 12, 10), time_zone="UTC")
    assert in_utc is not None and in_utc.current.start == date(2025, 12, 1)


def test_email_share_is_unknown_before_the_first_tracked_send() -> None:
    p = season.season_pacing(GIFTS, CAMPAIGNS, "Year-End Appeal", date(2025, 12, 10), time_zone=DENVER,
                             tracked_from=date(2024, 12, 5))
    assert p is not None and p.current.email_share == 130 / 160
    assert p.years[1].email_revenue is None and p.years[1].email_share is None   # began Dec 1, 2024: not tracked


def test_a_season_that_is_over_counts_to_its_last_day() -> None:
    on_file_since = pl.concat([GIFTS, pl.DataFrame([gift("g10", date(2026, 2, 20), 25, "unattributed", None, "d8")])])
    p = season.season_pacing(on_file_since, CAMPAIGNS, "Year-End Appeal", date(2026, 3, 1), time_zone=DENVER)
    assert p is not None and p.over
    assert p.current.through == date(2025, 12, 31) and p.years[1].through == date(2024, 12, 31)
    assert p.current.appeal_revenue == 580.0


def test_a_file_not_refreshed_since_is_compared_through_its_latest_gift() -> None:
    """Gifts on file end Dec 11, 2025 (an old import); opened in March, the season is counted through Dec 11 in
    every year, not half a season against last year's whole one."""
    p = pacing(as_of=date(2026, 3, 1))
    assert p.current.through == date(2025, 12, 11) and p.years[1].through == date(2024, 12, 11)
    assert p.current.appeal_revenue == 580.0 and p.years[1].appeal_revenue == 200.0
    assert p.years[1].season_revenue == 200.0 + 300.0 + 40.0   # g8, g6 and g7 (Dec 11): through Dec 11, 2024


def test_nothing_sent_yet_is_none() -> None:
    assert season.season_pacing(GIFTS, CAMPAIGNS, "Year-End Appeal", date(2024, 12, 1), time_zone=DENVER) is None
    assert season.season_pacing(GIFTS, CAMPAIGNS, "No such appeal", date(2025, 12, 10), time_zone=DENVER) is None


def test_giving_tuesday_and_leap_days() -> None:
    assert season.giving_tuesday(2025) == date(2025, 12, 2) and season.giving_tuesday(2024) == date(2024, 12, 3)
    assert season.giving_tuesday(2026) == date(2026, 12, 1)
    assert pacing().giving_tuesday == date(2025, 12, 2)
    assert season.shift_years(date(2024, 2, 29), -1) == date(2023, 2, 28)


def test_the_answer_names_the_dates_and_compares_like_with_like() -> None:
    text = season.answer(pacing())
    assert text == ("Year-End Appeal 2025 has raised $80 in gifts coded to it in DonorPerfect (Dec 1 – Dec 10, 2025), "
                    "60% behind 2024's $200 by Dec 10; all gifts this season total $160, 33% behind $240 by the same "
                    "date last year; 81% of them came through email (coded to an email, or given within 48 hours of a "
                    "click or open).")


def test_appeals_that_ask_for_money_and_repeat_come_first() -> None:
    assert season.appeal_choices(CAMPAIGNS) == ["Year-End Appeal"]


def test_each_year_counts_the_gifts_donorperfect_knew_of_by_that_date() -> None:
    """A check dated Dec 9, 2024 but entered Dec 13, 2024 was not known on Dec 10 last year: comparing this year's
    days (their checks not entered yet) with last year's complete ones would put this year behind for nothing."""
    entered = GIFTS.with_columns(pl.lit(None, pl.Date).alias("entered_date"))
    late = pl.DataFrame([gift("g10", date(2024, 12, 9), 1000, "coded", "ye24", "d8")]).with_columns(
        pl.lit(date(2024, 12, 13)).alias("entered_date"))
    late_now = pl.DataFrame([gift("g11", date(2025, 12, 8), 7, "unattributed", None, "d9")]).with_columns(
        pl.lit(date(2025, 12, 12)).alias("entered_date"))   # entered after the as-of date: not known yet
    found = season.season_pacing(pl.concat([entered, late, late_now], how="diagonal_relaxed"), CAMPAIGNS,
                                 "Year-End Appeal", date(2025, 12, 10), time_zone=DENVER)
    assert found is not None
    last = found.years[1]
    assert (last.known_by, last.appeal_revenue, last.season_revenue) == (date(2024, 12, 10), 200.0, 240.0)
    assert found.current.season_revenue == 160.0
    curve = found.curve.filter(pl.col("year") == 2024)   # on this season's calendar: known on Dec 13
    assert curve.filter(pl.col("day") == date(2025, 12, 12))["appeal"].item() == 200.0
    assert curve.filter(pl.col("day") == date(2025, 12, 13))["appeal"].item() == 1200.0
    refreshed = pl.DataFrame([gift("g12", date(2026, 2, 20), 25, "unattributed", None, "d8")])   # gifts on file to Feb
    over = season.season_pacing(pl.concat([entered, late, refreshed], how="diagonal_relaxed"), CAMPAIGNS,
                                "Year-End Appeal", date(2026, 3, 1), time_zone=DENVER)
    assert over is not None and over.years[1].appeal_revenue == 1200.0   # known by Mar 1, 2025


@pytest.mark.calendar
def test_at_any_instant_this_year_stops_today_and_last_year_is_the_same_date(test_now) -> None:
    today = test_now.astimezone(ZoneInfo(DENVER)).date()
    sent = test_now.replace(tzinfo=None) - timedelta(hours=80)
    campaigns = pl.DataFrame({   # last year's second wave, three weeks on, keeps this year's season open
        "campaign_id": ["now", "before", "before-w2"],
        "name": ["Spring Appeal 2027", "Spring Appeal 2026", "Spring Appeal 2026 – Wave 2"],
        "appeal": [True, True, True],
        "send_time": [sent, sent - timedelta(days=365), sent - timedelta(days=365 - 21)]})
    gifts = pl.DataFrame([gift("a", today, 10, "coded", "now"),
                          gift("b", season.shift_years(today, -1), 20, "coded", "before")])
    found = season.season_pacing(gifts, campaigns, "Spring Appeal", today, time_zone=DENVER)
    assert found is not None
    this = found.curve.filter(pl.col("year") == found.current.year)
    assert this["day"].max() == today == found.current.through
    assert found.years[1].through == season.shift_years(today, -1)
    assert (found.current.appeal_revenue, found.years[1].appeal_revenue) == (10.0, 20.0)


def test_a_year_whose_campaigns_have_no_code_mapped_has_an_unknown_total_not_zero() -> None:
    # 2024's campaign ye24 has no DonorPerfect code mapped: its gifts cannot be told apart, so its total is unknown
    p = season.season_pacing(GIFTS, CAMPAIGNS, "Year-End Appeal", date(2025, 12, 10), time_zone=DENVER,
                             mapped=frozenset({"ye25", "gt25"}))
    this, last, before = p.years
    assert (this.campaigns, this.mapped, this.appeal_revenue) == (2, 1, 80.0)   # ye25 mapped, its wave 2 not
    assert (last.campaigns, last.mapped, last.appeal_revenue, last.appeal_gifts) == (1, 0, None, None)
    assert (before.campaigns, before.appeal_revenue) == (0, None)
    assert p.curve.filter(pl.col("year") == 2024)["appeal"].is_null().all()   # no line drawn at $0
    assert "2024's total is unknown (no DonorPerfect code is mapped to its campaigns)" in season.answer(p)
    # mapped, with no gift coded yet: a real $0
    mapped_only = season.season_pacing(GIFTS.filter(pl.col("campaign_id") != "ye24"), CAMPAIGNS, "Year-End Appeal",
                                       date(2025, 12, 10), time_zone=DENVER, mapped=frozenset({"ye25", "ye24"}))
    assert mapped_only.previous.appeal_revenue == 0.0
    nothing = season.season_pacing(GIFTS, CAMPAIGNS, "Year-End Appeal", date(2025, 12, 10), time_zone=DENVER,
                                   mapped=frozenset())
    assert nothing.current.appeal_revenue is None
    assert season.answer(nothing).startswith("Year-End Appeal 2025's total is unknown: no DonorPerfect code is "
                                             "mapped to its 2 campaigns")
