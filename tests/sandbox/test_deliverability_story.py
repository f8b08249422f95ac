"""The demo account's deliverability and list tell a story a nonprofit would recognise: bounces of every reason,
opt-outs with the reasons people give, a realistic mix of mailbox providers, one provider filtering the mail for a
few weeks, and contacts joining and leaving every month."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import polars as pl
import pytest

from cc_data.sandbox import filtering
from cc_data.sandbox.account import Account
from cc_data.sandbox.clock import DAY, NEVER
from cc_data.sandbox.generator import generate
from cc_data.sandbox.names import ORG_DOMAIN

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)
PROVIDERS = {"gmail.com": "Gmail", "yahoo.com": "Yahoo/AOL", "aol.com": "Yahoo/AOL", "outlook.com": "Microsoft",
             "hotmail.com": "Microsoft", "live.com": "Microsoft", "msn.com": "Microsoft", "icloud.com": "Apple",
             "me.com": "Apple", "mac.com": "Apple", ORG_DOMAIN: "Own domain"}


@pytest.fixture(scope="module")
def demo() -> Account:
    return generate(7, "demo", NOW)


@pytest.fixture(scope="module")
def rows(demo: Account) -> pl.DataFrame:
    """Tracking rows with each contact's provider."""
    people = pl.DataFrame({"contact_id": demo.contacts.contact_id, "email": demo.contacts.email}).with_columns(
        pl.col("email").str.strip_chars().str.to_lowercase().str.split("@").list.last()
        .replace_strict(PROVIDERS, default="Other").alias("provider"))
    return demo.tracking_frame().join(people.select("contact_id", "provider"), on="contact_id")


def test_every_bounce_reason_and_the_reasons_people_give_for_opting_out(rows: pl.DataFrame) -> None:
    bounces = rows.filter(pl.col("tracking_activity_type") == "em_bounces")
    assert set(bounces["bounce_code"].unique()) >= {"B", "D", "F", "S", "V", "X", "Z"}
    reasons = rows.filter(pl.col("tracking_activity_type") == "em_optouts")["opt_out_reason"]
    given = reasons.filter(reasons != "")
    assert given.n_unique() >= 4 and 0.6 < given.len() / reasons.len() < 0.95   # most give one; some do not


def test_a_realistic_mix_of_mailbox_providers(demo: Account) -> None:
    domains = pl.Series([e.strip().lower().rpartition("@")[2] for e in demo.contacts.email])
    share = domains.replace_strict(PROVIDERS, default="Other").alias("provider").value_counts(normalize=True)
    got = dict(zip(share["provider"], share["proportion"], strict=True))
    assert 0.30 <= got["Gmail"] <= 0.45 and 0.10 <= got["Microsoft"] <= 0.20
    assert 0.08 <= got["Yahoo/AOL"] <= 0.18 and 0.08 <= got["Apple"] <= 0.18 and 0.1 <= got["Other"] <= 0.35
    assert 5 <= (domains == ORG_DOMAIN).sum() <= 20   # the board, at the organisation's own addresses


def _rates(rows: pl.DataFrame, provider: str, start: datetime, end: datetime) -> tuple[float, float]:
    """(unique openers ÷ delivered, Z bounces ÷ sends) of the emails sent to `provider` in [start, end)."""
    sent = rows.filter((pl.col("tracking_activity_type") == "em_sends") & (pl.col("provider") == provider)
                       & (pl.col("created_time") >= start) & (pl.col("created_time") < end))
    keys = sent.select("campaign_activity_id", "contact_id")
    theirs = rows.join(keys, on=["campaign_activity_id", "contact_id"])
    bounced = theirs.filter(pl.col("tracking_activity_type") == "em_bounces").select(
        "campaign_activity_id", "contact_id", "bounce_code").unique()
    opened = theirs.filter(pl.col("tracking_activity_type") == "em_opens").select(
        "campaign_activity_id", "contact_id").unique()
    delivered = sent.height - bounced.height
    return opened.height / delivered, (bounced["bounce_code"] == "Z").sum() / sent.height


def test_microsoft_filters_the_mail_for_a_few_weeks_and_then_lets_it_through(demo: Account, rows: pl.DataFrame) -> None:
    start, end = (datetime.fromtimestamp(t, UTC) for t in filtering.window(demo))
    assert 20 <= (end - start).days <= 30 and start < NOW
    before = (start - (end - start) * 3, start)
    ms_during, ms_before = _rates(rows, "Microsoft", start, end), _rates(rows, "Microsoft", *before)
    gm_during, gm_before = _rates(rows, "Gmail", start, end), _rates(rows, "Gmail", *before)
    assert ms_during[0] <= 0.6 * ms_before[0], (ms_during, ms_before)     # opens fall (junk folder)...
    assert gm_during[0] >= 0.8 * gm_before[0], (gm_during, gm_before)     # ...at Microsoft only
    assert ms_during[1] >= 0.05 and ms_before[1] < 0.01 and gm_during[1] < 0.01   # blocks, at Microsoft only
    # the blocked addresses are not dead: they receive the next emails
    after = (end, end + (end - start))
    assert _rates(rows, "Microsoft", *after)[1] < 0.01
    blocked = rows.filter((pl.col("bounce_code") == "Z") & (pl.col("provider") == "Microsoft")
                          & (pl.col("created_time") >= start) & (pl.col("created_time") < end))["contact_id"]
    later = rows.filter((pl.col("tracking_activity_type") == "em_sends") & (pl.col("created_time") >= end))
    assert later["contact_id"].is_in(blocked.implode()).sum() > 0.5 * blocked.n_unique()


def test_contacts_join_and_leave_every_month(demo: Account) -> None:
    c = demo.contacts
    month = lambda t: np.datetime64(int(t), "s").astype("datetime64[M]")  # noqa: E731
    recent = [t for t in c.created_at if demo.now - 365 * DAY <= t <= demo.now]
    assert len({month(t) for t in recent}) >= 12
    for leaving in (c.optout_at, c.deleted_at, c.hard_bounced_at):
        moments = [t for t in leaving if t != NEVER and demo.now - 365 * DAY <= t <= demo.now]
        assert len({month(t) for t in moments}) >= 10, "someone leaves this way nearly every month"
    sources = c.create_source[c.created_at > demo.now - 365 * DAY]
    assert 0.1 < sources.mean() < 0.9   # both ways of being added (Account and Contact)
