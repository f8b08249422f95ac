"""One email, opened: its funnel with bounces and opt-outs by reason, each link, and the median email of its type.

A campaign (an "email": its primary send and any resend to non-openers) is counted as Constant Contact's campaign
summary counts it (cc_data.analytics.email.campaigns): sends add up over its activities, everything else is unique
contacts per campaign.

- **Bounces by reason**: unique contacts per bounce code, in words (BOUNCE_REASONS). A contact whose primary email
  and resend bounced with two codes counts under each.
- **Opt-outs by reason**: the reason on the opt-out tracking row ("No reason given" when it carries none).
- **Spam complaints**: Constant Contact's count (`campaign_summaries.abuse`, else the activities' `em_abuse`
  summed); unknown when neither was synced. The API gives no complaint per contact, so none per provider.
- **Links**: each link's address without tracking tags (LINK_SQL), every click, and unique clickers per campaign
  (a contact who clicked the link twice, or in the primary email and the resend, is one clicker).
- **The median email of its type**: the campaigns of the same type first sent in the 365 days before it, delivered to
  at least PEER_MIN_DELIVERED people, each counted at the same age as this email (hours since its first send), so a
  two-day-old email is compared with other emails' first two days. Each figure is the median of that figure.

Bounce and opt-out reasons are stored at publish (EMAIL_REASONS) for every campaign.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import polars as pl

from cc_data.analytics.email.sends import REPORTING_ROLES, per_send_source
from cc_data.analytics.rules.gifts import gift_count, net_revenue
from cc_data.analytics.rules.links import LINK_SQL
from cc_data.analytics.rules.rates import rate, ratio
from cc_data.analytics.stored.registry import TRACKING, Changes, StoredResult
from cc_data.store.query import frame, table_exists

BOUNCE_REASONS = {
    "B": "Non-existent address", "D": "Undeliverable", "F": "Mailbox full", "V": "Vacation or auto-reply",
    "Z": "Blocked by the provider", "S": "Suspended", "X": "Other",
}
NO_REASON = "No reason given"
PEER_DAYS = 365
PEER_MIN_DELIVERED = 50   # a board update to 8 people says nothing about the typical email (Campaign trends' limit)


REASONS_TABLES = ("email_bounce_reasons", "email_optout_reasons")
BOUNCE_REASONS_SQL = f"""
    SELECT a.campaign_id, e.bounce_code, count(DISTINCT e.contact_id) AS contacts
    FROM tracking_events e JOIN campaign_activities a USING (campaign_activity_id)
    WHERE a.role IN {REPORTING_ROLES} AND e.tracking_activity_type = 'em_bounces'
    GROUP BY ALL"""
OPTOUT_REASONS_SQL = f"""
    SELECT a.campaign_id, coalesce(nullif(trim(e.opt_out_reason), ''), '{NO_REASON}') AS reason,
           count(DISTINCT e.contact_id) AS contacts
    FROM tracking_events e JOIN campaign_activities a USING (campaign_activity_id)
    WHERE a.role IN {REPORTING_ROLES} AND e.tracking_activity_type = 'em_optouts'
    GROUP BY ALL"""


def _build_reasons(con: duckdb.DuckDBPyConnection, changes: Changes | None) -> None:
    """Every campaign's reasons, or those of the campaigns whose activities' tracking changed."""
    pairs = zip(REASONS_TABLES, (BOUNCE_REASONS_SQL, OPTOUT_REASONS_SQL), strict=True)
    if changes is None:
        for table, sql in pairs:
            con.execute(f"CREATE OR REPLACE TABLE {table} AS {sql} ORDER BY ALL")
        return
    campaigns = [r[0] for r in con.execute(
        "SELECT DISTINCT campaign_id FROM campaign_activities WHERE campaign_activity_id IN (SELECT unnest(?))",
        [list(changes.activities)]).fetchall()]
    for table, sql in pairs:
        con.execute(f"DELETE FROM {table} WHERE campaign_id IN (SELECT unnest(?))", [campaigns])
        con.execute(f"INSERT INTO {table} SELECT * FROM ({sql}) WHERE campaign_id IN (SELECT unnest(?))", [campaigns])


EMAIL_REASONS = StoredResult("email_reasons", REASONS_TABLES, _build_reasons, frozenset({TRACKING}),
                             (BOUNCE_REASONS_SQL, OPTOUT_REASONS_SQL, tuple(BOUNCE_REASONS.items()), NO_REASON))


def bounce_reasons(con: duckdb.DuckDBPyConnection, campaign_ids: list[str]) -> pl.DataFrame:
    """campaign_id, bounce_code, reason (in words), contacts."""
    source = EMAIL_REASONS.source(con, BOUNCE_REASONS_SQL, "email_bounce_reasons")
    found = frame(con, f"SELECT * FROM {source} WHERE campaign_id IN (SELECT unnest($ids))", {"ids": campaign_ids})
    return found.with_columns(
        pl.col("bounce_code").replace_strict(BOUNCE_REASONS, default=pl.lit("Other")).alias("reason"))


def optout_reasons(con: duckdb.DuckDBPyConnection, campaign_id: str) -> pl.DataFrame:
    """reason, contacts (most given first)."""
    source = EMAIL_REASONS.source(con, OPTOUT_REASONS_SQL, "email_optout_reasons")
    return frame(con, f"SELECT reason, contacts FROM {source} WHERE campaign_id = $id "
                      "ORDER BY contacts DESC, reason", {"id": campaign_id})


def spam_complaints(con: duckdb.DuckDBPyConnection, campaign_id: str) -> int | None:
    """Constant Contact's spam complaints for the campaign, or None when no count was synced (unknown, not 0)."""
    if table_exists(con, "campaign_summaries"):
        row = con.execute("SELECT abuse FROM campaign_summaries WHERE campaign_id = ?", [campaign_id]).fetchall()
        if row and row[0][0] is not None:
            return int(row[0][0])
    if table_exists(con, "activity_stats"):
        row = con.execute("SELECT sum(em_abuse), count(em_abuse), count(*) FROM activity_stats "
                          "WHERE campaign_id = ?", [campaign_id]).fetchall()
        if row and row[0][2] and row[0][1] == row[0][2]:   # every activity's count known
            return int(row[0][0])
    return None


