"""Words, not developer names, on screen; numbers a screen reader reads as they are shown."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from cc_data.sync.runner import STREAMS
from pages.components import tables
from tests.app.harness import app_test, open_page


def test_data_and_sync_names_each_kind_of_data_in_words(app_env: Path) -> None:
    """Freshness listed the sync's stream names (activity_details, campaign_summaries, contacts_optout...)."""
    at = open_page(app_test().run(), "pages/data_sync.py")
    assert not at.exception
    freshness = next(d.value for d in at.dataframe if "age" in d.value.columns)
    shown = list(freshness.iloc[:, 0])
    assert shown and not any(name in STREAMS or "_" in name for name in shown), shown


def test_percentages_are_rounded_to_what_is_shown() -> None:
    """A cell read 41.77362893815636 to a screen reader."""
    frame = pl.DataFrame({"rate": [0.4177362893815636], "share": [0.4177362893815636]})
    assert tables.as_percent(frame, ["rate"])["rate"].to_list() == [41.77]
    assert tables.shares(frame, ["share"])["share"].to_list() == [0.4177]
