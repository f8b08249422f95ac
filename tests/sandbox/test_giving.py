"""Gifts keep coming as the clock advances: driven by the new appeal sends, entered by now, refunds linked."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from cc_data.sandbox.clock import DAY
from cc_data.sandbox.evolve import advance
from cc_data.sandbox.generator import generate
from tests.conftest import SANDBOX_NOW

ADVANCE_DAYS = 180   # from mid-June: takes in Giving Tuesday and the first year-end wave


def _naive(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC).replace(tzinfo=None)


@pytest.fixture(scope="module")
def advanced():
    account = generate(7, "small", SANDBOX_NOW)
    before = account.gifts
    start = account.now
    advance(account, ADVANCE_DAYS * DAY)
    return account, before, start


def _nothing_after_now(account) -> None:
    gifts = account.gifts
    assert gifts["created_date"].max() <= _naive(account.now)
    assert gifts["gift_date"].max() <= _naive(account.now).date()
    assert (gifts["modified_date"] >= gifts["created_date"]).all()


def test_advance_adds_gifts_entered_in_the_window_and_keeps_the_old_ones(advanced):
    account, before, start = advanced
    assert account.gifts.head(before.height).equals(before)
    new = account.gifts.slice(before.height)
    assert new.height > 20
    assert new["created_date"].min() > _naive(start)
    assert new["gift_id"].min() > before["gift_id"].max() and account.gifts["gift_id"].is_sorted()
    assert account.gifts["gift_id"].n_unique() == account.gifts.height
    _nothing_after_now(account)
    assert set(new["record_type"]) >= {"G"} and set(new["solicit_code"]) >= {"SUST"}
    totals = (account.gifts.filter(pl.col("record_type").is_in(["G", "A"])).group_by("donor_id")
              .agg(pl.col("amount").sum().round(2).alias("expected")))
    joined = account.donors.join(totals, on="donor_id", how="left").with_columns(pl.col("expected").fill_null(0.0))
    assert (joined["gift_total"] - joined["expected"]).abs().max() < 0.005


def test_new_email_gifts_follow_the_new_appeal_sends(advanced):
    account, before, start = advanced
    new_appeals = {c.solicit_code: c for c in account.campaigns
                   if c.appeal_strength > 0 and any(a.send_at > start for a in c.sent_activities)}
    assert new_appeals, "the advanced window should include an appeal"
    # a soft credit (S) credits another donor than the one the email reached, by design
    online = account.gifts.slice(before.height).filter((pl.col("gift_type") == "CC") & (pl.col("record_type") != "S"))
    assert online.height > 0
    contact_of = dict(zip(account.giving.donor_id.tolist(), account.giving.donor_contact.tolist(), strict=True))
    for gift in online.iter_rows(named=True):
        if gift["solicit_code"]:
            assert gift["solicit_code"] in new_appeals and gift["sub_solicit_code"] == "EMAIL"
        gift_day_end = datetime.combine(gift["gift_date"], datetime.max.time(), UTC).timestamp()
        reached = [a for c in new_appeals.values() for a in c.sent_activities
                   if contact_of[gift["donor_id"]] in set(a.tracking.recipients.tolist()) and a.send_at < gift_day_end]
        assert reached, f"gift {gift['gift_id']} has no appeal email behind it"


def test_advancing_is_deterministic_and_never_shows_gifts_before_they_are_entered():
    one, two = generate(7, "small", SANDBOX_NOW), generate(7, "small", SANDBOX_NOW)
    for account in (one, two):
        for step in (0.5, 3, 40):
            advance(account, int(step * DAY))
            _nothing_after_now(account)
    assert one.gifts.equals(two.gifts) and one.donors.equals(two.donors)
    assert one.giving.pending.height > 0 or one.gifts.height > 0
    waiting = one.giving.pending
    assert (waiting["entered"] > one.now).all()


def test_refund_adjustments_link_to_the_refunded_gift():
    account = generate(7, "demo", SANDBOX_NOW)   # enough refunds to mean something
    gifts = account.gifts
    refunds = gifts.filter(pl.col("record_type") == "A")
    assert refunds.height > 20 and (refunds["amount"] < 0).all()
    originals = gifts.with_columns(pl.col("gift_id").cast(pl.String).alias("glink"))
    linked = refunds.join(originals, on="glink", how="left", suffix="_original")
    assert linked["gift_id_original"].null_count() == 0
    assert (linked["record_type_original"] == "G").all()
    assert (linked["donor_id"] == linked["donor_id_original"]).all()
    assert (linked["amount"] == -linked["amount_original"]).all()
    assert (linked["created_date"] > linked["created_date_original"]).all()
    assert (linked["gift_id"] > linked["gift_id_original"]).all()
