"""Where the data comes from: a real Constant Contact account, or the built-in demo sandbox.

The app and the CLI call these; nothing below them knows which source is in use except by base URLs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cc_data.config import Settings


def is_demo(settings: Settings) -> bool:
    """No Constant Contact credentials: everything runs on the sandbox."""
    return not settings.has_credentials


def sync_now(settings: Settings, progress: Callable[[Any], None] | None = None) -> Any:
    """Run a sync from the configured source (the demo sandbox when there are no credentials)."""
    raise NotImplementedError("wired up once the sync lands")
