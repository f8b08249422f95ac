"""The synthetic account is deterministic, believable, and consistent with itself."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from cc_data.sandbox.generator import generate

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


def test_same_seed_same_account_and_different_seed_differs():
    a, b, c = generate(7, "small", NOW), generate(7, "small", NOW), generate(8, "small", NOW)
    assert a.contacts.contact_id == b.contacts.contact_id
    assert a.tracking_frame().equals(b.tracking_frame())
    assert a.gifts.equals(b.gifts)
    assert a.contacts.contact_id != c.contacts.contact_id


def test_small_scale_shape_and_history():
    account = generate(7, "small", NOW)
    counts = account.counts()
    assert 200 <= counts["contacts"] + counts["contacts_deleted"] <= 500
    assert 8 <= counts["sent_activities"] <= 14
    assert counts["contacts_deleted"] > 0
    names = [c.name for c in account.campaigns]
    assert any(name.startswith("Year-End Appeal 2025 – Wave 1") for name in names)
    ye = next(c for c in account.campaigns if c.name == "Year-End Appeal 2025 – Wave 1")
    assert {a.role for a in ye.activities} == {"primary_email", "permalink", "resend"}
    frame = account.tracking_frame()
    assert frame["created_time"].max() <= NOW
    assert frame["created_time"].min() >= datetime(2024, 6, 15, tzinfo=UTC)
    assert set(frame["tracking_activity_type"].unique()) >= {"em_sends", "em_opens", "em_clicks", "em_bounces"}
    assert frame.filter(pl.col("tracking_activity_type") == "em_opens")["device_type"].null_count() == 0


def test_resend_goes_only_to_non_openers_of_the_primary():
    account = generate(7, "small", NOW)
    ye = next(c for c in account.campaigns if c.name == "Year-End Appeal 2025 – Wave 1")
    primary, resend = (next(a for a in ye.activities if a.role == r) for r in ("primary_email", "resend"))
    opened_before = set(primary.tracking.events["opens"].contact[
        primary.tracking.events["opens"].time <= resend.send_at].tolist())
    assert opened_before and not opened_before & set(resend.tracking.recipients.tolist())


def test_contacts_have_accents_messy_emails_and_permission_mix():
    frame = generate(7, "demo", NOW).contacts_frame()
    assert frame["first_name"].str.contains("[éëçø]").any()
    assert (frame["email_address"] != frame["email_address"].str.strip_chars()).any()
    assert (frame["email_address"] != frame["email_address"].str.to_lowercase()).any()
    share = frame["permission_to_send"].value_counts(normalize=True)
    shares = dict(zip(share["permission_to_send"], share["proportion"], strict=True))
    assert shares["implicit"] + shares["explicit"] > 0.8
    assert 0 < shares["temp_hold"] < 0.05 and 0 < shares["pending_confirmation"] < 0.05
    assert 0 < shares["unsubscribed"] < 0.15


@pytest.fixture(scope="module")
def demo():
    return generate(7, "demo", NOW)


def test_demo_scale_rates_in_realistic_ranges(demo):
    frame = demo.tracking_frame()
    counts = frame.group_by("tracking_activity_type").agg(pl.col("contact_id").n_unique().alias("n"))
    per = (frame.group_by("campaign_activity_id", "tracking_activity_type")
           .agg(pl.col("contact_id").n_unique().alias("n"))
           .pivot(on="tracking_activity_type", index="campaign_activity_id", values="n").fill_null(0))
    sends, bounces = per["em_sends"].sum(), per["em_bounces"].sum()
    delivered = sends - bounces
    assert 0.25 <= per["em_opens"].sum() / delivered <= 0.45
    assert 0.01 <= per["em_clicks"].sum() / delivered <= 0.04
    assert 0.005 <= bounces / sends <= 0.02
    assert 0.001 <= per["em_optouts"].sum() / delivered <= 0.003
    assert 19_000 <= len(demo.contacts) <= 21_000 and 90 <= per.height <= 110
    assert counts.height == 6


def test_opens_arrive_mostly_in_the_first_two_days(demo):
    activity = next(a for a in demo.activities if a.role == "primary_email" and a.tracking is not None)
    opens = activity.tracking.events["opens"]
    hours = (opens.time - activity.send_at) / 3600
    assert 0.6 < (hours <= 48).mean() < 1.0
    assert (hours > 72).any()


def test_donations_follow_appeal_clicks_and_carry_codes(demo):
    gifts, donors = demo.gifts, demo.donors
    assert gifts["gift_id"].is_sorted() and gifts["gift_id"].n_unique() == gifts.height
    assert set(gifts["record_type"].unique()) == {"G", "P", "M", "S", "A"}
    assert (gifts.filter(pl.col("record_type") == "A")["amount"] < 0).any()
    children = gifts.filter((pl.col("record_type") == "G") & (pl.col("glink") != ""))
    mains = set(gifts.filter(pl.col("record_type") == "M")["gift_id"].cast(pl.String))
    assert children.height and set(children["glink"]) <= mains
    linked = donors["cc_contact_id"].is_not_null().mean()
    assert 0.5 <= linked <= 0.7
    assert donors["email"].null_count() > 0
    ye = [code for code in demo.appeal_codes if code.startswith("YE")]
    assert ye and all(demo.campaign(demo.appeal_codes[code]) is not None for code in ye)
    coded = gifts.filter(pl.col("solicit_code").is_in(list(demo.appeal_codes)))
    assert coded.height > 100
    # a click on an appeal is followed by a gift from the same person far more often than a mere send is
    clicks = demo.tracking_frame().filter(pl.col("tracking_activity_type") == "em_clicks")
    givers = set(donors.filter(pl.col("cc_contact_id").is_not_null())["cc_contact_id"])
    clicked_givers = len(set(clicks["contact_id"]) & givers) / max(clicks["contact_id"].n_unique(), 1)
    assert clicked_givers > 0.2


def test_unknown_scale_is_refused():
    with pytest.raises(ValueError, match="scale"):
        generate(7, "huge", NOW)
