"""Equal-age cut-offs, worked by hand (appeal series names: test_series.py)."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from cc_data.analytics.email import appeal_years, campaigns, compare, sends
from cc_data.analytics.rules import appeals
from tests.app.fixture_db import T0, Rows, memory_db

H = timedelta(hours=1)


def test_equal_age_counts_only_responses_within_each_age() -> None:
    con = memory_db()
    r = Rows(con)
    act = r.campaign("Y", "Year-End Appeal 2025")
    for i in range(10):
        r.contact(f"c{i}")
        r.event(act, f"c{i}", "sends", T0)
    # Opens at 1 h, 23.5 h, exactly 24 h, 30 h and 100 h; clicks at 2 h and 47 h; one at 200 h is past 7 days.
    for i, hours in enumerate((1, 23.5, 24, 30, 100, 200)):
        r.event(act, f"c{i}", "opens", T0 + hours * H)
    r.event(act, "c0", "clicks", T0 + 2 * H)
    r.event(act, "c3", "clicks", T0 + 47 * H)
    per = sends.per_send(con)
    counts = campaigns.campaign_counts(per, campaigns.campaign_catalog(con))
    curves = compare.equal_age_curves(per, counts, ["Y"], 168)
    at = compare.rates_at_ages(curves).row(0, named=True)
    assert (at["opens_24h"], at["opens_48h"], at["opens_168h"]) == (3, 4, 5)
    assert (at["clicks_24h"], at["clicks_48h"], at["clicks_168h"]) == (1, 2, 2)
    assert at["open_rate_per_person_24h"] == pytest.approx(3 / 10)
    assert at["click_rate_per_person_168h"] == pytest.approx(2 / 10)
    assert curves.filter(hours=0)["opens"].item() == 0
    assert curves.filter(hours=1)["opens"].item() == 1


def test_a_resend_to_non_openers_does_not_drag_the_rate_down() -> None:
    con = memory_db()
    r = Rows(con)
    act = r.campaign("Y", "Year-End Appeal 2025", resend=True)
    resend = "Y:resend"
    for i in range(10):
        r.contact(f"c{i}")
        r.event(act, f"c{i}", "sends", T0)
    for i in range(5):          # c0..c4 open the first send within 2 h
        r.event(act, f"c{i}", "opens", T0 + 2 * H)
    for i in range(5, 10):      # the 5 non-openers get the resend at 120 h; c5 opens it at 121 h
        r.event(resend, f"c{i}", "sends", T0 + 120 * H)
    r.event(resend, "c5", "opens", T0 + 121 * H)
    per = sends.per_send(con)
    counts = campaigns.campaign_counts(per, campaigns.campaign_catalog(con))
    curves = compare.equal_age_curves(per, counts, ["Y"], 168)
    # Before the resend: 5 openers of 10 delivered = 50%, not 5 of the final 15 deliveries.
    assert curves.filter(hours=24)["open_rate_per_person"].item() == pytest.approx(5 / 10)
    assert curves.filter(hours=119)["delivered_so_far"].item() == 10
    # After it: 6 unique openers of the 10 people delivered (the resend reached no new person; 15 emails).
    assert curves.filter(hours=120)["delivered_so_far"].item() == 10
    assert curves.filter(hours=168)["open_rate_per_person"].item() == pytest.approx(6 / 10)
    assert compare.resend_hours(per, counts).to_dicts() == [{"campaign_id": "Y", "hours": 120.0}]


def test_a_campaign_without_a_year_in_its_name_takes_the_fiscal_year_of_its_send() -> None:
    from datetime import datetime

    import polars as pl

    frame = pl.DataFrame({"name": ["Back to School Drive", "Back to School Drive", "Year-End Appeal 2025"],
                          "send_time": [datetime(2025, 6, 30), datetime(2025, 7, 1), datetime(2025, 8, 1)]})
    assert appeals.with_series(frame)["year"].to_list() == [2025, 2025, 2025]
    # a July fiscal year: Jul 2025 - Jun 2026 is FY2026; a year in the name always wins
    assert appeals.with_series(frame, fiscal_start=7)["year"].to_list() == [2025, 2026, 2025]


@pytest.mark.calendar
def test_an_appeal_80_hours_old_opens_at_48_hours_and_its_curves_stop_at_80(test_now) -> None:
    """Issue 21: this year's appeal is about 80 h old; last year's is a year old. The default age is the largest that
    both have reached (48 h, not 7 days), and this year's curves end at its age: hours that have not happened are
    not drawn or counted."""
    now = test_now.replace(tzinfo=None, minute=0, second=0, microsecond=0)
    this_year, last_year = now - 80 * H - timedelta(minutes=20), now - timedelta(days=365)
    con = memory_db()
    r = Rows(con)
    acts = {"now": r.campaign("Y26", "Year-End Appeal 2026"), "before": r.campaign("Y25", "Year-End Appeal 2025")}
    for key, sent in (("now", this_year), ("before", last_year)):
        for i in range(4):
            r.contact(f"{key}{i}")
            r.event(acts[key], f"{key}{i}", "sends", sent)
        r.event(acts[key], f"{key}0", "opens", sent + 3 * H)
        r.event(acts[key], f"{key}1", "opens", sent + 100 * H)   # last year's only: after this year's age
    per = sends.per_send(con)
    counts = appeals.with_series(campaigns.campaign_counts(per, campaigns.campaign_catalog(con)), 1)
    rows = appeal_years.year_rows(con, counts.select("campaign_id", "year", "send_time"), None, now)
    assert appeal_years.default_age(rows) == "48 h"
    curves = compare.equal_age_curves(per, counts, ["Y26", "Y25"], 168, as_of=now)
    assert curves.filter(campaign_id="Y26")["hours"].max() == 80
    assert curves.filter(campaign_id="Y25")["hours"].max() == 168
    assert curves.filter(campaign_id="Y26")["opens"].max() == 1
    # without an as-of date the curve ran flat to 168 h, drawing days that had not come yet
    assert compare.equal_age_curves(per, counts, ["Y26"], 168).filter(campaign_id="Y26")["hours"].max() == 168


def test_the_default_age_when_even_the_youngest_year_has_not_passed_a_day() -> None:
    rows = pl.DataFrame({"year": [2025, 2025, 2026, 2026], "age": ["24 h", "48 h", "24 h", "48 h"],
                         "hours": [24, 48, 24, 48], "complete": [True, True, False, False]})
    assert appeal_years.default_age(rows) == "24 h"
    assert appeal_years.default_age(rows.with_columns(complete=pl.lit(True))) == "48 h"
