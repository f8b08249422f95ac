"""Cached source data. Each loader is keyed on the database's data version, so a newly published sync
shows up on the next rerun; filtering happens outside the cache. Each call opens its own short-lived
read-only connection (never shared across threads).

Per-send rows come from the `per_send` table built when the database was published (cc_data.analytics.stored):
campaign counts are aggregated in DuckDB (one row per campaign), Compare appeals loads only the picked
campaigns' rows, and scores and segments load four timestamp columns with compact (Categorical) contact ids.

The big frames (per-send rows, contacts, audience, attributed gifts, scores) use st.cache_resource: one shared
object, never copied. st.cache_data would pickle a frame when storing it and unpickle a copy on every read
(0.4 s + 0.16 s per read for the demo's per-send frame, seconds at large scale). Polars frames are immutable,
so sharing them is safe; callers derive new frames and never modify these."""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl
import streamlit as st

from cc_data.analytics import status
from cc_data.analytics.attribution import credit
from cc_data.analytics.attribution.match import MatchReport, match_report
from cc_data.analytics.audience import precomputed, reach, scoring, segments
from cc_data.analytics.donors import view as donor_view
from cc_data.analytics.donors.lists import DonorList
from cc_data.analytics.email import appeal_years, campaigns, reconcile, sends, trends
from cc_data.donations.code_mapping import campaign_choices, code_mapping, gift_codes
from cc_data.store.db import data_version, read
from cc_data.store.query import row_count


@dataclass(frozen=True)
class Core:
    campaigns: pl.DataFrame        # counts per campaign (see campaigns.campaign_counts)
    latest_activity_at: datetime | None  # the latest send, open or click: "as of" for scores and segments
    lists: pl.DataFrame            # list_id, name
    has_gifts: bool
    source: status.SourceInfo


def version(db_path: Path) -> str:
    return data_version(db_path)


@st.cache_resource(show_spinner=False, max_entries=2)
def core(db_path: str, version: str) -> Core:  # noqa: ARG001 - version is the cache key
    with read(Path(db_path)) as con:
        counts = campaigns.campaign_counts_in_db(con)
        return Core(counts, sends.latest_activity_at(con), reach.list_names(con), row_count(con, "gifts") > 0, status.source_info(con))


def as_of(core_data: Core) -> datetime:
    """Scores and segments are computed as of the latest send, open or click (now, before anything was sent)."""
    return core_data.latest_activity_at or datetime.now()


@st.cache_resource(show_spinner=False, max_entries=8)
def campaign_sends(db_path: str, version: str, campaign_ids: tuple[str, ...]) -> pl.DataFrame:  # noqa: ARG001
    """The per-send rows of a few campaigns (Compare appeals), not the whole table."""
    with read(Path(db_path)) as con:
        return sends.per_send(con, columns=("campaign_activity_id", "campaign_id", "contact_id", "sent_at", "bounced",
                                            "first_open_at", "first_human_open_at", "first_click_at"),
                              where="campaign_id IN (SELECT unnest($ids))", params={"ids": list(campaign_ids)})


@st.cache_resource(show_spinner=False, max_entries=2)
def devices_and_links(db_path: str, version: str) -> tuple[pl.DataFrame, pl.DataFrame]:  # noqa: ARG001
    with read(Path(db_path)) as con:
        return trends.device_activity(con), trends.link_clicks(con)


@st.cache_resource(show_spinner="Loading contacts…", max_entries=2)
def contacts(db_path: str, version: str) -> pl.DataFrame:  # noqa: ARG001
    with read(Path(db_path)) as con:
        people = scoring.contact_directory(con)
    return people.with_columns(pl.col("contact_id").cast(pl.Categorical))   # joins the per-send rows' ids


@st.cache_resource(show_spinner="Loading contacts…", max_entries=2)
def audience_frame(db_path: str, version: str) -> pl.DataFrame:  # noqa: ARG001
    with read(Path(db_path)) as con:
        return precomputed.stored_audience(con)


@st.cache_data(show_spinner=False, max_entries=2)
def tag_names(db_path: str, version: str) -> pl.DataFrame:  # noqa: ARG001
    with read(Path(db_path)) as con:
        return reach.tag_names(con)


@st.cache_data(show_spinner=False, max_entries=2)
def reconciliation(db_path: str, version: str) -> pl.DataFrame:
    counts = core(db_path, version).campaigns
    with read(Path(db_path)) as con:
        return reconcile.reconciliation(con, counts)


