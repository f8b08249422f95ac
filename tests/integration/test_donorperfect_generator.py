"""The synthetic account's DonorPerfect side, served by the sandbox and synced over loopback, then attributed."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest

from cc_data.analytics.attribution.credit import gift_attribution
from cc_data.analytics.attribution.match import match_report
from cc_data.donations.code_mapping import seed_code_mapping
from cc_data.donations.dp_client import DonorPerfectClient
from cc_data.donations.dp_sync import sync_donorperfect
from cc_data.sandbox.donorperfect import DonorPerfectSandbox
from cc_data.sandbox.generator import generate
from cc_data.store.db import read, writer


@pytest.fixture(scope="module")
def account():
    acct = generate(7, "small")
    if acct.gifts.is_empty():
        pytest.skip("the generator does not produce gifts yet")
    return acct


def test_synced_gifts_match_the_account_and_coded_gifts_follow_the_appeal_codes(account, tmp_path):
    db = tmp_path / "cc.duckdb"
    with DonorPerfectSandbox(account, api_key="k") as dp:
        result = sync_donorperfect(db, DonorPerfectClient(dp.url, "k", backoff=0))
    pages = -(-account.gifts.height // 500) + -(-account.donors.height // 500)
    assert (result.gifts, result.donors, result.calls) == (account.gifts.height, account.donors.height, pages)
    expected_revenue = account.gifts.filter(pl.col("record_type").is_in(["G", "A"]))["amount"].sum()
    with writer(db) as w:
        seed_code_mapping(w.con, account.appeal_codes)
    with read(db) as con:
        stored = con.execute("SELECT sum(amount) FROM gifts WHERE record_type IN ('G', 'A')").fetchone()[0]
        gifts = gift_attribution(con)
        report = match_report(con)
    assert stored == Decimal(str(round(expected_revenue, 2)))
    assert gifts.height == account.gifts.filter(pl.col("record_type").is_in(["G", "A"])).height
    assert round(gifts["amount"].sum(), 2) == round(expected_revenue, 2)
    coded = account.gifts.filter((pl.col("record_type") == "G") & pl.col("solicit_code").is_in(list(account.appeal_codes)))
    assert coded.height > 0
    got = dict(zip(gifts["gift_id"], gifts["campaign_id"], strict=True))
    tiers = dict(zip(gifts["gift_id"], gifts["tier"], strict=True))
    for row in coded.iter_rows(named=True):
        gift_id = str(row["gift_id"])
        assert (tiers[gift_id], got[gift_id]) == ("coded", account.appeal_codes[row["solicit_code"]])
    assert report.total == account.donors.height  # no contacts synced here, so none match
    assert report.matched == 0
