"""The Donors page's inputs stored at publish give exactly the frames computed without them."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
from polars.testing import assert_frame_equal

from cc_data.analytics.donors import stored as donors_store
from cc_data.analytics.donors.view import lapsing_lists, load, year_view
from cc_data.analytics.stored import refresh
from tests.unit.test_donors import con  # noqa: F401 - the hand-made donor file fixture

TODAY, AS_OF = date(2025, 12, 1), datetime(2025, 12, 1)


def _everything(con: duckdb.DuckDBPyConnection, start_month: int) -> tuple:  # noqa: F811
    donor_file = load(con, start_month, TODAY)
    views = [year_view(con, donor_file, year, None) for year in (2024, 2025)]
    lists = lapsing_lists(con, donor_file, AS_OF)
    return donor_file, views, lists


def test_stored_inputs_give_the_computed_frames(con: duckdb.DuckDBPyConnection) -> None:  # noqa: F811
    for start_month in (1, 7):
        live_file, live_views, live_lists = _everything(con, start_month)
        assert not live_file.stored
        refresh.refresh_all(con)
        assert donors_store.is_stored(con)
        stored_file, stored_views, stored_lists = _everything(con, start_month)
        assert stored_file.stored
        for name in ("years", "facts", "firsts"):
            assert_frame_equal(getattr(live_file, name), getattr(stored_file, name), check_dtypes=False)
        for live, stored in zip(live_views, stored_views, strict=True):
            assert live.summary == stored.summary
            for name in ("per_donor", "by_email", "by_tier", "first_gifts", "conversion"):
                assert_frame_equal(getattr(live, name), getattr(stored, name), check_dtypes=False)
        for live, stored in zip(live_lists, stored_lists, strict=True):
            assert_frame_equal(live.emailable, stored.emailable, check_dtypes=False)
            assert_frame_equal(live.offline, stored.offline, check_dtypes=False)
        for table in donors_store.TABLES:   # back to the live path for the next fiscal-year start
            con.execute(f"DROP TABLE {table}")


def test_no_tables_without_gifts(con: duckdb.DuckDBPyConnection) -> None:  # noqa: F811
    con.execute("DELETE FROM gifts")
    refresh.refresh_all(con)
    assert not donors_store.is_stored(con)
