"""Every stored result, and the refresh a writer runs on its working copy before it publishes.

The store only knows how to publish; a writer passes one of these as `before_publish` (cc_data.store.db.writer):

- `refresh_changed(con)`: what the writer's change touched, as writers record it (cc_data.store.upserts
  `mark_changed`: `activity:<id>` when a campaign activity got new tracking rows, `contacts`, `gifts`, `mapping`).
  A result is rebuilt from scratch when it was not built by this code (its stamp differs, or a table is missing),
  refreshed for the change when the change is one it is stale on or a result it reads was refreshed, and left
  alone otherwise: a sync that found nothing new recomputes nothing.
- `refresh_all(con)`: every result from scratch (first builds, tests).

REGISTRY lists the results in build order (a result after those it reads). Adding a derived table is one entry:
declare a StoredResult beside its query (cc_data.analytics.stored.registry) and list it here.
"""

from __future__ import annotations

import duckdb

from cc_data.analytics.attribution.stored import EVIDENCE, GIFTS_STORED
from cc_data.analytics.audience import list_growth, precomputed
from cc_data.analytics.donors.stored import DONOR_STORE
from cc_data.analytics.email import campaigns, deliverability, report, sends, trends
from cc_data.analytics.stored.registry import TRACKING, Changes, StoredResult
from cc_data.store import upserts
from cc_data.store.transaction import transaction

ACTIVITY = "activity:"   # mark prefix: tracking rows of this campaign activity changed
# `precomputed` (scores, tiers and their parts, in polars) comes last but for what reads it: the tables it writes
# stay in the open transaction's memory and would sit under the peaks of the steps after it (bench/results/dlt.md).
REGISTRY: tuple[StoredResult, ...] = (
    sends.PER_SEND, campaigns.COUNTS, trends.DEVICES, trends.LINKS, EVIDENCE, GIFTS_STORED,
    report.EMAIL_REASONS, deliverability.EMAIL_PROVIDERS, list_growth.LIST_GROWTH, precomputed.PRECOMPUTED,
    DONOR_STORE,
)


def _changes(marks: set[str]) -> Changes:
    activities = tuple(sorted(m[len(ACTIVITY):] for m in marks if m.startswith(ACTIVITY)))
    kinds = {m for m in marks if not m.startswith(ACTIVITY)} | ({TRACKING} if activities else set())
    return Changes(frozenset(kinds), activities)


def refresh_all(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild every stored result from the source tables, in one transaction."""
    with transaction(con):
        for result in REGISTRY:
            result.refresh(con, None)
        upserts.clear_changed(con)


def refresh_changed(con: duckdb.DuckDBPyConnection) -> None:
    """Refresh what the marked changes touched, and whatever this code did not build, in one transaction."""
    changes = _changes(upserts.changed(con))
    with transaction(con):
        refreshed: set[str] = set()
        for result in REGISTRY:
            if not result.built(con):
                result.refresh(con, None)
            elif changes.kinds & result.stale_on or any(n.name in refreshed for n in result.needs):
                result.refresh(con, changes)
            else:
                continue
            refreshed.add(result.name)
        upserts.clear_changed(con)
