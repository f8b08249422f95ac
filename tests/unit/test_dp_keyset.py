"""Keyset paging reads a page whole before it moves on: a record without a field asked for, or with a key
that is not above the last one, ends the sync instead of being stored half or skipped."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from cc_data.donations.dp_client import DonorPerfectClient, DonorPerfectError
from cc_data.donations.dp_sync import donor_from_dp, gift_from_dp

FIELDS = ("gift_id", "amount")


def client_answering(*pages: list[dict[str, str]]) -> tuple[DonorPerfectClient, list[str]]:
    client = DonorPerfectClient("http://127.0.0.1:1/prod/xmlrequest.asp", "unit-key")
    asked: list[str] = []
    answers = iter(pages)

    def query(action: str) -> list[dict[str, str]]:
        asked.append(action)
        return next(answers)

    client.query = query   # type: ignore[method-assign]
    return client, asked


def test_pages_follow_the_highest_key_read(monkeypatch):
    monkeypatch.setattr("cc_data.donations.dp_client.PAGE_SIZE", 2)
    client, asked = client_answering([{"gift_id": " 5", "amount": "1"}, {"gift_id": "9", "amount": "2"}],
                                     [{"gift_id": "12", "amount": "3"}])
    pages = list(client.keyset("DPGIFT", "gift_id", FIELDS, since=date(2024, 5, 31)))
    assert [len(page) for page in pages] == [2, 1]
    assert asked == [
        "SELECT TOP 2 gift_id, amount FROM DPGIFT WHERE gift_id > 0 AND COALESCE(modified_date, created_date) "
        ">= '05/31/2024' ORDER BY gift_id",
        "SELECT TOP 2 gift_id, amount FROM DPGIFT WHERE gift_id > 9 AND COALESCE(modified_date, created_date) "
        ">= '05/31/2024' ORDER BY gift_id",
    ]


@pytest.mark.parametrize(("record", "problem"), [
    ({"gift_id": "5"}, "record 1 lacks amount"),
    ({"amount": "1"}, "record 1 lacks gift_id"),
    ({"gift_id": "", "amount": "1"}, "record 1 has gift_id ''"),
    ({"gift_id": "5.5", "amount": "1"}, "record 1 has gift_id '5.5'"),
    ({"gift_id": "0", "amount": "1"}, "record 1 has gift_id '0'"),     # not above the last key: paging would loop
])
def test_a_page_that_is_not_what_was_asked_for_ends_the_sync(record, problem):
    client, _ = client_answering([record])
    with pytest.raises(DonorPerfectError, match=f"could not be read: {problem}"):
        list(client.keyset("DPGIFT", "gift_id", FIELDS))


def test_an_entry_date_without_a_time_stores_no_time_in_either_form():
    base = {"gift_id": "1", "donor_id": "2", "gift_date": "1/10/2018", "amount": "-10", "record_type": "G"}
    forms = ["1/10/2018", "01/10/2018 00:00:00", "1/10/2018 12:00:00 AM"]
    assert {gift_from_dp(base | {"created_date": text})["created_date"] for text in forms} == {None}
    assert gift_from_dp(base | {"created_date": "1/10/2018 3:26:29 PM"})["created_date"] == datetime(2018, 1, 10, 15, 26, 29)
    donor = {"donor_id": " 640", "created_date": "4/5/2018", "modified_date": ""}
    assert (donor_from_dp(donor)["created_date"], donor_from_dp(donor)["modified_date"]) == (datetime(2018, 4, 5), None)
