"""Deliverability by mailbox provider: per email and by month, is Gmail, Yahoo/AOL, Microsoft or Apple filtering?

Each contact's address is put in a provider (cc_data.analytics.rules.mailbox_providers). Per campaign and provider,
counted as the campaign counts are (sends add up over a campaign's emails, everything else unique contacts):
sends, bounces (any code), blocked (bounce code Z, "blocked by the provider"), delivered (sends − bounces),
human opens (not likely machine opens), clicks, opt-outs. Rates by month pool the month's campaigns (by first
send, in the account's time zone): bounce and block rates per send, human open, click and unsubscribe rates per
email delivered.

A provider is **flagged** in a month when, with at least MIN_DELIVERED emails delivered to it that month and in
its previous three months:
- its human open rate fell to HALF or less of its own rate over the previous three months while the other
  providers' together did not fall by more than a quarter (mail going to the junk folder), or
- its block rate (Z bounces per send) reached BLOCK_ALERT and three times the others' (refused outright).
The same tests, against the other providers of the same email, flag a provider in one email.

What Constant Contact's data cannot show: spam complaints per provider (the API counts complaints per email only),
whether mail went to the inbox or the junk folder (only opens, which machine opens blur), and authentication
(SPF, DKIM, DMARC alignment), which Gmail, Yahoo and Microsoft require of bulk senders.

Stored at publish (EMAIL_PROVIDERS, table `email_providers`); a contact whose address changed moves provider, so
the table is rebuilt when contacts or tracking change.
"""

from __future__ import annotations

import duckdb
import polars as pl

from cc_data.analytics.email.sends import PER_SEND, per_send_source
from cc_data.analytics.rules.mailbox_providers import PROVIDERS, provider_sql
from cc_data.analytics.rules.rates import rate, ratio
from cc_data.analytics.stored.registry import CONTACTS, TRACKING, Changes, StoredResult
from cc_data.store.query import frame

BLOCKED_CODE = "Z"
MIN_DELIVERED = 200      # a provider's month (or email) below this says too little to flag
HALF = 0.5               # human open rate at or below half its own previous three months'
OTHERS_STEADY = 0.75     # ... while the others kept at least three quarters of theirs
BLOCK_ALERT = 0.02       # 2% of sends refused outright
BLOCK_TIMES_OTHERS = 3.0
TABLE = "email_providers"
COUNTS = ("sends", "bounces", "blocked", "delivered", "human_opens", "clicks", "optouts")


def providers_sql(source: str) -> str:
    """Per campaign and provider over the per-send rows `source` (a FROM item)."""
    return f"""
    WITH who AS (SELECT contact_id, {provider_sql("coalesce(email, email_address)")} AS provider FROM contacts),
    blocked AS (
        SELECT DISTINCT a.campaign_id, e.contact_id FROM tracking_events e
        JOIN campaign_activities a USING (campaign_activity_id)
        WHERE e.tracking_activity_type = 'em_bounces' AND e.bounce_code = '{BLOCKED_CODE}'),
    people AS (
        SELECT p.campaign_id, p.contact_id, count(p.sent_at) AS sends, bool_or(p.bounced AND p.sent_at IS NOT NULL)
               AS bounced, bool_or(p.first_human_open_at IS NOT NULL) AS human_opened,
               bool_or(p.first_click_at IS NOT NULL) AS clicked, bool_or(p.opted_out) AS opted_out
        FROM {source} AS p GROUP BY 1, 2)
    SELECT p.campaign_id, coalesce(w.provider, 'Other') AS provider, CAST(sum(p.sends) AS BIGINT) AS sends,
           count(*) FILTER (WHERE p.bounced) AS bounces,
           count(*) FILTER (WHERE p.bounced AND b.contact_id IS NOT NULL) AS blocked,
           count(*) FILTER (WHERE p.human_opened) AS human_opens, count(*) FILTER (WHERE p.clicked) AS clicks,
           count(*) FILTER (WHERE p.opted_out) AS optouts
    FROM people p LEFT JOIN who w USING (contact_id) LEFT JOIN blocked b USING (campaign_id, contact_id)
    WHERE p.sends > 0
    GROUP BY 1, 2"""


