"""Every field the sync reads from a record exists in the official spec's schema for that response.

The fields are not listed here: each record function is run on a record built from the spec's own schema, and
every key it asks for is recorded, so the check follows the code and is judged by the spec (tests/data)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from cc_data.sync import records

SPEC = json.loads((Path(__file__).resolve().parents[1] / "data" / "cc-v3-openapi.json").read_text())
NOW = datetime(2024, 1, 1)
TRACKING_KINDS = ("sends", "opens", "clicks", "bounces", "optouts", "forwards")

# record function -> (spec path, the list in the body or None for the body itself)
READERS = {
    "account": ("/account/summary", None), "custom_field": ("/contact_custom_fields", "custom_fields"),
    "contact_list": ("/contact_lists", "lists"), "tag": ("/contact_tags", "tags"),
    "segment": ("/segments", "segments"), "contact": ("/contacts", "contacts"), "campaign": ("/emails", "campaigns"),
    "campaign_detail": ("/emails/{campaign_id}", None),
    "activity_detail": ("/emails/activities/{campaign_activity_id}", None),
    "campaign_summary": ("/reports/summary_reports/email_campaign_summaries", "bulk_email_campaign_summaries"),
    "activity_stats": ("/reports/stats/email_campaign_activities/{campaign_activity_ids}", "results"),
}


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = SPEC["definitions"][schema["$ref"].split("/")[-1]]
    return schema


class Recording(dict):
    """A record whose every key asked for (present or not) is noted, with nested objects recorded too."""

    def __init__(self, values: dict, where: str, asked: set[str]) -> None:
        super().__init__(values)
        self.where, self.asked = where, asked

    def _note(self, key: object) -> None:
        self.asked.add(f"{self.where}.{key}")

    def get(self, key, default=None):
        self._note(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key) -> bool:
        self._note(key)
        return super().__contains__(key)


def _sample(schema: dict, where: str, asked: set[str]) -> object:
    """A value of the schema's type, objects as Recording."""
    schema = _resolve(schema)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        values = {name: _sample(sub, f"{where}.{name}", asked) for name, sub in schema.get("properties", {}).items()}
        return Recording(values, where, asked)
    if kind == "array":
        return [_sample(schema.get("items", {}), f"{where}[]", asked)]
    if kind == "integer" or kind == "number":
        return 1
    if kind == "boolean":
        return True
    if schema.get("format") == "date-time" or where.endswith(("_time", "_at", "_date")):
        return "2024-01-01T00:00:00Z"
    if schema.get("format") == "date":
        return "2024-01-01"
    if schema.get("format") == "uuid" or where.endswith("_id"):
        return "11111111-1111-1111-1111-111111111111"
    return "text"


def _declared(schema: dict, where: str, out: set[str]) -> set[str]:
    schema = _resolve(schema)
    for name, sub in schema.get("properties", {}).items():
        out.add(f"{where}.{name}")
        sub = _resolve(sub)
        _declared(sub.get("items", sub) if sub.get("type") == "array" else sub,
                  f"{where}.{name}" + ("[]" if sub.get("type") == "array" else ""), out)
    return out


def _item_schema(path: str, key: str | None) -> dict:
    schema = _resolve(SPEC["paths"][path]["get"]["responses"]["200"]["schema"])
    if key is None:
        return schema
    return _resolve(_resolve(schema["properties"][key])["items"])


@pytest.mark.parametrize("name", sorted(READERS))
def test_fields_read_exist_in_the_official_spec(name):
    schema = _item_schema(*READERS[name])
    asked: set[str] = set()
    getattr(records, name)(_sample(schema, "$", asked), NOW)
    unknown = sorted(asked - _declared(schema, "$", set()))
    assert unknown == [], f"{name} reads fields the spec does not declare: {unknown}"


@pytest.mark.parametrize("kind", TRACKING_KINDS)
def test_tracking_fields_read_exist_in_the_official_spec(kind):
    declared: set[str] = set()
    for other in TRACKING_KINDS:  # one row shape is read for every kind; each field must exist in one of them
        _declared(_item_schema(f"/reports/email_reports/{{campaign_activity_id}}/tracking/{other}",
                               "tracking_activities"), "$", declared)
    schema = _item_schema(f"/reports/email_reports/{{campaign_activity_id}}/tracking/{kind}", "tracking_activities")
    asked: set[str] = set()
    records.tracking_row(_sample(schema, "$", asked), "A", "em_" + kind)
    assert sorted(asked - declared) == []
