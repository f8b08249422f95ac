"""A real sync of the sandbox (which counts as Constant Contact's summary does) reconciles with 0 differences."""

from __future__ import annotations

import polars as pl

from cc_data.analytics.email import campaigns, reconcile
from cc_data.store.db import read
from cc_data.sync.runner import run_sync
from tests.integration.conftest import settings_for


def test_synced_sandbox_reconciles_with_no_difference(start_sandbox, tmp_path):
    sandbox = start_sandbox()
    settings = settings_for(sandbox, tmp_path)
    assert run_sync(settings).outcome == "success"
    with read(settings.db_path) as con:
        # The account must hold what the definitions are about: auto-replies and people who opened a campaign's
        # primary email and its resend.
        auto_replies = con.sql("SELECT count(*) FROM tracking_events WHERE bounce_code = 'V'").fetchall()[0][0]
        opened_both = con.sql("""
            SELECT count(*) FROM (SELECT a.campaign_id, e.contact_id FROM tracking_events e
                JOIN campaign_activities a USING (campaign_activity_id)
                WHERE e.tracking_activity_type = 'em_opens' AND a.role IN ('primary_email', 'resend')
                GROUP BY ALL HAVING count(DISTINCT a.role) = 2)""").fetchall()[0][0]
        rec = reconcile.reconciliation(con, campaigns.campaign_counts_in_db(con))
    assert auto_replies > 0 and opened_both > 0
    assert rec.height > 3 and rec["sends_cc"].null_count() == 0
    differing = rec.filter(pl.col("mismatches") > 0)
    assert differing.height == 0, differing.select("name", *[f"{c}_diff" for c in reconcile.RECONCILED], "reason")
