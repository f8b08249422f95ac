"""Donor gain/loss on a small hand-made donor file: every expected number is worked out by hand below.

Calendar fiscal years (January start) unless a test says otherwise. The file, year by year (net giving):

donor  2022  2023  2024        2025                         category in 2025
D1      -     -     -          100                          new
D2      -     -     50         30 + 50 = 80 (+ a $300 soft credit, never counted)   upgraded
D3      -     25    25         25                           same
D4      -     -     200        120                          downgraded
D5      40    -     -          60                           recaptured (lapsed in 2023 and 2024)
D6      -     -     75 (Dec 31, the fiscal year's last day)  -  lapsed, new last year
D7      -     30    30         -                            lapsed, repeat
D8      -     100   100        500 refunded (refund entered Jan 5, 2026, naming the gift): 0   lapsed, repeat
D9      -     -     10         a $1,000 pledge only (never counted)   lapsed, new last year
D12     20    -     -          -                            (none: SYBUNT)
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import polars as pl
import pytest

from cc_data.analytics import export
from cc_data.analytics.audience import reach as audience
from cc_data.analytics.donors.email import first_gifts, first_gifts_by_year
from cc_data.analytics.donors.view import lapsing_lists, load, year_view
from cc_data.analytics.donors.years import donor_years, gain_loss, gift_rows, summarise
from cc_data.analytics.rules.fiscal_years import fiscal_year, fiscal_year_span
from cc_data.store.schema import migrate
from tests.app.fixture_db import Rows

GIFTS = [  # gift_id, donor_id, record_type, gift_date, amount, glink
    ("g1", "D1", "G", date(2025, 3, 1), 100, None),
    ("g2a", "D2", "G", date(2024, 5, 1), 50, None),
    ("g2b", "D2", "G", date(2025, 2, 1), 30, None), ("g2c", "D2", "G", date(2025, 11, 1), 50, None),
    ("g2s", "D2", "S", date(2025, 6, 1), 300, None),
    ("g3a", "D3", "G", date(2023, 4, 1), 25, None), ("g3b", "D3", "G", date(2024, 4, 1), 25, None),
    ("g3c", "D3", "G", date(2025, 4, 1), 25, None),
    ("g4a", "D4", "G", date(2024, 6, 1), 200, None), ("g4b", "D4", "G", date(2025, 6, 1), 120, None),
    ("g5a", "D5", "G", date(2022, 9, 1), 40, None), ("g5b", "D5", "G", date(2025, 9, 1), 60, None),
    ("g6", "D6", "G", date(2024, 12, 31), 75, None),
    ("g7a", "D7", "G", date(2023, 7, 1), 30, None), ("g7b", "D7", "G", date(2024, 7, 1), 30, None),
    ("g8a", "D8", "G", date(2023, 8, 1), 100, None), ("g8b", "D8", "G", date(2024, 8, 1), 100, None),
    ("g8c", "D8", "G", date(2025, 8, 1), 500, None), ("g8r", "D8", "A", date(2026, 1, 5), -500, "g8c"),
    ("g9a", "D9", "G", date(2024, 10, 1), 10, None), ("g9p", "D9", "P", date(2025, 10, 1), 1000, None),
    ("g12", "D12", "G", date(2022, 3, 1), 20, None),
]
CONTACT_OF = {"D1": "c1", "D2": "c2", "D3": "c3", "D4": "c4", "D7": "c7", "D8": "c8", "D9": "c9", "D12": "c12"}


def _add_gifts(con: duckdb.DuckDBPyConnection, gifts: list[tuple]) -> None:
    for gift_id, donor, kind, day, amount, glink in gifts:
        con.execute("INSERT INTO gifts (gift_id, donor_id, record_type, gift_date, amount, glink) "
                    "VALUES (?, ?, ?, ?, ?, ?)", [gift_id, donor, kind, day, amount, glink])


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    migrate(con)
    rows = Rows(con)
    for donor in sorted({g[1] for g in GIFTS}):
        contact = CONTACT_OF.get(donor)
        con.execute("INSERT INTO donors (donor_id, first_name, last_name, cc_contact_id) VALUES (?, ?, ?, ?)",
                    [donor, "First" + donor, "Last" + donor, contact])
    for donor, contact in CONTACT_OF.items():
        permission = "unsubscribed" if donor == "D7" else "implicit"
        rows.contact(contact, permission, created_at=datetime(2021, 1, 1))
    con.execute("UPDATE contacts SET opt_in_date = '2021-01-01'")
    rows.contact("c20", created_at=datetime(2021, 1, 1))   # a subscriber who never gave
    appeal = rows.campaign("A", "Spring Appeal 2025", "FUNDRAISER")
    news = rows.campaign("N", "May Newsletter 2025", "Newsletter")
    for contact in ("c1", "c2", "c4", "c7", "c9", "c20"):
        rows.event(appeal, contact, "sends", datetime(2025, 2, 27, 10))
    rows.event(appeal, "c1", "clicks", datetime(2025, 2, 28, 9))
    rows.event(appeal, "c2", "clicks", datetime(2025, 2, 28, 9))
    rows.event(news, "c3", "sends", datetime(2025, 5, 6, 10))
    rows.event(news, "c3", "opens", datetime(2025, 5, 6, 15))
    rows.event(news, "c9", "sends", datetime(2025, 11, 20, 10))
    rows.event(news, "c9", "clicks", datetime(2025, 11, 20, 11))
    rows.event(news, "c8", "sends", datetime(2023, 5, 6, 10))
    rows.event(news, "c8", "optouts", datetime(2023, 5, 6, 11))   # unsubscribed after the opt-in
    _add_gifts(con, GIFTS)
    return con


def test_every_category_of_2025(con: duckdb.DuckDBPyConnection) -> None:
    per_donor = gain_loss(donor_years(con), 2025)
    got = dict(zip(per_donor["donor_id"], per_donor["category"], strict=True))
    assert got == {"D1": "new", "D2": "upgraded", "D3": "same", "D4": "downgraded", "D5": "recaptured",
                   "D6": "lapsed_new", "D7": "lapsed_repeat", "D8": "lapsed_repeat", "D9": "lapsed_new"}
    s = summarise(per_donor, 2025)
    assert s.donors == 5 and s.previous_donors == 7           # D1 D2 D3 D4 D5; D2 D3 D4 D6 D7 D8 D9
    assert s.amount == 100 + 80 + 25 + 120 + 60
    assert s.previous_amount == 50 + 25 + 200 + 75 + 30 + 100 + 10
    assert s.retained == 3
    assert s.donor_retention == pytest.approx(3 / 7)
    assert s.dollar_retention == pytest.approx((80 + 25 + 120) / 490)
    assert s.new_donor_retention == pytest.approx(2 / 4)      # 2024's new: D2 D4 (kept), D6 D9 (lapsed)
    assert s.repeat_donor_retention == pytest.approx(1 / 3)   # 2024's repeat: D3 (kept), D7 D8 (lapsed)
    assert s.amounts["upgraded"] == 80 and s.previous_amounts["upgraded"] == 50
    assert s.previous_amounts["lapsed_repeat"] == 130 and s.amounts["lapsed_repeat"] == 0


def test_a_refund_counts_in_its_gifts_year_and_a_zero_year_is_no_gift(con: duckdb.DuckDBPyConnection) -> None:
    years = donor_years(con)
    d8 = dict(zip(*years.filter(pl.col("donor_id") == "D8").select("fiscal_year", "amount"), strict=True))
    assert d8 == {2023: 100, 2024: 100, 2025: 0}               # nothing in 2026: the refund follows its gift
    in_2026 = gain_loss(years, 2026)["donor_id"].to_list()
    assert "D8" not in in_2026 and "D2" in in_2026              # D8 is no 2025 donor, so not lapsing in 2026


def test_the_lapsed_donor_comes_back_as_recaptured(con: duckdb.DuckDBPyConnection) -> None:
    years = donor_years(con)
    category = {y: dict(zip(*gain_loss(years, y).select("donor_id", "category"), strict=True)).get("D5")
                for y in (2023, 2024, 2025)}
    assert category == {2023: "lapsed_new", 2024: None, 2025: "recaptured"}


def test_a_first_gift_on_the_last_day_of_the_year_is_new_that_year(con: duckdb.DuckDBPyConnection) -> None:
    per_donor = gain_loss(donor_years(con), 2024)
    assert per_donor.filter(pl.col("donor_id") == "D6")["category"].to_list() == ["new"]


def test_fiscal_year_starting_in_july() -> None:
    assert fiscal_year(date(2024, 6, 30), 7) == 2024 and fiscal_year(date(2024, 7, 1), 7) == 2025
    assert fiscal_year_span(2025, 7) == (date(2024, 7, 1), date(2025, 6, 30))
    assert fiscal_year_span(2025, 1) == (date(2025, 1, 1), date(2025, 12, 31))
    con = duckdb.connect()
    migrate(con)
    _add_gifts(con, [("a", "D10", "G", date(2024, 6, 30), 50, None), ("b", "D10", "G", date(2024, 7, 1), 50, None),
                     ("c", "D11", "G", date(2024, 7, 15), 40, None), ("d", "D11", "G", date(2025, 6, 30), 40, None),
                     ("e", "D12", "G", date(2023, 7, 1), 90, None)])
    july = gain_loss(donor_years(con, 7), 2025)
    assert dict(zip(july["donor_id"], july["category"], strict=True)) == {
        "D10": "same", "D11": "new", "D12": "lapsed_new"}      # FY2024 = Jul 2023 - Jun 2024
    assert july.filter(pl.col("donor_id") == "D11")["amount"].to_list() == [80]
    # the same gifts in calendar years: D10 gave twice in 2024 only; D11 $40 in 2024 and $40 in 2025; D12 2023 only
    calendar = gain_loss(donor_years(con, 1), 2025)
    assert dict(zip(calendar["donor_id"], calendar["category"], strict=True)) == {"D10": "lapsed_new", "D11": "same"}


def test_retention_by_email_engagement(con: duckdb.DuckDBPyConnection) -> None:
    view = year_view(con, load(con, 1, date(2025, 12, 1)), 2025, None)
    got = {r["email_group"]: (r["donors"], r["retained"]) for r in view.by_email.iter_rows(named=True)}
    # 2024's donors: D2 clicked the appeal (kept); D3 opened the newsletter (kept); D4 was sent the appeal, did nothing (kept),
    # D7 was sent the appeal, did nothing (lapsed); D6 no contact, D8 nothing sent in 2025, D9 clicked a
    # newsletter (not an appeal: opened only), all lapsed.
    assert got == {"Clicked an appeal this year": (1, 1), "Opened only": (2, 1), "Emailed, no engagement": (2, 1),
                   "Not on email": (2, 0)}


def test_first_gifts_after_an_email_touch(con: duckdb.DuckDBPyConnection) -> None:
    by_year = first_gifts_by_year(first_gifts(con, gift_rows(con), 1), [2024, 2025], date(2024, 6, 1))
    rows = {r["fiscal_year"]: r for r in by_year.iter_rows(named=True)}
    # 2025's first gifts: D1 only, on Mar 1 (a date), two calendar days after clicking the appeal (Feb 28)
    assert (rows[2025]["first_gifts"], rows[2025]["after_email"], rows[2025]["after_click"]) == (1, 1, 1)
    # 2024's (email on record from June 1, 2024, say): D2 D4 D6 D9, none after an email
    assert (rows[2024]["first_gifts"], rows[2024]["on_email"], rows[2024]["after_email"]) == (4, 3, 0)
    assert (rows[2024]["email_data"], rows[2025]["email_data"]) == ("from Jun 1, 2024", "")


def test_first_gifts_in_years_before_any_email_data_are_unknown_not_zero(con: duckdb.DuckDBPyConnection) -> None:
    """"First gifts from email" showed 0 / 0% for the years before any email was synced."""
    view = year_view(con, load(con, 1, date(2025, 12, 1)), 2025, None)   # the first send: May 6, 2023 (c8)
    rows = {r["fiscal_year"]: r for r in view.first_gifts.iter_rows(named=True)}
    assert rows[2022]["email_data"] == "none" and rows[2022]["first_gifts"] == 2   # D5 and D12
    assert all(rows[2022][c] is None for c in ("after_email", "share", "after_click", "after_email_amount"))
    assert rows[2023]["email_data"] == "from May 6, 2023" and rows[2024]["email_data"] == ""
    assert rows[2025]["after_email"] == 1
    nothing = first_gifts_by_year(first_gifts(con, gift_rows(con), 1), [2025], None)
    assert nothing["email_data"].to_list() == ["none"] and nothing["after_email"].to_list() == [None]


def test_conversion_of_subscribers_who_never_gave(con: duckdb.DuckDBPyConnection) -> None:
    view = year_view(con, load(con, 1, date(2025, 12, 1)), 2025, None)
    # sent email in 2025 and no gift before 2025: c1 (first gift 2025) and c20 (never)
    assert view.conversion.select("subscribers", "converted").rows() == [(2, 1)]


def test_lybunt_and_sybunt_never_put_an_unsubscribed_contact_on_the_email_list(con: duckdb.DuckDBPyConnection) -> None:
    donor_file = load(con, 1, date(2025, 12, 1))
    everyone = audience.audience(con)
    lybunt, sybunt = lapsing_lists(con, donor_file, datetime(2025, 12, 1), everyone)
    assert sorted(lybunt.emailable["donor_id"]) == ["D9"]
    assert sorted(lybunt.offline["donor_id"]) == ["D6", "D7", "D8"]
    assert sybunt.emailable["donor_id"].to_list() == ["D12"] and sybunt.offline.is_empty()
    reasons = dict(zip(lybunt.offline["donor_id"], lybunt.offline["why_not_email"], strict=True))
    assert reasons == {"D6": "not a Constant Contact contact", "D7": "no permission to email: unsubscribed",
                       "D8": "no permission to email: unsubscribed"}
    assert "email" not in lybunt.offline.columns
    d9 = lybunt.emailable.row(0, named=True)
    assert (d9["last_year_amount"], d9["lifetime_giving"], d9["clicked_last_90_days"]) == (10, 10, True)
    csv = export.to_csv_bytes(lybunt.emailable).decode()
    assert "c9@example.org" in csv and "c7@" not in csv and "c8@" not in csv


def test_lists_rank_recent_clickers_first(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("UPDATE contacts SET permission_to_send = 'implicit'")
    con.execute("DELETE FROM tracking_events WHERE tracking_activity_type = 'em_optouts'")
    lybunt, _ = lapsing_lists(con, load(con, 1, date(2025, 12, 1)), datetime(2025, 12, 1),
                                     audience.audience(con), order="engagement")
    # D9 clicked on Nov 20 (within 90 days); D7 and D8 never engaged: by lifetime giving, D8 $200 before D7 $60
    assert lybunt.emailable["donor_id"].to_list() == ["D9", "D8", "D7"]
    d8 = lybunt.emailable.row(1, named=True)
    assert (d8["lifetime_giving"], d8["largest_gift"], d8["last_gift_date"]) == (200, 500, date(2025, 8, 1))


def test_lists_are_ranked_by_last_years_gift_by_default(con: duckdb.DuckDBPyConnection) -> None:
    """LYBUNT was ranked by engagement only, so a lapsed donor who gave $5,025 last year was far down the list."""
    con.execute("UPDATE contacts SET permission_to_send = 'implicit'")
    con.execute("DELETE FROM tracking_events WHERE tracking_activity_type = 'em_optouts'")
    _add_gifts(con, [("g7c", "D7", "G", date(2024, 12, 1), 4995, None)])   # D7: $5,025 in 2024, $5,055 lifetime
    con.execute("INSERT INTO gifts (gift_id, donor_id, record_type, gift_date, amount) VALUES "
                "('g10a', 'D10', 'G', '2022-01-05', 9000), ('g10b', 'D10', 'G', '2024-01-05', 5)")
    donor_file = load(con, 1, date(2025, 12, 1))
    everyone = audience.audience(con)
    lists = {order: lapsing_lists(con, donor_file, datetime(2025, 12, 1), everyone, order=order)[0]
             for order in ("last_year", "lifetime", "engagement")}
    default = lapsing_lists(con, donor_file, datetime(2025, 12, 1), everyone)[0]
    assert default.emailable.equals(lists["last_year"].emailable)
    # last year: D7 $5,025, D8 $100, D9 $10; D10 ($5 last year, $9,005 lifetime) has no contact: phone or mail
    assert lists["last_year"].emailable["donor_id"].to_list() == ["D7", "D8", "D9"]
    assert lists["last_year"].offline["donor_id"].to_list() == ["D6", "D10"]
    assert lists["lifetime"].offline["donor_id"].to_list() == ["D10", "D6"]
    assert lists["engagement"].emailable["donor_id"].to_list() == ["D9", "D7", "D8"]
    assert lists["last_year"].emailable["rank"].to_list() == [1, 2, 3]
    with pytest.raises(ValueError):
        lapsing_lists(con, donor_file, datetime(2025, 12, 1), everyone, order="alphabetical")


def test_the_phone_or_mail_list_carries_phone_and_address(con: duckdb.DuckDBPyConnection) -> None:
    """"Reach by phone or mail" had neither, on screen or in its CSV, though both are stored."""
    con.execute("INSERT INTO contact_phone_numbers VALUES ('c7', 'p1', '303-555-0100', 'home', '2021-01-01', "
                "'2021-01-01'), ('c7', 'p2', '303-555-0199', 'mobile', '2023-05-01', '2023-05-01'), "
                "('c8', 'p3', '  ', 'home', '2021-01-01', '2021-01-01')")
    con.execute("INSERT INTO contact_street_addresses VALUES ('c7', 'a1', 'home', '12 Elm St', 'Denver', 'CO', "
                "'80202', 'United States', '2021-01-01', '2021-01-01')")
    lybunt, _ = lapsing_lists(con, load(con, 1, date(2025, 12, 1)), datetime(2025, 12, 1), audience.audience(con))
    offline = {row["donor_id"]: row for row in lybunt.offline.iter_rows(named=True)}
    assert offline["D7"]["phone"] == "303-555-0199"        # the most recently updated number
    assert offline["D7"]["address"] == "12 Elm St, Denver, CO 80202, United States"
    assert offline["D8"]["phone"] is None and offline["D6"]["address"] is None   # blank; not a contact
    columns = lybunt.offline.columns
    assert columns.index("phone") < columns.index("why_not_email") and "email" not in columns
    csv = export.to_csv_bytes(lybunt.offline).decode()
    assert "303-555-0199" in csv and "12 Elm St, Denver, CO 80202" in csv
