"""Donate links and the gifts of their clickers, worked by hand."""

from __future__ import annotations

import polars as pl

from cc_data.analytics.email import trends
from tests.app.fixture_db import T0, Rows, memory_db


def test_a_donate_link_is_known_by_its_host_and_path_not_its_campaign_tag() -> None:
    assert trends.is_donate_link("https://org.example/donate?utm_campaign=news")
    assert trends.is_donate_link("https://www.coloradogives.org/riverbend")
    assert not trends.is_donate_link("https://org.example/news?utm_campaign=giving-tuesday-2025")
    assert not trends.is_donate_link(None)


def test_gifts_go_to_the_links_their_givers_clicked() -> None:
    con = memory_db()
    r = Rows(con)
    act = r.campaign("K", "Giving Tuesday 2025")
    for c in ("c1", "c2"):
        r.contact(c)
        r.event(act, c, "sends", T0)
    r.event(act, "c1", "clicks", T0, link="https://o.example/donate")
    r.event(act, "c1", "clicks", T0, link="https://o.example/news")
    r.event(act, "c2", "clicks", T0, link="https://o.example/news")
    gifts = pl.DataFrame({"campaign_id": ["K", "K", "K"], "contact_id": ["c1", "c1", "c2"],
                          "tier": ["click", "click", "open"], "amount": [50.0, -10.0, 20.0],
                          "transaction_id": ["t1", "t1", "t2"], "is_adjustment": [False, True, False]})
    by_link = {r["link_url"]: (r["gifts"], r["revenue"]) for r in trends.link_gifts(con, gifts, ["K"]).to_dicts()}
    # c1's click gift (net of its refund) counts for both links c1 clicked; c2's gift came by an open, not a click
    assert by_link == {"https://o.example/donate": (1, 40.0), "https://o.example/news": (1, 40.0)}
