"""list_pushes and list_push_batches: every push, and each batch of contacts it sends, committed as it goes so
an interrupted push (a crash, the daily quota) resumes from its record without sending a finished batch again."""

from __future__ import annotations

import json
import uuid

import duckdb
import polars as pl

from cc_data.clock import utc_now
from cc_data.push.plan import BATCH, Plan
from cc_data.store.query import frame
from cc_data.store.transaction import transaction

UNFINISHED = ("running", "interrupted")


def start(con: duckdb.DuckDBPyConnection, plan: Plan, actor: str) -> str:
    push_id = uuid.uuid4().hex[:12]
    with transaction(con):
        con.execute(
            "INSERT INTO list_pushes (push_id, started_at, actor, segment_name, criteria, list_id, list_name, "
            "list_created, remove_missing, to_add, already_on, left_out, to_remove, added, removed, cannot_add, "
            "api_calls, state, activity_ids, errors) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, false, ?, ?, ?, ?, ?, 0, 0, 0, 0, 'running', '[]', '[]')",
            [push_id, utc_now(), actor, plan.segment_name, plan.criteria, plan.list_id, plan.list_name,
             plan.remove_missing, len(plan.to_add), len(plan.already_on), sum(plan.left_out.values()),
             len(plan.removing)])
        for action, ids in (("add", plan.to_add), ("remove", plan.removing)):
            for number, first in enumerate(range(0, len(ids), BATCH)):
                con.execute("INSERT INTO list_push_batches (push_id, action, batch, contact_ids) VALUES (?, ?, ?, ?)",
                            [push_id, action, number, ids[first:first + BATCH]])
    return push_id


def unfinished(con: duckdb.DuckDBPyConnection, list_name: str) -> str | None:
    """The newest push to this list that did not finish (it resumes), or None."""
    row = con.execute(f"SELECT push_id FROM list_pushes WHERE lower(list_name) = lower(?) AND state IN {UNFINISHED} "
                      "ORDER BY started_at DESC LIMIT 1", [list_name.strip()]).fetchall()
    return row[0][0] if row else None


def list_created(con: duckdb.DuckDBPyConnection, push_id: str, list_id: str) -> None:
    with transaction(con):
        con.execute("UPDATE list_pushes SET list_id = ?, list_created = true WHERE push_id = ?", [list_id, push_id])


def batches(con: duckdb.DuckDBPyConnection, push_id: str) -> list[dict]:
    rows = con.execute("SELECT action, batch, contact_ids, activity_id, state FROM list_push_batches "
                       "WHERE push_id = ? ORDER BY action = 'remove', batch", [push_id]).fetchall()
    return [{"action": a, "batch": b, "contact_ids": list(ids), "activity_id": act, "state": state}
            for a, b, ids, act, state in rows]


def batch_sent(con: duckdb.DuckDBPyConnection, push_id: str, action: str, batch: int, activity: dict) -> None:
    with transaction(con):
        con.execute("UPDATE list_push_batches SET activity_id = ?, state = ?, sent_at = ? "
                    "WHERE push_id = ? AND action = ? AND batch = ?",
                    [activity.get("activity_id"), activity.get("state"), utc_now(), push_id, action, batch])


def batch_done(con: duckdb.DuckDBPyConnection, push_id: str, action: str, batch: int, activity: dict) -> None:
    status = activity.get("status") or {}
    with transaction(con):
        con.execute("UPDATE list_push_batches SET state = ?, items_total = ?, items_completed = ?, cannot_add = ?, "
                    "errors = ?, finished_at = ? WHERE push_id = ? AND action = ? AND batch = ?",
                    [activity.get("state"), _int(status.get("items_total_count")),
                     _int(status.get("items_completed_count")), _int(status.get("cannot_add_to_list_count")),
                     json.dumps(activity.get("activity_errors") or []), utc_now(), push_id, action, batch])


def _int(value: object) -> int:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0


def finish(con: duckdb.DuckDBPyConnection, push_id: str, state: str, message: str | None, calls: int) -> dict:
    """Total the batches into the push's row and set its final state; returns the row."""
    with transaction(con):
        con.execute("""
            UPDATE list_pushes SET finished_at = ?, state = ?, message = ?, api_calls = api_calls + ?,
                added = (SELECT coalesce(sum(items_completed - coalesce(cannot_add, 0)), 0) FROM list_push_batches
                         WHERE push_id = ? AND action = 'add' AND state = 'completed'),
                removed = (SELECT coalesce(sum(items_completed), 0) FROM list_push_batches
                           WHERE push_id = ? AND action = 'remove' AND state = 'completed'),
                cannot_add = (SELECT coalesce(sum(cannot_add), 0) FROM list_push_batches WHERE push_id = ?),
                activity_ids = (SELECT to_json(coalesce(list(activity_id ORDER BY action, batch), []))
                                FROM list_push_batches WHERE push_id = ? AND activity_id IS NOT NULL),
                errors = (SELECT to_json(coalesce(list(e), [])) FROM (
                          SELECT unnest(from_json(errors, '["VARCHAR"]')) AS e FROM list_push_batches
                          WHERE push_id = ? AND errors IS NOT NULL))
            WHERE push_id = ?""", [utc_now(), state, message, calls, push_id, push_id, push_id, push_id, push_id, push_id])
    return push_row(con, push_id)


def push_row(con: duckdb.DuckDBPyConnection, push_id: str) -> dict:
    rows = frame(con, "SELECT * FROM list_pushes WHERE push_id = ?", [push_id]).to_dicts()
    return rows[0]


def pushes(con: duckdb.DuckDBPyConnection, limit: int = 50) -> pl.DataFrame:
    """The latest pushes, newest first (an empty frame for a file from before pushes existed)."""
    known = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'list_pushes'").fetchall()[0][0]
    if not known:
        return pl.DataFrame()
    return frame(con, "SELECT started_at, finished_at, actor, segment_name, list_name, list_id, list_created, "
                      "to_add, already_on, left_out, to_remove, added, removed, cannot_add, api_calls, state, "
                      "activity_ids, errors, message FROM list_pushes ORDER BY started_at DESC LIMIT ?", [limit])