def links(con: duckdb.DuckDBPyConnection, campaign_id: str) -> pl.DataFrame:
    """link (address without tracking tags), clicks (every click), clickers (unique contacts over the campaign's
    emails), most clickers first."""
    return frame(con, f"""
        SELECT {LINK_SQL} AS link, count(*) AS clicks, count(DISTINCT e.contact_id) AS clickers
        FROM tracking_events e JOIN campaign_activities a USING (campaign_activity_id)
        WHERE a.campaign_id = $id AND a.role IN {REPORTING_ROLES} AND e.tracking_activity_type = 'em_clicks'
        GROUP BY 1 ORDER BY clickers DESC, clicks DESC, link""", {"id": campaign_id})


def link_clickers(con: duckdb.DuckDBPyConnection, campaign_id: str, link: str | None = None) -> pl.DataFrame:
    """contact_id, link: who clicked which link (without tracking tags) in the campaign's emails, once each."""
    only = f"AND {LINK_SQL} = $link" if link is not None else ""
    return frame(con, f"""
        SELECT DISTINCT e.contact_id, {LINK_SQL} AS link
        FROM tracking_events e JOIN campaign_activities a USING (campaign_activity_id)
        WHERE a.campaign_id = $id AND a.role IN {REPORTING_ROLES} AND e.tracking_activity_type = 'em_clicks' {only}
        ORDER BY ALL""", {"id": campaign_id, **({"link": link} if link is not None else {})})


