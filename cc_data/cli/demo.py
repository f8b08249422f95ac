"""`cc-data demo [--if-missing] [--scale S] [--seed N] [--accounts N]`: build the demo database from the built-in sandbox."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cc_data import datasource, demo
from cc_data.cli.output import ProgressPrinter
from cc_data.config import Settings
from cc_data.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    """Add `demo` to `cc-data`."""
    p = sub.add_parser("demo", help="build the demo database from the built-in sandbox")
    p.add_argument("--if-missing", action="store_true", help="do nothing when a database already exists")
    p.add_argument("--scale", choices=("small", "demo", "large"), default=demo.DEMO_SCALE)
    p.add_argument("--seed", type=int, default=demo.DEMO_SEED)
    p.add_argument("--accounts", type=int, default=0, metavar="N",
                   help="build N demo accounts of different sizes and habits under CC_ACCOUNTS_DIR instead")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if getattr(args, "accounts", 0):
        from cc_data.cli.accounts import build_demo_accounts

        return build_demo_accounts(settings, args.accounts, if_missing=args.if_missing)
    if args.if_missing and Path(settings.db_path).exists():
        return 0
    if settings.has_credentials:
        if args.if_missing:
            print("No data yet for your Constant Contact account: run `cc-data auth`, then `cc-data sync`.",
                  file=sys.stderr)
            return 0
        raise UserError("Constant Contact credentials are configured, so the demo would overwrite your data; "
                        "unset CONSTANT_CONTACT_CLIENT_ID or point CC_DB_PATH elsewhere to build the demo.")
    datasource.is_demo(settings)   # settings that still point at a real account are an error
    print(f"Building the demo database ({args.scale} scale) from the built-in sandbox...", flush=True)
    result = demo.build(settings, scale=args.scale, seed=args.seed, progress=ProgressPrinter())
    print(f"Demo data ready: {result.total_calls:,} API calls, {sum(result.rows.values()):,} rows "
          f"in {result.elapsed_s:.0f} s -> {settings.db_path}")
    return 0
