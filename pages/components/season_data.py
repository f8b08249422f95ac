"""The season to date of an appeal (cc_data.analytics.season), cached like pages/components/data.py: the same
figures the board report prints for the same appeal, window and day (`today`, the account's date now, as the report's
download takes it)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import streamlit as st

from cc_data.analytics import season
from cc_data.clock import utc_now
from cc_data.report.figures import local_day
from cc_data.store.db import read
from pages.components import data


def today(core: data.Core) -> date:
    """Today in the account's time zone: the day the season is counted through."""
    return local_day(utc_now(), core.source.time_zone)


@st.cache_resource(show_spinner="Pacing the season…", max_entries=8)
def pacing(db_path: str, version: str, appeal: str, as_of: date, window_hours: float, lenient: bool,
           fiscal_start: int) -> season.SeasonPacing | None:
    """season.season_pacing for the appeal through `as_of`; None without gifts or before its first send."""
    gifts = data.attributed_gifts(db_path, version, float(window_hours), lenient)
    if gifts is None:
        return None
    core = data.core(db_path, version)
    with read(Path(db_path)) as con:
        tracked_from, mapped = season.first_tracked_day(con, core.source.time_zone), season.mapped_campaigns(con)
    return season.season_pacing(gifts, core.campaigns, appeal, as_of, time_zone=core.source.time_zone,
                                fiscal_start=fiscal_start, window_hours=window_hours, tracked_from=tracked_from,
                                mapped=mapped)