def link_gifts(clickers: pl.DataFrame, gifts: pl.DataFrame | None, campaign_id: str) -> pl.DataFrame:
    """link, gifts, revenue: the gifts credited to this campaign by a click (tier 'click', within the attribution
    window) whose giver clicked that link in it, as Campaign trends' Top links counts them (a giver who clicked two
    links counts for both). `clickers` is link_clickers(); `gifts` the attributed gifts (None without gifts)."""
    empty = pl.DataFrame(schema={"link": pl.Utf8, "gifts": pl.UInt32, "revenue": pl.Float64})
    if gifts is None:
        return empty
    clicked = gifts.filter((pl.col("tier") == "click") & (pl.col("campaign_id") == campaign_id))
    if clicked.is_empty():
        return empty
    return clicked.join(clickers, on="contact_id").group_by("link").agg(gifts=gift_count(), revenue=net_revenue())


@dataclass(frozen=True)
class Peers:
    campaign_ids: list[str]
    type: str
    since: datetime
    age_hours: float


def peers(campaigns: pl.DataFrame, campaign_id: str, as_of: datetime) -> Peers:
    """The campaigns of the same type first sent in the PEER_DAYS before this one (at least PEER_MIN_DELIVERED
    delivered), to be counted at this email's age."""
    me = campaigns.filter(pl.col("campaign_id") == campaign_id).row(0, named=True)
    since = me["send_time"] - timedelta(days=PEER_DAYS)
    chosen = campaigns.filter((pl.col("type") == me["type"]) & (pl.col("campaign_id") != campaign_id)
                              & (pl.col("send_time") >= since) & (pl.col("send_time") < me["send_time"])
                              & (pl.col("delivered") >= PEER_MIN_DELIVERED))
    age = max((as_of - me["send_time"]).total_seconds() / 3600, 0.0)
    return Peers(chosen["campaign_id"].to_list(), me["type"], since, age)


AGE_COUNTS_SQL = """
WITH people AS (
    SELECT campaign_id, contact_id, min(sent_at) AS sent_at,
           count(*) FILTER (WHERE sent_at <= cutoff) AS sends,
           bool_or(bounced AND sent_at <= cutoff) AS bounced,
           min(first_open_at) AS first_open_at, min(first_human_open_at) AS first_human_open_at,
           min(first_click_at) AS first_click_at, any_value(cutoff) AS cutoff
    FROM (SELECT p.*, f.first_send + to_microseconds(CAST($age * 3600e6 AS BIGINT)) AS cutoff
          FROM {per_send} AS p JOIN firsts f USING (campaign_id)) GROUP BY 1, 2),
later AS (
    SELECT a.campaign_id, e.contact_id,
           min(e.created_time) FILTER (WHERE e.tracking_activity_type = 'em_optouts') AS opted_out_at,
           min(e.created_time) FILTER (WHERE e.tracking_activity_type = 'em_forwards') AS forwarded_at
    FROM tracking_events e JOIN campaign_activities a USING (campaign_activity_id)
    WHERE a.campaign_id IN (SELECT campaign_id FROM firsts) AND a.role IN {roles}
      AND e.tracking_activity_type IN ('em_optouts', 'em_forwards')
    GROUP BY 1, 2)
SELECT p.campaign_id, CAST(sum(p.sends) AS BIGINT) AS sends,
       count(*) FILTER (WHERE p.bounced) AS bounces,
       count(*) FILTER (WHERE p.first_open_at <= p.cutoff) AS opens,
       count(*) FILTER (WHERE p.first_human_open_at <= p.cutoff) AS human_opens,
       count(*) FILTER (WHERE p.first_click_at <= p.cutoff) AS clicks,
       count(*) FILTER (WHERE l.opted_out_at <= p.cutoff) AS optouts,
       count(*) FILTER (WHERE l.forwarded_at <= p.cutoff) AS forwards
FROM people p LEFT JOIN later l USING (campaign_id, contact_id)
GROUP BY 1
"""


