"""Campaign trends: a rolling pooled rate, device split and top links."""

from __future__ import annotations

from urllib.parse import urlsplit

import duckdb
import polars as pl

from cc_data.analytics.sends import REPORTING_ROLES
from cc_data.store.query import frame, table_exists


def rolling_trend(campaigns: pl.DataFrame, window: int = 5, *, human_opens_only: bool = False) -> pl.DataFrame:
    """Per campaign in send order: the pooled open and click rate over it and the `window - 1` before it."""
    opens = "human_opens" if human_opens_only else "opens"
    ordered = campaigns.sort("send_time")
    sums = ordered.select(
        "campaign_id", "send_time",
        pl.col(opens).rolling_sum(window, min_samples=1).alias("_opens"),
        pl.col("clicks").rolling_sum(window, min_samples=1).alias("_clicks"),
        pl.col("delivered").rolling_sum(window, min_samples=1).alias("_delivered"),
    )
    return sums.select(
        "campaign_id", "send_time",
        pl.when(pl.col("_delivered") > 0).then(pl.col("_opens") / pl.col("_delivered")).alias("open_rate_trend"),
        pl.when(pl.col("_delivered") > 0).then(pl.col("_clicks") / pl.col("_delivered")).alias("click_rate_trend"),
    )


DEVICES_TABLE, LINKS_TABLE = "campaign_devices", "campaign_links"   # derived tables (cc_data.analytics.derived)

DEVICE_ACTIVITY_SQL = f"""
    SELECT a.campaign_id, CASE e.tracking_activity_type WHEN 'em_opens' THEN 'open' ELSE 'click' END AS kind,
           coalesce(e.device_type, 'other') AS device_type, count(DISTINCT (e.campaign_activity_id, e.contact_id))
           AS contacts
    FROM tracking_events e JOIN campaign_activities a USING (campaign_activity_id)
    WHERE a.role IN {REPORTING_ROLES} AND e.tracking_activity_type IN ('em_opens', 'em_clicks')
    GROUP BY ALL"""

LINK_CLICKS_SQL = f"""
    SELECT a.campaign_id, coalesce(e.link_url, '(unknown link)') AS link_url,
           count(DISTINCT (e.campaign_activity_id, e.contact_id)) AS clickers, count(*) AS clicks
    FROM tracking_events e JOIN campaign_activities a USING (campaign_activity_id)
    WHERE a.role IN {REPORTING_ROLES} AND e.tracking_activity_type = 'em_clicks'
    GROUP BY ALL"""


def _stored_or_live(con: duckdb.DuckDBPyConnection, table: str, sql: str) -> pl.DataFrame:
    return frame(con, f"SELECT * FROM {table}" if table_exists(con, table) else sql)


def device_activity(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """campaign_id, kind (open/click), device_type, contacts: unique contacts per device, per campaign."""
    return _stored_or_live(con, DEVICES_TABLE, DEVICE_ACTIVITY_SQL)


def device_split(devices: pl.DataFrame, campaign_ids: list[str]) -> pl.DataFrame:
    """kind, device_type, contacts, share (of that kind) over the chosen campaigns."""
    out = (devices.filter(pl.col("campaign_id").is_in(campaign_ids))
           .group_by("kind", "device_type").agg(pl.col("contacts").sum()))
    return out.with_columns((pl.col("contacts") / pl.col("contacts").sum().over("kind")).alias("share")).sort(
        "kind", "contacts", descending=[False, True])


def link_clicks(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """campaign_id, link_url, clickers (unique contacts per activity), clicks (every click)."""
    return _stored_or_live(con, LINKS_TABLE, LINK_CLICKS_SQL)


def top_links(links: pl.DataFrame, campaign_ids: list[str], n: int = 10) -> pl.DataFrame:
    return (links.filter(pl.col("campaign_id").is_in(campaign_ids)).group_by("link_url")
            .agg(pl.col("clickers").sum(), pl.col("clicks").sum(), pl.col("campaign_id").n_unique().alias("campaigns"))
            .sort(["clickers", "link_url"], descending=[True, False]).head(n))


DONATE_WORDS = ("donate", "give", "giving", "gift", "donation")


def is_donate_link(url: str | None) -> bool:
    """A link to a giving page, by the words in its host and path (…/donate, coloradogives.org); the query string is
    ignored (utm_campaign=giving-tuesday names the campaign, not the page)."""
    if not url:
        return False
    parts = urlsplit(url.lower())
    return any(word in parts.netloc + parts.path for word in DONATE_WORDS)


def link_gifts(con: duckdb.DuckDBPyConnection, gifts: pl.DataFrame, campaign_ids: list[str]) -> pl.DataFrame:
    """link_url, gifts, revenue: gifts credited to a campaign by a click (tier 'click') whose giver clicked that
    link in that campaign's emails (a giver who clicked two links counts for both)."""
    clicked = gifts.filter((pl.col("tier") == "click") & pl.col("campaign_id").is_in(campaign_ids))
    if clicked.is_empty():
        return pl.DataFrame(schema={"link_url": pl.Utf8, "gifts": pl.UInt32, "revenue": pl.Float64})
    pairs = clicked.select("campaign_id", "contact_id").unique()
    con.register("_gift_clickers", pairs.to_arrow())
    try:
        links = frame(con, f"""
            SELECT DISTINCT a.campaign_id, e.contact_id, coalesce(e.link_url, '(unknown link)') AS link_url
            FROM tracking_events e JOIN campaign_activities a USING (campaign_activity_id)
            JOIN _gift_clickers g ON g.campaign_id = a.campaign_id AND g.contact_id = e.contact_id
            WHERE a.role IN {REPORTING_ROLES} AND e.tracking_activity_type = 'em_clicks'""")
    finally:
        con.unregister("_gift_clickers")
    positive = ~pl.col("is_adjustment") & (pl.col("amount") > 0)
    return clicked.join(links, on=["campaign_id", "contact_id"]).group_by("link_url").agg(
        gifts=pl.col("transaction_id").filter(positive).n_unique(), revenue=pl.col("amount").sum().round(2))
