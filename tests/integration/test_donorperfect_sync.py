"""The DonorPerfect XML client and sync against the DonorPerfect sandbox over loopback."""

from __future__ import annotations

import logging
import socket
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import polars as pl
import pytest

from cc_data.donations.dp_client import DonorPerfectClient, DonorPerfectError
from cc_data.donations.dp_sync import sync_donorperfect
from cc_data.errors import ConfigError
from cc_data.sandbox.donorperfect import DonorPerfectSandbox
from cc_data.store.db import read

KEY = "Sup3r/Secret+Key=="
GIFTS = 1203
START = datetime(2024, 1, 1, 9, 30)


def hand_made_account() -> SimpleNamespace:
    """1,203 gifts (ids 10, 13, 16, ...: gaps, as real ids have) from 40 donors; every 7th is date-only."""
    gift_ids = [10 + 3 * i for i in range(GIFTS)]
    created = [START + timedelta(hours=5 * i) for i in range(GIFTS)]
    gifts = pl.DataFrame({
        "gift_id": gift_ids,
        "donor_id": [1 + i % 40 for i in range(GIFTS)],
        "record_type": ["M" if i % 50 == 0 else "G" for i in range(GIFTS)],
        "gift_date": [c.date() for c in created],
        "created_date": [None if i % 7 == 0 else c for i, c in enumerate(created)],
        "modified_date": created,
        "amount": [float(5 + i % 100) + 0.25 for i in range(GIFTS)],
        "solicit_code": ["YE24" if i % 3 == 0 else None for i in range(GIFTS)],
        "sub_solicit_code": [None] * GIFTS, "campaign": [None] * GIFTS, "gl_code": ["GEN"] * GIFTS,
        "gift_type": ["CC"] * GIFTS, "split_gift": ["N"] * GIFTS, "glink": [None] * GIFTS, "plink": [None] * GIFTS,
        "reference": [None] * GIFTS, "currency": ["USD"] * GIFTS,
    }, schema_overrides={"created_date": pl.Datetime("us"), "glink": pl.Utf8, "plink": pl.Utf8,
                         "sub_solicit_code": pl.Utf8, "campaign": pl.Utf8, "reference": pl.Utf8})
    donors = pl.DataFrame({
        "donor_id": list(range(1, 41)),
        "first_name": [f"Donor{i}" for i in range(1, 41)], "last_name": ["O'Brien & Sons"] * 40,
        "email": [f" Donor{i}@Example.org" for i in range(1, 41)],
        "cc_contact_id": [f"uuid-{i}" if i % 2 else None for i in range(1, 41)],
        "org_rec": ["N"] * 40, "donor_type": ["IN"] * 40,
        "created_date": [START] * 40, "modified_date": [START] * 40, "gift_total": [0.0] * 40,
    }, schema_overrides={"cc_contact_id": pl.Utf8})
    # the sandbox's own clock (its Date header, which gifts exist): after the last gift, never the wall clock
    return SimpleNamespace(donors=donors, gifts=gifts, appeal_codes={"YE24": "K1"},
                           now=datetime(2024, 9, 15, 12, tzinfo=UTC).timestamp())


@pytest.fixture
def dp():
    with DonorPerfectSandbox(hand_made_account(), api_key=KEY) as sandbox:
        yield sandbox


def client_for(sandbox: DonorPerfectSandbox, key: str = KEY, **kwargs) -> DonorPerfectClient:
    return DonorPerfectClient(sandbox.url, key, backoff=0, **kwargs)


def test_full_sync_pages_by_gift_id_and_stores_everything(dp, tmp_path):
    db = tmp_path / "cc.duckdb"
    result = sync_donorperfect(db, client_for(dp), today=date(2024, 9, 1))
    assert (result.gifts, result.donors, result.calls, result.since) == (GIFTS, 40, 4, None)
    actions = [entry["action"] for entry in dp.request_log]
    assert actions[0] == ("SELECT TOP 500 gift_id, donor_id, record_type, gift_date, created_date, modified_date, "
                          "amount, currency, solicit_code, sub_solicit_code, campaign, gl_code, gift_type, "
                          "split_gift, glink, plink FROM DPGIFT WHERE gift_id > 0 ORDER BY gift_id")
    assert "WHERE gift_id > 1507 ORDER BY gift_id" in actions[1]   # the 500th id: 10 + 3 * 499
    assert "WHERE gift_id > 3007 ORDER BY gift_id" in actions[2]
    assert actions[3].startswith("SELECT TOP 500 donor_id") and "FROM DP WHERE donor_id > 0" in actions[3]
    with read(db) as con:
        assert con.execute("SELECT count(*), count(DISTINCT gift_id) FROM gifts").fetchone() == (GIFTS, GIFTS)
        first = con.execute(
            "SELECT gift_id, donor_id, gift_date, created_date, amount, record_type, solicit_code, source "
            "FROM gifts WHERE gift_id IN ('10', '13') ORDER BY gift_id::INT"
        ).fetchall()
        donor = con.execute("SELECT email, cc_contact_id, last_name FROM donors WHERE donor_id = '1'").fetchone()
        cursor = con.execute("SELECT value FROM sync_state WHERE stream = 'donorperfect'").fetchone()
    assert first == [
        ("10", "1", date(2024, 1, 1), None, Decimal("5.25"), "M", "YE24", "dp_api"),   # date-only (i % 7 == 0)
        ("13", "2", date(2024, 1, 1), datetime(2024, 1, 1, 14, 30), Decimal("6.25"), "G", None, "dp_api"),
    ]
    assert donor == ("Donor1@Example.org", "uuid-1", "O'Brien & Sons")
    assert cursor == ("2024-08-31",)