@st.cache_data(show_spinner=False, max_entries=2)
def sync_status(db_path: str, version: str) -> tuple[pl.DataFrame, pl.DataFrame, int, pl.DataFrame]:  # noqa: ARG001
    with read(Path(db_path)) as con:
        return status.stream_freshness(con), status.recent_runs(con), status.calls_today(con), status.table_counts(con)


@st.cache_data(show_spinner=False, max_entries=16)
def timeline(db_path: str, version: str, contact_id: str) -> pl.DataFrame:  # noqa: ARG001
    with read(Path(db_path)) as con:
        return scoring.contact_timeline(con, contact_id)


@st.cache_resource(show_spinner="Attributing gifts…", max_entries=4)
def attributed_gifts(db_path: str, version: str, window_hours: float = 48,  # noqa: ARG001
                     lenient: bool = False) -> pl.DataFrame | None:
    """credit.gift_attribution() for one window, computed once and shared by Overview, Compare appeals and Donation
    attribution; None without gifts. `lenient` counts likely machine opens and bounced sends as evidence."""
    with read(Path(db_path)) as con:
        if row_count(con, "gifts") == 0:
            return None
        return credit.gift_attribution(con, window_hours=window_hours, count_machine_opens=lenient,
                                            count_bounced_sends=lenient)


def campaign_revenue(db_path: str, version: str, window_hours: float = 48,
                     lenient: bool = False) -> pl.DataFrame | None:
    """campaign_id, gifts, donors, revenue (and by tier) per attributed campaign, or None when unavailable."""
    gifts = attributed_gifts(db_path, version, float(window_hours), lenient)
    if gifts is None:
        return None
    return credit.revenue_by_campaign(gifts)


def gift_times(db_path: str, version: str, window_hours: float = 48, lenient: bool = False) -> pl.DataFrame | None:
    """campaign_id, gift_time, amount, donor_id, transaction_id, is_adjustment of the gifts attributed to a
    campaign, or None."""
    gifts = attributed_gifts(db_path, version, float(window_hours), lenient)
    if gifts is None:
        return None
    return gifts.filter(pl.col("campaign_id").is_not_null()).select(
        "campaign_id", "gift_time", "amount", "donor_id", "transaction_id", "is_adjustment")


@dataclass(frozen=True)
class AttributionPage:
    gifts: pl.DataFrame            # credit.gift_attribution() for the window
    campaigns: pl.DataFrame        # campaign_revenue()
    series: pl.DataFrame           # credit.series_revenue()
    match: MatchReport
    codes: pl.DataFrame            # gift codes found on gifts
    mapping: pl.DataFrame          # the gift-code mapping as stored
    campaign_names: pl.DataFrame   # campaign_id, name: what a code can be mapped to
    donor_names: pl.DataFrame      # donor_id, donor_name: who gave, for the gift table


@st.cache_resource(show_spinner="Attributing gifts…", max_entries=6)
def attribution_page(db_path: str, version: str, window_hours: float, fiscal_start: int = 1,
                     lenient: bool = False) -> AttributionPage:
    """Everything Donation attribution shows for one window (call it only when Core.has_gifts)."""
    gifts = attributed_gifts(db_path, version, float(window_hours), lenient)
    if gifts is None:
        raise ValueError("attribution_page needs gifts: check Core.has_gifts first")
    with read(Path(db_path)) as con:
        per_campaign = credit.campaign_revenue(con, window_hours, gifts)
        first_sends = core(db_path, version).campaigns.select("campaign_id", "send_time")
        series = credit.series_revenue(con, window_hours, gifts, per_campaign, fiscal_start, first_sends)
        return AttributionPage(gifts, per_campaign, series,
                               match_report(con), gift_codes(con), code_mapping(con),
                               campaign_choices(con), credit.donor_names(con))


@st.cache_resource(show_spinner="Scoring contacts…", max_entries=8)
def scores(db_path: str, version: str, params: tuple, as_of: datetime) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(scored contacts, 12-month tier history) for one set of scoring settings (dataclasses.astuple): stored at
    publish for the defaults and answered from stored sums for other weights and thresholds; otherwise (another
    half-life, window or lapsed period) computed from the contacts' sends, a chunk of contacts at a time."""
    settings, people = scoring.ScoreSettings(*params), contacts(db_path, version)
    with read(Path(db_path)) as con:
        stored = precomputed.stored_scores(con, settings, as_of, people)
        return stored if stored is not None else precomputed.computed_scores(con, settings, as_of, people)


