"""Every stream the sync runs, declared as data. The engine (engine.py) runs them; the runner orders them.

Order matters: later streams choose their ids from what earlier ones stored.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cc_data.store import upserts
from cc_data.sync import records
from cc_data.sync.engine import Context, Entry, Passes, Stream, Tracking
from cc_data.sync.writes import Snapshot, WithChildren

TRACKED_ROLES = ("primary_email", "resend")
CONTACT_INCLUDE = "custom_fields,list_memberships,taggings,phone_numbers,street_addresses"
TRACKING_PAGE = 500
CONTACTS_PAGE = 500


def last_full_pass(ctx: Context) -> datetime | None:
    """When the last full contacts pass began: the incremental passes' cursor in a file synced before they had
    their own (a full listing holds everything up to then)."""
    value = upserts.get_state(ctx.con, "contacts", "full_done_at")
    return datetime.fromisoformat(value) if value else None


# --- selections: which ids a per-item stream calls for ------------------------------------------

def campaigns_needing_details(ctx: Context) -> list[str]:
    """Campaigns never fetched, or changed since, or listed without `updated_at` (forget_undated_details)."""
    return [r[0] for r in ctx.con.execute(
        """SELECT c.campaign_id FROM campaigns c
           LEFT JOIN sync_state s ON s.stream = 'campaign_details' AND s.key = c.campaign_id
           WHERE s.key IS NULL OR s.value IS DISTINCT FROM coalesce(CAST(c.updated_at AS VARCHAR), '')
           ORDER BY c.updated_at DESC NULLS FIRST, 1"""
    ).fetchall()]


def forget_undated_details(ctx: Context, rows: dict) -> None:
    """A listed campaign without `updated_at` may have changed, and nothing says it did not: its detail is asked
    for again (unknown is not "unchanged")."""
    undated = [r["campaign_id"] for r in rows.get("campaigns") or [] if "updated_at" not in r]
    if undated:
        ctx.con.execute("DELETE FROM sync_state WHERE stream = 'campaign_details' AND key IN (SELECT unnest(?))",
                        [undated])


def mark_campaign_details(ctx: Context, ids: list[str]) -> None:
    stamps = dict(ctx.con.execute("SELECT campaign_id, CAST(updated_at AS VARCHAR) FROM campaigns "
                                  "WHERE campaign_id IN (SELECT unnest(?))", [ids]).fetchall())
    upserts.set_states(ctx.con, "campaign_details", {cid: stamps.get(cid) or "" for cid in ids})


TRACKED_SQL = f"""
    SELECT a.campaign_activity_id, s.last_sent_date, c.updated_at, upper(a.current_status)
    FROM campaign_activities a
    JOIN campaign_summaries s USING (campaign_id)
    JOIN campaigns c USING (campaign_id)
    WHERE a.role IN {TRACKED_ROLES} AND s.last_sent_date >= ?
