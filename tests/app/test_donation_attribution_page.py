"""The Donation attribution page: an explained empty state, then tiers, campaigns, matching and the gift table."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cc_data.analytics.attribution.credit import gift_attribution
from cc_data.analytics.attribution.stored import stored_windows
from cc_data.analytics.stored import refresh
from cc_data.store.db import read, writer
from tests.app.harness import app_test, open_page

ROOT = Path(__file__).resolve().parents[2]


def build(db: Path, with_gifts: bool = True) -> Path:
    with writer(db, before_publish=refresh.refresh_all) as w:
        con = w.con
        con.execute("INSERT INTO campaigns (campaign_id, name) VALUES ('K1', 'Year-End Appeal 2024'), "
                    "('K2', 'Spring Appeal 2025')")
        con.execute("INSERT INTO campaign_activities (campaign_activity_id, campaign_id, role) VALUES "
                    "('A1', 'K1', 'primary_email'), ('A2', 'K2', 'primary_email')")
        for i in range(1, 5):
            con.execute("INSERT INTO contacts (contact_id, email) VALUES (?, ?)", [f"c{i}", f"p{i}@x.org"])
            con.execute("INSERT INTO tracking_events (campaign_activity_id, contact_id, tracking_activity_type, "
                        "created_time) VALUES ('A1', ?, 'em_sends', ?)", [f"c{i}", datetime(2024, 12, 1, 10)])
        con.execute("INSERT INTO tracking_events VALUES ('A1', 'c1', 'em_clicks', TIMESTAMP '2024-12-01 11:00', "
                    "NULL, NULL, NULL, NULL, NULL, 1)")
        con.execute("INSERT INTO tracking_events (campaign_activity_id, contact_id, tracking_activity_type, "
                    "created_time) VALUES ('A2', 'c3', 'em_sends', TIMESTAMP '2025-03-15 10:00')")
        con.execute("INSERT INTO gift_code_campaigns VALUES ('solicit_code', 'SP25', 'K2')")
        if with_gifts:
            con.execute("INSERT INTO donors (donor_id, email) VALUES ('D1', 'p1@x.org'), ('D2', 'p2@x.org'), "
                        "('D9', 'stranger@y.org')")
            rows = [("g1", "D1", 120, date(2024, 12, 1), datetime(2024, 12, 1, 12), None),
                    ("g2", "D2", 40, date(2024, 12, 2), None, None),
                    ("g3", "D9", 25, date(2025, 4, 1), None, "SP25"),
                    ("g4", "D9", 10, date(2025, 6, 1), None, None)]
            con.executemany("INSERT INTO gifts (gift_id, donor_id, record_type, amount, gift_date, created_date, "
                            "solicit_code) VALUES (?, ?, 'G', ?, ?, ?, ?)", rows)
    return db


def run(db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("CC_DB_PATH", str(db))
    monkeypatch.chdir(ROOT)
    at = app_test().run()
    open_page(at, "pages/donation_attribution.py")
    assert not at.exception, [e.value for e in at.exception]
    if at.sidebar.date_input:   # every gift in scope: campaigns sent, and gifts dated, Jan 2024 to Dec 2025
        at.sidebar.date_input(key="f_dates").set_value((date(2024, 1, 1), date(2025, 12, 1))).run()
    return at


@pytest.mark.parametrize("with_db", [False, True])
def test_empty_state_explains_how_to_import(tmp_path, monkeypatch, with_db):
    db = build(tmp_path / "cc.duckdb", with_gifts=False) if with_db else tmp_path / "none.duckdb"
    at = run(db, monkeypatch)
    assert at.title[0].value == "Donation attribution"
    text = at.info[0].value
    assert "Import donations to see this" in text and "Data & sync" in text and "cc-data donations import" in text
    assert not at.metric and not at.dataframe


def test_with_gifts_shows_tiers_campaigns_matching_and_the_gift_table(tmp_path, monkeypatch):
    at = run(build(tmp_path / "cc.duckdb"), monkeypatch)
    assert not at.error, [e.value for e in at.error]
    metrics = {m.label: m.value for m in at.metric}
    # g1 click (K1), g3 coded (K2); g2 sent K1 and not opened (calendar day after the send): apart, not credited;
    # g4 unattributed
    assert metrics["Attributed revenue"] == "$145" and metrics["All revenue received"] == "$195"
    assert metrics["Gifts attributed"] == "2" and metrics["Donors matched to contacts"] == "67%"
    gift_table = at.dataframe[-1].value
    assert sorted(zip(gift_table["gift_id"], gift_table["tier"], strict=True)) == [
        ("g1", "Clicked"), ("g2", "Emailed, did not open (not credited)"), ("g3", "Coded (gift code)"),
        ("g4", "Not attributed")]
    campaigns = at.dataframe[0].value
    assert dict(zip(campaigns["name"], campaigns["revenue"], strict=True)) == {
        "Year-End Appeal 2024": 120.0, "Spring Appeal 2025": 25.0}
    assert dict(zip(campaigns["name"], campaigns["sent_not_opened_revenue"], strict=True))["Year-End Appeal 2024"] == 40
    assert any("calendar days" in c.value for c in at.caption)
    assert any("campaigns sent Jan 01, 2024 – Dec 01, 2025" in c.value for c in at.caption)
    assert at.get("download_button")


def test_gift_download_is_named_for_window_and_date_and_safe_for_spreadsheets(tmp_path, monkeypatch):
    db = build(tmp_path / "cc.duckdb")
    with writer(db, before_publish=refresh.refresh_all) as w:   # a refund of g1 and a campaign name that would run as a formula
        w.con.execute("INSERT INTO gifts (gift_id, donor_id, record_type, amount, gift_date, glink) VALUES "
                      "('g5', 'D1', 'A', -20, DATE '2024-12-05', 'g1')")
        w.con.execute("UPDATE campaigns SET name = '=HYPERLINK(\"http://x.example\")' WHERE campaign_id = 'K1'")
    downloads: list[dict] = []
    original = st.download_button

    def recording(label, data, file_name=None, *args, **kwargs):
        downloads.append({"data": data, "file_name": file_name})
        return original(label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", recording)
    at = run(db, monkeypatch)
    today = date.today().isoformat()
    assert downloads[-1]["file_name"] == f"attributed-gifts-48h-{today}.csv"
    data = downloads[-1]["data"]()
    assert data.startswith(b"\xef\xbb\xbf")   # Excel reads accents right only with the byte-order mark
    rows = {r["Gift ID"]: r for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig")))}
    assert float(rows["g5"]["Amount"]) == -20.0 and float(rows["g1"]["Amount"]) == 120.0
    assert rows["g1"]["Campaign"] == "'=HYPERLINK(\"http://x.example\")"
    at.segmented_control(key="attr_window").set_value("7 days").run()
    assert downloads[-1]["file_name"] == f"attributed-gifts-168h-{today}.csv"

def test_a_narrower_window_moves_gifts_out(tmp_path, monkeypatch):
    at = run(build(tmp_path / "cc.duckdb"), monkeypatch)
    at.segmented_control(key="attr_window").set_value("24 hours").run()
    assert not at.exception
    tiers = dict(zip(at.dataframe[-1].value["gift_id"], at.dataframe[-1].value["tier"], strict=True))
    assert tiers["g1"] == "Clicked" and tiers["g2"].startswith("Emailed")  # the send is the day before: inside 1 day
    at.segmented_control(key="attr_window").set_value("Custom").run()
    at.number_input(key="attr_custom_hours").set_value(1).run()
    tiers = dict(zip(at.dataframe[-1].value["gift_id"], at.dataframe[-1].value["tier"], strict=True))
    assert tiers["g1"] == "Clicked" and tiers["g2"] == "Not attributed"


def upload_script(db_path: str, file_name: str, data: bytes) -> None:
    from pathlib import Path

    from cc_data.config import Settings
    from pages.components.donations_upload import _upload_flow

    _upload_flow(Settings(db_path=Path(db_path)), file_name, data)


def run_upload(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes) -> AppTest:
    monkeypatch.chdir(ROOT)
    at = AppTest.from_function(upload_script, args=(str(tmp_path / "cc.duckdb"), "gifts.csv", data),
                               default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_upload_reports_rejected_rows_then_imports_the_rest(tmp_path, monkeypatch):
    data = b"Gift ID,Donor ID,Gift Date,Amount ($)\n1,7,2024-01-02,$10\n2,7,soon,5\n1,7,2024-01-02,$10\n"
    at = run_upload(tmp_path, monkeypatch, data)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Rows read": "3", "Gifts ready": "1", "Rows rejected": "1", "Duplicates skipped": "1"}
    issues = at.dataframe[0].value
    assert list(issues["row"]) == [3, 4] and list(issues["outcome"]) == ["rejected", "skipped (duplicate)"]
    at.button(key="don_import").click().run()
    assert "Imported 1 gifts from gifts.csv" in at.success[0].value
    with read(tmp_path / "cc.duckdb") as con:
        assert con.execute("SELECT gift_id, amount FROM gifts").fetchall() == [("1", 10)]


def test_upload_offers_the_mapping_step_and_remembers_it(tmp_path, monkeypatch):
    data = b"Ref,Who,Received,Gift\n9,7,2024-02-03,20\n"
    at = run_upload(tmp_path, monkeypatch, data)
    assert "Choose the column for: gift_date, amount" in at.warning[0].value
    assert not at.button and not at.error  # nothing to import until the mapping is complete
    at.selectbox(key="don_map_gifts.csv_gift_date").set_value("Received")
    at.selectbox(key="don_map_gifts.csv_amount").set_value("Gift")
    at.selectbox(key="don_map_gifts.csv_donor_id").set_value("Who")
    at.selectbox(key="don_map_gifts.csv_gift_id").set_value("Ref").run()
    assert not at.warning and {m.label: m.value for m in at.metric}["Gifts ready"] == "1"
    at.button(key="don_import").click().run()
    assert at.success
    again = run_upload(tmp_path, monkeypatch, data)  # a new session: the saved mapping is found
    assert not again.warning and {m.label: m.value for m in again.metric}["Gifts ready"] == "1"


def tiers_stored(db: Path) -> dict[str, str]:
    """The gift tiers the pages read for the default window: the attribution stored when the file was published."""
    with read(db) as con:
        assert 48 in stored_windows(con)
        return dict(gift_attribution(con, 48).select("gift_id", "tier").iter_rows())


def test_saving_the_mapping_brings_the_stored_attribution_up_to_date(tmp_path, monkeypatch):
    db = build(tmp_path / "cc.duckdb")
    with writer(db) as w:   # g4 now carries a mapped code, published without refreshing the derived tables
        w.con.execute("UPDATE gifts SET solicit_code = 'SP25' WHERE gift_id = 'g4'")
    assert tiers_stored(db)["g4"] == "unattributed"
    at = run(db, monkeypatch)
    at.button(key="attr_save_mapping").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert tiers_stored(db)["g4"] == "coded"
    tiers = dict(zip(at.dataframe[-1].value["gift_id"], at.dataframe[-1].value["tier"], strict=True))
    assert tiers["g4"] == "Coded (gift code)"


def test_uploaded_gifts_are_attributed_in_the_stored_tables(tmp_path, monkeypatch):
    build(tmp_path / "cc.duckdb")
    at = run_upload(tmp_path, monkeypatch, b"Gift ID,Donor ID,Gift Date,Amount ($)\ng9,D1,2024-12-01,$30\n")
    at.button(key="don_import").click().run()
    assert at.success, [e.value for e in at.error]
    assert tiers_stored(tmp_path / "cc.duckdb")["g9"] == "click"


def test_a_filter_that_selects_nothing_says_so_and_draws_no_empty_axis(tmp_path, monkeypatch):
    """Issue 21: a name filter matching no campaign drew an axis from $-1 to $1 and still said what was not
    attributed, as if some campaigns had been chosen."""
    at = run(build(tmp_path / "cc.duckdb"), monkeypatch)
    at.sidebar.text_input(key="f_name").input("no such campaign").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("No campaign matches" in i.value for i in at.info), [i.value for i in at.info]
    assert not [c for c in at.get("plotly_chart")]
    assert not [c.value for c in at.caption if "Not attributed" in c.value or "Not credited" in c.value]
    assert "Attributed revenue" not in {m.label for m in at.metric}


def test_gifts_from_people_emailed_who_did_not_open_are_shown_apart(tmp_path, monkeypatch):
    at = run(build(tmp_path / "cc.duckdb"), monkeypatch)
    notes = [c.value for c in at.caption if "did not open" in c.value]
    assert notes and "$40" in notes[0] and "not credited" in notes[0]
    gift_table = at.dataframe[-1].value
    assert dict(zip(gift_table["gift_id"], gift_table["tier"], strict=True))["g2"] == \
        "Emailed, did not open (not credited)"
    assert not {"timestamp", "calendar_day", "None"} & set(gift_table["time_basis"].astype(str))
