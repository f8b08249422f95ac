"""Campaign trends: a rolling pooled rate, device split and top links."""

from __future__ import annotations

from urllib.parse import urlsplit

import duckdb
import polars as pl

from cc_data.analytics.email.sends import REPORTING_ROLES
from cc_data.analytics.rules.gifts import gift_count, net_revenue
from cc_data.analytics.rules.links import LINK_SQL
from cc_data.analytics.rules.rates import rate
from cc_data.analytics.stored.registry import TRACKING, Changes, StoredResult
from cc_data.store.query import frame


def rolling_trend(campaigns: pl.DataFrame, window: int = 5, *, human_opens_only: bool = False) -> pl.DataFrame:
    """Per campaign in send order: the open and click rate (per email delivered) pooled over it and the
    `window - 1` campaigns before it."""
    opens = "human_opens" if human_opens_only else "opens"
    sums = campaigns.sort("send_time").select(
        "campaign_id", "send_time",
        *[pl.col(c).rolling_sum(window, min_samples=1).alias(f"_{c}") for c in (opens, "clicks", "delivered")])
    return sums.select("campaign_id", "send_time",
                       rate("open_rate", numerator=f"_{opens}", denominator="_delivered").alias("open_rate_trend"),
                       rate("click_rate", numerator="_clicks", denominator="_delivered").alias("click_rate_trend"))


DEVICES_TABLE, LINKS_TABLE = "campaign_devices", "campaign_links"

DEVICE_ACTIVITY_SQL = f"""
    SELECT a.campaign_id, CASE e.tracking_activity_type WHEN 'em_opens' THEN 'open' ELSE 'click' END AS kind,
           coalesce(e.device_type, 'other') AS device_type, count(DISTINCT (e.campaign_activity_id, e.contact_id))
           AS contacts
    FROM tracking_events e JOIN campaign_activities a USING (campaign_activity_id)
    WHERE a.role IN {REPORTING_ROLES} AND e.tracking_activity_type IN ('em_opens', 'em_clicks')
    GROUP BY ALL"""

LINK_CLICKS_SQL = f"""
    SELECT a.campaign_id, {LINK_SQL} AS link_url,
           count(DISTINCT (e.campaign_activity_id, e.contact_id)) AS clickers, count(*) AS clicks
    FROM tracking_events e JOIN campaign_activities a USING (campaign_activity_id)
    WHERE a.role IN {REPORTING_ROLES} AND e.tracking_activity_type = 'em_clicks'
    GROUP BY ALL"""


def _per_campaign(table: str, sql: str):  # noqa: ANN202 - a StoredResult build
    def build(con: duckdb.DuckDBPyConnection, changes: Changes | None) -> None:
        """Every campaign's rows, or those of the campaigns whose activities' tracking changed."""
        if changes is None:
            con.execute(f"CREATE OR REPLACE TABLE {table} AS {sql} ORDER BY ALL")
            return
        campaigns = [r[0] for r in con.execute(
            "SELECT DISTINCT campaign_id FROM campaign_activities WHERE campaign_activity_id IN (SELECT unnest(?))",
            [list(changes.activities)]).fetchall()]
        con.execute(f"DELETE FROM {table} WHERE campaign_id IN (SELECT unnest(?))", [campaigns])
        con.execute(f"INSERT INTO {table} SELECT * FROM ({sql}) WHERE campaign_id IN (SELECT unnest(?))", [campaigns])
    return build


DEVICES = StoredResult("campaign_devices", (DEVICES_TABLE,), _per_campaign(DEVICES_TABLE, DEVICE_ACTIVITY_SQL),
                       frozenset({TRACKING}), (DEVICE_ACTIVITY_SQL,))
LINKS = StoredResult("campaign_links", (LINKS_TABLE,), _per_campaign(LINKS_TABLE, LINK_CLICKS_SQL),
                     frozenset({TRACKING}), (LINK_CLICKS_SQL,))


def device_activity(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """campaign_id, kind (open/click), device_type, contacts: unique contacts per device, per campaign."""
    return frame(con, f"SELECT * FROM {DEVICES.source(con, DEVICE_ACTIVITY_SQL)}")


def device_split(devices: pl.DataFrame, campaign_ids: list[str]) -> pl.DataFrame:
    """kind, device_type, contacts, share (of that kind) over the chosen campaigns."""
    out = (devices.filter(pl.col("campaign_id").is_in(campaign_ids))
           .group_by("kind", "device_type").agg(pl.col("contacts").sum()))
    return out.with_columns((pl.col("contacts") / pl.col("contacts").sum().over("kind")).alias("share")).sort(
        "kind", "contacts", descending=[False, True])


def link_clicks(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """campaign_id, link_url, clickers (unique contacts per activity), clicks (every click)."""
    return frame(con, f"SELECT * FROM {LINKS.source(con, LINK_CLICKS_SQL)}")


def top_links(links: pl.DataFrame, campaign_ids: list[str], n: int = 10) -> pl.DataFrame:
    return (links.filter(pl.col("campaign_id").is_in(campaign_ids)).group_by("link_url")
            .agg(pl.col("clickers").sum(), pl.col("clicks").sum(), pl.col("campaign_id").n_unique().alias("campaigns"))
            .sort(["clickers", "link_url"], descending=[True, False]).head(n))


def links_with_gifts(top: pl.DataFrame, gifts: pl.DataFrame | None) -> pl.DataFrame:
    """top_links() with donate (is_donate_link) and, with `gifts` (link_gifts()), the gifts and revenue of a donate
    link's clickers (0 when none; null for a link that is not a donate link)."""
    out = top.with_columns(donate=pl.col("link_url").map_elements(is_donate_link, return_dtype=pl.Boolean))
    if gifts is None:
        return out
    return out.join(gifts, on="link_url", how="left").with_columns(
        pl.when(pl.col("donate")).then(pl.col("gifts").fill_null(0)),
        pl.when(pl.col("donate")).then(pl.col("revenue").fill_null(0.0)))


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
            SELECT DISTINCT a.campaign_id, e.contact_id, {LINK_SQL} AS link_url
            FROM tracking_events e JOIN campaign_activities a USING (campaign_activity_id)
            JOIN _gift_clickers g ON g.campaign_id = a.campaign_id AND g.contact_id = e.contact_id
            WHERE a.role IN {REPORTING_ROLES} AND e.tracking_activity_type = 'em_clicks'""")
    finally:
        con.unregister("_gift_clickers")
    return clicked.join(links, on=["campaign_id", "contact_id"]).group_by("link_url").agg(
        gifts=gift_count(), revenue=net_revenue())
