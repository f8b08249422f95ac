"""The response shapes this project serves (sandbox) and reads (sync), as plain data, and a validator.

A shape maps field name -> (type, required). Types: "str", "int", "num", "bool", "dt" (ISO date-time
string), "date", a nested shape dict, ["list", item] or "any". Unknown fields are allowed (the API adds
fields over time); missing required fields and wrong types are problems.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

Shape = dict[str, tuple[Any, bool]]

LINKS: Shape = {"next": ({"href": ("str", True)}, False)}
EMAIL_ADDRESS: Shape = {
    "address": ("str", True), "permission_to_send": ("str", False), "created_at": ("dt", False),
    "updated_at": ("dt", False), "opt_in_source": ("str", False), "opt_in_date": ("dt", False),
    "opt_out_source": ("str", False), "opt_out_date": ("dt", False), "opt_out_reason": ("str", False),
    "confirm_status": ("str", False),
}
CONTACT: Shape = {
    "contact_id": ("str", True), "email_address": (EMAIL_ADDRESS, False), "first_name": ("str", False),
    "last_name": ("str", False), "job_title": ("str", False), "company_name": ("str", False),
    "birthday_month": ("int", False), "birthday_day": ("int", False), "create_source": ("str", False),
    "update_source": ("str", False), "created_at": ("dt", False), "updated_at": ("dt", False),
    "deleted_at": ("date", False),
    "custom_fields": (["list", {"custom_field_id": ("str", True), "value": ("any", False)}], False),
    "list_memberships": (["list", "str"], False), "taggings": (["list", "str"], False),
    "phone_numbers": (["list", {"phone_number_id": ("str", False), "phone_number": ("str", False),
                                "kind": ("str", False)}], False),
    "street_addresses": (["list", {"street_address_id": ("str", False), "kind": ("str", True),
                                   "city": ("str", False)}], False),
    "notes": (["list", {"note_id": ("str", False), "content": ("str", False)}], False),
}
TRACKING_ROW: Shape = {
    "contact_id": ("str", True), "campaign_activity_id": ("str", True), "tracking_activity_type": ("str", True),
    "email_address": ("str", False), "first_name": ("str", False), "last_name": ("str", False),
    "created_time": ("dt", True), "device_type": ("str", False), "url_id": ("str", False),
    "link_url": ("str", False), "bounce_code": ("str", False), "opt_out_reason": ("str", False),
    "deleted_at": ("date", False),
}
STATS_FIELDS = ("em_bounces", "em_clicks", "em_clicks_all", "em_forwards", "em_not_opened", "em_opens",
                "em_opens_all", "em_optouts", "em_sends", "em_abuse")

SHAPES: dict[str, Shape] = {
    "contacts": {"contacts": (["list", CONTACT], True), "contacts_count": ("int", False), "_links": (LINKS, False),
                 "status": ("str", False)},
    "contact": CONTACT,
    "contact_lists": {"lists": (["list", {
        "list_id": ("str", True), "name": ("str", True), "description": ("str", False), "favorite": ("bool", False),
        "created_at": ("dt", False), "updated_at": ("dt", False), "deleted_at": ("dt", False),
        "membership_count": ("int", False)}], True), "lists_count": ("int", False), "_links": (LINKS, False)},
    "contact_tags": {"tags": (["list", {
        "tag_id": ("str", True), "name": ("str", True), "contacts_count": ("int", False),
        "created_at": ("dt", False), "updated_at": ("dt", False), "tag_source": ("str", False)}], True),
        "_links": (LINKS, False)},
    "contact_custom_fields": {"custom_fields": (["list", {
        "custom_field_id": ("str", True), "label": ("str", True), "name": ("str", False), "type": ("str", True),
        "created_at": ("dt", False), "updated_at": ("dt", False)}], True), "_links": (LINKS, False)},
    "segments": {"segments": (["list", {"name": ("str", True), "segment_id": ("int", True),
                                        "created_at": ("dt", False), "edited_at": ("dt", False)}], True),
                 "_links": (LINKS, False)},
    "emails": {"campaigns": (["list", {
        "campaign_id": ("str", True), "created_at": ("dt", False), "current_status": ("str", False),
        "name": ("str", True), "type": ("str", False), "type_code": ("int", False), "updated_at": ("dt", True)}], True),
        "_links": (LINKS, False)},
    "email": {"campaign_id": ("str", True), "name": ("str", True), "current_status": ("str", False),
              "created_at": ("dt", False), "updated_at": ("dt", False), "type": ("str", False),
              "type_code": ("int", False),
              "campaign_activities": (["list", {"campaign_activity_id": ("str", True), "role": ("str", True)}], True)},
    "email_activity": {
        "campaign_activity_id": ("str", True), "campaign_id": ("str", True), "role": ("str", True),
        "contact_list_ids": (["list", "str"], False), "segment_ids": (["list", "int"], False),
        "current_status": ("str", False), "format_type": ("int", False), "from_email": ("str", True),
        "from_name": ("str", True), "reply_to_email": ("str", True), "subject": ("str", True),
        "preheader": ("str", False), "permalink_url": ("str", False)},
    "email_campaign_summaries": {
        "bulk_email_campaign_summaries": (["list", {
            "campaign_id": ("str", True), "campaign_type": ("str", False), "last_sent_date": ("dt", False),
            "unique_counts": ({k: ("int", True) for k in ("sends", "opens", "clicks", "forwards", "optouts",
                                                          "abuse", "bounces", "not_opened")}, True)}], True),
        "aggregate_percents": ({k: ("num", False) for k in ("click", "open", "did_not_open", "bounce",
                                                            "unsubscribe")}, False),
        "_links": (LINKS, False)},
    "activity_stats": {
        "results": (["list", {"campaign_id": ("str", False), "campaign_activity_id": ("str", True),
                              "stats": ({k: ("int", True) for k in STATS_FIELDS}, True),
                              "last_refresh_time": ("dt", False)}], True),
        "errors": (["list", {"error_key": ("str", True), "error_message": ("str", True)}], False)},
    "tracking": {"tracking_activities": (["list", TRACKING_ROW], True), "_links": (LINKS, False)},
    "account_summary": {"organization_name": ("str", False), "encoded_account_id": ("str", False),
                        "contact_email": ("str", False), "time_zone_id": ("str", False),
                        "country_code": ("str", False), "state_code": ("str", False)},
    "contact_export": {"activity_id": ("str", True), "state": ("str", True), "percent_done": ("int", False),
                       "activity_errors": (["list", "str"], False),
                       "status": ({"items_total_count": ("int", False), "items_completed_count": ("int", False)},
                                  False),
                       "_links": ({"self": ({"href": ("str", True)}, False),
                                   "results": ({"href": ("str", True)}, False)}, False)},
    "token": {"access_token": ("str", True), "token_type": ("str", True), "expires_in": ("int", True),
              "scope": ("str", False), "refresh_token": ("str", False)},
    "api_errors": {"error_key": ("str", True), "error_message": ("str", True)},
}


def _is_dt(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True
    except ValueError:
        return False


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        date.fromisoformat(value[:10])
        return True
    except ValueError:
        return False


CHECKS = {
    "str": lambda v: isinstance(v, str), "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "num": lambda v: isinstance(v, int | float) and not isinstance(v, bool), "bool": lambda v: isinstance(v, bool),
    "dt": _is_dt, "date": _is_date, "any": lambda v: True,
}


def _check(kind: Any, value: object, where: str, problems: list[str]) -> None:
    if isinstance(kind, dict):
        if not isinstance(value, dict):
            problems.append(f"{where}: expected an object, got {type(value).__name__}")
            return
        for name, (sub, required) in kind.items():
            if name not in value or value[name] is None:
                if required:
                    problems.append(f"{where}.{name}: required field missing")
                continue
            _check(sub, value[name], f"{where}.{name}", problems)
    elif isinstance(kind, list):
        if not isinstance(value, list):
            problems.append(f"{where}: expected a list, got {type(value).__name__}")
            return
        for i, item in enumerate(value):
            _check(kind[1], item, f"{where}[{i}]", problems)
            if len(problems) > 20:
                return
    elif not CHECKS[kind](value):
        problems.append(f"{where}: expected {kind}, got {value!r:.40}")


def validate(shape_name: str, body: object) -> list[str]:
    """Problems with `body` against the named shape; an empty list means it fits."""
    if shape_name == "api_errors":
        if not isinstance(body, list):
            return ["$: expected an error array"]
        problems: list[str] = []
        for i, item in enumerate(body):
            _check(SHAPES["api_errors"], item, f"$[{i}]", problems)
        return problems
    problems = []
    _check(SHAPES[shape_name], body, "$", problems)
    return problems
