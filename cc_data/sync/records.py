"""API records → table rows (dicts keyed by column), typed once through `cc_data.api.parse`.

One pure function per record type. Only what the sync cannot do without is required: a record without its
id raises `MissingId` (the engine skips it and counts it); any documented form of every other field is read.

Absent is not null: a row carries only the fields its record carried, so an answer that omits a field (a
campaign's `/emails/{id}` without `type_code`) never overwrites what another answer stored (the upsert writes
the columns a row carries). A field sent as null is written as null. Counts are the exception that proves
the rule: a count the answer did not carry is unknown (None), never 0 and never the stale stored value, so
the tracking planner asks for the rows instead of trusting a number that was not there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cc_data.api import parse

Rows = dict[str, list[dict]]


class MissingId(Exception):  # noqa: N818 - a reason to skip a record, not a failure
    """The record lacks the id its table is keyed on."""


def required_id(rec: object, key: str) -> str:
    if not isinstance(rec, dict):
        raise MissingId(key)
    value = rec.get(key)
    if value is None or value == "":
        raise MissingId(key)
    return str(value)


def _email(value: str | None) -> str | None:
    return value.strip().lower() if isinstance(value, str) else None


def _texts(rec: dict, *names: str) -> dict[str, Any]:
    """The text fields the record carries (absent ones are left out, not set to None)."""
    return {n: parse.text(rec[n], n) for n in names if n in rec}


def _times(rec: dict, *names: str) -> dict[str, Any]:
    return {n: parse.timestamp(rec[n], n) for n in names if n in rec}


def _carried(rec: dict, name: str, read: Callable[[object, str], Any], field: str | None = None) -> dict[str, Any]:
    return {name: read(rec[name], field or name)} if name in rec else {}


def account(rec: dict, now: Any) -> Rows:
    cols = ("encoded_account_id", "organization_name", "contact_email", "first_name", "last_name",
            "country_code", "state_code", "time_zone_id", "website")
    return {"account": [{**_texts(rec, *cols), "synced_at": now}]}


def custom_field(rec: dict, now: Any) -> Rows:
    return {"custom_fields": [{"custom_field_id": required_id(rec, "custom_field_id"),
                               **_texts(rec, "name", "label", "type"), **_times(rec, "created_at", "updated_at")}]}


def contact_list(rec: dict, now: Any) -> Rows:
    return {"contact_lists": [{
        "list_id": required_id(rec, "list_id"), **_texts(rec, "name", "description"),
        **_carried(rec, "favorite", parse.flag),
        "membership_count": parse.count(rec.get("membership_count"), "membership_count"),  # absent: unknown
        **_times(rec, "created_at", "updated_at", "deleted_at")}]}


def tag(rec: dict, now: Any) -> Rows:
    return {"contact_tags": [{
        "tag_id": required_id(rec, "tag_id"), **_texts(rec, "name", "tag_source"),
        "contacts_count": parse.count(rec.get("contacts_count"), "contacts_count"),  # absent: unknown
        **_times(rec, "created_at", "updated_at")}]}


def segment(rec: dict, now: Any) -> Rows:
    return {"segments": [{
        "segment_id": parse.count(required_id(rec, "segment_id"), "segment_id"),  # an integer, or its text
        **_texts(rec, "name"), **_times(rec, "created_at", "edited_at")}]}


def _children(rec: dict, key: str, id_key: str, cols: tuple[str, ...], times: tuple[str, ...]) -> list[dict]:
    rows = []
    for item in rec.get(key) or []:
        if not isinstance(item, dict):
            continue
        rows.append({**dict.fromkeys(cols + times), **_texts(item, *cols), **_times(item, *times),
                     id_key: parse.text(item.get(id_key), id_key)})
    return rows


CARRIED = "_children_carried"   # which contacts' child lists an answer carried: only those are replaced


def contact(rec: dict, now: Any) -> Rows:
    cid = required_id(rec, "contact_id")
    row: dict[str, Any] = {"contact_id": cid, "synced_at": now, "last_seen_at": now}
    if "email_address" in rec:
        em = parse.obj(rec["email_address"], "email_address")
        if "address" in em:
            address = parse.text(em["address"], "email_address.address")
            row.update(email_address=address, email=_email(address))
        row.update(_texts(em, "permission_to_send", "confirm_status", "opt_in_source", "opt_out_source",
                          "opt_out_reason"))
        row.update(_times(em, "opt_in_date", "opt_out_date"))
        row.update({f"email_{k}": parse.timestamp(em[k], f"email_address.{k}") for k in ("created_at", "updated_at")
                    if k in em})
    row.update(_carried(rec, "deleted_at", parse.day))
    row.update(_texts(rec, "first_name", "last_name", "company_name", "job_title", "anniversary", "create_source",
                      "update_source"))
    row.update(_carried(rec, "birthday_month", parse.count))
    row.update(_carried(rec, "birthday_day", parse.count))
    row.update(_times(rec, "created_at", "updated_at"))
    stamps = ("created_at", "updated_at")
    children = {
        "contact_phone_numbers": ("phone_numbers", lambda: [{"contact_id": cid, **p} for p in _children(
            rec, "phone_numbers", "phone_number_id", ("phone_number", "kind"), stamps)]),
        "contact_street_addresses": ("street_addresses", lambda: [{"contact_id": cid, **a} for a in _children(
            rec, "street_addresses", "street_address_id",
            ("kind", "street", "city", "state", "postal_code", "country"), stamps)]),
        "list_memberships": ("list_memberships", lambda: [
            {"contact_id": cid, "list_id": str(lid)} for lid in rec.get("list_memberships") or [] if lid]),
        "contact_taggings": ("taggings", lambda: [
            {"contact_id": cid, "tag_id": str(tid)} for tid in rec.get("taggings") or [] if tid]),
        "contact_custom_fields": ("custom_fields", lambda: [
            {"contact_id": cid, "custom_field_id": str(f["custom_field_id"]), "value": _value_text(f.get("value"))}
            for f in rec.get("custom_fields") or [] if isinstance(f, dict) and f.get("custom_field_id")]),
    }
    # A child list the answer did not carry (not asked for, or left out) keeps what is stored.
    carried = {table: (key, build) for table, (key, build) in children.items() if key in rec}
    rows: Rows = {"contacts": [row], CARRIED: [{"contact_id": cid, "table": t} for t in carried]}
    rows.update({table: build() for table, (_, build) in carried.items()})
    return rows


CONTACT_CHILDREN = {
    "contact_phone_numbers": ("contact_id", "phone_number_id", "phone_number", "kind", "created_at", "updated_at"),
    "contact_street_addresses": ("contact_id", "street_address_id", "kind", "street", "city", "state",
                                 "postal_code", "country", "created_at", "updated_at"),
    "list_memberships": ("contact_id", "list_id"),
    "contact_taggings": ("contact_id", "tag_id"),
    "contact_custom_fields": ("contact_id", "custom_field_id", "value"),
}


def _value_text(value: object) -> str | None:
    return None if value is None else str(value)


def _campaign_row(rec: dict) -> dict[str, Any]:
    # /emails may omit `updated_at`, /emails/{id} may omit `type_code` or `created_at`: each keeps what the other
    # answer stored (absent is not null).
    return {"campaign_id": required_id(rec, "campaign_id"), **_texts(rec, "name", "type", "current_status"),
            **_carried(rec, "type_code", parse.count), **_times(rec, "created_at", "updated_at")}


def campaign(rec: dict, now: Any) -> Rows:
    return {"campaigns": [_campaign_row(rec)]}


def campaign_detail(rec: dict, now: Any) -> Rows:
    row = _campaign_row(rec)
    activities = []
    for a in rec.get("campaign_activities") or []:
        if isinstance(a, dict) and a.get("campaign_activity_id"):
            activities.append({"campaign_activity_id": str(a["campaign_activity_id"]),
                               "campaign_id": row["campaign_id"], **_texts(a, "role")})
    return {"campaigns": [row], "campaign_activities": activities}


def activity_detail(rec: dict, now: Any) -> Rows:
    row: dict[str, Any] = {
        "campaign_activity_id": required_id(rec, "campaign_activity_id"),
        **_texts(rec, "campaign_id", "role", "current_status", "subject", "preheader", "from_name", "from_email",
                 "reply_to_email"),
        **_carried(rec, "format_type", parse.count),
    }
    if "contact_list_ids" in rec:
        row["contact_list_ids"] = [str(i) for i in rec["contact_list_ids"] or []]
    if "segment_ids" in rec:
        row["segment_ids"] = [parse.count(i, "segment_ids[]") for i in rec["segment_ids"] or []]
    return {"campaign_activities": [row]}


SUMMARY_COUNTS = ("sends", "opens", "clicks", "forwards", "optouts", "abuse", "bounces", "not_opened")


def _counts(values: object, field: str, names: tuple[str, ...]) -> dict[str, int | None]:
    """The counts an object carries. A count it does not carry (or no object at all) is None: unknown, so the
    planner asks for the rows; never 0, which would tell it there is nothing to fetch.

    The guide page's stats example ("Get an Email Campaign Activities Stats Report") names the device and
    all-opens counts with dots (`em_opens.all`, `em_clicks.all.mobile`) where the spec has underscores
    (`em_opens_all`): both name the same count."""
    if values is None:
        return dict.fromkeys(names)
    values = parse.obj(values, field)
    dotted = {key.replace(".", "_"): key for key in values if isinstance(key, str) and "." in key}
    found = {}
    for name in names:
        key = name if name in values else dotted.get(name)
        found[name] = None if key is None else parse.count(values[key], f"{field}.{key}")
    return found


def campaign_summary(rec: dict, now: Any) -> Rows:
    return {"campaign_summaries": [{
        "campaign_id": required_id(rec, "campaign_id"), **_texts(rec, "campaign_type"),
        **_times(rec, "last_sent_date"), **_counts(rec.get("unique_counts"), "unique_counts", SUMMARY_COUNTS),
        "synced_at": now,
    }]}


STAT_FIELDS = (
    "em_sends", "em_opens", "em_opens_all", "em_clicks", "em_clicks_all", "em_bounces", "em_optouts",
    "em_forwards", "em_abuse", "em_not_opened", "em_opens_all_computer", "em_opens_all_mobile",
    "em_opens_all_tablet", "em_opens_all_other", "em_clicks_all_computer", "em_clicks_all_mobile",
    "em_clicks_all_tablet", "em_clicks_all_other",
)


def activity_stats(rec: dict, now: Any) -> Rows:
    return {"activity_stats": [{
        "campaign_activity_id": required_id(rec, "campaign_activity_id"), **_texts(rec, "campaign_id"),
        **_counts(rec.get("stats"), "stats", STAT_FIELDS), **_times(rec, "last_refresh_time"), "synced_at": now,
    }]}


def tracking_row(rec: dict, activity_id: str, activity_type: str) -> dict:
    """One tracking row; the contact and the time are its identity (the API gives rows no id)."""
    contact_id = required_id(rec, "contact_id")
    created = parse.timestamp(rec.get("created_time"), "created_time")
    if created is None:
        raise MissingId("created_time")
    return {
        "campaign_activity_id": activity_id,  # the activity asked for: keeps the natural key exact
        "contact_id": contact_id,
        "tracking_activity_type": activity_type,  # canonical: docs disagree on unique-open rows (§0.6)
        "created_time": created,
        **_texts(rec, "device_type", "url_id", "link_url", "bounce_code", "opt_out_reason"),
    }


ToRows = Callable[[dict, Any], Rows]
