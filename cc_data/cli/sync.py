"""`cc-data sync [--full] [--only STREAM ...] [--quiet] [--json] [--wait N]` and `cc-data status [--json]`."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from cc_data import accounts, datasource
from cc_data.api import auth
from cc_data.cli.output import ProgressPrinter, record_command, text_table
from cc_data.config import Settings
from cc_data.errors import UserError
from cc_data.store.db import lock_wait, verify
from cc_data.sync.runner import STREAMS


def register(sub: argparse._SubParsersAction) -> None:
    """Add `sync` and `status` to `cc-data`. Each sets `func(args, settings) -> int`."""
    p = sub.add_parser("sync", help="sync Constant Contact into the DuckDB file")
    p.add_argument("--full", action="store_true", help="also reconcile every contact now")
    p.add_argument("--only", nargs="+", metavar="STREAM", choices=STREAMS, help="run only these streams")
    p.add_argument("--quiet", action="store_true", help="print nothing unless something goes wrong")
    p.add_argument("--json", action="store_true", help="print the run's result as JSON")
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="wait up to this long for another sync or import to finish (default: do not wait)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--account", metavar="NAME", help="sync this account (see `cc-data accounts list`)")
    which.add_argument("--all", action="store_true",
                       help="sync every account at once, each within its own limits (one account: that one)")
    p.set_defaults(func=cmd_sync)
    p = sub.add_parser("status", help="last runs, freshness per stream, calls used today, login expiry")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)


def cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    one, every = getattr(args, "account", None), getattr(args, "all", False)
    if one or (every and accounts.is_multi(settings)):   # --all on a single-account install: that one account
        from cc_data.cli.accounts import sync_accounts

        return sync_accounts(args, settings)
    progress = None if (args.quiet or args.json) else ProgressPrinter()
    if datasource.is_demo(settings) and not args.quiet:
        print("No Constant Contact credentials: syncing the built-in demo sandbox.", file=sys.stderr)
    try:
        with lock_wait(args.wait):
            result = datasource.sync_now(settings, progress, full=args.full, only=args.only)
    except UserError as err:   # recorded so Data & sync can say "last sync failed" and why; then exit 2
        record_command(settings, "sync", "Constant Contact (cc-data sync)", "failed", str(err))
        raise
    record_command(settings, "sync", "Constant Contact (cc-data sync)", result.outcome, result.message)
    if args.json:
        print(json.dumps(asdict(result), default=str))
    elif not args.quiet:
        print(f"\n{'table':<28}{'rows written':>14}")
        for table, rows in sorted(result.rows.items()):
            print(f"{table:<28}{rows:>14,}")
        print(f"\n{'endpoint':<60}{'calls':>8}")
        for endpoint, calls in sorted(result.calls.items()):
            print(f"{endpoint:<60}{calls:>8,}")
        print(f"\n{result.outcome}: {result.total_calls:,} calls in {result.elapsed_s:,.1f} s")
    # on stderr in every mode (--json keeps stdout for the JSON; --quiet still reports what went wrong)
    for stream, n in sorted(result.skipped.items()):
        print(f"cc-data: {stream}: skipped {n:,} record(s) that came without their id (see docs/operations.md).",
              file=sys.stderr)
    for note in result.notes:
        print(f"cc-data: {note}", file=sys.stderr)
    codes = {"quota_exceeded": 3, "partial": 4}
    if result.outcome in codes:
        print(f"cc-data: {result.message}", file=sys.stderr)
        return codes[result.outcome]
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from cc_data.sync import status

    demo = datasource.is_demo(settings)
    token = {"logged_in": None} if demo else auth.token_status(settings)
    if not Path(settings.db_path).exists():
        raise UserError(f"No data at {settings.db_path} yet: run `cc-data sync` (or `make run` for the demo).")
    verify(Path(settings.db_path), every_block=True)   # a damaged file is reported, not summarised
    frame = status.status_frame(settings.db_path)
    runs = status.last_runs(settings.db_path, 5)
    calls = status.calls_today(settings.db_path)
    if args.json:
        print(json.dumps({"token": token, "calls_today": calls, "daily_quota": settings.daily_quota,
                          "streams": frame.to_dicts(), "runs": runs.to_dicts()}, default=str))
        return 0
    if demo:
        print("Source: the built-in demo sandbox (no Constant Contact credentials configured).")
    elif token.get("logged_in"):
        print(f"Login: ok; access token expires {token.get('expires_at') or 'at next use'}; refresh token last used "
              f"{token.get('refresh_last_used') or 'never'} (expires after 180 days unused).")
    else:
        print(f"Login: missing ({token.get('message', 'run `cc-data auth`')}).")
    print(f"API calls today (UTC): {calls:,} of {settings.daily_quota:,}\n")
    print(text_table(frame))
    print()
    print(text_table(runs.select("started_at", "finished_at", "outcome", "mode", "message")))
    return 0
