"""Counts recomputed from tracking rows against Constant Contact's own summary counts, per campaign."""

from __future__ import annotations

import duckdb
import polars as pl

from cc_data.store.query import frame

RECONCILED = ("sends", "opens", "clicks", "bounces", "optouts", "forwards")


def reconciliation(con: duckdb.DuckDBPyConnection, campaigns: pl.DataFrame) -> pl.DataFrame:
    """campaign_id, name, send_time, then for each count: <count>_ours, <count>_cc, <count>_diff (ours − CC),
    and mismatches (how many counts differ). `campaigns` is the recomputed campaign frame (unique contacts
    per activity, all bounce codes counted as CC counts them)."""
    summaries = frame(con, f"SELECT campaign_id, {', '.join(RECONCILED)} FROM campaign_summaries")
    bounces_all = frame(con, """
        SELECT a.campaign_id, count(DISTINCT (e.campaign_activity_id, e.contact_id)) AS bounces_all
        FROM tracking_events e JOIN campaign_activities a USING (campaign_activity_id)
        WHERE e.tracking_activity_type = 'em_bounces' AND a.role IN ('primary_email', 'resend') GROUP BY 1""")
    ours = (campaigns.join(bounces_all, on="campaign_id", how="left")
            .with_columns(pl.col("bounces_all").fill_null(0).alias("bounces"))
            .select("campaign_id", "name", "send_time", *RECONCILED))
    joined = ours.join(summaries, on="campaign_id", how="full", suffix="_cc", coalesce=True)
    exprs = []
    for count in RECONCILED:
        exprs += [pl.col(count).cast(pl.Int64).alias(f"{count}_ours"), pl.col(f"{count}_cc").cast(pl.Int64),
                  (pl.col(count).cast(pl.Int64) - pl.col(f"{count}_cc").cast(pl.Int64)).alias(f"{count}_diff")]
    out = joined.select("campaign_id", "name", "send_time", *exprs)
    mismatches = pl.sum_horizontal([(pl.col(f"{c}_diff").fill_null(1) != 0).cast(pl.Int64) for c in RECONCILED])
    return out.with_columns(mismatches.alias("mismatches")).sort("send_time", descending=True, nulls_last=True)
