"""While the sync has not fetched every email's reports, the pages that read per-contact history say how much is
in and when the rest will be, and no contact is Lapsed for want of it (issue 25)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cc_data.analytics.history import history_status
from cc_data.analytics.stored import refresh
from cc_data.store.db import read, writer
from pages.components.history_notice import notice_text
from tests.app.harness import app_test, open_page

NOTICE = "History still coming in"
PAGES = ("pages/overview.py", "pages/engagement.py", "pages/reengagement.py", "pages/email_report.py",
         "pages/donors.py")   # Donation attribution shows it too, once gifts are imported (this account has none)


def _use(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CC_DB_PATH", str(db))
    monkeypatch.setenv("CC_TOKEN_FILE", str(tmp_path / "tokens.json"))
    monkeypatch.delenv("CONSTANT_CONTACT_CLIENT_ID", raising=False)
    monkeypatch.chdir(Path(__file__).resolve().parents[2])


@pytest.fixture
def half_synced_db(synthetic_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The synthetic account as a first sync the quota stopped would leave it: every email known (its stats
    asked for), the older half with every report in, the newer half with none."""
    db = tmp_path / "cc.duckdb"
    shutil.copy(synthetic_db, db)
    with writer(db, before_publish=refresh.refresh_all) as w:
        w.con.execute("""UPDATE campaign_summaries s SET last_sent_date = (
            SELECT min(e.created_time) FROM tracking_events e JOIN campaign_activities a USING (campaign_activity_id)
            WHERE a.campaign_id = s.campaign_id AND e.tracking_activity_type = 'em_sends')""")
        emails = [r[0] for r in w.con.execute("""
            SELECT a.campaign_activity_id FROM campaign_activities a JOIN campaign_summaries s USING (campaign_id)
            WHERE a.role IN ('primary_email', 'resend') AND s.last_sent_date IS NOT NULL
            ORDER BY s.last_sent_date, 1""").fetchall()]
        older = emails[: len(emails) // 2]
        w.con.executemany("INSERT INTO sync_state VALUES ('activity_stats', ?, '2026-01-01T00:00:00', now())",
                          [[aid] for aid in emails])
        w.con.executemany("INSERT INTO sync_state VALUES ('tracking', ?, '2026-01-01T00:00:00', now())",
                          [[aid] for aid in older])
    _use(db, tmp_path, monkeypatch)
    return db


def test_the_notice_says_how_much_is_in_and_when_the_rest_will_be(half_synced_db: Path) -> None:
    with read(half_synced_db) as con:
        status = history_status(con)
    half = status.emails // 2
    assert status.emails >= 10 and (status.engagement_in, status.sends_in) == (half, half)
    text = notice_text(status, 10_000)
    assert f"Opens and clicks for {half} of {status.emails} emails" in text
    assert f"per-contact sends for {half} of {status.emails}" in text and "complete in about 1 day" in text
    assert "in about 2 days" in notice_text(status, -(-status.calls_left // 2))
    at = app_test()
    at.run()
    for page in PAGES:
        open_page(at, page)
        assert not at.exception, page
        notices = [i.value for i in at.info if NOTICE in i.value]
        assert len(notices) == 1 and f"for {half} of {status.emails} emails" in notices[0], page


def test_no_one_is_lapsed_while_recent_opens_are_missing(half_synced_db: Path) -> None:
    at = app_test()
    at.run()
    open_page(at, "pages/engagement.py")
    assert not at.exception
    tiers = next(d.value for d in at.dataframe if "email" in d.value.columns)["tier"].to_list()
    assert "Lapsed" not in tiers and "Not emailed" not in tiers and "Not enough history yet" in tiers


def test_no_notice_when_every_report_is_in(app_env: Path) -> None:
    at = app_test()
    at.run()
    for page in PAGES:
        open_page(at, page)
        assert not at.exception, page
        assert not [i.value for i in at.info if NOTICE in i.value], page
