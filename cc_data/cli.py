"""`cc-data`: a thin command line over the library. Each area registers its own subcommands."""

from __future__ import annotations

import argparse
import importlib
import sys

from cc_data.config import load_settings
from cc_data.errors import UserError

COMMAND_MODULES = (
    "cc_data.sandbox.commands",   # sandbox serve
    "cc_data.sync.commands",      # auth, sync, status
    "cc_data.donations.commands",  # donations import|sync
    "cc_data.demo",               # demo
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cc-data", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args, load_settings()) or 0)
    except UserError as err:
        print(f"cc-data: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cc-data: interrupted; the next run resumes where this one stopped.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
