"""The sandbox's generated account written straight into a database, without the HTTP sync.

Syncing the large sandbox account (200,000 contacts, ~300 sent activities, ~21M tracking rows) over loopback
takes half an hour; this writes the same rows the sync would store (contacts, lists, tags, campaigns,
activities, tracking, donors, gifts, appeal codes) in about a minute, for the page benchmark and tests.
Tracking rows go in as integer codes and are turned into ids and labels inside DuckDB, so no Python
string is made per row.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl

from cc_data.analytics.stored import refresh
from cc_data.sandbox.account import PERMISSIONS, Account
from cc_data.sandbox.generator import generate
from cc_data.sandbox.names import BOUNCE_CODES, DEVICE_TYPES, OPT_OUT_REASONS
from cc_data.store.db import writer

KINDS = ("em_sends", "em_opens", "em_clicks", "em_bounces", "em_optouts", "em_forwards")


def _timestamps(seconds: np.ndarray) -> pl.Series:
    return pl.from_epoch(pl.Series(seconds, dtype=pl.Int64), time_unit="s")


def contacts_frame(account: Account) -> pl.DataFrame:
    c, now = account.contacts, account.now
    rows = np.flatnonzero(c.created_at <= now)
    perm = account.permission_now()[rows]
    emails = pl.Series("email_address", c.email, dtype=pl.String)[rows]
    return pl.DataFrame({
        "position": rows.astype(np.int32),
        "contact_id": pl.Series(c.contact_id, dtype=pl.String)[rows],
        "email_address": emails, "email": emails.str.strip_chars().str.to_lowercase(),
        "permission_to_send": pl.Series(PERMISSIONS, dtype=pl.String)[perm],
        "first_name": pl.Series(c.first_name, dtype=pl.String)[rows],
        "last_name": pl.Series(c.last_name, dtype=pl.String)[rows],
        "created_at": _timestamps(c.created_at[rows]),
        "opt_out_date": _timestamps(np.where(c.optout_at[rows] <= now, c.optout_at[rows], 0)),
        "deleted_at": _timestamps(np.where(c.deleted_at[rows] <= now, c.deleted_at[rows], 0)).dt.date(),
        "lists": c.lists[rows].astype(np.int64), "tags": c.tags[rows].astype(np.int64),
    }).with_columns(
        pl.when(pl.col("opt_out_date") > datetime(1970, 1, 1)).then(pl.col("opt_out_date")).alias("opt_out_date"),
        pl.when(pl.col("deleted_at") > datetime(1970, 1, 1).date()).then(pl.col("deleted_at")).alias("deleted_at"),
    )


def tracking_codes(account: Account) -> pl.DataFrame:
    """activity (index into account.activities), position (contact), kind (index into KINDS), at (epoch s),
    device (index into DEVICE_TYPES or -1), detail (link, bounce code or opt-out reason index, or -1)."""
    parts = []
    for index, activity in enumerate(account.activities):
        t = activity.tracking
        if t is None or activity.role == "permalink":
            continue
        n = t.sends_visible(account.now)
        pieces = [(0, t.recipients[:n], t.send_times(slice(0, n)), None, None)]
        for kind, name in enumerate(("opens", "clicks", "bounces", "optouts", "forwards"), start=1):
            ev = t.events[name]
            k = ev.visible(account.now)
            pieces.append((kind, ev.contact[:k], ev.time[:k], ev.device[:k] if kind in (1, 2) else None,
                           ev.detail[:k] if kind in (2, 3, 4) else None))
        for kind, who, at, device, detail in pieces:
            size = len(who)
            parts.append(pl.DataFrame({
                "activity": np.full(size, index, np.int32), "position": who.astype(np.int32),
                "kind": np.full(size, kind, np.int8), "at": at.astype(np.int64),
                "device": device.astype(np.int8) if device is not None else np.full(size, -1, np.int8),
                "detail": detail.astype(np.int8) if detail is not None else np.full(size, -1, np.int8),
            }))
    return pl.concat(parts)


def write_account(account: Account, db_path: Path) -> Path:
    """Store `account` (from cc_data.sandbox.generator.generate) in db_path as a synced demo database."""
    people = contacts_frame(account)  # noqa: F841 - the frames below are read by DuckDB by name
    events = tracking_codes(account)  # noqa: F841
    activities = pl.DataFrame({  # noqa: F841
        "activity": list(range(len(account.activities))),
        "campaign_activity_id": [a.campaign_activity_id for a in account.activities],
        "campaign_id": [a.campaign_id for a in account.activities],
        "role": [a.role for a in account.activities],
        "subject": [a.subject for a in account.activities],
        "contact_list_ids": [a.contact_list_ids for a in account.activities],
        "links": [[url for _, url in a.links] for a in account.activities],
        "url_ids": [[url_id for url_id, _ in a.links] for a in account.activities],
    }, schema_overrides={"activity": pl.Int32})
    campaign_rows = pl.DataFrame({  # noqa: F841
        "campaign_id": [c.campaign_id for c in account.campaigns], "name": [c.name for c in account.campaigns],
        "type": [c.type for c in account.campaigns], "type_code": [c.type_code for c in account.campaigns],
        "created_at": _timestamps(np.array([c.created_at for c in account.campaigns], np.int64))})
    lists = pl.DataFrame(account.lists).with_row_index("bit").select(  # noqa: F841
        pl.col("bit").cast(pl.Int64), "list_id", "name")
    tags = pl.DataFrame(account.tags).with_row_index("bit").select(pl.col("bit").cast(pl.Int64), "tag_id", "name")  # noqa: F841
    labels = pl.DataFrame({"kind": pl.Series(range(len(KINDS)), dtype=pl.Int8), "type": KINDS})  # noqa: F841
    devices = pl.DataFrame({"device": pl.Series(range(len(DEVICE_TYPES)), dtype=pl.Int8), "name": DEVICE_TYPES})  # noqa: F841
    bounces = pl.DataFrame({"detail": pl.Series(range(len(BOUNCE_CODES)), dtype=pl.Int8), "code": BOUNCE_CODES})  # noqa: F841
    reasons = pl.DataFrame({"detail": pl.Series(range(len(OPT_OUT_REASONS)), dtype=pl.Int8),  # noqa: F841
                            "reason": OPT_OUT_REASONS})
    donor_rows = account.donors.with_columns(pl.col("donor_id").cast(pl.String))  # noqa: F841
    gift_rows = account.gifts.with_columns(pl.col("gift_id", "donor_id").cast(pl.String))  # noqa: F841
    with writer(db_path, before_publish=refresh.refresh_all) as w:
        con = w.con
        con.execute("SET memory_limit = '2GB'")   # the whole account in a few statements, unlike a sync's pages
        for key, value in (("source", "demo"), ("demo_seed", str(account.seed)), ("demo_scale", account.scale)):
            con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])
        con.execute("INSERT INTO account (organization_name) VALUES (?)", [account.summary["organization_name"]])
        con.execute("""INSERT INTO contacts (contact_id, email_address, email, permission_to_send, first_name, last_name,
                       created_at, opt_out_date, deleted_at)
                       SELECT contact_id, email_address, email, permission_to_send, first_name, last_name, created_at,
                              opt_out_date, deleted_at FROM people""")
        con.execute("INSERT INTO contact_lists (list_id, name) SELECT list_id, name FROM lists")
        con.execute("INSERT INTO list_memberships SELECT p.contact_id, l.list_id FROM people p JOIN lists l "
                    "ON (p.lists >> l.bit) & 1 = 1")
        con.execute("INSERT INTO contact_tags (tag_id, name) SELECT tag_id, name FROM tags")
        con.execute("INSERT INTO contact_taggings SELECT p.contact_id, t.tag_id FROM people p JOIN tags t "
                    "ON (p.tags >> t.bit) & 1 = 1")
        con.execute("INSERT INTO campaigns (campaign_id, name, type, type_code, created_at) "
                    "SELECT campaign_id, name, type, type_code, created_at FROM campaign_rows")
        con.execute("INSERT INTO campaign_activities (campaign_activity_id, campaign_id, role, subject, contact_list_ids)"
                    " SELECT campaign_activity_id, campaign_id, role, subject, contact_list_ids FROM activities")
        con.execute("""
            INSERT INTO tracking_events (campaign_activity_id, contact_id, tracking_activity_type, created_time,
                                         device_type, url_id, link_url, bounce_code, opt_out_reason)
            SELECT a.campaign_activity_id, p.contact_id, k.type, make_timestamp(e.at * 1000000), d.name,
                   CASE WHEN e.kind = 2 THEN a.url_ids[e.detail + 1] END,
                   CASE WHEN e.kind = 2 THEN a.links[e.detail + 1] END,
                   CASE WHEN e.kind = 3 THEN b.code END, CASE WHEN e.kind = 4 THEN nullif(r.reason, '') END
            FROM events e JOIN activities a USING (activity) JOIN people p USING (position)
            JOIN labels k USING (kind) LEFT JOIN devices d USING (device)
            LEFT JOIN bounces b USING (detail) LEFT JOIN reasons r USING (detail)""")
        con.execute("""
            INSERT INTO campaign_summaries (campaign_id, sends, opens, clicks, bounces, optouts, forwards)
            SELECT a.campaign_id, count(*) FILTER (WHERE tracking_activity_type = 'em_sends'),
                   count(DISTINCT contact_id) FILTER (WHERE tracking_activity_type = 'em_opens'),
                   count(DISTINCT contact_id) FILTER (WHERE tracking_activity_type = 'em_clicks'),
                   count(DISTINCT contact_id) FILTER (WHERE tracking_activity_type = 'em_bounces'),
                   count(DISTINCT contact_id) FILTER (WHERE tracking_activity_type = 'em_optouts'),
                   count(DISTINCT contact_id) FILTER (WHERE tracking_activity_type = 'em_forwards')
            FROM tracking_events e JOIN campaign_activities a USING (campaign_activity_id) GROUP BY 1""")
        con.execute("INSERT INTO donors BY NAME SELECT * EXCLUDE (gift_total) FROM donor_rows")
        con.execute("INSERT INTO gifts BY NAME SELECT * EXCLUDE (reference) FROM gift_rows")
        con.executemany("INSERT OR IGNORE INTO gift_code_campaigns VALUES ('solicit_code', ?, ?)",
                        [[code, cid] for code, cid in account.appeal_codes.items()])
    return db_path


def build_from_sandbox(db_path: Path, scale: str = "small", seed: int = 7,
                       now: datetime = datetime(2025, 12, 15, 12, 0)) -> Path:
    return write_account(generate(seed, scale, now), db_path)

