"""Segments saved by name: their criteria, not their members, so a scheduled push re-evaluates them.

The default re-engagement segment (SegmentCriteria() as it is) always exists and cannot be replaced.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields

import duckdb

from cc_data.analytics.audience.segments import SegmentCriteria
from cc_data.clock import utc_now
from cc_data.errors import UserError
from cc_data.store.transaction import transaction

DEFAULT_SEGMENT = "re-engagement"


class UnknownSegment(UserError):
    """No saved segment has that name."""


@dataclass(frozen=True)
class SavedSegment:
    name: str
    criteria: SegmentCriteria
    default: bool = False


def criteria_json(criteria: SegmentCriteria) -> str:
    return json.dumps(asdict(criteria), sort_keys=True)


def criteria_from(text: str | dict) -> SegmentCriteria:
    values = json.loads(text) if isinstance(text, str) else dict(text)
    known = {f.name for f in fields(SegmentCriteria)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise UserError(f"Saved segment criteria name unknown fields ({', '.join(unknown)}); save the segment again.")
    for name in ("list_ids", "tag_ids"):
        if name in values:
            values[name] = tuple(values[name])
    return SegmentCriteria(**values)


def _has_table(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables "
                            "WHERE table_name = 'saved_segments'").fetchall()[0][0])


def saved_segments(con: duckdb.DuckDBPyConnection) -> list[SavedSegment]:
    """The default segment first, then the saved ones by name."""
    found = [SavedSegment(DEFAULT_SEGMENT, SegmentCriteria(), default=True)]
    if _has_table(con):
        rows = con.execute("SELECT name, criteria FROM saved_segments ORDER BY name").fetchall()
        found += [SavedSegment(name, criteria_from(criteria)) for name, criteria in rows]
    return found


def find_segment(con: duckdb.DuckDBPyConnection, name: str) -> SavedSegment:
    for segment in saved_segments(con):
        if segment.name.lower() == name.strip().lower():
            return segment
    raise UnknownSegment(f"No saved segment is named {name!r}; `cc-data segments list` shows them (save one on the "
                         "Re-engagement page with Send to Constant Contact).")


def save_segment(con: duckdb.DuckDBPyConnection, name: str, criteria: SegmentCriteria) -> SavedSegment:
    """Save (or replace) a segment's criteria under a name; `con` is a writer's connection."""
    name = name.strip()
    if not name:
        raise UserError("A saved segment needs a name.")
    if name.lower() == DEFAULT_SEGMENT:
        raise UserError(f"{DEFAULT_SEGMENT!r} is the built-in default segment; choose another name.")
    now = utc_now()
    with transaction(con):
        con.execute("DELETE FROM saved_segments WHERE lower(name) = lower(?)", [name])
        con.execute("INSERT INTO saved_segments VALUES (?, 'reengagement', ?, ?, ?)",
                    [name, criteria_json(criteria), now, now])
    return SavedSegment(name, criteria)
