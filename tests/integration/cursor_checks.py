"""The invariant that catches every cursor that skips: after the sandbox clock moves, an incremental sync leaves
what a fresh full sync at that moment leaves (contacts, subscription states, deletions, list memberships,
tracking rows)."""

from __future__ import annotations

from cc_data.store.db import read

CONTACT_COLUMNS = ("contact_id", "email_address", "permission_to_send", "opt_out_date", "opt_out_source",
                   "opt_out_reason", "opt_in_date", "deleted_at", "created_at", "updated_at", "email_updated_at",
                   "first_name", "last_name")
QUERIES = {
    "contacts": f"SELECT {', '.join(CONTACT_COLUMNS)} FROM contacts WHERE removed_at IS NULL ORDER BY ALL",
    "list_memberships": "SELECT contact_id, list_id FROM list_memberships ORDER BY ALL",
    "contact_taggings": "SELECT contact_id, tag_id FROM contact_taggings ORDER BY ALL",
    "contact_custom_fields": "SELECT * FROM contact_custom_fields ORDER BY ALL",
    "campaigns": "SELECT campaign_id, name, type_code, current_status, created_at, updated_at FROM campaigns "
                 "ORDER BY ALL",
    "campaign_activities": "SELECT campaign_activity_id, campaign_id, role, current_status FROM campaign_activities "
                           "ORDER BY ALL",
    "tracking_events": "SELECT campaign_activity_id, contact_id, tracking_activity_type, created_time, url_id, "
                       "ordinal, device_type, bounce_code FROM tracking_events ORDER BY ALL",
}


def stored(db_path) -> dict[str, list[tuple]]:
    with read(db_path) as con:
        return {name: con.execute(sql).fetchall() for name, sql in QUERIES.items()}


def differences(incremental, fresh) -> dict[str, str]:
    """Per table, what the incremental file lacks or has besides the fresh one (empty: the same)."""
    got, want = stored(incremental), stored(fresh)
    out = {}
    for name in QUERIES:
        missing, extra = set(want[name]) - set(got[name]), set(got[name]) - set(want[name])
        if missing or extra:
            out[name] = f"{len(missing)} missing, {len(extra)} extra, e.g. {sorted(missing)[:2]} / {sorted(extra)[:2]}"
    return out


def unsubscribed_but_not_stored(incremental, fresh) -> int:
    """Contacts the fresh file holds as unsubscribed that the incremental file still holds as subscribed."""
    with read(fresh) as con:
        unsub = {r[0] for r in con.execute(
            "SELECT contact_id FROM contacts WHERE permission_to_send = 'unsubscribed'").fetchall()}
    with read(incremental) as con:
        still = {r[0] for r in con.execute(
            "SELECT contact_id FROM contacts WHERE permission_to_send <> 'unsubscribed'").fetchall()}
    return len(unsub & still)
