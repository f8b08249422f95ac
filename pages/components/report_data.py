"""Cached loaders for the Email report, Mailbox providers and List growth pages, keyed on the database's data version
like pages/components/data.py (a newly published database is read on the next rerun)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl
import streamlit as st

from cc_data.analytics.audience import list_growth
from cc_data.analytics.email import deliverability, report, trends
from cc_data.store.db import read
from pages.components import data


@dataclass(frozen=True)
class EmailReport:
    campaign: dict                 # the campaign's counts row (campaigns.campaign_counts) with its rates
    details: dict                  # subject, lists
    bounces: pl.DataFrame          # reason, contacts
    optouts: pl.DataFrame          # reason, contacts
    spam: int | None               # Constant Contact's complaints, None when unknown
    links: pl.DataFrame            # link, clicks, clickers, gifts, revenue
    clickers: pl.DataFrame         # contact_id, link
    devices: pl.DataFrame          # kind, device_type, contacts, share
    providers: pl.DataFrame        # provider, counts and rates
    peers: report.Peers
    peer_figures: pl.DataFrame     # report.figures of each peer at this email's age
    peer_bounce_shares: dict[str, float]
    figures: dict                  # report.figures of this email


@st.cache_resource(show_spinner="Opening the email…", max_entries=16)
def email_report(db_path: str, version: str, campaign_id: str, as_of: datetime, window_hours: float,
                 lenient: bool) -> EmailReport:
    campaigns = data.core(db_path, version).campaigns
    gifts = data.attributed_gifts(db_path, version, float(window_hours), lenient)
    devices, _ = data.devices_and_links(db_path, version)
    with read(Path(db_path)) as con:
        peers = report.peers(campaigns, campaign_id, as_of)
        mine = report.counts_at_age(con, [campaign_id], peers.age_hours)
        peer_counts = report.counts_at_age(con, peers.campaign_ids, peers.age_hours)
        dated = gifts.filter(pl.col("campaign_id").is_not_null()) if gifts is not None else None
        figures = report.figures(mine, dated)
        peer_figures = report.figures(peer_counts, dated, peers.age_hours)
        clickers = report.link_clickers(con, campaign_id)
        links = report.links(con, campaign_id).join(report.link_gifts(clickers, gifts, campaign_id), on="link",
                                                    how="left")
        if gifts is not None:
            links = links.with_columns(pl.col("gifts").fill_null(0), pl.col("revenue").fill_null(0.0))
        bounces = (report.bounce_reasons(con, [campaign_id]).group_by("reason").agg(pl.col("contacts").sum())
                   .sort("contacts", "reason", descending=[True, False]))
        providers = deliverability.with_rates(
            deliverability.campaign_providers(con).filter(pl.col("campaign_id") == campaign_id))
        details = report.email_details(con, campaign_id)
        return EmailReport(
            campaign=campaigns.filter(pl.col("campaign_id") == campaign_id).row(0, named=True), details=details,
            bounces=bounces, optouts=report.optout_reasons(con, campaign_id),
            spam=report.spam_complaints(con, campaign_id), links=links, clickers=clickers,
            devices=trends.device_split(devices, [campaign_id]), providers=providers, peers=peers,
            peer_figures=peer_figures,
            peer_bounce_shares=report.reasons_median(con, peers.campaign_ids, peer_counts.select("campaign_id",
                                                                                                "sends")),
            figures=figures.row(0, named=True) if figures.height else {})


@st.cache_resource(show_spinner="Counting by mailbox provider…", max_entries=2)
def providers(db_path: str, version: str) -> pl.DataFrame:  # noqa: ARG001
    """campaign_id, provider and its counts for every campaign."""
    with read(Path(db_path)) as con:
        return deliverability.campaign_providers(con)


@st.cache_resource(show_spinner="Counting who joined and left…", max_entries=2)
def growth(db_path: str, version: str, time_zone: str) -> pl.DataFrame:  # noqa: ARG001
    """list_growth rows (scope, month, flow, detail, contacts) in the account's time zone."""
    with read(Path(db_path)) as con:
        return list_growth.stored_growth(con, time_zone)


@st.cache_data(show_spinner=False, max_entries=2)
def latest_contact_time(db_path: str, version: str) -> datetime | None:  # noqa: ARG001
    """The latest moment the contacts say anything happened (created, opted out): where list growth stops."""
    with read(Path(db_path)) as con:
        return list_growth.latest_moment(con)


@st.cache_data(show_spinner=False, max_entries=2)
def spam_complaints(db_path: str, version: str) -> pl.DataFrame:  # noqa: ARG001
    """campaign_id, complaints (Constant Contact's count, where one was synced)."""
    with read(Path(db_path)) as con:
        return deliverability.spam_complaints(con)