def counts_at_age(con: duckdb.DuckDBPyConnection, campaign_ids: list[str], age_hours: float) -> pl.DataFrame:
    """Per campaign, what had happened by `age_hours` after its first send: sends, bounces (of those sends; a
    bounce comes within minutes), opens, human_opens, clicks, optouts, forwards (unique contacts), delivered, and
    first_send."""
    if not campaign_ids:
        return pl.DataFrame(schema={"campaign_id": pl.Utf8, "first_send": pl.Datetime("us"), "sends": pl.Int64,
                                    "bounces": pl.Int64, "opens": pl.Int64, "human_opens": pl.Int64,
                                    "clicks": pl.Int64, "optouts": pl.Int64, "forwards": pl.Int64,
                                    "delivered": pl.Int64})
    source = per_send_source(con)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE firsts AS
        SELECT campaign_id, min(sent_at) AS first_send FROM {source}
        WHERE campaign_id IN (SELECT unnest($ids)) GROUP BY 1""", {"ids": campaign_ids})
    try:
        counts = frame(con, AGE_COUNTS_SQL.format(per_send=f"(SELECT * FROM {source} WHERE campaign_id IN "
                                                           "(SELECT campaign_id FROM firsts))",
                                                  roles=REPORTING_ROLES), {"age": float(age_hours)})
        firsts = frame(con, "SELECT * FROM firsts")
    finally:
        con.execute("DROP TABLE IF EXISTS firsts")
    return firsts.join(counts, on="campaign_id").with_columns(
        (pl.col("sends") - pl.col("bounces")).alias("delivered"))


FIGURES = ("bounce_rate", "human_open_rate", "machine_only_rate", "open_rate", "click_rate", "click_to_open",
           "unsubscribe_rate", "forwards_per_1000", "gifts", "revenue", "revenue_per_1000")


def figures(counts: pl.DataFrame, gifts: pl.DataFrame | None, age_hours: float | None = None) -> pl.DataFrame:
    """FIGURES per campaign over counts (sends, bounces, delivered, opens, human_opens, clicks, optouts, forwards,
    first_send), with the gifts attributed to it (campaign_id, gift_time, amount, transaction_id, is_adjustment),
    those dated by `age_hours` after the first send when given."""
    if gifts is not None and not gifts.is_empty():
        dated = gifts.join(counts.select("campaign_id", "first_send"), on="campaign_id")
        if age_hours is not None:
            dated = dated.filter(pl.col("gift_time") <= pl.col("first_send") + timedelta(hours=age_hours))
        money = dated.group_by("campaign_id").agg(gifts=gift_count(), revenue=net_revenue())
        counts = counts.join(money, on="campaign_id", how="left").with_columns(
            pl.col("gifts").fill_null(0), pl.col("revenue").fill_null(0.0))
    else:
        counts = counts.with_columns(gifts=pl.lit(None, pl.UInt32), revenue=pl.lit(None, pl.Float64))
    return counts.with_columns(
        rate("bounce_rate"), rate("open_rate", numerator="human_opens").alias("human_open_rate"), rate("open_rate"),
        ratio(pl.col("opens") - pl.col("human_opens"), "delivered").alias("machine_only_rate"),
        rate("click_rate"), rate("click_to_open"), rate("unsubscribe_rate"),
        (ratio("forwards", "delivered") * 1000).alias("forwards_per_1000"),
        (ratio("revenue", "sends") * 1000).alias("revenue_per_1000"))


def median_of(peer_figures: pl.DataFrame) -> dict[str, float | None]:
    """The median of each of FIGURES over the peers (None without peers)."""
    if peer_figures.is_empty():
        return {f: None for f in FIGURES}
    return peer_figures.select(pl.col(f).cast(pl.Float64).median() for f in FIGURES).row(0, named=True)


def reasons_median(con: duckdb.DuckDBPyConnection, campaign_ids: list[str], sends: pl.DataFrame) -> dict[str, float]:
    """reason -> the median share of sends that bounced with it, over the peers (`sends`: campaign_id, sends)."""
    if not campaign_ids:
        return {}
    found = bounce_reasons(con, campaign_ids).group_by("campaign_id", "reason").agg(pl.col("contacts").sum())
    grid = sends.join(pl.DataFrame({"reason": list(dict.fromkeys(BOUNCE_REASONS.values()))}), how="cross")
    shares = grid.join(found, on=["campaign_id", "reason"], how="left").with_columns(
        ratio(pl.col("contacts").fill_null(0), "sends").alias("share"))
    return dict(shares.group_by("reason").agg(pl.col("share").median()).iter_rows())



def email_details(con: duckdb.DuckDBPyConnection, campaign_id: str) -> dict:
    """subject (of the primary email) and list_ids (every list its emails went to)."""
    return frame(con, """SELECT any_value(subject) FILTER (WHERE role = 'primary_email') AS subject,
                                coalesce(list_distinct(flatten(list(contact_list_ids)
                                         FILTER (WHERE contact_list_ids IS NOT NULL))), []::VARCHAR[]) AS list_ids
                         FROM campaign_activities WHERE campaign_id = $id""", {"id": campaign_id}).row(0, named=True)


def funnel(mine: dict, bounces: pl.DataFrame, optouts: pl.DataFrame, spam: int | None,
           medians: dict[str, float | None], bounce_medians: dict[str, float]) -> pl.DataFrame:
    """The email's funnel, a row per step: step, people (or emails), share, of (what the share is of), median (the
    median email's share), sub (a reason under its step). `mine` is this email's figures() row."""
    sends, delivered = mine.get("sends") or 0, mine.get("delivered") or 0

    def share(n: float | None, of: float) -> float | None:
        return n / of if n is not None and of else None

    machine_only = (mine.get("opens") or 0) - (mine.get("human_opens") or 0)
    rows = [
        ("Sent (emails)", sends, None, "", None, False),
        ("Delivered", delivered, share(delivered, sends), "of sent",
         None if medians.get("bounce_rate") is None else 1 - medians["bounce_rate"], False),
        ("Bounced", mine.get("bounces"), mine.get("bounce_rate"), "of sent", medians.get("bounce_rate"), False),
        *[(f"↳ {r['reason']}", r["contacts"], share(r["contacts"], sends), "of sent",
           bounce_medians.get(r["reason"]), True) for r in bounces.iter_rows(named=True)],
        ("Opened by people", mine.get("human_opens"), mine.get("human_open_rate"),
         "of delivered", medians.get("human_open_rate"), False),
        ("Opened by a machine only", machine_only, share(machine_only, delivered), "of delivered",
         medians.get("machine_only_rate"), False),
        ("Clicked", mine.get("clicks"), mine.get("click_rate"), "of delivered", medians.get("click_rate"),
         False),
        ("Opted out", mine.get("optouts"), mine.get("unsubscribe_rate"), "of delivered",
         medians.get("unsubscribe_rate"), False),
        *[(f"↳ {r['reason']}", r["contacts"], share(r["contacts"], delivered), "of delivered", None, True)
          for r in optouts.iter_rows(named=True)],
        ("Forwarded", mine.get("forwards"), share(mine.get("forwards"), delivered), "of delivered",
         None if medians.get("forwards_per_1000") is None else medians["forwards_per_1000"] / 1000, False),
        ("Reported as spam", spam, share(spam, delivered), "of delivered", None, False),
    ]
    return pl.DataFrame(rows, schema={"step": pl.Utf8, "people": pl.Int64, "share": pl.Float64, "of": pl.Utf8,
                                      "median": pl.Float64, "sub": pl.Boolean}, orient="row")
