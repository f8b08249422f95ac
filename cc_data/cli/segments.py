"""`cc-data segments list [--json]`, `cc-data segments save NAME [criteria]` and
`cc-data segments push --segment NAME --list "LIST" [--remove-missing] [--dry-run] [--json] [--wait N]`.

Exit codes of push: 0 done (or the preview shown), 2 a problem explained in one line (nothing sent unless the
line says so), 3 the daily quota ran out (run again after 00:00 UTC: it resumes), 4 pushed, but some activities
ended failed, cancelled or timed out (the record names them), 130 interrupted (run again: it resumes).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

import polars as pl

from cc_data.analytics.audience.segments import SegmentCriteria
from cc_data.cli.output import text_table
from cc_data.config import Settings
from cc_data.errors import QuotaExceeded
from cc_data.push.run import PushResult, Target, push
from cc_data.push.saved import DEFAULT_SEGMENT, save_segment, saved_segments
from cc_data.store.db import lock_wait, read, verify, writer


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("segments", help="saved segments, and pushing one to a Constant Contact list")
    cmds = p.add_subparsers(dest="segments_command", required=True, metavar="SUBCOMMAND")
    ls = cmds.add_parser("list", help="the saved segments (the default re-engagement segment is always there)")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)
    d = SegmentCriteria()
    sv = cmds.add_parser("save", help="save re-engagement criteria under a name")
    sv.add_argument("name")
    sv.add_argument("--inactive-days", type=int, default=d.inactive_days)
    sv.add_argument("--min-emails", type=int, default=d.min_emails)
    sv.add_argument("--min-tenure-days", type=int, default=d.min_tenure_days)
    sv.add_argument("--list-id", action="append", default=[], help="on any of these lists (repeat)")
    sv.add_argument("--tag-id", action="append", default=[], help="with any of these tags (repeat)")
    sv.add_argument("--lapsed-donors", action="store_true", help="lapsed donors only")
    sv.add_argument("--exclude-machine-openers", action="store_true")
    sv.set_defaults(func=cmd_save)
    ps = cmds.add_parser("push", help="send a segment to a Constant Contact list (syncs contacts first)")
    ps.add_argument("--segment", default=DEFAULT_SEGMENT, help=f"a saved segment's name (default {DEFAULT_SEGMENT!r})")
    ps.add_argument("--list", required=True, dest="list_name", help="the list's name; created when there is none")
    ps.add_argument("--remove-missing", action="store_true",
                    help="also remove who left the segment (only from a list cc-data created)")
    ps.add_argument("--dry-run", action="store_true", help="sync contacts and show the preview; send nothing")
    ps.add_argument("--json", action="store_true", help="print the preview and the result as JSON")
    ps.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                    help="wait up to this long for another sync or import to finish")
    ps.set_defaults(func=cmd_push)


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    if Path(settings.db_path).exists():
        verify(Path(settings.db_path), every_block=True)   # a damaged file is named, not listed from
        with read(settings.db_path) as con:
            found = saved_segments(con)
    else:
        from cc_data.push.saved import SavedSegment
        found = [SavedSegment(DEFAULT_SEGMENT, SegmentCriteria(), default=True)]
    rows = [{"name": s.name, "default": s.default, **asdict(s.criteria)} for s in found]
    if args.json:
        print(json.dumps(rows, default=list))
        return 0
    table = pl.DataFrame([{**r, "list_ids": ",".join(r["list_ids"]), "tag_ids": ",".join(r["tag_ids"])} for r in rows])
    print(text_table(table))
    return 0


def cmd_save(args: argparse.Namespace, settings: Settings) -> int:
    criteria = SegmentCriteria(inactive_days=args.inactive_days, min_emails=args.min_emails,
                               min_tenure_days=args.min_tenure_days, list_ids=tuple(args.list_id),
                               tag_ids=tuple(args.tag_id), lapsed_donors_only=args.lapsed_donors,
                               exclude_machine_only_openers=args.exclude_machine_openers)
    with writer(settings.db_path) as w:
        saved = save_segment(w.con, args.name, criteria)
    print(f"Saved segment {saved.name!r}.")
    return 0


def _say(event: dict) -> None:
    if event.get("step") == "poll":
        status = event["activity"]
        counts = status.get("status") or {}
        print(f"  activity {event['batch']} of {event['of']}: {status.get('state')} "
              f"({counts.get('items_completed_count', 0):,} of {counts.get('items_total_count', 0):,})",
              file=sys.stderr)
    elif event.get("text"):
        print(f"  {event['text']}", file=sys.stderr)


def cmd_push(args: argparse.Namespace, settings: Settings) -> int:
    try:
        with lock_wait(args.wait):
            result = push(settings, Target(args.segment), args.list_name, remove_missing=args.remove_missing,
                          dry_run=args.dry_run, progress=None if args.json else _say)
    except QuotaExceeded as err:
        print(f"cc-data: {err} Run the same command again after the reset: the push resumes.", file=sys.stderr)
        return 3
    if args.json:
        print(json.dumps({"preview": result.plan.summary(), "dry_run": result.dry_run, "resumed": result.resumed,
                          "push": result.push}, default=str))
    else:
        _print(result)
    if result.state == "failed":
        print(f"cc-data: {result.push.get('message')}", file=sys.stderr)
        return 4
    return 0


def _print(result: PushResult) -> None:
    s = result.plan.summary()
    where = f"new list {s['list']!r}" if s["new_list"] else f"list {s['list']!r}"
    reasons = ", ".join(f"{n:,} {why}" for why, n in sorted(s["left_out_by_reason"].items()))
    print(f"Segment {s['segment']!r} to {where}: {s['to_add']:,} to add, {s['already_on']:,} already on it, "
          f"{s['left_out']:,} left out as not emailable{f' ({reasons})' if reasons else ''}.")
    if s["created_by_cc_data"]:
        print(f"{s['left_segment']:,} on the list left the segment: "
              + ("removing them." if s["remove_missing"] else "kept (pass --remove-missing to remove them)."))
    print(f"About {s['api_calls']:,} API calls.")
    if result.dry_run:
        print("Dry run: nothing was sent.")
        return
    row = result.push
    print(f"{'Resumed an interrupted push: ' if result.resumed else ''}{row['state']}: {row['added']:,} added, "
          f"{row['removed']:,} removed, {row['cannot_add']:,} Constant Contact could not add; list id {row['list_id']}.")
