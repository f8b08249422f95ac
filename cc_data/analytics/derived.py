"""Derived tables: what readers would otherwise compute, stored on a writer's working copy before it publishes.

The store only knows how to publish; a writer passes one of these as `before_publish` (cc_data.store.db.writer):

- `refresh_changed(con)`: what the writer's change touched, as writers record it (cc_data.store.upserts
  `mark_changed`): per-send rows of the contacts in activities whose tracking changed; device and link counts
  of those campaigns; gift attribution after new tracking, gifts or a gift-code mapping; the default scores,
  tier history, audience and segment after new tracking, contacts or gifts. A sync with nothing new refreshes
  nothing; a new campaign costs what its contacts cost.
- `refresh_all(con)`: everything, from the source tables (first builds, tests, a changed rule).

per_send: one row per (campaign activity, contact) with the default machine-open rule (cc_data.analytics.sends),
`meta.per_send_rule` records that rule and the rows' version (sends.rule_stamp): a file built by older code is
rebuilt whole at its next publish. campaign_counts (cc_data.analytics.campaigns: what Overview and every page
start from), campaign_devices and campaign_links (cc_data.analytics.trends): per campaign. Then cc_data.analytics.attribution.refresh_stored, cc_data.analytics.precomputed and
cc_data.analytics.donors_store (the Donors page's inputs, after gifts, contacts, tracking or the mapping changed).
Each runs in one transaction with the marks it consumed.
"""

from __future__ import annotations

import duckdb

from cc_data.analytics import donors_store, precomputed
from cc_data.analytics.attribution import refresh_stored as refresh_attribution
from cc_data.analytics.campaigns import COUNTS_TABLE, counts_sql
from cc_data.analytics.sends import (
    PER_SEND_TABLE,
    RULE_META_KEY,
    MachineOpenRule,
    per_send_sql,
    rule_stamp,
    stored_rule,
)
from cc_data.analytics.trends import DEVICE_ACTIVITY_SQL, DEVICES_TABLE, LINK_CLICKS_SQL, LINKS_TABLE
from cc_data.store import upserts
from cc_data.store.query import table_exists
from cc_data.store.transaction import transaction

ACTIVITY = "activity:"   # mark prefix: tracking rows of this campaign activity changed


def refresh_all(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild every derived table from the source tables, in one transaction."""
    with transaction(con):
        _per_send_all(con)
        refresh_attribution(con)
        _campaign_tables(con, None)
        precomputed.refresh(con)
        donors_store.refresh_stored(con)
        upserts.clear_changed(con)


def refresh_changed(con: duckdb.DuckDBPyConnection) -> None:
    """Refresh what the marked changes touched (everything when the stored tables are missing or stale)."""
    if stored_rule(con) != rule_stamp() or not table_exists(con, DEVICES_TABLE):   # other rule or older code
        refresh_all(con)
        return
    marks = upserts.changed(con)
    if not marks:
        return
    activities = sorted(m[len(ACTIVITY):] for m in marks if m.startswith(ACTIVITY))
    with transaction(con):
        if activities:
            _per_send_of_contacts_in(con, activities)
            _campaign_tables(con, activities)
        if activities or "gifts" in marks:
            refresh_attribution(con)
        elif "mapping" in marks:
            refresh_attribution(con, gifts_only=True)   # the baseline rates do not read the mapping
        if activities or marks & {"contacts", "gifts"}:
            precomputed.refresh(con)
        if activities or marks & {"contacts", "gifts", "mapping"}:   # the mapping decides which emails are appeals
            donors_store.refresh_stored(con)
        upserts.clear_changed(con)


def _per_send_all(con: duckdb.DuckDBPyConnection) -> None:
    rule = MachineOpenRule()
    con.execute(f"CREATE OR REPLACE TABLE {PER_SEND_TABLE} AS "
                f"SELECT * FROM ({per_send_sql(rule)}) ORDER BY campaign_activity_id, contact_id")
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [RULE_META_KEY, rule_stamp(rule)])


def _per_send_of_contacts_in(con: duckdb.DuckDBPyConnection, activities: list[str]) -> None:
    """Per-send rows are per contact across every activity (the machine-open rule reads a contact's habits), so
    the contacts with tracking in the changed activities get all their rows recomputed, and no one else."""
    con.execute("CREATE OR REPLACE TEMP TABLE _changed_contacts AS SELECT DISTINCT contact_id FROM tracking_events "
                "WHERE campaign_activity_id IN (SELECT unnest(?))", [activities])
    con.execute(f"DELETE FROM {PER_SEND_TABLE} WHERE contact_id IN (SELECT contact_id FROM _changed_contacts)")
    con.execute(f"INSERT INTO {PER_SEND_TABLE} SELECT * FROM ({per_send_sql(contacts='_changed_contacts')})")
    con.execute("DROP TABLE _changed_contacts")


def _campaign_tables(con: duckdb.DuckDBPyConnection, activities: list[str] | None) -> None:
    """Campaign counts, device and link counts, per campaign: all of them, or those of the changed activities'
    campaigns (after the per-send rows they are computed from)."""
    if activities is None:
        con.execute(f"CREATE OR REPLACE TABLE {DEVICES_TABLE} AS {DEVICE_ACTIVITY_SQL} ORDER BY ALL")
        con.execute(f"CREATE OR REPLACE TABLE {LINKS_TABLE} AS {LINK_CLICKS_SQL} ORDER BY ALL")
        con.execute(f"CREATE OR REPLACE TABLE {COUNTS_TABLE} AS {counts_sql(con)}")
        return
    campaigns = [r[0] for r in con.execute(
        "SELECT DISTINCT campaign_id FROM campaign_activities WHERE campaign_activity_id IN (SELECT unnest(?))",
        [activities]).fetchall()]
    for table, sql in ((DEVICES_TABLE, DEVICE_ACTIVITY_SQL), (LINKS_TABLE, LINK_CLICKS_SQL)):
        con.execute(f"DELETE FROM {table} WHERE campaign_id IN (SELECT unnest(?))", [campaigns])
        con.execute(f"INSERT INTO {table} SELECT * FROM ({sql}) WHERE campaign_id IN (SELECT unnest(?))", [campaigns])
    # Every campaign's counts, not only these campaigns': a contact's new emails can change whether their opens
    # elsewhere look like machine opens (human_opens of other campaigns).
    con.execute(f"CREATE OR REPLACE TABLE {COUNTS_TABLE} AS {counts_sql(con)}")
