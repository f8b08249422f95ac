"""Mailbox providers, worked by hand: which provider an address belongs to, the counts per provider of one email,
and the warning when one provider's human opens fall away from the others'."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from cc_data.analytics.email import deliverability
from cc_data.analytics.rules.mailbox_providers import provider_sql
from cc_data.analytics.stored import refresh
from tests.app.fixture_db import T0, Rows, memory_db


def _provider(con, address: str | None) -> str:
    return con.execute(f"SELECT {provider_sql('a')} FROM (SELECT ?::VARCHAR AS a)", [address]).fetchall()[0][0]


def test_addresses_are_grouped_into_providers() -> None:
    con = memory_db()
    # the organisation's own domain comes from its website; an account email at Gmail does not make Gmail "own"
    con.execute("INSERT INTO account (organization_name, website, contact_email) "
                "VALUES ('Riverbend', 'https://www.riverbendfoodbank.org/', 'dana.whitfield@gmail.com')")
    expected = {
        "pat@gmail.com": "Gmail", " Pat@GoogleMail.com ": "Gmail", "pat@yahoo.com": "Yahoo/AOL",
        "pat@yahoo.co.uk": "Yahoo/AOL", "pat@ymail.com": "Yahoo/AOL", "pat@aol.com": "Yahoo/AOL",
        "pat@outlook.com": "Microsoft", "pat@hotmail.fr": "Microsoft", "pat@live.com": "Microsoft",
        "pat@msn.com": "Microsoft", "pat@icloud.com": "Apple", "Pat@ME.com": "Apple", "pat@mac.com": "Apple",
        "board@riverbendfoodbank.org": "Own domain", "pat@comcast.net": "Other",
        "pat@gmail.com.evil.example": "Other", "pat@mygmail.com": "Other", "pat@du.edu": "Other",
        "": "Other", None: "Other",
    }
    assert {a: _provider(con, a) for a in expected} == expected


def _email_to(r: Rows, act: str, contact: str, address: str, *, opened: bool = False, clicked: bool = False,
              bounce: str | None = None, at=T0) -> None:
    r.contact(contact, email=address)
    r.event(act, contact, "sends", at)
    if bounce:
        r.event(act, contact, "bounces", at + timedelta(minutes=3), bounce_code=bounce)
    if opened:
        r.event(act, contact, "opens", at + timedelta(hours=2))
    if clicked:
        r.event(act, contact, "clicks", at + timedelta(hours=2, minutes=1), link="https://o.example/donate")


def test_one_email_per_provider() -> None:
    con = memory_db()
    r = Rows(con)
    act = r.campaign("K", "Newsletter")
    _email_to(r, act, "g1", "a@gmail.com", opened=True, clicked=True)
    _email_to(r, act, "g2", "b@gmail.com", opened=True)
    _email_to(r, act, "g3", "c@gmail.com", bounce="B")
    _email_to(r, act, "m1", "d@outlook.com", bounce="Z")
    _email_to(r, act, "m2", "e@hotmail.com", bounce="Z")
    _email_to(r, act, "m3", "f@live.com")
    rows = deliverability.with_rates(deliverability.campaign_providers(con)).sort("provider")
    got = {row["provider"]: (row["sends"], row["bounces"], row["blocked"], row["delivered"], row["human_opens"],
                             row["clicks"]) for row in rows.to_dicts()}
    assert got == {"Gmail": (3, 1, 0, 2, 2, 1), "Microsoft": (3, 2, 2, 1, 0, 0)}
    gmail = rows.filter(pl.col("provider") == "Gmail").row(0, named=True)
    assert gmail["human_open_rate"] == pytest.approx(1.0) and gmail["click_rate"] == pytest.approx(0.5)
    refresh.refresh_all(con)   # stored at publish: the same rows
    assert deliverability.EMAIL_PROVIDERS.current(con)
    assert deliverability.campaign_providers(con).sort("provider").select(rows.columns[:9]).equals(
        rows.select(rows.columns[:9]))


def _month(provider_rates: dict[str, tuple[int, int]], month: date) -> list[dict]:
    return [{"month": month, "provider": p, "sends": d, "bounces": 0, "blocked": 0, "delivered": d,
             "human_opens": o, "clicks": 0, "optouts": 0} for p, (d, o) in provider_rates.items()]


def test_a_provider_whose_human_opens_halve_is_flagged_and_the_others_are_not() -> None:
    months = [date(2025, m, 1) for m in (5, 6, 7, 8)]
    rows = []
    for m in months[:3]:   # three ordinary months: Microsoft and Gmail both open at 30%
        rows += _month({"Gmail": (1000, 300), "Microsoft": (400, 120)}, m)
    rows += _month({"Gmail": (1000, 290), "Microsoft": (400, 56)}, months[3])   # August: Microsoft 14%
    monthly = deliverability.with_rates(pl.DataFrame(rows))
    warnings = deliverability.month_warnings(monthly)
    assert warnings.select("month", "provider").rows() == [(date(2025, 8, 1), "Microsoft")]
    assert "14.0% against 30.0%" in warnings["warning"][0]
    # when every provider falls together (a weak subject line), nobody is singled out
    everyone = [*rows[:-2], *_month({"Gmail": (1000, 140), "Microsoft": (400, 56)}, months[3])]
    assert deliverability.month_warnings(deliverability.with_rates(pl.DataFrame(everyone))).is_empty()
    # too few emails to say anything
    small = [{**row, "delivered": row["delivered"] // 10, "human_opens": row["human_opens"] // 10} for row in rows]
    assert deliverability.month_warnings(deliverability.with_rates(pl.DataFrame(small))).is_empty()


def test_a_provider_blocking_mail_is_flagged_in_its_email() -> None:
    rows = pl.DataFrame([
        {"provider": "Gmail", "sends": 1000, "bounces": 10, "blocked": 1, "delivered": 990, "human_opens": 300,
         "clicks": 10, "optouts": 1},
        {"provider": "Microsoft", "sends": 400, "bounces": 44, "blocked": 40, "delivered": 356, "human_opens": 50,
         "clicks": 1, "optouts": 0}])
    found = deliverability.email_warnings(rows)
    assert found == ["Microsoft: human open rate 14.0% against 30.3% at the other providers.",
                     "Microsoft: 10.0% of the emails sent to it were blocked (the other providers: 0.1%)."]
