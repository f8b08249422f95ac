"""`cc-data donations import FILE [--mapping FILE] [--strict] [--accept-outliers] [--wait N]` and `cc-data donations sync [--full]
[--wait N]`. Both refresh what the new gifts touch (attribution, the stored default results) before publishing."""

from __future__ import annotations

import argparse
from pathlib import Path

from cc_data.analytics.stored.refresh import refresh_changed
from cc_data.cli.output import record_command
from cc_data.config import Settings
from cc_data.donations.dp_client import DonorPerfectClient
from cc_data.donations.dp_sync import sync_donorperfect
from cc_data.donations.importer import ImportFileError, load_mapping_file
from cc_data.donations.imports import import_gifts
from cc_data.errors import UserError
from cc_data.store.db import lock_wait

WAIT_HELP = "if another sync or import is writing, wait up to this many seconds for it (default: no wait)"


def register(sub: argparse._SubParsersAction) -> None:
    """Add `donations import` and `donations sync` to `cc-data`."""
    donations = sub.add_parser("donations", help="import or sync DonorPerfect gifts")
    actions = donations.add_subparsers(dest="donations_command", required=True, metavar="ACTION")
    imp = actions.add_parser("import", help="import a DonorPerfect gift export (CSV)")
    imp.add_argument("file", type=Path, help="the CSV file")
    imp.add_argument("--mapping", type=Path, help='JSON {field: column header}, e.g. {"amount": "Gift ($)"}')
    imp.add_argument("--strict", action="store_true", help="import nothing if any row is rejected")
    imp.add_argument("--accept-outliers", action="store_true",
                     help="import amounts of $0 or less and amounts far outside the usual range of gifts (without "
                          "it such a file is refused, exit 2, naming them; see docs/donations.md)")
    imp.add_argument("--wait", type=float, default=0.0, metavar="SECONDS", help=WAIT_HELP)
    imp.set_defaults(func=run_import)
    sync = actions.add_parser("sync", help="fetch gifts and donors from the DonorPerfect XML API")
    sync.add_argument("--full", action="store_true", help="fetch everything, not only recent changes")
    sync.add_argument("--wait", type=float, default=0.0, metavar="SECONDS", help=WAIT_HELP)
    sync.set_defaults(func=run_sync)


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as err:
        raise ImportFileError(f"cannot read {args.file}: {err.strerror}.") from None
    mapping = load_mapping_file(args.mapping) if args.mapping else None
    with lock_wait(args.wait):
        result, _ = import_gifts(settings.db_path, data, args.file.name, mapping, strict=args.strict,
                                 remember_mapping_as=args.mapping.stem if args.mapping else None,
                                 before_publish=refresh_changed, accept_outliers=args.accept_outliers)
    print(result.summary())
    return 1 if result.rejected else 0


def run_sync(args: argparse.Namespace, settings: Settings) -> int:
    what = "DonorPerfect (cc-data donations sync)"
    try:
        client = DonorPerfectClient(settings.dp_api_url, settings.dp_api_key)
        with lock_wait(args.wait):
            result = sync_donorperfect(settings.db_path, client, full=args.full, before_publish=refresh_changed)
    except UserError as err:   # recorded so Data & sync can show that the nightly DonorPerfect run failed, and why
        record_command(settings, "donations_sync", what, "failed", str(err))
        raise
    record_command(settings, "donations_sync", what, "ok", result.summary())
    print(result.summary())
    return 0
