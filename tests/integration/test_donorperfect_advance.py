"""The DonorPerfect sandbox serves the account as it is now: after advance(), an incremental sync gets the new gifts."""

from __future__ import annotations

from datetime import timedelta
from email.utils import parsedate_to_datetime

import polars as pl
import requests

from cc_data.donations.dp_client import DonorPerfectClient
from cc_data.donations.dp_sync import sync_donorperfect
from cc_data.sandbox.donorperfect import DonorPerfectSandbox
from cc_data.store.db import read
from tests.conftest import SANDBOX_NOW


def test_incremental_sync_after_advance_picks_up_the_new_gifts_and_nothing_from_the_future(start_sandbox, tmp_path):
    cc = start_sandbox(now=SANDBOX_NOW)
    db = tmp_path / "cc.duckdb"
    with DonorPerfectSandbox(cc.account, api_key="k") as dp:
        first = sync_donorperfect(db, DonorPerfectClient(dp.url, "k", backoff=0), today=cc.now.date())
        assert first.gifts == cc.account.gifts.height
        before = cc.account.gifts.height
        cc.advance(40)
        answer = requests.get(dp.url, params={"action": "SELECT TOP 1 gift_id FROM DPGIFT"}, timeout=10)
        assert parsedate_to_datetime(answer.headers["Date"]) == SANDBOX_NOW + timedelta(days=40)
        second = sync_donorperfect(db, DonorPerfectClient(dp.url, "k", backoff=0), today=cc.now.date())
    new = cc.account.gifts.height - before
    assert new > 0
    assert second.since == (SANDBOX_NOW - timedelta(days=1)).date()
    assert second.gifts >= new   # the window also re-reads gifts modified on the first sync's last day
    expected = cc.account.gifts.filter(pl.col("record_type").is_in(["G", "A"]))
    with read(db) as con:
        count, latest, revenue = con.execute(
            "SELECT count(*), max(created_date), sum(amount) FILTER (WHERE record_type IN ('G', 'A')) FROM gifts"
        ).fetchone()
    assert count == cc.account.gifts.height
    assert latest <= cc.now.replace(tzinfo=None)
    assert round(float(revenue), 2) == round(expected["amount"].sum(), 2)
