"""Sidebar filters live in the URL (a view can be bookmarked) and show only where they apply."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.app.harness import app_test, open_page


def test_filters_round_trip_through_the_url(app_env: Path) -> None:
    at = app_test()
    at.run()
    types = at.sidebar.multiselect(key="f_types").options
    at.sidebar.multiselect(key="f_types").select(types[0]).run()
    at.sidebar.text_input(key="f_name").input("Appeal").run()
    start, end = at.sidebar.date_input(key="f_dates").value
    shared = {key: value if isinstance(value, list) else [value] for key, value in at.query_params.items()}
    assert shared["type"] == [types[0]] and shared["name"] == ["Appeal"]
    assert shared["from"] == [start.isoformat()] and shared["to"] == [end.isoformat()]

    opened = app_test()   # a new session opening the shared link
    for key, values in shared.items():
        opened.query_params[key] = values
    opened.run()
    assert opened.sidebar.multiselect(key="f_types").value == [types[0]]
    assert opened.sidebar.text_input(key="f_name").value == "Appeal"
    assert opened.sidebar.date_input(key="f_dates").value == (start, end)


def test_a_bad_date_in_the_url_is_ignored(app_env: Path) -> None:
    at = app_test()
    at.query_params["from"] = "not-a-date"
    at.query_params["to"] = "2025-01-01"
    at.run()
    assert not at.exception
    start, end = at.sidebar.date_input(key="f_dates").value
    assert isinstance(start, date) and start <= end


def test_filters_that_do_not_apply_are_not_shown_and_are_kept(app_env: Path) -> None:
    at = app_test()
    at.run()
    at.sidebar.text_input(key="f_name").input("Appeal").run()
    open_page(at, "pages/engagement.py")
    assert not [w for w in at.sidebar.text_input if w.key == "f_name"]
    open_page(at, "pages/compare_appeals.py")
    assert not [w for w in at.sidebar.date_input if w.key == "f_dates"]   # year over year ignores the dates
    open_page(at, "pages/overview.py")
    assert at.sidebar.text_input(key="f_name").value == "Appeal"
