"""One appeal-series rule: real campaign names, and both pages grouping them the same way."""

from __future__ import annotations

import polars as pl
import pytest
from test_attribution_support import Account

from cc_data.analytics.attribution.credit import series_revenue
from cc_data.analytics.rules import appeals

# name, series, year, wave: names as nonprofits write them (years, FY, waves, parts, resends, dashes, brackets)
NAMES = [
    ("Year-End Appeal 2024 – Wave 2", "Year-End Appeal", 2024, 2),
    ("Year-End Appeal 2024 - Wave 2", "Year-End Appeal", 2024, 2),
    ("Year-End Appeal – 2025 (Resend)", "Year-End Appeal", 2025, None),
    ("Giving Tuesday 2024 (Resend)", "Giving Tuesday", 2024, None),
    ("Giving Tuesday 2024 Reminder", "Giving Tuesday", 2024, None),
    ("Giving Tuesday", "Giving Tuesday", None, None),
    ("FY2023 Spring Appeal: Wave 1", "Spring Appeal", 2023, 1),
    ("FY25 Summer Match #2", "Summer Match", 2025, 2),
    ("Spring Appeal FY 2024-25 – Part 1", "Spring Appeal", 2024, 1),
    ("Spring Appeal (Part II)", "Spring Appeal", None, 2),
    ("Year End Match Email 2 - 2024", "Year End Match", 2024, 2),
    ("[2024] Year-End Appeal | Email #3", "Year-End Appeal", 2024, 3),
    ("Year-End Appeal 2024 (Wave 2 – Resend)", "Year-End Appeal", 2024, 2),
    ("Year-End Appeal 2024 (2)", "Year-End Appeal", 2024, 2),
    ("Year-End Appeal 2024: 2nd email", "Year-End Appeal", 2024, 2),
    ("Back-to-School Drive 2025 Follow-up", "Back-to-School Drive", 2025, None),
    ("Spring Gala 2024 Invitation", "Spring Gala Invitation", 2024, None),
    ("Spring Gala 2024 – Last Chance for Tickets", "Spring Gala – Last Chance for Tickets", 2024, None),
    ("Monthly Donor Update – March 2024", "Monthly Donor Update – March", 2024, None),
    ("Pantry Hours & Volunteer Shifts – Mar 4, 2024", "Pantry Hours & Volunteer Shifts", 2024, None),
    ("Board Update – Q1 2024", "Board Update – Q1", 2024, None),
    ("Monthly Newsletter", "Monthly Newsletter", None, None),
    ("2024", "2024", 2024, None),
]


@pytest.mark.parametrize(("name", "expected", "year", "wave"), NAMES)
def test_series_year_and_wave_of_real_names(name: str, expected: str, year: int | None, wave: int | None) -> None:
    assert appeals.appeal_series(name) == expected
    assert appeals.name_year(name) == year
    assert appeals.name_wave(name) == wave


@pytest.mark.parametrize("name", [None, "", "   "])
def test_a_campaign_without_a_name_has_one_series(name: str | None) -> None:
    assert appeals.appeal_series(name) == appeals.UNNAMED


def test_compare_appeals_and_donation_attribution_group_the_same_names_together() -> None:
    names = [n for n, *_ in NAMES]
    acct = Account()
    for i, name in enumerate(names):
        acct.campaign(f"K{i}", name, sends=10)
    by_attribution: dict[str, int] = {}
    for row in series_revenue(acct.con).to_dicts():   # one row per series and year: add the years up here
        by_attribution[row["series"]] = by_attribution.get(row["series"], 0) + row["campaigns"]
    frame = pl.DataFrame({"name": names, "send_time": [None] * len(names)},
                         schema={"name": pl.Utf8, "send_time": pl.Datetime})
    by_compare = appeals.with_series(frame).group_by("series").len()
    assert dict(zip(by_compare["series"].to_list(), by_compare["len"].to_list(), strict=True)) == by_attribution
    assert by_attribution["Year-End Appeal"] == 7 and by_attribution["Giving Tuesday"] == 3
