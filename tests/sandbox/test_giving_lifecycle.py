"""The sandbox's donor file is believable over five fiscal years, as the Fundraising Effectiveness Project sees
donor files: retention near FEP's 42.9%, new donors renewing far less than repeat donors, recaptured donors,
upgrades and downgrades, and donors who click renewing more often than those who do not."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import numpy as np
import polars as pl
import pytest

from cc_data.analytics.donors.years import RETAINED, donor_years, gain_loss, summarise
from cc_data.sandbox.generator import generate
from cc_data.store.schema import migrate
from tests.conftest import SANDBOX_NOW

COMPLETE = range(SANDBOX_NOW.year - 4, SANDBOX_NOW.year)   # the last four complete calendar years


@pytest.fixture(scope="module")
def account():
    return generate(7, "demo", SANDBOX_NOW)


@pytest.fixture(scope="module")
def years(account) -> pl.DataFrame:
    con = duckdb.connect()
    migrate(con)
    sandbox_gifts = account.gifts.with_columns(pl.col("gift_id", "donor_id").cast(pl.String))  # noqa: F841 - DuckDB reads it
    con.execute("INSERT INTO gifts BY NAME SELECT gift_id, donor_id, record_type, gift_date, created_date, amount, "
                "glink, split_gift FROM sandbox_gifts")
    return donor_years(con)


def test_five_fiscal_years_of_giving_before_now(years: pl.DataFrame) -> None:
    assert years["fiscal_year"].min() <= SANDBOX_NOW.year - 5


def test_retention_sits_near_fep_and_new_donors_renew_far_less(years: pl.DataFrame) -> None:
    summaries = [summarise(gain_loss(years, y), y) for y in COMPLETE]
    retained, base = sum(s.retained for s in summaries), sum(s.previous_donors for s in summaries)
    assert 0.36 <= retained / base <= 0.50, retained / base
    new_kept = sum(s.new_retained for s in summaries)
    new_base = sum(s.new_retained + s.counts["lapsed_new"] for s in summaries)
    repeat_kept, repeat_base = retained - new_kept, base - new_base
    assert new_kept / new_base <= 0.32 and repeat_kept / repeat_base >= 0.55, (new_kept / new_base,
                                                                               repeat_kept / repeat_base)
    for s in summaries:
        assert min(s.counts[c] for c in ("recaptured", "upgraded", "same", "downgraded")) > 0, s.counts


def test_donors_who_click_renew_more_often(account, years: pl.DataFrame) -> None:
    year = SANDBOX_NOW.year - 1
    lo, hi = (datetime(y, 1, 1, tzinfo=UTC).timestamp() for y in (year, year + 1))
    clicked = set()
    for campaign in account.campaigns:
        for activity in campaign.sent_activities:
            clicks = activity.tracking.events["clicks"]
            clicked.update(clicks.contact[(clicks.time >= lo) & (clicks.time < hi)].tolist())
    contact_of = dict(zip(account.giving.donor_id.tolist(), account.giving.donor_contact.tolist(), strict=True))
    per_donor = gain_loss(years, year).filter(pl.col("previous_amount") > 0)
    kept = per_donor["category"].is_in(RETAINED).to_numpy()
    on_list = np.array([contact_of[int(d)] >= 0 for d in per_donor["donor_id"]])
    clicker = np.array([contact_of[int(d)] in clicked for d in per_donor["donor_id"]])
    assert clicker.sum() > 30
    assert kept[clicker].mean() >= kept[on_list & ~clicker].mean() + 0.1
