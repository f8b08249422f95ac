"""GET /v3/contacts and the contact reference collections (lists, tags, custom fields, segments)."""

from __future__ import annotations

import numpy as np

from cc_data.sandbox import render
from cc_data.sandbox.account import PERMISSIONS, Account
from cc_data.sandbox.clock import iso
from cc_data.sandbox.segments import members
from cc_data.sandbox.wire import (
    Response,
    bad_request,
    decode_cursor,
    next_link,
    not_found,
    parse_bool,
    parse_csv_enum,
    parse_date_time,
    parse_limit,
    parse_uuid_csv,
)

# the spec's enums (§2.1, §2.2): anything else is a 400
STATUSES = ("all", "active", "deleted", "not_set", "pending_confirmation", "temp_hold", "unsubscribed")
SMS_STATUSES = ("all", "explicit", "unsubscribed", "pending_confirmation", "not_set")
LIST_STATUSES = ("all", "active", "deleted")
CHANNEL_TYPES = ("email", "sms")
INCLUDES = ("custom_fields", "list_memberships", "phone_numbers", "street_addresses", "taggings", "notes")
DATE_FILTERS = ("updated_after", "updated_before", "created_after", "created_before", "optout_after",
                "optout_before")
CONTACT_PARAMS = ("status", "email", "lists", "tags", "segment_id", "include", "include_count", "limit",
                  "sms_status", *DATE_FILTERS)
KEY = "contacts.api.validation.error"


def _csv(raw: str | None) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def _bits(ids: list[str], entries: list[dict], key: str) -> int:
    known = {entry[key]: bit for bit, entry in enumerate(entries)}
    mask = 0
    for value in ids:
        if value in known:
            mask |= 1 << known[value]
    return mask


def contact_mask(account: Account, params: dict[str, str]) -> np.ndarray:
    c, now = account.contacts, account.now
    mask = account.existing()
    deleted = account.deleted()
    perm = account.permission_now()
    statuses = parse_csv_enum(params.get("status"), STATUSES, "status", KEY)
    parse_csv_enum(params.get("sms_status"), SMS_STATUSES, "sms_status", KEY)
    if not statuses:
        mask = mask & ~deleted
    elif "all" not in statuses:
        chosen = np.zeros(len(c), bool)
        for status in statuses:
            if status == "deleted":
                chosen |= deleted
            elif status == "active":
                chosen |= ~deleted & np.isin(perm, [0, 1])
            else:
                chosen |= ~deleted & (perm == PERMISSIONS.index(status))
        mask = mask & chosen
    if params.get("email"):
        wanted = params["email"].strip().lower()
        mask = mask & np.array([e.strip().lower() == wanted for e in c.email], bool)
    lists = _csv(params.get("lists"))
    if len(lists) > 25:
        raise bad_request("lists accepts at most 25 list ids.", KEY)
    if lists:
        mask = mask & ((c.lists & _bits(lists, account.lists, "list_id")) != 0)
    tags = parse_uuid_csv(params.get("tags"), "tags", 50, KEY)
    if tags:
        mask = mask & ((c.tags & _bits(tags, account.tags, "tag_id")) != 0)
    columns = {"updated": c.updated_at, "created": c.created_at,
               "optout": np.where(c.optout_at <= now, c.optout_at, np.iinfo(np.int64).max)}
    for name in DATE_FILTERS:
        moment = parse_date_time(params.get(name), name, KEY)
        if moment is None:
            continue
        field, side = name.split("_")
        values = columns[field]
        mask = mask & ((values > moment) if side == "after" else (values < moment))
        if field == "optout":
            mask = mask & (c.optout_at <= now)
    return mask


