"""A custom attribution window from the nearest touches and givers' hours stored at publish: the same frames as
the full queries (the reference), without reading the tracking rows again."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cc_data.analytics.attribution.any_window import MAX_WINDOW_HOURS, answers
from cc_data.analytics.attribution.credit import campaign_revenue, gift_attribution
from cc_data.analytics.attribution.queries import ATTRIBUTION, ATTRIBUTION_TOUCHES, BASELINE
from cc_data.analytics.attribution.stored import GIFT_ORDER, RATES_ORDER, live, stored_or_live
from cc_data.store.db import read
from tests.unit.test_attribution_stored import published  # noqa: F401 - the sandbox's small account, published

CUSTOM = (1, 5, 23, 25, 36, 72, 100, 500, MAX_WINDOW_HOURS)


def reference(db: Path, window: float) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The full queries, computed from the tracking rows (what every custom window did before)."""
    with read(db) as con:
        return (live(con, ATTRIBUTION, window, GIFT_ORDER), live(con, BASELINE, window, RATES_ORDER),
                live(con, ATTRIBUTION_TOUCHES, window, "gift_id"))


@pytest.fixture(scope="module")
def references(published: Path) -> dict[int, tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]]:  # noqa: F811
    return {window: reference(published, window) for window in CUSTOM}


@pytest.fixture(scope="module")
def without_tracking(published: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    """A copy whose tracking rows are gone: only what was stored at publish can answer."""
    copy = tmp_path_factory.mktemp("any_window") / "cc.duckdb"
    shutil.copyfile(published, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("DELETE FROM tracking_events")
    return copy


@pytest.mark.parametrize("window", CUSTOM)
def test_a_custom_window_equals_the_full_queries_without_the_tracking_rows(
        without_tracking: Path, references: dict, window: int) -> None:
    gifts, rates, touches = references[window]
    with read(without_tracking) as con:
        assert_frame_equal(gift_attribution(con, window), gifts, check_exact=True)
        assert_frame_equal(stored_or_live(con, "attribution_rates", BASELINE, window, RATES_ORDER), rates,
                           check_exact=True)
        assert_frame_equal(stored_or_live(con, "attribution_touches", ATTRIBUTION_TOUCHES, window, "gift_id"),
                           touches, check_exact=True)
        assert campaign_revenue(con, window, gifts)["sends"].sum() > 0


def test_the_comparison_covers_every_tier_and_window_edge(references: dict) -> None:
    tiers = {window: set(references[window][0]["tier"]) for window in CUSTOM}
    assert tiers[72] >= {"coded", "click", "open", "send", "unattributed"}
    assert set(references[72][0]["time_basis"]) == {"timestamp", "calendar_day"}
    # each window credits differently, and the givers' counts grow with the window
    assert len({tuple(references[w][0]["tier"]) for w in CUSTOM}) >= 5
    givers = [references[w][1].select(pl.sum_horizontal("clicker_givers", "opener_givers", "not_engaged_givers")
                                      .sum()).item() for w in CUSTOM]
    assert givers == sorted(givers) and givers[0] < givers[-1]


def test_fractional_long_or_lenient_windows_compute_the_full_query(without_tracking: Path, published: Path) -> None:  # noqa: F811
    assert not answers(36.5) and not answers(MAX_WINDOW_HOURS + 1) and answers(36.0)
    with read(published) as con:
        lenient = gift_attribution(con, 72, count_machine_opens=True)
        fractional = gift_attribution(con, 36.5)
    with read(without_tracking) as con:   # computed from the (now empty) tracking rows: no touch is found
        assert set(gift_attribution(con, 36.5)["tier"]) <= {"coded", "unattributed"}
        assert set(gift_attribution(con, 72, count_machine_opens=True)["tier"]) <= {"coded", "unattributed"}
    assert {"click", "open"} <= set(lenient["tier"]) and {"click", "open"} <= set(fractional["tier"])
