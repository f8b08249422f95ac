"""CLI subcommands for this area (registered by cc_data.cli)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add this area's subcommands to `cc-data`. Each sets `func(args, settings) -> int`."""
