"""Re-engagement segments: who is in, who can never be, and spreadsheet-safe downloads."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, timedelta

from cc_data.analytics import export
from cc_data.analytics.audience import reach as audience
from cc_data.analytics.audience import segments
from tests.app.fixture_db import T0, Rows, memory_db

D = timedelta(days=1)
AS_OF = T0 + 100 * D
BLOCKED = {"unsub": "unsubscribed", "hold": "temp_hold", "pending": "pending_confirmation", "notset": "not_set"}


def build():
    con = memory_db()
    r = Rows(con)
    r.contact("quiet", permission="explicit", lists=("donors",), tags=("board",), first_name="=HYPERLINK(\"x\")")
    r.contact("quiet2", permission="implicit", lists=("newsletter",), last_name="-2+3")
    r.contact("active", permission="implicit")
    r.contact("fresh", permission="implicit", created_at=AS_OF - 20 * D)
    r.contact("deleted", permission="implicit", deleted_at=AS_OF - D)
    r.contact("bounced", permission="implicit")
    r.contact("robot", permission="implicit")
    for who in BLOCKED:
        r.contact(who, permission=BLOCKED[who])
    everyone = ["quiet", "quiet2", "active", "fresh", "deleted", "bounced", "robot", *BLOCKED]
    for k in range(5):
        act = r.campaign(f"k{k}", f"Weekly {k}")
        for who in everyone:
            r.event(act, who, "sends", T0 + (60 + 5 * k) * D)
        r.event(act, "robot", "opens", T0 + (60 + 5 * k) * D + timedelta(minutes=2))
    r.event("k4:primary_email", "active", "clicks", T0 + 81 * D)
    r.event("k4:primary_email", "bounced", "bounces", T0 + 80 * D, bounce_code="B")
    return con


def segment(con, **criteria):
    return segments.reengagement_segment(con, audience.audience(con),
                                         segments.SegmentCriteria(**criteria), AS_OF)


def test_default_segment_holds_only_inactive_emailable_contacts() -> None:
    con = build()
    # active clicked; fresh joined 20 days ago; deleted, bounced and the blocked permissions can never be emailed.
    assert segment(con)["contact_id"].to_list() == ["quiet", "quiet2", "robot"]
    assert segment(con, exclude_machine_only_openers=True)["contact_id"].to_list() == ["quiet", "quiet2"]
    assert segment(con, list_ids=("donors",))["contact_id"].to_list() == ["quiet"]
    assert segment(con, tag_ids=("board",))["contact_id"].to_list() == ["quiet"]
    assert segment(con, min_emails=6).is_empty()
    assert segment(con, min_tenure_days=0)["contact_id"].to_list() == ["fresh", "quiet", "quiet2", "robot"]


def test_no_blocked_contact_ever_reaches_a_download_even_with_the_loosest_criteria() -> None:
    con = build()
    loosest = segment(con, inactive_days=3650, min_emails=1, min_tenure_days=0)
    downloaded = list(csv.DictReader(io.StringIO(export.to_csv_bytes(loosest).decode("utf-8-sig"))))
    ids = {row["Contact ID"] for row in downloaded}
    assert ids and ids.isdisjoint({"deleted", "bounced", *BLOCKED})
    assert {row["Permission to send"] for row in downloaded} <= {"explicit", "implicit"}
    with zipfile.ZipFile(io.BytesIO(export.to_excel_bytes(loosest))) as book:
        strings = set(re.findall(r"<t[^>]*>([^<]*)</t>", book.read("xl/sharedStrings.xml").decode()))
    assert ids <= strings and strings.isdisjoint({"deleted", "bounced", *BLOCKED})


def test_a_bounce_followed_by_engagement_is_not_hard_bounced() -> None:
    con = build()
    Rows(con).event("k4:primary_email", "bounced", "opens", T0 + 90 * D)
    flags = dict(audience.audience(con).select("contact_id", "hard_bounced").iter_rows())
    assert flags["bounced"] is False and flags["quiet"] is False


def test_formula_cells_are_neutralised_and_file_names_say_segment_and_date() -> None:
    con = build()
    rows = {r["Contact ID"]: r for r in csv.DictReader(io.StringIO(export.to_csv_bytes(segment(con)).decode("utf-8-sig")))}
    assert rows["quiet"]["First name"] == "'=HYPERLINK(\"x\")"
    assert rows["quiet2"]["Last name"] == "'-2+3"
    assert export.neutralise("@SUM(A1)") == "'@SUM(A1)" and export.neutralise("plain") == "plain"
    assert export.export_filename("Re-engagement: inactive 180 days", date(2025, 12, 15), "csv") == \
        "re-engagement-inactive-180-days-2025-12-15.csv"


def test_lapsed_donors_are_matched_by_email_or_contact_id() -> None:
    con = build()
    con.execute("INSERT INTO donors (donor_id, email) VALUES ('d1', ' QUIET@example.org ')")
    con.execute("INSERT INTO gifts (gift_id, donor_id, record_type, gift_date, amount) VALUES "
                "('g1', 'd1', 'G', ?, 50)", [(AS_OF - 400 * D).date()])           # quiet, via the donor's email
    con.execute("INSERT INTO gifts (gift_id, record_type, gift_date, amount, cc_contact_id) VALUES "
                "('g2', 'G', ?, 20, 'quiet2')", [(AS_OF - 10 * D).date()])       # quiet2 gave recently
    con.execute("INSERT INTO gifts (gift_id, record_type, gift_date, amount, cc_contact_id) VALUES "
                "('g3', 'P', ?, 99, 'robot')", [(AS_OF - 500 * D).date()])       # a pledge is not a gift
    assert segment(con, lapsed_donors_only=True)["contact_id"].to_list() == ["quiet"]


def test_an_opt_out_row_newer_than_the_opt_in_excludes_a_stale_implicit_contact() -> None:
    con = build()
    # quiet2 unsubscribed from k3, but the contact record has not been re-synced: it still says implicit.
    con.execute("UPDATE contacts SET opt_in_date = ? WHERE contact_id = 'quiet2'", [T0 - 300 * D])
    Rows(con).event("k3:primary_email", "quiet2", "optouts", T0 + 76 * D)
    people = audience.audience(con)
    assert dict(people.select("contact_id", "permission_to_send").iter_rows())["quiet2"] == "unsubscribed"
    assert "quiet2" not in audience.emailable(people)["contact_id"].to_list()
    loosest = segment(con, inactive_days=3650, min_emails=1, min_tenure_days=0)
    assert "quiet2" not in loosest["contact_id"].to_list() and "quiet" in loosest["contact_id"].to_list()


def test_an_opt_out_row_older_than_a_re_opt_in_keeps_the_contact() -> None:
    con = build()
    Rows(con).event("k0:primary_email", "quiet2", "optouts", T0 + 61 * D)
    con.execute("UPDATE contacts SET opt_in_date = ? WHERE contact_id = 'quiet2'", [T0 + 70 * D])  # re-subscribed
    people = audience.audience(con)
    assert dict(people.select("contact_id", "permission_to_send").iter_rows())["quiet2"] == "implicit"
    assert "quiet2" in audience.emailable(people)["contact_id"].to_list()
    assert segment(con)["contact_id"].to_list() == ["quiet", "quiet2", "robot"]
