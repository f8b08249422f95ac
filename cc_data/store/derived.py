"""Derived tables, rebuilt on the working copy just before every publish, so readers never compute them.

`refresh(con)` is called by `Writer.publish()`; it must be idempotent and only read the source tables.

per_send: one row per (campaign activity, contact) with the default machine-open rule (see
cc_data.analytics.sends), ordered by campaign_activity_id; `meta.per_send_rule` records that rule so a reader
can tell whether the table holds the rows it wants. campaign_devices and campaign_links: per-campaign device
and link counts for Campaign trends (cc_data.analytics.trends). Then the default scores, tier history,
audience and re-engagement segment (cc_data.analytics.precomputed).
"""

from __future__ import annotations

import duckdb

from cc_data.analytics import precomputed
from cc_data.analytics.sends import PER_SEND_TABLE, RULE_META_KEY, MachineOpenRule, per_send_sql
from cc_data.analytics.trends import DEVICE_ACTIVITY_SQL, DEVICES_TABLE, LINK_CLICKS_SQL, LINKS_TABLE


def refresh(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild every derived table from the source tables, in one transaction."""
    rule = MachineOpenRule()
    con.execute("BEGIN")
    try:
        con.execute(f"CREATE OR REPLACE TABLE {PER_SEND_TABLE} AS "
                    f"SELECT * FROM ({per_send_sql(rule)}) ORDER BY campaign_activity_id, contact_id")
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [RULE_META_KEY, rule.to_json()])
        from cc_data.analytics.attribution import refresh_stored  # gift attribution for the standard windows
        refresh_stored(con)
        con.execute(f"CREATE OR REPLACE TABLE {DEVICES_TABLE} AS {DEVICE_ACTIVITY_SQL} ORDER BY ALL")
        con.execute(f"CREATE OR REPLACE TABLE {LINKS_TABLE} AS {LINK_CLICKS_SQL} ORDER BY ALL")
        precomputed.refresh(con)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