def _build(con: duckdb.DuckDBPyConnection, changes: Changes | None) -> None:  # noqa: ARG001
    # whole: an address edit moves a contact's every campaign to another provider
    con.execute(f"CREATE OR REPLACE TABLE {TABLE} AS {providers_sql(per_send_source(con))} ORDER BY ALL")


EMAIL_PROVIDERS = StoredResult("email_providers", (TABLE,), _build, frozenset({TRACKING, CONTACTS}),
                               (providers_sql, provider_sql, BLOCKED_CODE), needs=(PER_SEND,))


def campaign_providers(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """campaign_id, provider, COUNTS for every campaign (stored at publish, else computed)."""
    live = providers_sql(per_send_source(con))
    return frame(con, f"SELECT * FROM {EMAIL_PROVIDERS.source(con, live)}").with_columns(
        (pl.col("sends") - pl.col("bounces")).alias("delivered"))


def with_rates(counts: pl.DataFrame) -> pl.DataFrame:
    """bounce_rate, block_rate (per send), human_open_rate, click_rate, unsubscribe_rate (per email delivered)."""
    return counts.with_columns(
        rate("bounce_rate"), ratio("blocked", "sends").alias("block_rate"),
        rate("open_rate", numerator="human_opens").alias("human_open_rate"), rate("click_rate"),
        rate("unsubscribe_rate"))


def by_month(providers: pl.DataFrame, campaigns: pl.DataFrame, time_zone: str) -> pl.DataFrame:
    """month (first day, the account's time zone), provider, COUNTS and rates, pooled over the month's campaigns
    (campaigns: campaign_id, send_time in naive UTC)."""
    months = campaigns.select("campaign_id", pl.col("send_time").dt.replace_time_zone("UTC")
                              .dt.convert_time_zone(time_zone).dt.date().dt.truncate("1mo").alias("month"))
    pooled = (providers.join(months, on="campaign_id").group_by("month", "provider")
              .agg(pl.col(c).sum() for c in COUNTS))
    return with_rates(pooled).sort("month", pl.col("provider").replace_strict(
        {p: i for i, p in enumerate(PROVIDERS)}, default=len(PROVIDERS)))


def _others(rows: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """For each provider row, the same counts summed over the other providers of its group (`keys`)."""
    totals = rows.group_by(keys).agg(pl.col(c).sum().alias(f"_all_{c}") for c in COUNTS)
    return rows.join(totals, on=keys).with_columns(
        (pl.col(f"_all_{c}") - pl.col(c)).alias(f"others_{c}") for c in COUNTS).drop(f"_all_{c}" for c in COUNTS)


def month_warnings(monthly: pl.DataFrame) -> pl.DataFrame:
    """month, provider, warning (one sentence), for each provider month the rule above flags, newest first."""
    if monthly.is_empty():
        return pl.DataFrame(schema={"month": pl.Date, "provider": pl.Utf8, "warning": pl.Utf8})
    rows = _others(monthly.select("month", "provider", *COUNTS), ["month"]).sort("provider", "month")
    back = [name for c in ("human_opens", "delivered") for name in (c, f"others_{c}")]
    rows = rows.with_columns(
        pl.col(c).rolling_sum(3, min_samples=3).shift(1).over("provider").alias(f"prev_{c}") for c in back)
    # a previous three months only when those are the three calendar months before
    rows = rows.with_columns(pl.col("month").shift(3).over("provider").alias("_m3")).with_columns(
        pl.when(pl.col("_m3") == pl.col("month").dt.offset_by("-3mo")).then(True).otherwise(False).alias("_has_prev"))
    rows = rows.with_columns(
        ratio("human_opens", "delivered").alias("now_rate"),
        ratio("prev_human_opens", "prev_delivered").alias("prev_rate"),
        ratio("others_human_opens", "others_delivered").alias("others_now"),
        ratio("prev_others_human_opens", "prev_others_delivered").alias("others_prev"),
        ratio("blocked", "sends").alias("block"), ratio("others_blocked", "others_sends").alias("others_block"))
    big = (pl.col("delivered") >= MIN_DELIVERED) & (pl.col("prev_delivered") >= MIN_DELIVERED) & pl.col("_has_prev")
    fell = big & (pl.col("now_rate") <= HALF * pl.col("prev_rate")) & (
        pl.col("others_now") > OTHERS_STEADY * pl.col("others_prev"))
    blocked = (pl.col("sends") >= MIN_DELIVERED) & (pl.col("block") >= BLOCK_ALERT) & (
        pl.col("block") >= BLOCK_TIMES_OTHERS * pl.col("others_block").fill_null(0))
    flagged = rows.with_columns(
        pl.when(fell).then(pl.format(
            "{}: human open rate {} against {} over its previous three months, while the other providers' held "
            "({} against {}). Mail to {} may be going to the junk folder.", pl.col("provider"),
            _pct("now_rate"), _pct("prev_rate"), _pct("others_now"), _pct("others_prev"), pl.col("provider")))
        .alias("_fell"),
        pl.when(blocked).then(pl.format(
            "{}: {} of the emails sent to it were blocked by the provider (the other providers: {}).",
            pl.col("provider"), _pct("block"), _pct("others_block"))).alias("_blocked"))
    out = flagged.filter(pl.col("_fell").is_not_null() | pl.col("_blocked").is_not_null()).select(
        "month", "provider", pl.concat_str([pl.col("_fell"), pl.col("_blocked")], separator=" ", ignore_nulls=True)
        .alias("warning"))
    return out.sort("month", "provider", descending=[True, False])


def email_warnings(one_email: pl.DataFrame) -> list[str]:
    """Providers of one email (provider, COUNTS) whose human open rate is half or less of the other providers'
    together, or whose block rate crossed BLOCK_ALERT and three times theirs (each with MIN_DELIVERED)."""
    if one_email.is_empty():
        return []
    rows = _others(one_email.select("provider", *COUNTS).with_columns(pl.lit(1).alias("_k")), ["_k"])
    out = []
    for r in rows.iter_rows(named=True):
        mine = r["human_opens"] / r["delivered"] if r["delivered"] else None
        theirs = r["others_human_opens"] / r["others_delivered"] if r["others_delivered"] else None
        if (r["delivered"] >= MIN_DELIVERED and r["others_delivered"] >= MIN_DELIVERED and mine is not None
                and theirs and mine <= HALF * theirs):
            out.append(f"{r['provider']}: human open rate {mine:.1%} against {theirs:.1%} at the other providers.")
        block = r["blocked"] / r["sends"] if r["sends"] else 0.0
        others_block = r["others_blocked"] / r["others_sends"] if r["others_sends"] else 0.0
        if r["sends"] >= MIN_DELIVERED and block >= BLOCK_ALERT and block >= BLOCK_TIMES_OTHERS * others_block:
            out.append(f"{r['provider']}: {block:.1%} of the emails sent to it were blocked "
                       f"(the other providers: {others_block:.1%}).")
    return out


def _pct(column: str) -> pl.Expr:
    return (pl.col(column) * 100).round(1).cast(pl.Utf8) + pl.lit("%")


def spam_complaints(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """campaign_id, complaints: Constant Contact's spam complaints per campaign (its summary's `abuse`, else its
    activities' `em_abuse` when every one is known); campaigns with neither are left out (unknown, not 0)."""
    return frame(con, """
        WITH stats AS (SELECT campaign_id, sum(em_abuse) AS abuse, count(em_abuse) = count(*) AS known
                       FROM activity_stats GROUP BY 1)
        SELECT c.campaign_id, CAST(coalesce(s.abuse, CASE WHEN a.known THEN a.abuse END) AS BIGINT) AS complaints
        FROM campaigns c LEFT JOIN campaign_summaries s USING (campaign_id) LEFT JOIN stats a USING (campaign_id)
        WHERE s.abuse IS NOT NULL OR a.known""")


def busiest_days(providers: pl.DataFrame, campaigns: pl.DataFrame, time_zone: str) -> pl.DataFrame:
    """provider, day, sends: each provider's largest day of emails in the data (by each email's first-send day in
    the account's time zone; a resend sent another day counts on its email's first day)."""
    days = campaigns.select("campaign_id", pl.col("send_time").dt.replace_time_zone("UTC")
                            .dt.convert_time_zone(time_zone).dt.date().alias("day"))
    daily = providers.join(days, on="campaign_id").group_by("provider", "day").agg(pl.col("sends").sum())
    return daily.sort("sends", "day", descending=[True, True]).group_by("provider", maintain_order=True).first()
