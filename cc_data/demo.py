"""`cc-data demo`: build the demo database by syncing the built-in sandbox (placeholder until the sync lands)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Registered later, once the sandbox and the sync exist."""
