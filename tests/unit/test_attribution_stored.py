"""Attribution stored at publish: the same frames as computing them, used only for the standard windows of a
database whose record matches, and rebuilt by every publish (an import, a saved code mapping)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from bench.sandbox_db import build_from_sandbox
from cc_data.analytics.attribution.credit import campaign_revenue, gift_attribution, series_revenue
from cc_data.analytics.attribution.queries import TIERS, WINDOW_CHOICES
from cc_data.analytics.attribution.stored import (
    EVIDENCE,
    GIFTS_STORED,
    GIFTS_TABLE,
    RATES_TABLE,
    stored_windows,
)
from cc_data.analytics.stored import refresh
from cc_data.donations.code_mapping import code_mapping, save_code_mapping
from cc_data.store.db import read, writer
from tests.app.fixture_db import memory_db

WINDOWS = sorted(WINDOW_CHOICES.values())


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sandbox's small account (gifts, refunds, split gifts, appeal codes), plus date-only gifts and refunds
    that follow an emailed gift, published through writer()."""
    db = build_from_sandbox(tmp_path_factory.mktemp("attribution_stored") / "cc.duckdb", "small")
    with writer(db, before_publish=refresh.refresh_all) as w:
        con = w.con
        emailed = [row[0] for row in con.execute(
            "SELECT gift_id FROM attribution_gifts WHERE window_hours = 168 AND tier IN ('click', 'open', 'send') "
            "ORDER BY gift_id LIMIT 3").fetchall()]
        assert len(emailed) == 3
        con.execute("INSERT INTO gifts (gift_id, donor_id, record_type, amount, gift_date, glink) "
                    "SELECT 'refund-' || gift_id, donor_id, 'A', -5, gift_date + 1, gift_id FROM gifts "
                    "WHERE gift_id IN ?", [emailed])
        con.execute("INSERT INTO gifts (gift_id, donor_id, record_type, amount, gift_date) "
                    "SELECT 'dated-' || gift_id, donor_id, 'G', 15, gift_date + 2 FROM gifts "
                    "WHERE record_type = 'G' AND created_date IS NOT NULL ORDER BY gift_id LIMIT 40")
    return db


