"""The demo account tells a story: campaigns perform differently for the reasons real ones do."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime

import numpy as np
import polars as pl
import pytest

from cc_data.sandbox.account import Account, Activity
from cc_data.sandbox.generator import generate

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo() -> Account:
    return generate(7, "demo", NOW)


def _rates(activity: Activity) -> tuple[float, float, int]:
    """Unique openers and clickers over delivered (sends minus bounces), and delivered."""
    events = activity.tracking.events
    delivered = len(activity.tracking.recipients) - len(np.unique(events["bounces"].contact))
    return (len(np.unique(events["opens"].contact)) / delivered,
            len(np.unique(events["clicks"].contact)) / delivered, delivered)


def _by_role(account: Account, role: str) -> dict[str, tuple[float, float, int]]:
    return {c.name: _rates(a) for c in account.campaigns for a in c.activities
            if a.role == role and a.tracking is not None}


def _pooled(account: Account, prefix: str) -> float:
    acts = [a for c in account.campaigns if c.name.startswith(prefix) for a in c.activities
            if a.role == "primary_email" and a.tracking is not None]
    opened = sum(len(np.unique(a.tracking.events["opens"].contact)) for a in acts)
    delivered = sum(len(a.tracking.recipients) - len(np.unique(a.tracking.events["bounces"].contact)) for a in acts)
    return opened / delivered


def test_open_rates_spread_across_campaigns_within_believable_bands(demo):
    primaries = _by_role(demo, "primary_email")
    opens = [o for o, _, d in primaries.values() if d >= 100]
    q1, _, q3 = statistics.quantiles(opens, n=4)
    assert q3 - q1 >= 0.03, f"every campaign opens alike (IQR {q3 - q1:.1%})"
    assert max(opens) - min(opens) >= 0.12
    for name, (o, c, d) in primaries.items():
        if d >= 1000:   # broadcasts: M+R-like post-MPP opens, nonprofit click rates
            assert 0.25 <= o <= 0.40 and 0.003 <= c <= 0.035, (name, o, c)
        elif d >= 100:  # donor lists and segments open higher, not implausibly so
            assert 0.25 <= o <= 0.55 and c <= 0.05, (name, o, c)


def test_giving_tuesday_clicks_well_above_the_median_newsletter(demo):
    primaries = _by_role(demo, "primary_email")
    newsletter = statistics.median(c for name, (_, c, _) in primaries.items() if name.endswith("Newsletter"))
    giving_tuesdays = [c for name, (_, c, _) in primaries.items() if name.startswith("Giving Tuesday")]
    assert giving_tuesdays and all(c > 1.5 * newsletter for c in giving_tuesdays), (giving_tuesdays, newsletter)
    fundraisers = {c.name for c in demo.campaigns if c.type == "FUNDRAISER"}
    appeals = [c for name, (_, c, _) in primaries.items() if name in fundraisers]
    assert statistics.median(appeals) > 1.3 * newsletter


def test_summer_newsletters_do_worse_than_december_ones(demo):
    primaries = _by_role(demo, "primary_email")
    summer = [primaries[n] for n in primaries if n.endswith("Newsletter") and n.split()[0] in ("June", "July")]
    december = [primaries[n] for n in primaries if n.endswith("Newsletter") and n.startswith("December")]
    assert summer and december
    assert max(o for o, _, _ in summer) < min(o for o, _, _ in december)
    assert max(c for _, c, _ in summer) < min(c for _, c, _ in december)


def test_resends_to_non_openers_do_worse_than_their_primary(demo):
    primaries, resends = _by_role(demo, "primary_email"), _by_role(demo, "resend")
    assert resends
    for name, (o, c, _) in resends.items():
        assert o < primaries[name][0] and c < primaries[name][1], name


def test_the_board_opens_highest_and_donor_lists_beat_the_full_list(demo):
    series = {"Board Update", "Monthly Donor Update", "Major Donor Briefing", "Volunteer Spotlight",
              "Giving Tuesday", "Year-End Appeal", "Colorado Gives Day", "Spring Gala"}
    board = _pooled(demo, "Board Update")
    assert board >= 0.7 and all(board > _pooled(demo, s) for s in series - {"Board Update"})
    full_list = statistics.mean(o for name, (o, _, _) in _by_role(demo, "primary_email").items()
                                if name.endswith("Newsletter"))
    assert _pooled(demo, "Monthly Donor Update") > full_list + 0.04


def test_this_years_year_end_appeal_opened_higher_but_clicked_less_and_raised_less(demo):
    waves = {c.name: c for c in demo.campaigns if c.name.startswith("Year-End Appeal") and c.name.endswith("Wave 1")}
    years = sorted(int(name.split()[2]) for name in waves)
    this, last = years[-1], years[-2]
    o_this, c_this, _ = _rates(next(a for a in waves[f"Year-End Appeal {this} – Wave 1"].activities
                                    if a.role == "primary_email"))
    o_last, c_last, _ = _rates(next(a for a in waves[f"Year-End Appeal {last} – Wave 1"].activities
                                    if a.role == "primary_email"))
    assert o_this > o_last + 0.01 and c_this < 0.85 * c_last, (o_this, o_last, c_this, c_last)
    gifts = demo.gifts.filter(pl.col("record_type").is_in(["G", "A"]))
    raised = {y: gifts.filter(pl.col("campaign") == f"Year-End Appeal {y}") for y in (this, last)}
    assert raised[this].height < raised[last].height
    assert raised[this]["amount"].sum() < raised[last]["amount"].sum()


def test_machine_opens_ignore_how_good_the_campaign_is(demo):
    def machine_open_share(name: str) -> float:
        activity = next(a for c in demo.campaigns if c.name == name for a in c.activities if a.role == "primary_email")
        t = activity.tracking
        machine = t.recipients[demo.contacts.machine_opener[t.recipients]]
        machine = machine[~np.isin(machine, t.events["bounces"].contact)]
        return np.isin(machine, t.events["opens"].contact).mean()

    for name in ("June 2025 Newsletter", "Giving Tuesday 2025", "Year-End Appeal 2025 – Wave 1"):
        assert 0.9 <= machine_open_share(name) <= 0.96, name
