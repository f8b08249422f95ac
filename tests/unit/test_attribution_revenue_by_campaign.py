"""Revenue per campaign from the attributed gifts alone (what the Overview needs) agrees with campaign_revenue."""

from __future__ import annotations

import polars as pl
from test_attribution_support import Account

from cc_data.analytics.attribution.credit import campaign_revenue, gift_attribution, revenue_by_campaign


def test_revenue_by_campaign_matches_campaign_revenue_without_reading_tracking_rows() -> None:
    acct = (Account().contact("c1", "a@x.org").campaign("K1", "Year-End Appeal 2024", "A1", "A1r")
            .campaign("K2", "Spring Appeal 2025", "A2").donor("D1", "a@x.org", "c1"))
    acct.event("A1", "c1", "clicks", "2024-12-02 09:00").code("solicit_code", "SP25", "K2")
    acct.gift("g1", "D1", 100, "2024-12-02", created="2024-12-02 10:00")
    acct.gift("g2", "D1", 30, "2024-12-03", solicit_code="SP25")
    acct.gift("a1", "D1", -40, "2024-12-20", record_type="A", glink="g1")
    gifts = gift_attribution(acct.con)
    columns = ["campaign_id", "gifts", "donors", "revenue", "coded_revenue", "click_revenue", "open_revenue",
               "sent_not_opened_revenue"]
    quick = revenue_by_campaign(gifts).select(columns).sort("campaign_id")
    full = campaign_revenue(acct.con, gifts=gifts).filter(pl.col("revenue") != 0).select(columns).sort("campaign_id")
    assert quick.to_dicts() == full.to_dicts()
    assert dict(zip(quick["campaign_id"], quick["revenue"], strict=True)) == {"K1": 60.0, "K2": 30.0}
