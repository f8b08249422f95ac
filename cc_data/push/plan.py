"""The preview of a push: who will be added, who is on the list already, who is left out and why, who left
the segment (for a list this tool created), and what it costs in API calls."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import duckdb

from cc_data.errors import UserError

BATCH = 500                    # contact_ids per activity: the spec's maximum
POLLS_PER_ACTIVITY = 4         # an estimate: activities of 500 usually finish within a few polls


@dataclass
class Plan:
    segment_name: str
    criteria: str | None       # JSON of the criteria, or None for a fixed set of contacts
    list_name: str
    list_id: str | None        # None: the list does not exist yet and will be created
    created_by_tool: bool      # the list was created by an earlier push
    to_add: list[str]
    already_on: list[str]
    left_out: Counter = field(default_factory=Counter)
    to_remove: list[str] = field(default_factory=list)   # left the segment; removed only with remove_missing
    remove_missing: bool = False

    @property
    def removing(self) -> list[str]:
        return self.to_remove if self.remove_missing else []

    @property
    def calls(self) -> int:
        """API calls the push will make, polls estimated (the incremental sync before it is not counted)."""
        activities = math.ceil(len(self.to_add) / BATCH) + math.ceil(len(self.removing) / BATCH)
        return (0 if self.list_id else 1) + activities * (1 + POLLS_PER_ACTIVITY)

    def summary(self) -> dict:
        return {"segment": self.segment_name, "list": self.list_name, "list_id": self.list_id,
                "new_list": self.list_id is None, "created_by_cc_data": self.created_by_tool,
                "to_add": len(self.to_add), "already_on": len(self.already_on),
                "left_out": sum(self.left_out.values()), "left_out_by_reason": dict(self.left_out),
                "left_segment": len(self.to_remove), "remove_missing": self.remove_missing,
                "to_remove": len(self.removing), "api_calls": self.calls}


def find_list(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """The list_id of the list with this name (not deleted), None when there is none. Names are unique in
    Constant Contact regardless of case."""
    rows = con.execute("SELECT list_id FROM contact_lists WHERE lower(name) = lower(?) AND deleted_at IS NULL",
                       [name.strip()]).fetchall()
    return rows[0][0] if rows else None


def created_by_tool(con: duckdb.DuckDBPyConnection, list_id: str | None) -> bool:
    if list_id is None:
        return False
    return bool(con.execute("SELECT count(*) FROM list_pushes WHERE list_id = ? AND list_created",
                            [list_id]).fetchall()[0][0])


def make_plan(con: duckdb.DuckDBPyConnection, *, segment_name: str, criteria: str | None, members: list[str],
              left_out: Counter, list_name: str, remove_missing: bool = False) -> Plan:
    """`members` are the emailable contacts of the segment (members.split_emailable), `left_out` the others."""
    list_name = list_name.strip()
    if not list_name:
        raise UserError("Name the Constant Contact list to send the segment to.")
    if len(list_name) > 255:
        raise UserError("A Constant Contact list name has at most 255 characters.")
    list_id = find_list(con, list_name)
    on_list = set()
    if list_id is not None:
        on_list = {r[0] for r in con.execute("SELECT contact_id FROM list_memberships WHERE list_id = ?",
                                             [list_id]).fetchall()}
    ours = created_by_tool(con, list_id)
    wanted = set(members)
    if remove_missing and not ours:
        raise UserError(f"{list_name!r} was not created by cc-data, so nobody is removed from it; push without "
                        "--remove-missing (only lists cc-data created are trimmed).")
    return Plan(segment_name=segment_name, criteria=criteria, list_name=list_name, list_id=list_id,
                created_by_tool=ours, to_add=[c for c in members if c not in on_list],
                already_on=[c for c in members if c in on_list], left_out=left_out,
                to_remove=sorted(on_list - wanted) if ours else [], remove_missing=remove_missing)