def test_incremental_sync_asks_only_for_recent_changes_and_never_duplicates(dp, tmp_path):
    db = tmp_path / "cc.duckdb"
    sync_donorperfect(db, client_for(dp), today=date(2024, 6, 1))
    dp.request_log.clear()
    gifts = dp.tables["DPGIFT"]
    dp.tables["DPGIFT"] = gifts.with_columns(
        amount=pl.when(pl.col("gift_id") == 10).then(99.0).otherwise(pl.col("amount")),
        modified_date=pl.when(pl.col("gift_id").is_in([10, 13])).then(datetime(2024, 6, 3, 8))
        .otherwise(pl.col("modified_date")),
    )
    result = sync_donorperfect(db, client_for(dp), today=date(2024, 6, 5))
    assert result.since == date(2024, 5, 31)
    assert ("WHERE gift_id > 0 AND COALESCE(modified_date, created_date) >= '05/31/2024' ORDER BY gift_id"
            in dp.request_log[0]["action"])
    # gifts created from 05/31 on (every 5 hours) plus the two edited ones
    recent = gifts.filter(pl.col("modified_date") >= datetime(2024, 5, 31)).height
    assert result.gifts == recent + 2
    with read(db) as con:
        assert con.execute("SELECT count(*) FROM gifts").fetchone()[0] == GIFTS
        assert con.execute("SELECT amount FROM gifts WHERE gift_id = '10'").fetchone()[0] == Decimal("99.00")


def test_a_bad_key_is_reported_without_showing_the_key(dp, tmp_path):
    with pytest.raises(DonorPerfectError, match="Invalid API key") as err:
        sync_donorperfect(tmp_path / "cc.duckdb", client_for(dp, key="wrong/Key+1"))
    assert "wrong/Key+1" not in str(err.value) and "wrong%2FKey" not in str(err.value)
    assert not (tmp_path / "cc.duckdb").exists()


def test_bad_sql_comes_back_as_an_error(dp):
    with pytest.raises(DonorPerfectError, match=r"refused 'SELECT nope FROM DPGIFT': Invalid column name 'nope'"):
        client_for(dp).query("SELECT nope FROM DPGIFT")
    with pytest.raises(DonorPerfectError, match="Invalid object name 'DPX'"):
        client_for(dp).query("SELECT * FROM DPX")
    with pytest.raises(DonorPerfectError, match="Conversion failed"):
        client_for(dp).query("SELECT * FROM DPGIFT WHERE gift_date >= '2024-01-01'")


def test_server_errors_are_retried_then_reported(dp, caplog):
    caplog.set_level(logging.DEBUG)
    dp.fail_next = [503, 502]
    assert len(client_for(dp).query("SELECT TOP 3 gift_id FROM DPGIFT ORDER BY gift_id")) == 3
    assert len(dp.request_log) == 3
    dp.fail_next = [500] * 10
    with pytest.raises(DonorPerfectError, match="answered HTTP 500") as err:
        client_for(dp, retries=2).query("SELECT TOP 3 gift_id FROM DPGIFT")
    assert KEY not in str(err.value)
    assert any("Retry" in r.getMessage() for r in caplog.records)  # urllib3 logged its retries...
    assert any("apikey=***" in r.getMessage() for r in caplog.records)
    assert not any(KEY in r.getMessage() for r in caplog.records)  # ...without the key


def test_unreachable_server_message_hides_the_key():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = DonorPerfectClient(f"http://127.0.0.1:{port}/prod/xmlrequest.asp", KEY, retries=1, backoff=0, timeout=2)
    with pytest.raises(DonorPerfectError, match="could not be reached") as err:
        client.query("SELECT TOP 1 gift_id FROM DPGIFT")
    assert KEY not in str(err.value) and "Secret" not in repr(err.value)


def test_missing_key_is_a_config_error():
    with pytest.raises(ConfigError, match="DP_API_KEY is not set"):
        DonorPerfectClient("http://127.0.0.1:1/prod/xmlrequest.asp", None)


def test_the_sandbox_select_dialect(dp):
    client = client_for(dp)
    assert len(client.query("SELECT TOP 2000 gift_id FROM DPGIFT")) == 500           # the row cap
    rows = client.query("SELECT TOP 2 gift_id, gift_date, created_date FROM DPGIFT WHERE gift_date >= '06/01/2024' "
                        "AND record_type = 'G' ORDER BY gift_id DESC")
    assert rows == [{"gift_id": str(10 + 3 * (GIFTS - 1)), "gift_date": rows[0]["gift_date"],
                     "created_date": rows[0]["created_date"]}, rows[1]]
    assert int(rows[0]["gift_id"]) > int(rows[1]["gift_id"])
    assert datetime.strptime(rows[0]["gift_date"], "%m/%d/%Y") >= datetime(2024, 6, 1)
    assert client.query("SELECT * FROM DP WHERE donor_id = 3")[0]["email"] == " Donor3@Example.org"
    assert client.query("SELECT donor_id FROM DP WHERE donor_id > 100") == []