class ContactRoutes:
    def __init__(self, account_ref):
        self._account = account_ref
        self.segments_asked: set[int] = set()

    @property
    def account(self) -> Account:
        return self._account()

    def contacts(self, query: dict[str, str]) -> Response:
        if "cursor" in query:
            state = decode_cursor(query["cursor"], "contacts")
            params, after = state["q"], state["a"]
        else:
            unknown = [k for k in query if k not in CONTACT_PARAMS]
            if unknown:
                raise bad_request(f"{unknown[0]} is not a valid query parameter.", KEY)
            params, after = dict(query), -1
        limit = parse_limit(params.get("limit"), 50, 500, KEY)
        include = set(parse_csv_enum(params.get("include"), INCLUDES, "include", KEY))
        account = self.account
        if params.get("segment_id"):
            extra = [k for k in params if k not in ("segment_id", "limit", "include", "include_count")]
            if extra:
                raise bad_request("segment_id can only be combined with limit.", KEY)
            try:
                segment_id = int(params["segment_id"])
            except ValueError:
                raise bad_request("segment_id must be a number.", KEY) from None
            if segment_id not in {s["segment_id"] for s in account.segments}:
                raise not_found(f"segment {segment_id} was not found.", "contacts.api.not_found")
            if segment_id not in self.segments_asked and after < 0:
                self.segments_asked.add(segment_id)
                return Response(202, {"contacts": [], "status": "processing"})
            mask = members(account, segment_id, account.now)
        else:
            mask = contact_mask(account, params)
        positions = np.flatnonzero(mask)
        page = positions[positions > after][: limit + 1]
        body: dict = {"contacts": [render.contact(account, int(i), include) for i in page[:limit]]}
        if len(page) > limit:
            body["_links"] = next_link("contacts", {"e": "contacts", "q": params, "a": int(page[limit - 1])})
        if parse_bool(params.get("include_count"), "include_count", KEY):
            body["contacts_count"] = int(len(positions))
        return Response(200, body)

    def contact(self, contact_id: str, query: dict[str, str]) -> Response:
        include = set(parse_csv_enum(query.get("include"), INCLUDES, "include", KEY))
        account = self.account
        i = account.contact_position(contact_id)
        if i is None or account.contacts.created_at[i] > account.now:
            raise not_found("contact_id is in an invalid format or does not exist.", "contacts.api.not_found")
        return Response(200, render.contact(account, i, include))

    def _paged(self, endpoint: str, key: str, items: list[dict], query: dict[str, str], default: int,
               maximum: int) -> Response:
        if "cursor" in query:
            state = decode_cursor(query["cursor"], endpoint)
            query, offset = state["q"], state["o"]
        else:
            offset = 0
        limit = parse_limit(query.get("limit"), default, maximum, f"{endpoint}.api.validation.error")
        page = items[offset: offset + limit]
        body: dict = {key: page}
        if offset + limit < len(items):
            body["_links"] = next_link(endpoint, {"e": endpoint, "q": query, "o": offset + limit})
        return Response(200, body)

    def contact_lists(self, query: dict[str, str]) -> Response:
        account = self.account
        count_mode = query.get("include_membership_count")
        if count_mode not in (None, "all", "active"):
            raise bad_request("include_membership_count does not have a valid value", "contacts.api.validation.error")
        statuses = set(parse_csv_enum(query.get("status"), LIST_STATUSES, "status", KEY)) or {"active"}
        channel = query.get("channel_type", "email")
        if channel not in CHANNEL_TYPES:
            raise bad_request("channel_type must be email or sms.", KEY)
        parse_bool(query.get("include_sms_membership_count"), "include_sms_membership_count", KEY)
        alive = account.existing() & ~account.deleted()
        active = alive & np.isin(account.permission_now(), [0, 1])
        items = []
        for bit, entry in enumerate(account.lists):
            if query.get("name") and query["name"] != entry["name"]:
                continue
            gone = entry.get("deleted_at") is not None and entry["deleted_at"] <= account.now
            if channel == "sms" or not ("all" in statuses or ("deleted" if gone else "active") in statuses):
                continue
            item = {"list_id": entry["list_id"], "name": entry["name"], "description": entry["description"],
                    "favorite": entry["favorite"], "created_at": iso(entry["created_at"]),
                    "updated_at": iso(entry["updated_at"])}
            if gone:
                item["deleted_at"] = iso(entry["deleted_at"])
            if count_mode:
                members_now = ((account.contacts.lists >> bit) & 1).astype(bool)
                item["membership_count"] = int((members_now & (active if count_mode == "active" else alive)).sum())
            items.append(item)
        response = self._paged("contact_lists", "lists", items, query, 50, 1000)
        if parse_bool(query.get("include_count"), "include_count", KEY):
            response.body["lists_count"] = len(items)
        return response

    def contact_tags(self, query: dict[str, str]) -> Response:
        account = self.account
        alive = account.existing() & ~account.deleted()
        with_count = parse_bool(query.get("include_count"), "include_count", "contact_tags.api.validation.error")
        items = []
        for bit, entry in enumerate(account.tags):
            item = {"tag_id": entry["tag_id"], "name": entry["name"], "tag_source": entry["tag_source"],
                    "created_at": iso(entry["created_at"]), "updated_at": iso(entry["updated_at"])}
            if with_count:
                item["contacts_count"] = int((((account.contacts.tags >> bit) & 1).astype(bool) & alive).sum())
            items.append(item)
        return self._paged("contact_tags", "tags", items, query, 50, 500)

    def custom_fields(self, query: dict[str, str]) -> Response:
        items = [{"custom_field_id": cf["custom_field_id"], "label": cf["label"], "name": cf["name"],
                  "type": cf["type"], "created_at": iso(cf["created_at"]), "updated_at": iso(cf["updated_at"])}
                 for cf in self.account.custom_fields]
        return self._paged("contact_custom_fields", "custom_fields", items, query, 50, 100)

    def segments(self, query: dict[str, str]) -> Response:
        sort_by = query.get("sort_by", "date")
        if sort_by not in ("date", "name"):
            raise bad_request("sort_by must be date or name.", "segments.api.validation.error")
        items = [{"name": s["name"], "segment_id": s["segment_id"], "created_at": iso(s["created_at"]),
                  "edited_at": iso(s["edited_at"])} for s in self.account.segments]
        items.sort(key=(lambda s: s["name"]) if sort_by == "name" else (lambda s: s["edited_at"]),
                   reverse=sort_by == "date")
        return self._paged("segments", "segments", items, query, 1000, 1000)
