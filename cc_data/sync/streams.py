"""Every stream the sync runs, declared as data. The engine (engine.py) runs them; the runner orders them.

Order matters: later streams choose their ids from what earlier ones stored.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cc_data.store import upserts
from cc_data.sync import records
from cc_data.sync.engine import Context, Stream

OVERLAP = timedelta(minutes=10)   # re-ask a little of the past: late commits on the API side
TRACKED_ROLES = ("primary_email", "resend")
CONTACT_INCLUDE = "custom_fields,list_memberships,taggings,phone_numbers,street_addresses"
TRACKING_PAGE = 500
CONTACTS_PAGE = 500


def api_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _max_minus_overlap(ctx: Context, sql: str) -> str | None:
    value = ctx.con.execute(sql).fetchone()[0]
    return api_time(value - OVERLAP) if value else None


# --- selections: which ids a per-item stream calls for ------------------------------------------

def campaigns_needing_details(ctx: Context) -> list[str]:
    return [r[0] for r in ctx.con.execute(
        """SELECT c.campaign_id FROM campaigns c
           LEFT JOIN sync_state s ON s.stream = 'campaign_details' AND s.key = c.campaign_id
           WHERE s.value IS DISTINCT FROM CAST(c.updated_at AS VARCHAR) ORDER BY c.updated_at DESC"""
    ).fetchall()]


def mark_campaign_details(ctx: Context, ids: list[str]) -> None:
    for cid in ids:
        stamp = ctx.con.execute("SELECT CAST(updated_at AS VARCHAR) FROM campaigns WHERE campaign_id = ?",
                                [cid]).fetchone()
        upserts.set_state(ctx.con, "campaign_details", cid, stamp[0] if stamp and stamp[0] else "")


TRACKED_SQL = f"""
    SELECT a.campaign_activity_id, s.last_sent_date, c.updated_at
    FROM campaign_activities a
    JOIN campaign_summaries s USING (campaign_id)
    JOIN campaigns c USING (campaign_id)
    WHERE a.role IN {TRACKED_ROLES} AND s.last_sent_date >= ?
