"""Turn account rows into the API's JSON objects, one page at a time."""

from __future__ import annotations

import uuid

from cc_data.sandbox.account import PERMISSIONS, SOURCES, Account, Activity, Campaign
from cc_data.sandbox.clock import NEVER, iso, iso_date
from cc_data.sandbox.names import CITIES, OPT_OUT_REASONS, STREETS

CONFIRM_STATUS = {"explicit": "confirmed", "pending_confirmation": "pending"}


def contact(account: Account, i: int, include: set[str]) -> dict:
    c, now = account.contacts, account.now
    optout = int(c.optout_at[i])
    opted_out = optout <= now
    permission = "unsubscribed" if opted_out else PERMISSIONS[c.permission[i]]
    created = int(c.created_at[i])
    email = {
        "address": c.email[i], "permission_to_send": permission, "created_at": iso(created),
        "updated_at": iso(optout if opted_out else created),
        "opt_in_source": SOURCES[c.create_source[i]], "opt_in_date": iso(created),
        "confirm_status": CONFIRM_STATUS.get(PERMISSIONS[c.permission[i]], "off"),
    }
    if opted_out:
        email.update(opt_out_source=SOURCES[c.optout_source[i]], opt_out_date=iso(optout))
        reason = OPT_OUT_REASONS[c.optout_reason[i]]
        if reason:
            email["opt_out_reason"] = reason
    out = {"contact_id": c.contact_id[i], "email_address": email, "first_name": c.first_name[i],
           "last_name": c.last_name[i]}
    if c.job_title[i]:
        out["job_title"] = c.job_title[i]
    if c.company_name[i]:
        out["company_name"] = c.company_name[i]
    if c.birthday_month[i]:
        out["birthday_month"], out["birthday_day"] = int(c.birthday_month[i]), int(c.birthday_day[i])
    out.update(create_source=SOURCES[c.create_source[i]], update_source=SOURCES[c.create_source[i]],
               created_at=iso(created), updated_at=iso(int(c.updated_at[i])))
    if c.deleted_at[i] <= now:
        out["deleted_at"] = iso_date(int(c.deleted_at[i]))
    if "custom_fields" in include:
        out["custom_fields"] = [{"custom_field_id": cf["custom_field_id"], "value": c.custom[cf["name"]][i]}
                                for cf in account.custom_fields if c.custom[cf["name"]][i] is not None]
    if "list_memberships" in include:
        out["list_memberships"] = [e["list_id"] for b, e in enumerate(account.lists) if c.lists[i] >> b & 1]
    if "taggings" in include:
        out["taggings"] = [e["tag_id"] for b, e in enumerate(account.tags) if c.tags[i] >> b & 1]
    if "phone_numbers" in include:
        out["phone_numbers"] = [] if not c.has_phone[i] else [{
            "phone_number_id": sub_id(c.contact_id[i], "phone", 1), "phone_number": f"303-555-{1000 + i % 9000:04d}",
            "kind": "home", "created_at": iso(created), "updated_at": iso(created),
            "create_source": "Account", "update_source": "Account"}]
    if "street_addresses" in include:
        city = int(c.city[i])
        out["street_addresses"] = [] if city < 0 else [{
            "street_address_id": sub_id(c.contact_id[i], "address", 1), "kind": "home",
            "street": f"{100 + i % 9800} {STREETS[i % len(STREETS)]}", "city": CITIES[city][0],
            "state": CITIES[city][1], "postal_code": f"{CITIES[city][2]}{i % 100:02d}", "country": "United States",
            "created_at": iso(created), "updated_at": iso(created)}]
    if "notes" in include:
        out["notes"] = []
    return out


def sub_id(contact_id: str, kind: str, n: int) -> str:
    """The spec's sub-resource ids are UUIDs; stable per contact, kind and position."""
    return str(uuid.uuid5(uuid.UUID(contact_id), f"{kind}/{n}"))


def campaign_status(campaign: Campaign, now: int) -> str:
    primary = next(a for a in campaign.activities if a.role == "primary_email")
    return "Done" if primary.send_at is not None and primary.send_at <= now else "Scheduled"


def campaign(account: Account, item: Campaign, with_activities: bool) -> dict:
    out = {"campaign_id": item.campaign_id, "created_at": iso(item.created_at),
           "current_status": campaign_status(item, account.now), "name": item.name, "type": item.type,
           "type_code": item.type_code, "updated_at": iso(min(item.updated_at, account.now))}
    if with_activities:
        out["campaign_activities"] = [{"campaign_activity_id": a.campaign_activity_id, "role": a.role}
                                      for a in item.activities]
    return out


ACTIVITY_INCLUDES = ("physical_address_in_footer", "permalink_url", "html_content", "document_properties")


def activity(account: Account, item: Activity, include: set[str] = frozenset()) -> dict:
    out = {"campaign_activity_id": item.campaign_activity_id, "campaign_id": item.campaign_id, "role": item.role,
           "contact_list_ids": list(item.contact_list_ids), "segment_ids": list(item.segment_ids),
           "current_status": item.status_at(account.now), "format_type": 5, "from_email": item.from_email,
           "from_name": item.from_name, "reply_to_email": item.reply_to_email, "subject": item.subject,
           "preheader": item.preheader, "template_id": "1000000"}
    if "permalink_url" in include:
        out["permalink_url"] = f"https://myemail.constantcontact.com/{item.campaign_activity_id[:8]}.html"
    if "html_content" in include:
        out["html_content"] = (f"<html><body><h1>{item.subject}</h1><p>{item.preheader or ''}</p>"
                               "[[trackingImage]]</body></html>")
    if "physical_address_in_footer" in include:
        address = account.summary.get("physical_address", {})
        out["physical_address_in_footer"] = {
            "address_line1": address.get("address_line1", ""), "city": address.get("city", ""),
            "state_code": address.get("state_code", ""), "postal_code": address.get("postal_code", ""),
            "country_code": address.get("country_code", "US"),
            "organization_name": account.summary.get("organization_name", "")}
    if "document_properties" in include:
        out["document_properties"] = {"letter_format": "HTML", "greeting_name_type": "N",
                                      "subscribe_link_enabled": "false", "permission_reminder_enabled": "false",
                                      "forward_email_link_enabled": "false"}
    return out


def never_or(ts: int) -> str | None:
    return None if ts >= NEVER else iso(ts)