@st.cache_resource(show_spinner="Building the segment…", max_entries=8)
def segment(db_path: str, version: str, criteria: tuple, as_of: datetime) -> pl.DataFrame:  # noqa: ARG001
    """The re-engagement segment for one set of criteria (dataclasses.astuple of SegmentCriteria), contact_id as
    text: stored at publish for the defaults, aggregated in DuckDB for other criteria."""
    everyone = audience_frame(db_path, version)
    with read(Path(db_path)) as con:
        return precomputed.stored_segment(con, segments.SegmentCriteria(*criteria), as_of, everyone)


def clear() -> None:
    """Forget every cached source (after a sync or a saved mapping). Only these loaders' resources: the OAuth
    verifiers in st.cache_resource must survive."""
    st.cache_data.clear()
    for loader in (core, campaign_sends, devices_and_links, contacts, audience_frame, attributed_gifts,
                   attribution_page, scores, segment, donor_file, donor_year, lapsing_donors):
        loader.clear()


@st.cache_data(show_spinner=False, max_entries=8)
def link_gifts(db_path: str, version: str, window_hours: float, campaign_ids: tuple[str, ...],
               lenient: bool = False) -> pl.DataFrame | None:
    """trends.link_gifts for the attributed gifts of a window, or None without gifts."""
    gifts = attributed_gifts(db_path, version, float(window_hours), lenient)
    if gifts is None:
        return None
    with read(Path(db_path)) as con:
        return trends.link_gifts(con, gifts, list(campaign_ids))


@st.cache_data(show_spinner="Counting the appeal's years…", max_entries=8)
def appeal_year_rows(db_path: str, version: str, campaign_ids: tuple[str, ...], years: tuple[int, ...],  # noqa: ARG001
                     send_times: tuple[datetime, ...], window_hours: float, lenient: bool, human: bool,
                     as_of: datetime) -> pl.DataFrame:
    """appeal_years.year_rows for one series (its campaigns, their years and first sends), aggregated in DuckDB
    over the stored per-send rows: a weekly newsletter's 9M rows never come into the app."""
    series = pl.DataFrame({"campaign_id": list(campaign_ids), "year": list(years), "send_time": list(send_times)},
                          schema={"campaign_id": pl.Utf8, "year": pl.Int64, "send_time": pl.Datetime("us")})
    gifts = gift_times(db_path, version, window_hours, lenient)
    with read(Path(db_path)) as con:
        return appeal_years.year_rows(con, series, gifts, as_of,
                                      open_column="first_human_open_at" if human else "first_open_at")


@st.cache_resource(show_spinner="Reading the donor file…", max_entries=4)
def donor_file(db_path: str, version: str, start_month: int, today: date) -> donor_view.DonorFile:  # noqa: ARG001
    """What every figure on the Donors page shares, for one fiscal-year start."""
    with read(Path(db_path)) as con:
        return donor_view.load(con, start_month, today)


@st.cache_resource(show_spinner="Comparing fiscal years…", max_entries=8)
def donor_year(db_path: str, version: str, start_month: int, today: date, year: int,
               as_of: datetime) -> donor_view.YearView:
    """A fiscal year's gain and loss, with the donors' email groups and engagement tiers (default scoring)."""
    scored, _ = scores(db_path, version, astuple(scoring.ScoreSettings()), as_of)
    with read(Path(db_path)) as con:
        return donor_view.year_view(con, donor_file(db_path, version, start_month, today), year,
                                    scored.select("contact_id", "tier"))


@st.cache_resource(show_spinner="Building the LYBUNT and SYBUNT lists…", max_entries=4)
def lapsing_donors(db_path: str, version: str, start_month: int, today: date,
                   as_of: datetime, order: str = "last_year") -> tuple[DonorList, DonorList]:
    """(LYBUNT, SYBUNT) of the current fiscal year ranked by `order` (donors.lists.ORDERS; the audience columns come
    from the store, or are computed once)."""
    with read(Path(db_path)) as con:
        return donor_view.lapsing_lists(con, donor_file(db_path, version, start_month, today), as_of, order=order)