"""


def tracked_activities(ctx: Context) -> list[tuple[str, datetime, datetime | None]]:
    """Sent activities (primary_email, resend) of campaigns last sent on/after the anchor date."""
    anchor = datetime.combine(ctx.settings.effective_anchor_date, datetime.min.time())
    return ctx.con.execute(TRACKED_SQL + " ORDER BY s.last_sent_date DESC, 1", [anchor]).fetchall()


def settled(ctx: Context, last_sent: datetime, fetched_at: str | None) -> bool:
    """Sent more than rescan_days ago and already fetched after that point: never asked for again."""
    settle_at = last_sent + timedelta(days=ctx.settings.rescan_days)
    return ctx.now() > settle_at and fetched_at is not None and datetime.fromisoformat(fetched_at) >= settle_at


def activities_needing_details(ctx: Context) -> list[str]:
    done = upserts.get_states(ctx.con, "activity_details")
    return [aid for aid, _, updated in tracked_activities(ctx) if done.get(aid) != str(updated)]


def mark_activity_details(ctx: Context, ids: list[str]) -> None:
    for aid in ids:
        row = ctx.con.execute(
            "SELECT CAST(c.updated_at AS VARCHAR) FROM campaign_activities a JOIN campaigns c USING (campaign_id) "
            "WHERE a.campaign_activity_id = ?", [aid]).fetchone()
        upserts.set_state(ctx.con, "activity_details", aid, row[0] if row and row[0] else "")


def activities_needing_stats(ctx: Context) -> list[str]:
    done = upserts.get_states(ctx.con, "activity_stats")
    return [aid for aid, sent, _ in tracked_activities(ctx) if not settled(ctx, sent, done.get(aid))]


def mark_stats(ctx: Context, ids: list[str]) -> None:
    ctx.fresh_stats.update(ids)
    for aid in ids:
        upserts.set_state(ctx.con, "activity_stats", aid, ctx.now_iso())


def summaries_stop(ctx: Context, body: dict) -> bool:
    """Summaries come newest first: once past the rescan window, older ones cannot change."""
    if ctx.full or upserts.get_state(ctx.con, "campaign_summaries", "complete") is None:
        return False
    dates = [r.get("last_sent_date") for r in body.get("bulk_email_campaign_summaries") or []]
    dates = [d for d in dates if isinstance(d, str)]
    if not dates:
        return False
    oldest = datetime.fromisoformat(min(dates).replace("Z", "+00:00")).replace(tzinfo=None)
    return oldest < ctx.now() - timedelta(days=ctx.settings.rescan_days + 1)


# --- the streams --------------------------------------------------------------------------------

ACCOUNT = Stream("account", "GET /account/summary", "/account/summary", records.account,
                 shape="account_summary", snapshot="account")
CUSTOM_FIELDS = Stream("custom_fields", "GET /contact_custom_fields", "/contact_custom_fields",
                       records.custom_field, records="custom_fields", params={"limit": "100"},
                       shape="contact_custom_fields", page_size=100, snapshot="custom_fields")
LISTS = Stream("lists", "GET /contact_lists", "/contact_lists", records.contact_list, records="lists",
               params={"limit": "1000", "include_membership_count": "all", "status": "all"},
               shape="contact_lists", page_size=1000, snapshot="contact_lists")
TAGS = Stream("tags", "GET /contact_tags", "/contact_tags", records.tag, records="tags",
              params={"limit": "500", "include_count": "true"}, shape="contact_tags", page_size=500,
              snapshot="contact_tags")
SEGMENTS = Stream("segments", "GET /segments", "/segments", records.segment, records="segments",
                  params={"limit": "1000"}, shape="segments", page_size=1000, snapshot="segments")

_CONTACTS = dict(endpoint="GET /contacts", path="/contacts", to_rows=records.contact, records="contacts",
                 shape="contacts", page_size=CONTACTS_PAGE, children=True)
CONTACTS_FULL = Stream("contacts_full", params={"limit": str(CONTACTS_PAGE), "include": CONTACT_INCLUDE,
                                                "status": "all", "include_count": "true"}, **_CONTACTS)
CONTACT_PASSES = (   # incremental: an unsubscribe does not move updated_at, and deleted contacts are hidden
    Stream("contacts_updated", params={"limit": str(CONTACTS_PAGE), "include": CONTACT_INCLUDE, "status": "all"},
           cursor_param="updated_after",
           cursor_value=lambda ctx: _max_minus_overlap(ctx, "SELECT max(updated_at) FROM contacts"), **_CONTACTS),
    Stream("contacts_optout", params={"limit": str(CONTACTS_PAGE), "include": CONTACT_INCLUDE},
           cursor_param="optout_after",
           cursor_value=lambda ctx: _max_minus_overlap(ctx, "SELECT max(opt_out_date) FROM contacts"), **_CONTACTS),
    # A deletion moves no filterable date, so deleted contacts are listed whole (usually a page or two).
    Stream("contacts_deleted", params={"limit": str(CONTACTS_PAGE), "include": CONTACT_INCLUDE,
                                       "status": "deleted"}, **_CONTACTS),
)

CAMPAIGNS = Stream("campaigns", "GET /emails", "/emails", records.campaign, records="campaigns",
                   params={"limit": "500"}, shape="emails", page_size=500, cursor_param="after_date",
                   cursor_value=lambda ctx: _max_minus_overlap(ctx, "SELECT max(updated_at) FROM campaigns"))
CAMPAIGN_DETAILS = Stream("campaign_details", "GET /emails/{id}", "/emails/{ids}", records.campaign_detail,
                          shape="email", items=campaigns_needing_details, item_done=mark_campaign_details)
CAMPAIGN_SUMMARIES = Stream("campaign_summaries", "GET /reports/summary_reports/email_campaign_summaries",
                            "/reports/summary_reports/email_campaign_summaries", records.campaign_summary,
                            records="bulk_email_campaign_summaries", params={"limit": "500"},
                            shape="email_campaign_summaries", page_size=500, stop_after=summaries_stop)
ACTIVITY_DETAILS = Stream("activity_details", "GET /emails/activities/{id}", "/emails/activities/{ids}",
                          records.activity_detail, shape="email_activity",
                          items=activities_needing_details, item_done=mark_activity_details)
ACTIVITY_STATS = Stream("activity_stats", "GET /reports/stats/email_campaign_activities/{ids}",
                        "/reports/stats/email_campaign_activities/{ids}", records.activity_stats,
                        records="results", shape="activity_stats", batch=10,
                        items=activities_needing_stats, item_done=mark_stats)

# kind → (tracking_activity_type, the activity_stats column counting the same rows)
TRACKING_KINDS = {
    "sends": ("em_sends", "em_sends"),
    "opens": ("em_opens", "em_opens_all"),
    "clicks": ("em_clicks", "em_clicks_all"),
    "bounces": ("em_bounces", "em_bounces"),
    "optouts": ("em_optouts", "em_optouts"),
    "forwards": ("em_forwards", "em_forwards"),
}
