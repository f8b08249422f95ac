"""Counts recomputed from tracking rows against Constant Contact's own summary counts, per campaign.

Both sides count the way Constant Contact's campaign summary does (email.campaigns.COUNTS_SQL):
sends add up over a campaign's activities, the other counts are unique contacts per campaign, and bounces are
of every code (auto-replies included). A difference is then something real, listed first, largest first, with
its likely reason where one is known.

Opens: Constant Contact's own UI now separates confirmed opens from proxy (machine, e.g. Apple Mail Privacy
Protection) opens, but the API's summary and tracking rows do not: both sides here count every open.
"""

from __future__ import annotations

import duckdb
import polars as pl

from cc_data.store.query import frame

RECONCILED = ("sends", "opens", "clicks", "bounces", "optouts", "forwards")
OPENS_NOTE = ("Opens are every open the API reports: Constant Contact's own UI now shows confirmed and proxy "
              "(machine, e.g. Apple Mail Privacy Protection) opens apart, the API does not, so both sides here "
              "include proxy opens.")
REASONS = {
    "no_summary": "no Constant Contact summary synced for this campaign (the summary lists the 500 most recent)",
    "no_tracking": "no tracking rows synced for this campaign yet",
    "stale_summary": "tracking rows newer than the summary: the next sync refreshes the summary",
    "scanner_opens": "Constant Contact leaves out opens it attributes to email-security scanners",
}


def reconciliation(con: duckdb.DuckDBPyConnection, campaigns: pl.DataFrame) -> pl.DataFrame:
    """campaign_id, name, send_time, then for each count: <count>_ours, <count>_cc, <count>_diff (ours − CC);
    auto_replies (our V bounces, part of bounces_ours), mismatches (how many counts differ), difference (Σ |diff|,
    a missing side counting as its whole count) and reason (the likely cause, or null). Campaigns with differences
    come first, largest difference first, then newest first. `campaigns` is campaigns.campaign_counts(...)."""
    summaries = frame(con, f"SELECT campaign_id, {', '.join(RECONCILED)}, synced_at FROM campaign_summaries")
    latest = frame(con, """
        SELECT a.campaign_id, max(e.created_time) AS latest_event FROM tracking_events e
        JOIN campaign_activities a USING (campaign_activity_id)
        WHERE a.role IN ('primary_email', 'resend') GROUP BY 1""")
    extra = [c for c in ("auto_replies",) if c in campaigns.columns]
    ours = campaigns.select("campaign_id", "name", "send_time", *RECONCILED, *extra)
    joined = (ours.join(summaries, on="campaign_id", how="full", suffix="_cc", coalesce=True)
              .join(latest, on="campaign_id", how="left"))
    exprs = []
    for count in RECONCILED:
        exprs += [pl.col(count).cast(pl.Int64).alias(f"{count}_ours"), pl.col(f"{count}_cc").cast(pl.Int64),
                  (pl.col(count).cast(pl.Int64) - pl.col(f"{count}_cc").cast(pl.Int64)).alias(f"{count}_diff")]
    out = joined.select("campaign_id", "name", "send_time", *exprs, *extra, "synced_at", "latest_event")
    mismatches = pl.sum_horizontal([(pl.col(f"{c}_diff").fill_null(1) != 0).cast(pl.Int64) for c in RECONCILED])
    size = pl.sum_horizontal([pl.coalesce(pl.col(f"{c}_diff").abs(), pl.col(f"{c}_ours"), pl.col(f"{c}_cc"))
                              .fill_null(0) for c in RECONCILED])
    return (out.with_columns(mismatches.alias("mismatches"), size.alias("difference"))
            .with_columns(_reason().alias("reason"))
            .sort([pl.col("mismatches") > 0, "difference", "send_time"], descending=True, nulls_last=True)
            .drop("synced_at", "latest_event"))


def _reason() -> pl.Expr:
    others_match = pl.all_horizontal([pl.col(f"{c}_diff") == 0 for c in RECONCILED if c != "opens"])
    return (pl.when(pl.col("mismatches") == 0).then(None)
            .when(pl.col("sends_cc").is_null()).then(pl.lit(REASONS["no_summary"]))
            .when(pl.col("sends_ours").is_null()).then(pl.lit(REASONS["no_tracking"]))
            .when(pl.col("synced_at").is_not_null() & (pl.col("latest_event") > pl.col("synced_at")))
            .then(pl.lit(REASONS["stale_summary"]))
            .when(others_match & (pl.col("opens_diff") > 0)).then(pl.lit(REASONS["scanner_opens"]))
            .otherwise(None))
