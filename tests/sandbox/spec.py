"""Check sandbox answers against the OFFICIAL Constant Contact spec (tests/data/cc-v3-openapi.json).

The checker never comes from the code under test: only the spec file and `jsonschema` decide.
`documented=True` relaxes the spec at exactly the places where the reference says the real API
(or the spec's own text) disagrees with the spec's schema; each relaxation cites its section.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path

from jsonschema import Draft4Validator, FormatChecker

SPEC_PATH = Path(__file__).resolve().parents[1] / "data" / "cc-v3-openapi.json"
_DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
_NUMERIC = {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": r"^-?\d+$"}]}

FORMATS = FormatChecker()  # uuid, email, ... as jsonschema knows them; date and date-time below
FORMATS.checks("date-time")(lambda value: not isinstance(value, str) or bool(_DATE_TIME.match(value)))
FORMATS.checks("date")(lambda value: not isinstance(value, str) or bool(_DATE.match(value)))


@cache
def spec() -> dict:
    return json.loads(SPEC_PATH.read_text())


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


@cache
def _documented_definitions() -> dict:
    """The spec's definitions with the reference's documented deviations allowed (nothing else)."""
    defs = copy.deepcopy(spec()["definitions"])
    # §0.4 / §1 Pagination: the spec's own text says next is "null if there are no additional pages",
    # and the href of a last page may be null; the schema has no nullable (Swagger 2.0).
    for name in ("PagingLinks", "reportingLinks", "tagsPagingLinks", "segmentsLinks", "emailsPagingLinks"):
        props = defs.get(name, {}).get("properties", {})
        if "next" in props:
            props["next"] = _nullable(props["next"])
    for name in ("Link", "reportingNext", "tagsLinks", "Next"):
        props = defs.get(name, {}).get("properties", {})
        if "href" in props:
            props["href"] = _nullable(props["href"])
    # §0.5: the docs show unique_counts as numeric strings and aggregate_percents as a one-element array.
    summaries = defs["BulkEmailCampaignSummariesPage"]["properties"]
    counts_ref = _item_ref(summaries["bulk_email_campaign_summaries"], "unique_counts")
    for key in defs[counts_ref]["properties"]:
        defs[counts_ref]["properties"][key] = _NUMERIC
    percents = summaries["aggregate_percents"]
    summaries["aggregate_percents"] = {"anyOf": [percents, {"type": "array", "items": percents,
                                                            "minItems": 1, "maxItems": 1}]}
    # §0.5 / §2.10: counts parse defensively; the same doc pages give stats and counts as strings.
    for props, keys in _count_props(defs):
        for key in keys:
            props[key] = _NUMERIC
    # §0.6: unique_opens rows may say em_unique_opens (one docs copy) instead of em_opens.
    opens = defs["OpensTrackingActivity"]["properties"]["tracking_activity_type"]
    if "enum" in opens:
        opens["enum"] = [*opens["enum"], "em_unique_opens"]
    # §2.4 / §0.1: segment_id is an integer in the spec, sent as a numeric string by some answers.
    defs["SegmentMaster"]["properties"]["segment_id"] = _NUMERIC
    return defs


def _item_ref(array_schema: dict, prop: str) -> str:
    item = array_schema["items"]
    item = spec()["definitions"][item["$ref"].split("/")[-1]] if "$ref" in item else item
    return item["properties"][prop]["$ref"].split("/")[-1]


def _count_props(defs: dict):
    """Integer count properties the reference says may come as strings (§0.5, §2.2, §2.3, §2.10)."""
    for name, keys in (("Contacts", ("contacts_count",)), ("ContactList", ("membership_count",)),
                       ("Tag", ("contacts_count",))):
        props = defs[name]["properties"]
        yield props, [k for k in keys if k in props]
    stats = defs["CampaignActivityStatsResultGenericStatsEmailActivity"]["properties"]["stats"]
    props = defs[stats["$ref"].split("/")[-1]]["properties"]
    yield props, [k for k in props if k.startswith("em_")]


@cache
def documented_spec() -> dict:
    """The whole spec with the documented deviations above, for tools that take a spec (schemathesis)."""
    out = copy.deepcopy(spec())
    out["definitions"] = _documented_definitions()
    for operations in out["paths"].values():
        for operation in operations.values():
            responses = operation.get("responses") if isinstance(operation, dict) else None
            if responses is None:
                continue
            # §4: the per-second and daily limits (429) and outages (503) apply to every endpoint, though
            # the spec lists them on a few operations only.
            responses.setdefault("429", {"description": "Too many requests (reference §4)."})
            responses.setdefault("503", {"description": "Service unavailable (reference §4)."})
    return out


def response_errors(method: str, template: str, status: int, body: object, documented: bool = False) -> list[str]:
    """Violations of the spec's response schema for this operation and status ([] when it fits)."""
    source = documented_spec() if documented else spec()
    responses = source["paths"][template][method.lower()]["responses"]
    if str(status) not in responses:
        return [f"{method} {template}: status {status} is not documented ({sorted(responses)})"]
    schema = responses[str(status)].get("schema")
    if schema is None:
        return []
    validator = Draft4Validator({**schema, "definitions": source["definitions"]}, format_checker=FORMATS)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"[:300] for e in validator.iter_errors(body)]


def definition_errors(name: str, body: object) -> list[str]:
    """Violations of one of the spec's definitions, e.g. APIErrorSchema for the error arrays."""
    validator = Draft4Validator({"$ref": f"#/definitions/{name}", "definitions": spec()["definitions"]},
                                format_checker=FORMATS)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"[:300] for e in validator.iter_errors(body)]
