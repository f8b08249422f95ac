"""Sidebar filters survive page changes and change the numbers; the segment builder counts live."""

from __future__ import annotations

from pathlib import Path

import duckdb
from streamlit.testing.v1 import AppTest

from cc_data.analytics.audience import reach as audience
from cc_data.analytics.audience import segments
from cc_data.analytics.email import campaigns, sends
from tests.app.harness import app_test, open_page
from tests.segment_oracle import expected_segment

ROOT = Path(__file__).resolve().parents[2]


def app() -> AppTest:
    at = app_test()
    at.run()
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_type_filter_changes_kpis_and_survives_a_page_change(app_env: Path) -> None:
    at = app()
    all_delivered = metric(at, "Delivered")
    at.sidebar.multiselect(key="f_types").select("Newsletter").run()
    with duckdb.connect(str(app_env), read_only=True) as con:
        counts = campaigns.campaign_counts(sends.per_send(con), campaigns.campaign_catalog(con))
    start, end = at.sidebar.date_input(key="f_dates").value
    expected = campaigns.apply_filters(counts, campaigns.Filters(start, end, ("Newsletter",)))["delivered"].sum()
    assert metric(at, "Delivered") == f"{expected:,}" != all_delivered
    open_page(at, "pages/campaign_trends.py")
    open_page(at, "pages/overview.py")
    assert at.sidebar.multiselect(key="f_types").value == ["Newsletter"]
    assert metric(at, "Delivered") == f"{expected:,}"


def test_name_filter_with_no_match_explains_itself(app_env: Path) -> None:
    at = app()
    open_page(at, "pages/campaign_trends.py")
    at.sidebar.text_input(key="f_name").input("no such campaign").run()
    assert any("No campaigns match" in i.value for i in at.info)
    assert not at.exception


def test_segment_builder_counts_match_the_analytics_function(app_env: Path) -> None:
    at = app()
    open_page(at, "pages/reengagement.py")
    with duckdb.connect(str(app_env), read_only=True) as con:
        per, people = sends.per_send(con), audience.audience(con)
        as_of = sends.latest_activity_at(con)

    def expected(**criteria) -> str:
        return f"{expected_segment(people, per, segments.SegmentCriteria(**criteria), as_of).height:,}"

    assert metric(at, "Contacts in this segment") == expected()
    at.slider(key="seg_inactive").set_value(90).run()
    at.number_input(key="seg_min_emails").set_value(2).run()
    assert metric(at, "Contacts in this segment") == expected(inactive_days=90, min_emails=2)
    at.checkbox(key="seg_no_machine").check().run()
    assert metric(at, "Contacts in this segment") == expected(inactive_days=90, min_emails=2,
                                                              exclude_machine_only_openers=True)
    assert not at.exception
