"""A series year over year, hand-worked: waves and a resend together, unique people, net revenue, equal age."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import polars as pl
import pytest

from cc_data.analytics.email import appeal_years

Y24, Y25 = datetime(2024, 12, 1), datetime(2025, 12, 1)


def h(base: datetime, hours: float | None) -> datetime | None:
    return None if hours is None else base + timedelta(hours=hours)


def frames() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    campaigns = pl.DataFrame({"campaign_id": ["A", "B", "C"], "year": [2024, 2024, 2025],
                              "send_time": [Y24, h(Y24, 50), Y25]})
    # campaign, contact, sent (h), bounced, opened (h), clicked (h); the base is the campaign's year
    rows = [("A", "c1", 0, False, 2, 3), ("A", "c2", 0, False, 30, None), ("A", "c3", 0, True, None, None),
            ("A", "c4", 0, False, None, None),
            ("A", "c4", 26, False, 27, None),     # the resend to non-openers: c4 opens it
            ("B", "c1", 50, False, None, 51),     # wave 2, two days later
            ("C", "c1", 0, False, 1, None), ("C", "c2", 0, False, None, None)]
    base = {"A": Y24, "B": Y24, "C": Y25}
    sends = pl.DataFrame({
        "campaign_id": [r[0] for r in rows], "contact_id": [r[1] for r in rows],
        "sent_at": [h(base[r[0]], r[2]) for r in rows], "bounced": [r[3] for r in rows],
        "first_open_at": [h(base[r[0]], r[4]) for r in rows], "first_click_at": [h(base[r[0]], r[5]) for r in rows]})
    gifts = pl.DataFrame({
        "campaign_id": ["A", "A", "B", "C"], "gift_time": [h(Y24, 5), h(Y24, 6), h(Y24, 52), h(Y25, 10)],
        "amount": [100.0, -20.0, 50.0, 150.0], "donor_id": ["d1", "d1", "d1", "d2"],
        "transaction_id": ["t1", "t1", "t2", "t3"], "is_adjustment": [False, True, False, False]})
    return sends, campaigns, gifts


def year_rows(sends: pl.DataFrame, campaigns: pl.DataFrame, gifts: pl.DataFrame | None, as_of: datetime) -> pl.DataFrame:
    """appeal_years.year_rows over these per-send rows (registered in an in-memory DuckDB, as the stored table)."""
    con = duckdb.connect()
    con.register("hand_worked_sends", sends.to_arrow())
    return appeal_years.year_rows(con, campaigns, gifts, as_of, source="hand_worked_sends")


def row(rows: pl.DataFrame, year: int, age: str) -> dict:
    return rows.filter((pl.col("year") == year) & (pl.col("age") == age)).to_dicts()[0]


def test_each_age_counts_what_had_happened_by_then() -> None:
    rows = year_rows(*frames(), as_of=h(Y25, 48))
    day = row(rows, 2024, "24 h")
    assert (day["emails_sent"], day["people_reached"], day["openers"], day["clickers"]) == (4, 3, 1, 1)
    assert (day["gifts"], day["donors"], day["revenue"]) == (1, 1, 80.0)   # the refund nets the gift down
    assert day["open_rate_per_person"] == pytest.approx(1 / 3)
    assert day["revenue_per_1000"] == pytest.approx(80 / 4 * 1000)

    two = row(rows, 2024, "48 h")   # the resend is an email sent, not a person reached; its opener counts
    assert (two["emails_sent"], two["people_reached"], two["openers"]) == (5, 3, 3)
    assert two["open_rate_per_person"] == pytest.approx(1.0)

    week = row(rows, 2024, "7 days")   # wave 2 joins: c1 is one person and one clicker across both waves
    assert (week["campaigns"], week["emails_sent"], week["people_reached"], week["clickers"]) == (2, 6, 3, 1)
    assert (week["gifts"], week["donors"], week["revenue"]) == (2, 1, 130.0)
    assert week["average_gift"] == pytest.approx(65.0)


def test_change_is_against_the_previous_year_at_the_same_age() -> None:
    rows = year_rows(*frames(), as_of=h(Y25, 48))
    this = row(rows, 2025, "24 h")
    assert this["revenue"] == 150.0
    assert this["change_revenue"] == pytest.approx(150 / 80 - 1)
    assert this["change_open_rate_per_person"] == pytest.approx(1 / 2 - 1 / 3)   # in rate points
    assert row(rows, 2024, "24 h")["change_revenue"] is None           # no 2023
    assert row(rows, 2025, "48 h")["complete"] and not row(rows, 2025, "7 days")["complete"]


def test_without_gifts_the_money_columns_are_zero() -> None:
    sends, campaigns, _ = frames()
    rows = year_rows(sends, campaigns, None, as_of=h(Y25, 48))
    assert rows["revenue"].sum() == 0 and rows["gifts"].sum() == 0
    assert row(rows, 2025, "24 h")["average_gift"] is None
