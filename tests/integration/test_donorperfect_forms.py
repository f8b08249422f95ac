"""`cc-data donations sync` against every answer form DonorPerfect's manuals show (docs/sandbox.md, "DonorPerfect
answer forms"): each stores exactly what the plain form stores, and a refusal or an answer that cannot be read
stores nothing and leaves the cursor where it was. The sandbox runs on the account's clock, never the wall's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import polars as pl
import pytest

from cc_data.donations import dp_client
from cc_data.donations.dp_client import DonorPerfectClient, DonorPerfectError
from cc_data.donations.dp_sync import sync_donorperfect
from cc_data.sandbox.donorperfect import DonorPerfectSandbox
from cc_data.sandbox.dp_forms import ERROR_FORMS, FAMILIES
from cc_data.store.db import read

KEY = "forms-test-key"
NOW = datetime(2024, 6, 15, 12)
TODAY = NOW.date()
GIFTS = 40
DONORS = 9
ALTERNATIVES = [(family, option) for family, options in FAMILIES.items() for option in options[1:]]


def account() -> SimpleNamespace:
    """Gifts and donors with the values the forms change: apostrophes, ampersands, whole and zero amounts,
    morning and afternoon times, a midnight entry, edited and never-edited records, negative adjustments."""
    created = [datetime(2024, 1, 2, 9, 30) + timedelta(days=3 * i, hours=7 * i) for i in range(GIFTS)]
    created[5] = datetime(2024, 1, 20)                       # entered at midnight: a date without a time
    modified = [c + timedelta(days=2) if i % 4 == 0 else c for i, c in enumerate(created)]
    gifts = pl.DataFrame({
        "gift_id": [100 + 7 * i for i in range(GIFTS)],
        "donor_id": [1 + i % DONORS for i in range(GIFTS)],
        "record_type": ["A" if i % 10 == 9 else "G" for i in range(GIFTS)],
        "gift_date": [c.date() for c in created],
        "created_date": [None if i == 11 else c for i, c in enumerate(created)],
        "modified_date": modified,
        "amount": [-10.0 if i % 10 == 9 else [14.98, 10.0, 0.0, 25.5, 1250.0][i % 5] for i in range(GIFTS)],
        "solicit_code": ["BOOKS & TAPES" if i % 3 == 0 else "YE'24" if i % 3 == 1 else None for i in range(GIFTS)],
        "sub_solicit_code": ["TS"] * GIFTS, "campaign": [None] * GIFTS, "gl_code": ["NO Rcpt: BOOKS & TAPES"] * GIFTS,
        "gift_type": ["VISAIC"] * GIFTS, "split_gift": ["N"] * GIFTS,
        "glink": [str(100 + 7 * (i - 1)) if i % 10 == 9 else None for i in range(GIFTS)], "plink": [None] * GIFTS,
        "reference": [None] * GIFTS, "currency": ["USD"] * GIFTS,
    }, schema_overrides={"campaign": pl.Utf8, "plink": pl.Utf8, "reference": pl.Utf8, "created_date": pl.Datetime("us")})
    donor_created = [datetime(2023, 12, 1, 15, 4, 5) + timedelta(days=i) for i in range(DONORS)]
    donors = pl.DataFrame({
        "donor_id": list(range(1, DONORS + 1)),
        "first_name": ["Orianthi", "Seán", "D'Arcy", "Mary Ann", "Li", "Ana", "Bo", "Jo", "Kim"],
        "last_name": ["O'Reilly", "Smith & Sons", "Panagaris", "<Unknown>", "O'Neil-Ng", "Díaz", "\"Bo\"", "Lee", "Kay"],
        "email": ["d.o'reilly@example.org", "sean@example.org", "darcy@example.org", None, "li@example.org",
                  "ana@example.org", "bo@example.org", "jo@example.org", "kim@example.org"],
        "cc_contact_id": [None] * DONORS, "org_rec": ["N"] * DONORS, "donor_type": ["IN"] * DONORS,
        "created_date": donor_created, "modified_date": [c if i % 2 else c + timedelta(days=30)
                                                         for i, c in enumerate(donor_created)],
        "gift_total": [0.0] * DONORS,
    }, schema_overrides={"cc_contact_id": pl.Utf8})
    return SimpleNamespace(donors=donors, gifts=gifts, now=NOW.replace(tzinfo=UTC).timestamp())


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    monkeypatch.setattr(dp_client, "PAGE_SIZE", 7)   # several pages per table, so every form meets paging


def sync(sandbox: DonorPerfectSandbox, db, today: date = TODAY, full: bool = False):
    return sync_donorperfect(db, DonorPerfectClient(sandbox.url, KEY, backoff=0), today=today, full=full)


def stored(db) -> dict[str, list[tuple]]:
    with read(db) as con:
        return {
            "gifts": con.execute("SELECT * EXCLUDE (import_id) FROM gifts ORDER BY gift_id").fetchall(),
            "donors": con.execute("SELECT * FROM donors ORDER BY donor_id").fetchall(),
            "cursor": con.execute("SELECT key, value FROM sync_state WHERE stream = 'donorperfect'").fetchall(),
            "imports": con.execute("SELECT count(*) FROM donation_imports").fetchall(),
        }


@pytest.fixture(scope="module")
def plain_result(tmp_path_factory):
    db = tmp_path_factory.mktemp("plain") / "cc.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(dp_client, "PAGE_SIZE", 7)
        with DonorPerfectSandbox(account(), api_key=KEY) as dp:
            sync(dp, db)
    return stored(db)


def test_the_plain_form_stores_the_account(plain_result):
    gifts, donors = plain_result["gifts"], plain_result["donors"]
    assert len(gifts) == GIFTS and len(donors) == DONORS
    by_id = {row[0]: row for row in gifts}
    assert by_id["100"][11] == "NO Rcpt: BOOKS & TAPES" and by_id["107"][8] == "YE'24"
    assert by_id["135"][4] is None                         # entered at midnight: no time of day
    assert {row[2] for row in donors} >= {"O'Reilly", "Smith & Sons", "<Unknown>", '"Bo"'}


@pytest.mark.parametrize(("family", "option"), ALTERNATIVES, ids=[f"{f}={o}" for f, o in ALTERNATIVES])
def test_every_documented_form_stores_what_the_plain_form_stores(family, option, plain_result, tmp_path):
    db = tmp_path / "cc.duckdb"
    with DonorPerfectSandbox(account(), api_key=KEY, forms={family: option}) as dp:
        sync(dp, db)
    assert stored(db) == plain_result


def test_mixed_forms_per_request_store_the_same_but_for_never_edited_modified_dates(plain_result, tmp_path):
    db = tmp_path / "cc.duckdb"
    with DonorPerfectSandbox(account(), api_key=KEY, variants=3) as dp:
        sync(dp, db)
        answers = len(dp.request_log)
    got = stored(db)
    assert answers >= 8
    never_edited = {str(row["gift_id"]) for row in account().gifts.iter_rows(named=True)
                    if row["modified_date"] == row["created_date"]}
    assert never_edited and len(never_edited) < GIFTS
    for mine, plain in zip(got["gifts"], plain_result["gifts"], strict=True):
        # DonorPerfect leaves modified_date empty until a record is edited: stored as it is, NULL
        expected = plain[:5] + (None,) + plain[6:] if plain[0] in never_edited else plain
        assert mine == expected
    assert [row[:8] for row in got["donors"]] == [row[:8] for row in plain_result["donors"]]


def test_an_incremental_sync_gets_new_gifts_that_have_no_modified_date(tmp_path):
    acct = account()
    db = tmp_path / "cc.duckdb"
    with DonorPerfectSandbox(acct, api_key=KEY, blank_unmodified=True) as dp:
        sync(dp, db)
        later = NOW + timedelta(days=3)
        new = acct.gifts.tail(1).with_columns(gift_id=pl.lit(9000, pl.Int64), created_date=pl.lit(later - timedelta(hours=2)),
                                              modified_date=pl.lit(later - timedelta(hours=2)), amount=pl.lit(75.0))
        acct.gifts = pl.concat([acct.gifts, new])
        acct.now = later.replace(tzinfo=UTC).timestamp()
        result = sync(dp, db, today=later.date())
        asked = dp.request_log[-2]["action"]
    with read(db) as con:
        assert con.execute("SELECT amount, modified_date FROM gifts WHERE gift_id = '9000'").fetchone() == (75, None)
    assert result.gifts == 1
    assert "COALESCE(modified_date, created_date) >= '06/14/2024'" in asked   # as the manual's own example asks


# every refusal after part of the gifts was read; two of them also on the first page and on the donors' page
REFUSALS = [(kind, 3) for kind in ERROR_FORMS] + [(kind, where) for kind in ("success_false", "return") for where in (0, 6)]


@pytest.mark.parametrize(("kind", "where"), REFUSALS, ids=[f"{kind}-at-request-{where + 1}" for kind, where in REFUSALS])
def test_a_refused_or_unreadable_answer_stores_nothing_and_keeps_the_cursor(kind, where, tmp_path):
    acct = account()
    db = tmp_path / "cc.duckdb"
    with DonorPerfectSandbox(acct, api_key=KEY) as dp:
        sync(dp, db, today=TODAY)
        before = stored(db)
        acct.gifts = acct.gifts.with_columns(amount=pl.col("amount") + 1, modified_date=pl.lit(NOW))
        acct.donors = acct.donors.with_columns(last_name=pl.lit("Changed"), modified_date=pl.lit(NOW))
        dp.fail_next = [None] * where + [kind]
        with pytest.raises(DonorPerfectError) as err:
            sync(dp, db, today=TODAY + timedelta(days=2))
        message = str(err.value)
        assert "DP_API_URL" not in message and "\n" not in message
        assert "Nothing was stored; the next sync starts from the same point." in message
        assert stored(db) == before
        result = sync(dp, db, today=TODAY + timedelta(days=2))    # the next run reads what the failed one missed
    assert (result.gifts, result.donors) == (GIFTS, DONORS)
    after = stored(db)
    assert all(row[2] == "Changed" for row in after["donors"]) and after["cursor"] == [("modified_since", "2024-06-16")]


def test_a_refusal_on_the_first_sync_leaves_no_cursor_so_the_next_reads_everything(tmp_path):
    db = tmp_path / "cc.duckdb"
    with DonorPerfectSandbox(account(), api_key=KEY) as dp:
        dp.fail_next = ["success_false"]
        with pytest.raises(DonorPerfectError, match="refused .*user not authorized for this api call"):
            sync(dp, db)
        assert not db.exists()
        result = sync(dp, db)
    assert result.since is None and result.gifts == GIFTS


def test_an_ampersand_that_looks_like_an_entity_cannot_be_recovered_and_is_reported(tmp_path):
    acct = account()
    acct.donors = acct.donors.with_columns(last_name=pl.when(pl.col("donor_id") == 4).then(pl.lit("AT&T; Foundation"))
                                           .otherwise(pl.col("last_name")))
    db = tmp_path / "cc.duckdb"
    with DonorPerfectSandbox(acct, api_key=KEY, forms={"ampersand": "bare"}) as dp, \
            pytest.raises(DonorPerfectError) as err:
        sync(dp, db)
    assert str(err.value).startswith("DonorPerfect's answer to 'SELECT TOP 7 donor_id, first_name")
    assert "could not be read: it is not well-formed XML (line 1, column" in str(err.value)
    assert "DP_API_URL" not in str(err.value) and not db.exists()


def test_an_unknown_form_is_refused_when_the_sandbox_is_made():
    with pytest.raises(ValueError, match="unknown DonorPerfect answer form"):
        DonorPerfectSandbox(account(), forms={"dates": "iso"})


def test_the_sync_command_survives_mixed_forms_and_says_in_one_line_when_an_answer_was_refused(
        tmp_path, monkeypatch, capsys):
    from cc_data.cli import main

    db = tmp_path / "cc.duckdb"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CC_DB_PATH", str(db))
    monkeypatch.setenv("DP_API_KEY", KEY)
    with DonorPerfectSandbox(account(), api_key=KEY, variants=11) as dp:
        monkeypatch.setenv("DP_API_URL", dp.url)
        assert main(["donations", "sync"]) == 0
        assert f"{GIFTS} gifts and {DONORS} donors" in capsys.readouterr().out
        before = stored(db)
        dp.fail_next = [None, "success_false"]
        assert main(["donations", "sync", "--full"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("cc-data: DonorPerfect refused 'SELECT TOP 7 gift_id")
    assert error.endswith("user not authorized for this api call. Nothing was stored; the next sync starts from "
                          "the same point.")
    assert "\n" not in error and KEY not in error and "DP_API_URL" not in error
    assert stored(db) == before