"""
# An activity its details call DRAFT or SCHEDULED has not gone out: no stats, no tracking to ask for (a resend
# scheduled days after the first send, say). One whose status is not known yet is asked about.
NOT_SENT = ("DRAFT", "SCHEDULED")


def emailed_activities(ctx: Context) -> list[tuple[str, datetime, datetime | None, str | None]]:
    """(id, campaign last sent, campaign updated, status) of the emailed activities (primary_email, resend) of
    campaigns last sent on/after the anchor date, whether they went out or not."""
    anchor = datetime.combine(ctx.settings.effective_anchor_date, datetime.min.time())
    return ctx.con.execute(TRACKED_SQL + " ORDER BY s.last_sent_date DESC, 1", [anchor]).fetchall()


def tracked_activities(ctx: Context) -> list[tuple[str, datetime, datetime | None]]:
    """The emailed activities that went out (or may have): the ones stats and tracking are asked for."""
    return [(aid, sent, updated) for aid, sent, updated, status in emailed_activities(ctx) if status not in NOT_SENT]


def settled(ctx: Context, last_sent: datetime, fetched_at: str | None) -> bool:
    """Sent more than rescan_days ago and already fetched after that point: never asked for again."""
    settle_at = last_sent + timedelta(days=ctx.settings.rescan_days)
    return ctx.now() > settle_at and fetched_at is not None and datetime.fromisoformat(fetched_at) >= settle_at


def activities_needing_details(ctx: Context) -> list[str]:
    done = upserts.get_states(ctx.con, "activity_details")
    return [aid for aid, _, updated, _ in emailed_activities(ctx) if done.get(aid) != str(updated)]


def mark_activity_details(ctx: Context, ids: list[str]) -> None:
    stamps = dict(ctx.con.execute(
        "SELECT a.campaign_activity_id, CAST(c.updated_at AS VARCHAR) FROM campaign_activities a "
        "JOIN campaigns c USING (campaign_id) WHERE a.campaign_activity_id IN (SELECT unnest(?))", [ids]).fetchall())
    upserts.set_states(ctx.con, "activity_details", {aid: stamps.get(aid) or "" for aid in ids})


def activities_needing_stats(ctx: Context) -> list[str]:
    done = upserts.get_states(ctx.con, "activity_stats")
    return [aid for aid, sent, _ in tracked_activities(ctx) if not settled(ctx, sent, done.get(aid))]


def mark_stats(ctx: Context, ids: list[str]) -> None:
    """The activities whose stats this run stored. One the answer left out (a partial failure: `errors[]` beside
    `results`) is not marked, so it is asked for again; marked, it would never be once it settled."""
    answered = [r[0] for r in ctx.con.execute(
        "SELECT campaign_activity_id FROM activity_stats WHERE campaign_activity_id IN (SELECT unnest(?)) "
        "AND synced_at >= ?", [ids, ctx.started or ctx.now()]).fetchall()]
    upserts.set_states(ctx.con, "activity_stats", dict.fromkeys(answered, ctx.now_iso()))


def fresh_stats(ctx: Context) -> set[str]:
    """Activities whose stored stats tell the tracking stream what the API holds now: fetched during this run,
    or fetched after the activity settled (then nothing changes until a summary says otherwise)."""
    fetched = upserts.get_states(ctx.con, "activity_stats")
    started = ctx.started or ctx.now()
    return {aid for aid, sent, _ in tracked_activities(ctx)
            if aid in fetched and (datetime.fromisoformat(fetched[aid]) >= started or settled(ctx, sent, fetched[aid]))}


def rescan_moved_campaigns(ctx: Context, rows: dict) -> None:
    """Late opens and clicks on settled campaigns (people click old emails): a campaign whose unique counts
    moved since the last listing has its activities' stats and tracking asked for again; the stats then tell
    which kinds to re-scan."""
    summaries = rows.get("campaign_summaries") or []
    if not summaries:
        return
    fresh = {r["campaign_id"]: tuple(r.get(c) for c in records.SUMMARY_COUNTS) for r in summaries}
    stored = ctx.con.execute(
        f"SELECT campaign_id, {', '.join(records.SUMMARY_COUNTS)} FROM campaign_summaries "
        "WHERE campaign_id IN (SELECT unnest(?))", [list(fresh)]).fetchall()
    # a count the listing did not carry is unknown: the campaign may have moved, so it is asked about
    moved = [row[0] for row in stored if tuple(row[1:]) != fresh[row[0]] or None in fresh[row[0]]]
    if not moved:
        return
    activities = [r[0] for r in ctx.con.execute(
        "SELECT campaign_activity_id FROM campaign_activities WHERE campaign_id IN (SELECT unnest(?))",
        [moved]).fetchall()]
    ctx.con.execute("DELETE FROM sync_state WHERE stream IN ('activity_stats', 'tracking') "
                    "AND key IN (SELECT unnest(?))", [activities])
    # a resend that has gone out since moves its campaign's counts: its details (status) are read again
    ctx.con.execute(f"""DELETE FROM sync_state WHERE stream = 'activity_details' AND key IN (
        SELECT campaign_activity_id FROM campaign_activities
        WHERE campaign_activity_id IN (SELECT unnest(?)) AND upper(current_status) IN {NOT_SENT})""", [activities])


# --- the streams --------------------------------------------------------------------------------

CONTACT_CHANGE_COLUMNS = ("updated_at", "email_updated_at", "permission_to_send", "opt_out_date", "deleted_at")


def note_contact_changes(ctx: Context, rows: dict) -> None:
    """Mark the contacts changed for the derived tables when a page holds a contact that is new or differs from
    the stored one (the incremental passes re-ask an overlap, which alone changes nothing)."""
    contacts = rows.get("contacts") or []
    if not contacts or "contacts" in upserts.changed(ctx.con):
        return
    stored = {r[0]: r[1:] for r in ctx.con.execute(
        f"SELECT contact_id, {', '.join(CONTACT_CHANGE_COLUMNS)} FROM contacts WHERE contact_id IN (SELECT unnest(?))",
        [[c["contact_id"] for c in contacts]]).fetchall()}
    if any(stored.get(c["contact_id"]) != tuple(c.get(k) for k in CONTACT_CHANGE_COLUMNS) for c in contacts):
        upserts.mark_changed(ctx.con, "contacts")


# Page sizes: the documented maxima (reference §0.3 and §5); a 400 naming `limit` falls back to the documented
# default (`default_page_size`), which matters most for /emails, whose live maximum is unverified.
ACCOUNT = Stream("account", "GET /account/summary", "/account/summary", records.account,
                 write_mode=Snapshot("account"))
CUSTOM_FIELDS = Stream("custom_fields", "GET /contact_custom_fields", "/contact_custom_fields",
                       records.custom_field, records="custom_fields", page_size=100, default_page_size=50,
                       write_mode=Snapshot("custom_fields"))
LISTS = Stream("lists", "GET /contact_lists", "/contact_lists", records.contact_list, records="lists",
               params={"include_membership_count": "all", "status": "all"}, page_size=500, default_page_size=50,
               write_mode=Snapshot("contact_lists"))
TAGS = Stream("tags", "GET /contact_tags", "/contact_tags", records.tag, records="tags",
              params={"include_count": "true"}, page_size=500, default_page_size=50,
              write_mode=Snapshot("contact_tags"))
SEGMENTS = Stream("segments", "GET /segments", "/segments", records.segment, records="segments",
                  page_size=1000, write_mode=Snapshot("segments"))

# A contact's child lists (memberships, taggings, ...) are replaced when its answer carried them, else kept.
_CONTACTS = dict(endpoint="GET /contacts", path="/contacts", to_rows=records.contact, records="contacts",
                 page_size=CONTACTS_PAGE, default_page_size=50, before_write=note_contact_changes,
                 write_mode=WithChildren("contact_id", records.CONTACT_CHILDREN))
CONTACTS_FULL = Stream("contacts_full", params={"include": CONTACT_INCLUDE, "status": "all",
                                                "include_count": "true"}, **_CONTACTS)
CONTACT_PASSES = (   # incremental: an unsubscribe does not move updated_at, and deleted contacts are hidden
    Stream("contacts_updated", params={"include": CONTACT_INCLUDE, "status": "all"},
           cursor_param="updated_after", cursor_fallback=last_full_pass, **_CONTACTS),
    Stream("contacts_optout", params={"include": CONTACT_INCLUDE},
           cursor_param="optout_after", cursor_fallback=last_full_pass, **_CONTACTS),
    # A deletion moves no filterable date, so deleted contacts are listed whole (usually a page or two).
    Stream("contacts_deleted", params={"include": CONTACT_INCLUDE, "status": "deleted"}, **_CONTACTS),
)

# /emails: the spec's text says 1-500, its schema sets no maximum, V2 capped it at 50 (reference §0.3).
CAMPAIGNS = Stream("campaigns", "GET /emails", "/emails", records.campaign, records="campaigns",
                   page_size=500, default_page_size=50, cursor_param="after_date", before_write=forget_undated_details)
CAMPAIGN_DETAILS = Stream("campaign_details", "GET /emails/{id}", "/emails/{ids}", records.campaign_detail,
                          items=campaigns_needing_details, item_done=mark_campaign_details, needs=("campaigns",))
# Listed whole on every run (one call per 500 campaigns): moved counts show late activity on old campaigns.
CAMPAIGN_SUMMARIES = Stream("campaign_summaries", "GET /reports/summary_reports/email_campaign_summaries",
                            "/reports/summary_reports/email_campaign_summaries", records.campaign_summary,
                            records="bulk_email_campaign_summaries", page_size=500, default_page_size=50,
                            before_write=rescan_moved_campaigns)
ACTIVITY_DETAILS = Stream("activity_details", "GET /emails/activities/{id}", "/emails/activities/{ids}",
                          records.activity_detail, items=activities_needing_details,
                          item_done=mark_activity_details, needs=("campaign_details", "campaign_summaries"))
ACTIVITY_STATS = Stream("activity_stats", "GET /reports/stats/email_campaign_activities/{ids}",
                        "/reports/stats/email_campaign_activities/{ids}", records.activity_stats,
                        records="results", batch=10, items=activities_needing_stats, item_done=mark_stats,
                        needs=("campaign_details", "campaign_summaries"))

# kind → (tracking_activity_type, the activity_stats column counting the same rows)
TRACKING_KINDS = {
    "sends": ("em_sends", "em_sends"),
    "opens": ("em_opens", "em_opens_all"),
    "clicks": ("em_clicks", "em_clicks_all"),
    "bounces": ("em_bounces", "em_bounces"),
    "optouts": ("em_optouts", "em_optouts"),
    "forwards": ("em_forwards", "em_forwards"),
}


def record_removed(ctx: Context, started: str) -> None:
    """Contacts a complete listing (deleted ones included) no longer returns: keep the row, record when."""
    gone = "SELECT contact_id FROM contacts WHERE (last_seen_at IS NULL OR last_seen_at < ?) AND removed_at IS NULL"
    count = ctx.con.execute(f"SELECT count(*) FROM ({gone})", [started]).fetchone()[0]
    if not count:
        return
    for table in ("list_memberships", "contact_taggings"):
        ctx.con.execute(f"DELETE FROM {table} WHERE contact_id IN ({gone})", [started])
    ctx.con.execute(
        "UPDATE contacts SET removed_at = ?, deleted_at = coalesce(deleted_at, CAST(? AS DATE)) "
        "WHERE (last_seen_at IS NULL OR last_seen_at < ?) AND removed_at IS NULL",
        [ctx.now(), ctx.now(), started],
    )
    ctx.rows["contacts_removed"] += count
    upserts.mark_changed(ctx.con, "contacts")


CONTACTS = Passes("contacts", CONTACTS_FULL, CONTACT_PASSES, full_every_days="full_sync_days",
                  after_full=record_removed)
TRACKING = Tracking("tracking", TRACKING_KINDS, TRACKING_PAGE, needs=("campaign_details", "campaign_summaries"))

# Every stream, in the order a run takes them (later ones choose their ids from what earlier ones stored).
ALL: tuple[Entry, ...] = (ACCOUNT, CUSTOM_FIELDS, LISTS, TAGS, SEGMENTS, CONTACTS, CAMPAIGNS, CAMPAIGN_DETAILS,
                          CAMPAIGN_SUMMARIES, ACTIVITY_DETAILS, ACTIVITY_STATS, TRACKING)
