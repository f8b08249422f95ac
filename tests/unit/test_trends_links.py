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


def test_one_page_linked_from_several_appeals_with_their_own_tags_is_one_top_link() -> None:
    """Top links listed riverbendfoodbank.org/donate five times (one row per appeal's utm_campaign tag, the tags
    hidden on screen); the per-email report counted it once. A link is its address without tracking tags."""
    con = memory_db()
    r = Rows(con)
    first, second = r.campaign("K", "Year-End Appeal 2025"), r.campaign("L", "Giving Tuesday 2025")
    for c in ("c1", "c2", "c3"):
        r.contact(c)
        r.event(first, c, "sends", T0)
        r.event(second, c, "sends", T0)
    r.event(first, "c1", "clicks", T0, link="https://o.example/donate?utm_campaign=year-end-2025&utm_source=cc")
    r.event(first, "c1", "clicks", T0, link="https://o.example/donate?utm_campaign=year-end-2025&utm_source=cc")
    r.event(first, "c2", "clicks", T0, link="https://o.example/donate?utm_campaign=year-end-2025&fund=food")
    r.event(second, "c3", "clicks", T0, link="https://o.example/donate?utm_campaign=giving-tuesday-2025")
    top = trends.top_links(trends.link_clicks(con), ["K", "L"])
    # two pages: /donate (c1 twice and c3, two campaigns) and /donate?fund=food (its own query chooses the page)
    assert top.select("link_url", "clickers", "clicks", "campaigns").rows() == [
        ("https://o.example/donate", 2, 3, 2), ("https://o.example/donate?fund=food", 1, 1, 1)]
    gifts = pl.DataFrame({"campaign_id": ["K", "L"], "contact_id": ["c1", "c3"], "tier": ["click", "click"],
                          "amount": [50.0, 30.0], "transaction_id": ["t1", "t2"], "is_adjustment": [False, False]})
    joined = trends.links_with_gifts(top, trends.link_gifts(con, gifts, ["K", "L"]))
    assert joined.select("link_url", "gifts", "revenue").rows()[0] == ("https://o.example/donate", 2, 80.0)
