"""Our compact shapes agree with the official Swagger spec (when the reference copy is present)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cc_data.api.shapes import SHAPES

SPEC = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "cc-v3-openapi.json"
# our shape name -> (spec path, the collection key inside the response, or None for the object itself)
PAIRS = {"contacts": ("/contacts", None), "contact_lists": ("/contact_lists", None),
         "contact_tags": ("/contact_tags", None), "segments": ("/segments", None),
         "contact_custom_fields": ("/contact_custom_fields", None), "emails": ("/emails", None),
         "email_campaign_summaries": ("/reports/summary_reports/email_campaign_summaries", None),
         "email_activity": ("/emails/activities/{campaign_activity_id}", None)}


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["definitions"][schema["$ref"].split("/")[-1]]
    return schema


def _check(spec: dict, ours: dict, theirs: dict, where: str, problems: list[str]) -> None:
    theirs = _resolve(spec, theirs)
    props = theirs.get("properties", {})
    for name, (kind, _required) in ours.items():
        if name not in props:
            problems.append(f"{where}.{name} is not in the spec")
            continue
        sub = _resolve(spec, props[name])
        if isinstance(kind, dict):
            _check(spec, kind, sub, f"{where}.{name}", problems)
        elif isinstance(kind, list) and isinstance(kind[1], dict) and sub.get("type") == "array":
            _check(spec, kind[1], sub["items"], f"{where}.{name}[]", problems)
    for name in theirs.get("required", []):
        # the last page of any collection omits _links.next, whatever the spec says
        if name in ours and not ours[name][1] and name != "_links" and not where.endswith("._links"):
            problems.append(f"{where}.{name} is required by the spec but optional here")


@pytest.mark.skipif(not SPEC.exists(), reason="reference spec not present in this checkout")
@pytest.mark.parametrize("name", sorted(PAIRS))
def test_shape_fields_exist_in_the_official_spec(name):
    spec = json.loads(SPEC.read_text())
    path, _ = PAIRS[name]
    schema = spec["paths"][path]["get"]["responses"]["200"]["schema"]
    problems: list[str] = []
    _check(spec, SHAPES[name], schema, name, problems)
    assert problems == []