@pytest.fixture(scope="module")
def computing(published: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the published database without the stored attribution: every reader computes."""
    copy = tmp_path_factory.mktemp("attribution_computed") / "cc.duckdb"
    shutil.copyfile(published, copy)
    con = duckdb.connect(str(copy))
    con.execute(f"DROP TABLE {GIFTS_TABLE}")
    con.execute(f"DROP TABLE {RATES_TABLE}")
    con.close()
    return copy


def results(db: Path, window: float) -> dict[str, pl.DataFrame]:
    with read(db) as con:
        gifts = gift_attribution(con, window)
        campaigns = campaign_revenue(con, window, gifts)
        return {"gifts": gifts, "campaigns": campaigns,
                "campaigns, gifts not given": campaign_revenue(con, window),
                "series": series_revenue(con, window, gifts, campaigns),
                "series, nothing given": series_revenue(con, window)}


@pytest.mark.parametrize("window", WINDOWS)
def test_stored_results_equal_the_computed_ones(published: Path, computing: Path, window: int) -> None:
    with read(published) as con:
        assert stored_windows(con) == (24, 48, 168)
    with read(computing) as con:
        assert stored_windows(con) == ()
    stored, computed = results(published, window), results(computing, window)
    assert list(stored) == list(computed)
    for name, frame in computed.items():
        print(name)   # shown when a comparison fails
        assert_frame_equal(stored[name], frame, check_exact=True)
    gifts = stored["gifts"]
    assert gifts.height > 300 and gifts["gift_id"].is_unique().all()
    assert stored["campaigns"]["sends"].sum() > 0


def test_the_comparison_covers_every_path(published: Path) -> None:
    gifts, campaigns = results(published, 168)["gifts"], results(published, 168)["campaigns"]
    assert set(gifts["tier"]) == set(TIERS)
    assert set(gifts["time_basis"]) == {"timestamp", "calendar_day"}
    refunds = gifts.filter(pl.col("gift_id").str.starts_with("refund-"))
    assert refunds.height == 3 and refunds["attribution_note"].str.starts_with("follows gift").all()
    assert gifts["is_adjustment"].any() and gifts["campaign_name"].is_not_null().any()
    assert campaigns.select(pl.col("clicker_givers", "opener_givers", "not_engaged_givers").sum()).row(0) > (0, 0, 0)
    # the windows differ, so reading the wrong window's rows could not go unnoticed
    assert results(published, 24)["gifts"]["tier"].to_list() != gifts["tier"].to_list()


def test_only_standard_windows_with_a_matching_record_are_read(published: Path, tmp_path: Path) -> None:
    copy = tmp_path / "cc.duckdb"
    shutil.copyfile(published, copy)
    con = duckdb.connect(str(copy))
    # Mark the stored rows so reading them is observable: nothing but the tables hold these values.
    con.execute(f"UPDATE {GIFTS_TABLE} SET campaign_name = 'stored'")
    con.execute(f"UPDATE {RATES_TABLE} SET clicker_givers = 0, opener_givers = 0, "
                f"not_engaged_givers = 0, clickers = 0, openers = 0")
    assert set(gift_attribution(con, 48)["campaign_name"]) == {"stored"}
    assert set(gift_attribution(con, 48.0)["campaign_name"]) == {"stored"}
    assert campaign_revenue(con, 168)["clicker_gift_rate"].is_null().all()
    assert "stored" not in set(gift_attribution(con, 72)["campaign_name"])    # a custom window
    # a custom window's rates: the window-free counts stored with the standard windows, givers from their hours
    assert campaign_revenue(con, 72)["clicker_gift_rate"].is_null().all()
    assert campaign_revenue(con, 72.5)["clicker_gift_rate"].is_not_null().any()   # fractional: computed
    # a record from other code (other windows, other queries) is not trusted
    con.execute("UPDATE meta SET value = '{}' WHERE key = ?", [GIFTS_STORED.meta_key])
    assert stored_windows(con) == ()
    assert "stored" not in set(gift_attribution(con, 48)["campaign_name"])
    con.close()


def test_a_saved_code_mapping_and_an_import_refresh_the_stored_rows(published: Path, tmp_path: Path) -> None:
    db = tmp_path / "cc.duckdb"
    shutil.copyfile(published, db)
    monthly = ("SELECT gift_id FROM gifts WHERE record_type IN ('G', 'A') AND amount > 0 "
               "AND upper(campaign) = 'MONTHLY GIVING'")
    with read(db) as con:
        monthly_ids = [row[0] for row in con.execute(monthly).fetchall()]
        campaign_id = con.execute("SELECT min(campaign_id) FROM campaigns").fetchall()[0][0]
        mapping = code_mapping(con)
        before = gift_attribution(con, 48).filter(pl.col("gift_id").is_in(monthly_ids))
    assert len(monthly_ids) > 100 and "coded" not in set(before["tier"])
    save_code_mapping(db, pl.concat([mapping, pl.DataFrame(
        {"code_field": ["campaign"], "code": ["monthly giving"], "campaign_id": [campaign_id]})]),
        before_publish=refresh.refresh_changed)
    with read(db) as con:
        assert stored_windows(con) == (24, 48, 168)
        after = gift_attribution(con, 48).filter(pl.col("gift_id").is_in(monthly_ids))
    assert set(after["tier"]) == {"coded"} and set(after["campaign_id"]) == {campaign_id}

    from cc_data.donations.imports import import_gifts
    csv = "gift_id,donor_id,gift_date,amount,email\nnew-1,D-new,2025-12-01,77.00,new@example.org\n"
    import_gifts(db, csv.encode(), "new.csv", before_publish=refresh.refresh_changed)
    with read(db) as con:
        assert stored_windows(con) == (24, 48, 168)
        row = con.execute(f"SELECT tier, amount FROM {GIFTS_TABLE} "
                          "WHERE gift_id = 'new-1' AND window_hours = 48").fetchall()
    assert row == [("unattributed", 77.0)]


def test_without_gifts_nothing_is_stored_and_readers_compute(published: Path, tmp_path: Path) -> None:
    db = tmp_path / "cc.duckdb"
    shutil.copyfile(published, db)
    with writer(db, before_publish=refresh.refresh_all) as w:
        w.con.execute("DELETE FROM gifts")
    with read(db) as con:
        assert stored_windows(con) == ()
        assert not con.execute("SELECT count(*) FROM meta WHERE key IN (?, ?)",
                               [EVIDENCE.meta_key, GIFTS_STORED.meta_key]).fetchall()[0][0]
        tables = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert GIFTS_TABLE not in tables and RATES_TABLE not in tables
        assert gift_attribution(con, 48).is_empty()


def test_an_in_memory_database_computes_and_refresh_is_idempotent() -> None:
    con = memory_db()
    con.execute("INSERT INTO donors (donor_id, email) VALUES ('D1', 'a@x.org')")
    con.execute("INSERT INTO gifts (gift_id, donor_id, record_type, amount, gift_date) "
                "VALUES ('g1', 'D1', 'G', 10, ?)", [date(2025, 1, 2)])
    computed = gift_attribution(con, 48)
    assert stored_windows(con) == ()
    refresh.refresh_all(con)
    refresh.refresh_all(con)
    assert stored_windows(con) == (24, 48, 168)
    assert_frame_equal(gift_attribution(con, 48), computed)
    assert con.execute(f"SELECT count(*) FROM {GIFTS_TABLE}").fetchall() == [(3,)]


def test_the_cli_import_refreshes_the_stored_attribution(published: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from cc_data.cli import main

    db = tmp_path / "cc.duckdb"
    shutil.copyfile(published, db)
    csv = tmp_path / "new.csv"
    csv.write_text("gift_id,donor_id,gift_date,amount,email\ncli-1,D-cli,2025-12-01,12.00,cli@example.org\n")
    monkeypatch.setenv("CC_DB_PATH", str(db))
    monkeypatch.setenv("CC_TOKEN_FILE", str(tmp_path / "tokens.json"))
    monkeypatch.delenv("CONSTANT_CONTACT_CLIENT_ID", raising=False)
    assert main(["donations", "import", str(csv), "--wait", "5"]) == 0
    with read(db) as con:
        assert stored_windows(con) == (24, 48, 168)
        rows = con.execute(f"SELECT tier FROM {GIFTS_TABLE} WHERE gift_id = 'cli-1'").fetchall()
    assert rows == [("unattributed",)] * 3


def test_a_mapping_change_refreshes_the_gifts_and_keeps_rates_equal_to_a_full_rebuild(published: Path,
                                                                                     tmp_path: Path) -> None:
    from cc_data.store import upserts

    db = tmp_path / "cc.duckdb"
    shutil.copyfile(published, db)
    con = duckdb.connect(str(db))
    campaign_id = con.execute("SELECT min(campaign_id) FROM campaigns").fetchall()[0][0]
    con.execute("INSERT OR REPLACE INTO gift_code_campaigns VALUES ('campaign', 'monthly giving', ?)", [campaign_id])
    upserts.mark_changed(con, "mapping")
    refresh.refresh_changed(con)

    def table(name: str) -> pl.DataFrame:
        return pl.from_arrow(con.sql(f"SELECT * FROM {name}").to_arrow_table()).sort(pl.all())

    after_mapping = {name: table(name) for name in (GIFTS_TABLE, RATES_TABLE)}
    assert "coded" in set(after_mapping[GIFTS_TABLE]["tier"])
    assert stored_windows(con) == (24, 48, 168)
    refresh.refresh_all(con)
    for name, frame in after_mapping.items():
        assert_frame_equal(frame, table(name))
    con.close()
