"""Fixture databases for the dashboard's tests and benchmark: hand-made rows, or a seeded synthetic account."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from cc_data.analytics.stored import refresh
from cc_data.store.db import writer
from cc_data.store.schema import migrate

T0 = datetime(2025, 1, 6, 14, 0)  # a Monday, 14:00 UTC


def memory_db() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    migrate(con)
    return con


class Rows:
    """Insert rows the way a sync would, with only the columns a test cares about."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def contact(self, contact_id: str, permission: str = "implicit", created_at: datetime = T0 - timedelta(days=400),
                email: str | None = None, deleted_at: datetime | None = None, first_name: str = "Pat",
                last_name: str = "Lee", lists: tuple[str, ...] = (), tags: tuple[str, ...] = ()) -> None:
        email = email or f"{contact_id}@example.org"
        self.con.execute(
            "INSERT INTO contacts (contact_id, email_address, email, permission_to_send, first_name, last_name,"
            " created_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [contact_id, email, email.lower(), permission, first_name, last_name, created_at,
             deleted_at.date() if deleted_at else None],
        )
        for list_id in lists:
            self.con.execute("INSERT OR IGNORE INTO contact_lists (list_id, name) VALUES (?, ?)", [list_id, list_id.title()])
            self.con.execute("INSERT INTO list_memberships VALUES (?, ?)", [contact_id, list_id])
        for tag in tags:
            self.con.execute("INSERT OR IGNORE INTO contact_tags (tag_id, name) VALUES (?, ?)", [tag, tag.title()])
            self.con.execute("INSERT INTO contact_taggings VALUES (?, ?)", [contact_id, tag])

    def campaign(self, campaign_id: str, name: str, type_: str = "Newsletter", lists: tuple[str, ...] = (),
                 resend: bool = False) -> str:
        """Creates the campaign and its primary_email activity (and a resend activity); returns the primary's id."""
        self.con.execute("INSERT INTO campaigns (campaign_id, name, type) VALUES (?, ?, ?)", [campaign_id, name, type_])
        roles = ["primary_email", "permalink"] + (["resend"] if resend else [])
        for role in roles:
            self.con.execute(
                "INSERT INTO campaign_activities (campaign_activity_id, campaign_id, role, contact_list_ids)"
                " VALUES (?, ?, ?, ?)",
                [f"{campaign_id}:{role}", campaign_id, role, list(lists)],
            )
        return f"{campaign_id}:primary_email"

    def event(self, activity_id: str, contact_id: str, kind: str, at: datetime, device: str | None = None,
              link: str | None = None, bounce_code: str | None = None) -> None:
        self.con.execute(
            "INSERT INTO tracking_events (campaign_activity_id, contact_id, tracking_activity_type, created_time,"
            " device_type, url_id, link_url, bounce_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [activity_id, contact_id, f"em_{kind}", at, device, link and str(abs(hash(link)) % 10**9), link, bounce_code],
        )

    def summary(self, campaign_id: str, **counts: int) -> None:
        cols = ", ".join(counts)
        marks = ", ".join("?" for _ in counts)
        self.con.execute(f"INSERT INTO campaign_summaries (campaign_id, {cols}) VALUES (?, {marks})",
                         [campaign_id, *counts.values()])

    def meta(self, key: str, value: str) -> None:
        self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])


APPEALS = ("Spring Newsletter", "Year-End Appeal", "Giving Tuesday", "Volunteer Update", "Summer Newsletter")
LISTS = ("newsletter", "donors", "volunteers")
LINKS = ("https://example.org/donate", "https://example.org/story", "https://example.org/events")
DEVICES = ("computer", "mobile", "tablet", "other")


