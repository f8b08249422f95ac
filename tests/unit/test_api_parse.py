"""Every form the official spec or the reference documents for a value reads to the same stored value.

One test per documented form (reference §0.4, §0.5, §0.6, §1 IDs, §5 dates), each worked by hand."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from cc_data.api import parse

NOON_UTC = datetime(2024, 10, 30, 12, 0, 0)


@pytest.mark.parametrize("value", ["2024-10-30T12:00:00.000Z", "2024-10-30T12:00:00Z", "2024-10-30T12:00:00.000+00:00",
                                   "2024-10-30T07:00:00-05:00", "2024-10-30T07:00:00.000-05:00",
                                   "2024-10-30T07:00:00-0500", "2024-10-30T17:30:00+05:30"])
def test_timestamps_with_or_without_milliseconds_z_or_offset_are_one_instant(value):
    assert parse.timestamp(value) == NOON_UTC


def test_a_naive_timestamp_is_taken_as_utc_and_a_date_as_its_midnight():
    assert parse.timestamp("2024-10-30T12:00:00") == NOON_UTC
    assert parse.timestamp("2024-10-30") == datetime(2024, 10, 30)


def test_milliseconds_are_kept():
    assert parse.timestamp("2024-10-30T12:00:00.250Z") == datetime(2024, 10, 30, 12, 0, 0, 250000)


@pytest.mark.parametrize("value", ["2016-07-08", "2016-07-08T00:00:00Z", "2016-07-08T10:00:00.000Z"])
def test_deleted_at_as_a_date_or_a_timestamp(value):
    assert parse.day(value) == date(2016, 7, 8)


@pytest.mark.parametrize("value", [3129, "3129", " 3129 ", 3129.0, "3129.0"])
def test_counts_as_integers_or_numeric_strings(value):
    assert parse.count(value) == 3129


@pytest.mark.parametrize("value", ["many", "12.5", True, [], {}])
def test_a_count_that_is_no_number_is_unreadable_and_says_what_came(value):
    with pytest.raises(parse.Unreadable) as caught:
        parse.count(value, "unique_counts.opens")
    assert "unique_counts.opens" in str(caught.value)


def test_an_absent_count_is_unknown_not_zero():
    assert parse.count(None) is None


@pytest.mark.parametrize("value", [{"open": 21.5, "click": "2.1"}, [{"open": "21.5", "click": 2.1}]])
def test_aggregate_percents_as_an_object_or_a_one_element_array(value):
    assert parse.percents(value) == {"open": 21.5, "click": 2.1}


def test_aggregate_percents_with_two_elements_is_unreadable():
    with pytest.raises(parse.Unreadable):
        parse.percents([{"open": 1}, {"open": 2}])


@pytest.mark.parametrize("value", [1712, "1712"])
def test_segment_id_as_an_integer_or_a_string(value):
    assert parse.count(value, "segment_id") == 1712


@pytest.mark.parametrize("body", [{}, {"_links": None}, {"_links": {}}, {"_links": {"next": None}},
                                  {"_links": {"next": {}}}, {"_links": {"next": {"href": None}}}])
def test_every_documented_last_page(body):
    assert parse.next_href(body) is None


def test_next_links_in_the_plain_and_the_tags_shape():
    assert parse.next_href({"_links": {"next": {"href": "/v3/contacts?cursor=abc"}}}) == "/v3/contacts?cursor=abc"
    assert parse.next_href({"_links": {"next": {"next": {"href": "/v3/contact_tags?cursor=d"}}}}) == \
        "/v3/contact_tags?cursor=d"


def test_a_page_without_its_list_is_unreadable():
    with pytest.raises(parse.Unreadable, match=r"\$\.tags: expected a list, got None"):
        parse.items({"_links": {}}, "tags")


def test_url_id_as_a_number_becomes_its_text():
    assert parse.text(1234567890123) == "1234567890123"


def test_unique_opens_rows_read_as_opens():
    from cc_data.sync.records import tracking_row
    row = tracking_row({"contact_id": "c", "tracking_activity_type": "em_unique_opens",
                        "created_time": "2024-10-30T12:00:00Z"}, "A", "em_opens")
    assert row["tracking_activity_type"] == "em_opens" and row["created_time"] == NOON_UTC


def test_absent_stats_and_unique_counts_keys_in_a_present_object_are_unknown():
    from cc_data.sync.records import activity_stats, campaign_summary
    stats = activity_stats({"campaign_activity_id": "A", "stats": {"em_sends": "10"}}, NOON_UTC)["activity_stats"][0]
    assert stats["em_sends"] == 10 and stats["em_clicks"] is None   # unknown, never 0 (issue 19)
    summary = campaign_summary({"campaign_id": "C"}, NOON_UTC)["campaign_summaries"][0]
    assert summary["opens"] is None  # no unique_counts object at all: unknown
