"""Stream declarations: every endpoint and query parameter exists in the official spec (when it is present),
page sizes stay within the documented limits, and bad stream names are refused with a clear message."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cc_data.config import Settings
from cc_data.errors import ConfigError
from cc_data.sync import streams as s
from cc_data.sync.runner import STREAMS, run_sync

SPEC = Path(__file__).resolve().parents[1] / "data" / "cc-v3-openapi.json"
ALL = [s.ACCOUNT, s.CUSTOM_FIELDS, s.LISTS, s.TAGS, s.SEGMENTS, s.CONTACTS_FULL, *s.CONTACT_PASSES, s.CAMPAIGNS,
       s.CAMPAIGN_DETAILS, s.CAMPAIGN_SUMMARIES, s.ACTIVITY_DETAILS, s.ACTIVITY_STATS]
MAX_PAGE = {"/contacts": 500, "/contact_custom_fields": 100, "/contact_tags": 500, "/emails": 500,
            "/reports/summary_reports/email_campaign_summaries": 500, "/contact_lists": 500, "/segments": 1000}


def _spec_path(spec: dict, path: str) -> dict | None:
    pattern = re.sub(r"\{[^}]+\}", "{}", path)
    for candidate, ops in spec["paths"].items():
        if re.sub(r"\{[^}]+\}", "{}", candidate) == pattern:
            return ops.get("get")
    return None


def test_streams_use_only_endpoints_and_parameters_in_the_spec():
    spec = json.loads(SPEC.read_text())
    for stream in ALL:
        op = _spec_path(spec, stream.path)
        assert op is not None, stream.path
        names = {p.get("name") for p in op.get("parameters", []) if p.get("in") == "query"}
        used = set(stream.params) | ({stream.cursor_param} if stream.cursor_param else set()) | (
            {"limit"} if stream.page_size else set())
        assert used <= names, (stream.name, used - names)
    for kind in s.TRACKING_KINDS:
        assert _spec_path(spec, f"/reports/email_reports/{{id}}/tracking/{kind}") is not None


def test_page_sizes_within_documented_limits():
    for stream in ALL:
        if stream.page_size:
            assert stream.page_size == MAX_PAGE[stream.path], stream.name
    assert s.CAMPAIGNS.default_page_size == 50  # the documented default where the maximum is unverified (§0.3)
    assert s.ACTIVITY_STATS.batch == 10


def test_unknown_stream_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="Unknown stream"):
        run_sync(Settings(client_id="x", token_file=tmp_path / "t"), only=["contacts", "nope"])
    assert "tracking" in STREAMS


def test_every_stream_is_an_entry_and_needs_only_streams_before_it():
    from cc_data.sync.engine import Passes, Stream, Tracking

    names = [entry.name for entry in s.ALL]
    assert tuple(names) == STREAMS and len(set(names)) == len(names)
    assert {type(entry) for entry in s.ALL} == {Stream, Passes, Tracking}
    for position, entry in enumerate(s.ALL):
        assert set(entry.needs) <= set(names[:position]), entry.name
