"""API records → table rows (dicts keyed by column). Pure functions, one per record type."""

from __future__ import annotations

from typing import Any

Rows = dict[str, list[dict]]


def _email(value: str | None) -> str | None:
    return value.strip().lower() if isinstance(value, str) else None


def account(rec: dict, now: str) -> Rows:
    cols = ("encoded_account_id", "organization_name", "contact_email", "first_name", "last_name",
            "country_code", "state_code", "time_zone_id", "website")
    return {"account": [{**{c: rec.get(c) for c in cols}, "synced_at": now}]}


def custom_field(rec: dict, now: str) -> Rows:
    return {"custom_fields": [{c: rec.get(c) for c in (
        "custom_field_id", "name", "label", "type", "created_at", "updated_at")}]}


def contact_list(rec: dict, now: str) -> Rows:
    return {"contact_lists": [{c: rec.get(c) for c in (
        "list_id", "name", "description", "favorite", "membership_count", "created_at", "updated_at", "deleted_at")}]}


def tag(rec: dict, now: str) -> Rows:
    return {"contact_tags": [{c: rec.get(c) for c in (
        "tag_id", "name", "tag_source", "contacts_count", "created_at", "updated_at")}]}


def segment(rec: dict, now: str) -> Rows:
    return {"segments": [{c: rec.get(c) for c in ("segment_id", "name", "created_at", "edited_at")}]}


def contact(rec: dict, now: str) -> Rows:
    cid = rec["contact_id"]
    em = rec.get("email_address") or {}
    row: dict[str, Any] = {
        "contact_id": cid,
        "email_address": em.get("address"),
        "email": _email(em.get("address")),
        "permission_to_send": em.get("permission_to_send"),
        "confirm_status": em.get("confirm_status"),
        "opt_in_source": em.get("opt_in_source"), "opt_in_date": em.get("opt_in_date"),
        "opt_out_source": em.get("opt_out_source"), "opt_out_date": em.get("opt_out_date"),
        "opt_out_reason": em.get("opt_out_reason"),
        "email_created_at": em.get("created_at"), "email_updated_at": em.get("updated_at"),
        "deleted_at": rec.get("deleted_at"), "synced_at": now, "last_seen_at": now,
    }
    for c in ("first_name", "last_name", "company_name", "job_title", "birthday_month", "birthday_day",
              "anniversary", "create_source", "update_source", "created_at", "updated_at"):
        row[c] = rec.get(c)
    return {
        "contacts": [row],
        "contact_phone_numbers": [
            {"contact_id": cid, **{c: p.get(c) for c in (
                "phone_number_id", "phone_number", "kind", "created_at", "updated_at")}}
            for p in rec.get("phone_numbers") or []
        ],
        "contact_street_addresses": [
            {"contact_id": cid, **{c: a.get(c) for c in (
                "street_address_id", "kind", "street", "city", "state", "postal_code", "country",
                "created_at", "updated_at")}}
            for a in rec.get("street_addresses") or []
        ],
        "list_memberships": [{"contact_id": cid, "list_id": lid} for lid in rec.get("list_memberships") or []],
        "contact_taggings": [{"contact_id": cid, "tag_id": tid} for tid in rec.get("taggings") or []],
        "contact_custom_fields": [
            {"contact_id": cid, "custom_field_id": f.get("custom_field_id"), "value": _text(f.get("value"))}
            for f in rec.get("custom_fields") or []
        ],
    }


CONTACT_CHILDREN = {
    "contact_phone_numbers": ("contact_id", "phone_number_id", "phone_number", "kind", "created_at", "updated_at"),
    "contact_street_addresses": ("contact_id", "street_address_id", "kind", "street", "city", "state",
                                 "postal_code", "country", "created_at", "updated_at"),
    "list_memberships": ("contact_id", "list_id"),
    "contact_taggings": ("contact_id", "tag_id"),
    "contact_custom_fields": ("contact_id", "custom_field_id", "value"),
}


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def campaign(rec: dict, now: str) -> Rows:
    return {"campaigns": [{c: rec.get(c) for c in (
        "campaign_id", "name", "type", "type_code", "current_status", "created_at", "updated_at")}]}


def campaign_detail(rec: dict, now: str) -> Rows:
    return {
        "campaigns": [{c: rec.get(c) for c in (
            "campaign_id", "name", "type", "type_code", "current_status", "created_at", "updated_at")}],
        "campaign_activities": [
            {"campaign_activity_id": a.get("campaign_activity_id"), "campaign_id": rec["campaign_id"],
             "role": a.get("role")}
            for a in rec.get("campaign_activities") or []
        ],
    }


def activity_detail(rec: dict, now: str) -> Rows:
    return {"campaign_activities": [{c: rec.get(c) for c in (
        "campaign_activity_id", "campaign_id", "role", "current_status", "subject", "preheader", "from_name",
        "from_email", "reply_to_email", "format_type", "contact_list_ids", "segment_ids")}]}


SUMMARY_COUNTS = ("sends", "opens", "clicks", "forwards", "optouts", "abuse", "bounces", "not_opened")


def campaign_summary(rec: dict, now: str) -> Rows:
    counts = rec.get("unique_counts") or {}
    return {"campaign_summaries": [{
        "campaign_id": rec.get("campaign_id"), "campaign_type": rec.get("campaign_type"),
        "last_sent_date": rec.get("last_sent_date"), **{c: counts.get(c) for c in SUMMARY_COUNTS},
        "synced_at": now,
    }]}


STAT_FIELDS = (
    "em_sends", "em_opens", "em_opens_all", "em_clicks", "em_clicks_all", "em_bounces", "em_optouts",
    "em_forwards", "em_abuse", "em_not_opened", "em_opens_all_computer", "em_opens_all_mobile",
    "em_opens_all_tablet", "em_opens_all_other", "em_clicks_all_computer", "em_clicks_all_mobile",
    "em_clicks_all_tablet", "em_clicks_all_other",
)


def activity_stats(rec: dict, now: str) -> Rows:
    stats = rec.get("stats") or {}
    return {"activity_stats": [{
        "campaign_activity_id": rec.get("campaign_activity_id"), "campaign_id": rec.get("campaign_id"),
        **{f: stats.get(f) for f in STAT_FIELDS},
        "last_refresh_time": rec.get("last_refresh_time"), "synced_at": now,
    }]}


def tracking_row(rec: dict, activity_id: str, activity_type: str) -> dict:
    return {
        "campaign_activity_id": activity_id,  # the activity asked for: keeps the natural key exact
        "contact_id": rec.get("contact_id"),
        "tracking_activity_type": activity_type,  # canonical: docs disagree on unique-open rows
        "created_time": rec.get("created_time"),
        "device_type": rec.get("device_type"),
        "url_id": _text(rec.get("url_id")),
        "link_url": rec.get("link_url"),
        "bounce_code": rec.get("bounce_code"),
        "opt_out_reason": rec.get("opt_out_reason"),
    }
