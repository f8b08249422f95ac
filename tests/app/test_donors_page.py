"""The Donors page: gain/loss, retention by email, LYBUNT/SYBUNT lists on a small database with gifts."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from cc_data.analytics.rules.fiscal_years import fiscal_year_label
from cc_data.analytics.stored import refresh
from cc_data.store.db import writer
from tests.app.fixture_db import Rows
from tests.app.harness import app_test, open_page

PAGE = "pages/donors.py"


@pytest.fixture
def donor_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Four donors over this fiscal year and the two before it (calendar years, dates relative to today)."""
    this_year = date.today().year
    db = tmp_path / "cc.duckdb"
    with writer(db, before_publish=refresh.refresh_all) as w:
        rows = Rows(w.con)
        for n, permission in enumerate(("implicit", "unsubscribed", "explicit", "implicit")):
            rows.contact(f"c{n}", permission, created_at=datetime(this_year - 3, 1, 1))
        activity = rows.campaign("A", f"Spring Appeal {this_year}", "FUNDRAISER")
        sent = datetime.combine(date.today() - timedelta(days=20), datetime.min.time())
        for n in range(4):
            rows.event(activity, f"c{n}", "sends", sent)
        rows.event(activity, "c0", "clicks", sent + timedelta(hours=1))
        gifts = [("D0", this_year - 2, 50), ("D0", this_year - 1, 50),                       # LYBUNT, emailable
                 ("D1", this_year - 1, 80),                                                # LYBUNT, unsubscribed
                 ("D2", this_year - 1, 20), ("D2", this_year, 40),                          # upgraded
                 ("D3", this_year - 2, 100)]                                               # SYBUNT
        for k, (donor, year, amount) in enumerate(gifts):
            w.con.execute("INSERT INTO gifts (gift_id, donor_id, record_type, gift_date, amount) "
                          "VALUES (?, ?, 'G', ?, ?)", [f"g{k}", donor, date(year, 1, 2), amount])
        for n in range(4):
            w.con.execute("INSERT INTO donors (donor_id, first_name, last_name, cc_contact_id) VALUES (?, ?, ?, ?)",
                          [f"D{n}", f"Name{n}", "Donor", f"c{n}"])
    monkeypatch.setenv("CC_DB_PATH", str(db))
    monkeypatch.setenv("CC_TOKEN_FILE", str(tmp_path / "tokens.json"))
    monkeypatch.delenv("CONSTANT_CONTACT_CLIENT_ID", raising=False)
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    return db


def test_donors_page_shows_retention_and_email_safe_lists(donor_db: Path) -> None:
    at = app_test()
    at.run()
    open_page(at, PAGE)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    metrics = {m.label: m.value for m in at.metric}
    # this year: D2 gave again (1 of last year's 3 donors: D0, D1, D2)
    assert metrics["Donors this year"] == "1" and metrics["Donor retention"] == "33.3%"
    assert metrics["Giving this year"] == "$40"   # whole dollars on a card; the cents are in its help
    assert all(m.help for m in at.metric), "every number names its formula"
    assert any("correlation" in w.value for w in at.warning)
    tabs = [t.label for t in at.tabs]
    assert tabs == ["LYBUNT (2)", "SYBUNT (1)"]
    lybunt_email = at.tabs[0].dataframe[0].value
    assert list(lybunt_email["donor_id"]) == ["D0"]            # D1 unsubscribed: phone or mail only
    lybunt_offline = at.tabs[0].dataframe[1].value
    assert list(lybunt_offline["donor_id"]) == ["D1"] and "email" not in lybunt_offline.columns
    assert [e.label for e in at.tabs[0].expander] == ["Send to Constant Contact"]   # the emailable LYBUNT list


def test_picking_a_category_lists_its_donors(donor_db: Path) -> None:
    at = app_test()
    at.run()
    open_page(at, PAGE)
    at.segmented_control(key="donors_list_pick").set_value("upgraded").run()
    assert not at.exception, [e.value for e in at.exception]
    listed = at.dataframe[0].value
    assert list(listed["donor_id"]) == ["D2"]


def test_donors_page_explains_missing_gifts(app_env: Path) -> None:
    at = app_test()
    at.run()
    open_page(at, PAGE)
    assert not at.exception, [e.value for e in at.exception]
    assert any("Import donations" in i.value for i in at.info)


def test_fiscal_year_label_reads_as_a_span() -> None:
    assert fiscal_year_label(2025, 7) == "FY2025 (Jul 2024 – Jun 2025)"
    assert fiscal_year_label(2025, 1) == "2025"


def test_call_lists_rank_by_last_years_gift_carry_phone_and_address_and_say_no_email_data(donor_db: Path) -> None:
    with writer(donor_db, before_publish=refresh.refresh_all) as w:
        w.con.execute("INSERT INTO contact_phone_numbers VALUES ('c1', 'p1', '303-555-0101', 'home', NULL, NULL)")
        w.con.execute("INSERT INTO contact_street_addresses VALUES ('c1', 'a1', 'home', '1 Main St', 'Boulder', 'CO',"
                      " '80301', NULL, NULL, NULL)")
        w.con.execute("UPDATE contacts SET permission_to_send = 'implicit' WHERE contact_id = 'c1'")
        w.con.execute("INSERT INTO donors (donor_id, first_name, last_name) VALUES ('D9', 'Big', 'Giver')")
        w.con.execute("INSERT INTO gifts (gift_id, donor_id, record_type, gift_date, amount) VALUES "
                      "('g9', 'D9', 'G', ?, 5025)", [date(date.today().year - 1, 3, 1)])
    at = open_page(app_test().run(), PAGE)
    assert not at.exception, [e.value for e in at.exception]
    assert at.segmented_control(key="donors_order").value == "last_year"
    lybunt_email = at.tabs[0].dataframe[0].value
    assert list(lybunt_email["donor_id"]) == ["D1", "D0"]        # $80 last year before $50
    offline = at.tabs[0].dataframe[1].value
    assert list(offline["donor_id"]) == ["D9"]                    # the $5,025 donor, not a contact: first by phone
    at.segmented_control(key="donors_order").set_value("engagement").run()
    assert list(at.tabs[0].dataframe[0].value["donor_id"]) == ["D0", "D1"]   # D0 clicked
    firsts = next(d.value for d in at.dataframe if "after_email" in d.value.columns)
    shown = dict(zip(firsts["fiscal_year"], firsts["after_email"], strict=True))
    assert shown[str(date.today().year - 2)] == "no email data"


def test_phone_or_mail_list_shows_the_phone_and_address(donor_db: Path) -> None:
    with writer(donor_db, before_publish=refresh.refresh_all) as w:
        w.con.execute("INSERT INTO contact_phone_numbers VALUES ('c1', 'p1', '303-555-0101', 'home', NULL, NULL)")
        w.con.execute("INSERT INTO contact_street_addresses VALUES ('c1', 'a1', 'home', '1 Main St', 'Boulder', 'CO',"
                      " '80301', NULL, NULL, NULL)")
    at = open_page(app_test().run(), PAGE)
    offline = at.tabs[0].dataframe[1].value
    row = offline.iloc[0].to_dict()
    assert (row["donor_id"], row["phone"], row["address"]) == ("D1", "303-555-0101", "1 Main St, Boulder, CO 80301")
