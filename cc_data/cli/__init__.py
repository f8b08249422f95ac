"""`cc-data`: a thin command line over the library. Each area registers its own subcommands."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

import duckdb

from cc_data.config import Settings, load_settings
from cc_data.errors import DatabaseUnreadable, UserError
from cc_data.process import prepare
from cc_data.store.db import verify

COMMAND_MODULES = (
    "cc_data.cli.sandbox",     # sandbox serve
    "cc_data.cli.auth",        # auth
    "cc_data.cli.sync",        # sync, status
    "cc_data.cli.donations",   # donations import|sync
    "cc_data.cli.demo",        # demo
    "cc_data.cli.segments",    # segments list|save|push
    "cc_data.cli.report",      # report (the board report PDF)
    "cc_data.cli.accounts",    # accounts list|add|remove
)


# The settings each command reads, by topic (cc_data.config.SETTINGS), listed under its --help; `cc-data --help`
# lists them all.
SETTINGS_READ = {
    "auth": ("Constant Contact", "Files"),
    "sync": ("Constant Contact", "Files", "Accounts", "The sync"),
    "status": ("Constant Contact", "Files"),
    "donations": ("DonorPerfect", "Files"),
    "report": ("The board report", "Figures", "Files"),
}


def build_parser() -> argparse.ArgumentParser:
    prepare()   # private files, and polars' allocator set before the command modules below load polars
    # imported here, so that `python -m cc_data.cli.settings_help` (which rewrites the docs) runs cleanly
    from cc_data.cli.settings_help import help_text

    parser = argparse.ArgumentParser(prog="cc-data", description=__doc__, epilog=help_text(),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    for command, topics in SETTINGS_READ.items():
        sub.choices[command].epilog = help_text(topics)
        sub.choices[command].formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings: Settings | None = None
    try:
        settings = load_settings()
        if settings.account:   # CC_ACCOUNT: the command works on that account's folder and settings
            from cc_data.accounts import load

            settings = load(settings, settings.account).settings
        return int(args.func(args, settings) or 0)
    except UserError as err:
        print(f"cc-data: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cc-data: interrupted; the next run resumes where this one stopped.", file=sys.stderr)
        return 130
    except duckdb.Error:
        # A connection opened outside cc_data.store hit a damaged file: say so in one line. Anything else is a bug.
        problem = _unreadable(settings)
        if problem is None:
            raise
        print(f"cc-data: {problem}", file=sys.stderr)
        return 2


def _unreadable(settings: Settings | None) -> DatabaseUnreadable | None:
    if settings is None or not Path(settings.db_path).exists():
        return None
    try:
        verify(Path(settings.db_path), every_block=True)
    except DatabaseUnreadable as err:
        return err
    return None