def build_synthetic(db_path: Path, contacts: int = 300, campaigns: int = 24, seed: int = 7,
                    end: datetime = datetime(2025, 12, 15, 15, 0), source: str = "demo") -> Path:
    """A small but realistic account: weekly-ish campaigns over the year before `end`, a mix of habits."""
    rng = np.random.default_rng(seed)
    with writer(db_path, before_publish=refresh.refresh_all) as w:
        con = w.con
        rows = Rows(con)
        rows.meta("source", source)
        rows.meta("organization_name", "Riverbend Food Bank")
        rows.meta("last_sync_finished_at", end.isoformat())
        con.execute("INSERT INTO account (organization_name) VALUES ('Riverbend Food Bank')")
        permissions = rng.choice(
            ["implicit", "explicit", "unsubscribed", "temp_hold", "pending_confirmation", "not_set"],
            size=contacts, p=[0.55, 0.3, 0.06, 0.03, 0.03, 0.03],
        )
        habit = rng.choice(["engaged", "casual", "machine", "silent"], size=contacts, p=[0.2, 0.35, 0.15, 0.3])
        joined_days = rng.integers(20, 900, size=contacts)
        for i in range(contacts):
            lists = tuple(lst for lst in LISTS if rng.random() < 0.5) or ("newsletter",)
            tags = ("board",) if rng.random() < 0.05 else ()
            rows.contact(f"c{i:05d}", str(permissions[i]), end - timedelta(days=int(joined_days[i])),
                         first_name=f"First{i}", last_name=f"Last{i}", lists=lists, tags=tags,
                         deleted_at=end - timedelta(days=3) if rng.random() < 0.02 else None)
        events: list[tuple] = []
        for k in range(campaigns):
            sent = end - timedelta(days=int((campaigns - k) * 365 / campaigns))
            appeal = APPEALS[k % len(APPEALS)]
            year = sent.year
            name = f"{appeal} {year}" + (f" Wave {k % 2 + 1}" if appeal == "Year-End Appeal" else "")
            camp_id = f"camp{k:03d}"
            activity = rows.campaign(camp_id, name, "FUNDRAISER" if "Appeal" in appeal or "Giving" in appeal
                                     else "Newsletter", lists=(LISTS[k % len(LISTS)],))
            for i in range(contacts):
                if joined_days[i] < (end - sent).days:
                    continue
                cid = f"c{i:05d}"
                at = sent + timedelta(seconds=int(rng.integers(0, 600)))
                events.append((activity, cid, "em_sends", at, None, None, None, None))
                if rng.random() < 0.02:
                    events.append((activity, cid, "em_bounces", at + timedelta(minutes=1), None, None, None,
                                   str(rng.choice(["B", "F", "V", "Z"]))))
                    continue
                h = habit[i]
                p_open = {"engaged": 0.7, "casual": 0.3, "machine": 0.97, "silent": 0.02}[h]
                if rng.random() < p_open:
                    delay = timedelta(minutes=int(rng.integers(1, 5))) if h == "machine" else \
                        timedelta(hours=float(rng.exponential(20)))
                    device = "other" if h == "machine" else str(rng.choice(DEVICES[:3]))
                    events.append((activity, cid, "em_opens", at + delay, device, None, None, None))
                    p_click = {"engaged": 0.35, "casual": 0.12, "machine": 0.0, "silent": 0.1}[h]
                    if rng.random() < p_click:
                        link = str(rng.choice(LINKS))
                        events.append((activity, cid, "em_clicks", at + delay + timedelta(minutes=3), device,
                                       str(LINKS.index(link)), link, None))
                    if rng.random() < 0.003:
                        events.append((activity, cid, "em_optouts", at + delay + timedelta(minutes=5),
                                       None, None, None, None))
        columns = ["campaign_activity_id", "contact_id", "tracking_activity_type", "created_time", "device_type",
                   "url_id", "link_url", "bounce_code"]
        event_frame = pl.DataFrame(events, schema=dict.fromkeys(columns, pl.Utf8) | {"created_time": pl.Datetime}, orient="row")  # noqa: F841 - read by DuckDB below
        con.execute(f"INSERT INTO tracking_events ({', '.join(columns)}) SELECT * FROM event_frame")
        con.execute("""
            INSERT INTO campaign_summaries (campaign_id, sends, opens, clicks, bounces, optouts, forwards)
            SELECT a.campaign_id, count(DISTINCT contact_id) FILTER (WHERE tracking_activity_type = 'em_sends'),
                   count(DISTINCT contact_id) FILTER (WHERE tracking_activity_type = 'em_opens'),
                   count(DISTINCT contact_id) FILTER (WHERE tracking_activity_type = 'em_clicks'),
                   count(DISTINCT contact_id) FILTER (WHERE tracking_activity_type = 'em_bounces'),
                   count(DISTINCT contact_id) FILTER (WHERE tracking_activity_type = 'em_optouts'), 0
            FROM tracking_events e JOIN campaign_activities a USING (campaign_activity_id) GROUP BY 1""")
        # One campaign where Constant Contact's count differs, so reconciliation has something to show.
        con.execute("UPDATE campaign_summaries SET opens = opens + 3 WHERE campaign_id = 'camp000'")
    return db_path
