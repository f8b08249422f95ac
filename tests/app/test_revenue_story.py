"""One revenue story: Overview's attributed revenue is Donation attribution's, for the same window and period."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from cc_data.analytics.attribution.credit import gift_attribution
from cc_data.analytics.email import campaigns, sends
from cc_data.analytics.stored import refresh
from cc_data.store.db import writer
from tests.app.harness import app_test, open_page
from tests.app.test_donation_attribution_page import build


def metric(at, starts: str) -> tuple[str, str]:
    found = next(m for m in at.metric if m.label.startswith(starts))
    return found.label, found.value


def expected_revenue(db: Path, start, end, window_hours: float) -> float:
    with duckdb.connect(str(db), read_only=True) as con:
        counts = campaigns.campaign_counts(sends.per_send(con), campaigns.campaign_catalog(con))
        chosen = campaigns.apply_filters(counts, campaigns.Filters(start, end))["campaign_id"]
        gifts = gift_attribution(con, window_hours)
    return float(gifts.filter(pl.col("campaign_id").is_in(chosen.to_list()))["amount"].sum())


def test_overview_and_attribution_show_the_same_revenue_and_follow_the_window(tmp_path, monkeypatch) -> None:
    app_env = build(tmp_path / "cc.duckdb")
    monkeypatch.setenv("CC_DB_PATH", str(app_env))
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    at = app_test()
    at.run()
    start, end = at.sidebar.date_input(key="f_dates").value
    label, overview_48 = metric(at, "Attributed revenue")
    assert "48-hour window" in label
    open_page(at, "pages/donation_attribution.py")
    assert not at.exception
    assert metric(at, "Attributed revenue")[1] == overview_48
    assert overview_48 == f"${expected_revenue(app_env, start, end, 48):,.0f}"

    at.segmented_control(key="attr_window").set_value("7 days").run()
    attribution_7d = metric(at, "Attributed revenue")[1]
    open_page(at, "pages/overview.py")
    label, overview_7d = metric(at, "Attributed revenue")
    assert "7-day window" in label and overview_7d == attribution_7d
    assert overview_7d == f"${expected_revenue(app_env, start, end, 168):,.0f}"
    assert at.query_params["window"] in ("168", ["168"])


def test_one_gift_count_on_every_page(tmp_path, monkeypatch) -> None:
    db = build(tmp_path / "cc.duckdb")
    with writer(db, before_publish=refresh.refresh_all) as w:   # a refund of g1 and a pledge: neither is a gift
        w.con.execute("INSERT INTO gifts (gift_id, donor_id, record_type, amount, gift_date, glink) VALUES "
                      "('g5', 'D1', 'A', -20, DATE '2024-12-05', 'g1'), ('p1', 'D1', 'P', 500, DATE '2024-12-05', NULL)")
    monkeypatch.setenv("CC_DB_PATH", str(db))
    monkeypatch.setenv("CONSTANT_CONTACT_CLIENT_ID", "an-app")   # the fixture is an account's data, not the demo
    monkeypatch.setenv("CC_TOKEN_FILE", str(tmp_path / "tokens.json"))
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    at = app_test()
    at.run()
    open_page(at, "pages/donation_attribution.py")
    at.sidebar.date_input(key="f_dates").set_value((date(2024, 1, 1), date(2025, 12, 1))).run()
    assert any(c.value.startswith("4 gifts in 5 rows (1 adjustments or refunds") for c in at.caption)
    open_page(at, "pages/data_sync.py")
    stored = next(d.value for d in at.dataframe if "what" in d.value.columns)
    by_what = dict(zip(stored["what"], stored["rows"], strict=True))
    assert by_what["Revenue gifts (one per transaction: the count every page shows)"] == 4
    assert by_what["Adjustments and refunds (change revenue, not the gift count)"] == 1
    assert by_what["All gift records imported"] == 6


def test_the_evidence_toggle_is_followed_and_named_on_overview(tmp_path, monkeypatch) -> None:
    db = build(tmp_path / "cc.duckdb")
    monkeypatch.setenv("CC_DB_PATH", str(db))
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    at = app_test()
    at.run()
    open_page(at, "pages/donation_attribution.py")
    at.toggle(key="attr_lenient").set_value(True).run()
    assert not at.exception
    assert any("machine opens and bounced sends counted" in c.value for c in at.caption)
    open_page(at, "pages/overview.py")
    revenue = next(m for m in at.metric if m.label.startswith("Attributed revenue"))
    assert "machine opens and bounced sends counted" in (revenue.help or "")
