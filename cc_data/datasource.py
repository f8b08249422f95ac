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


def sync_now(settings: Settings, progress: Callable[[Any], None] | None = None, *, full: bool = False,
             only: list[str] | None = None) -> Any:
    """Run a sync from the configured source: the real account, or the demo sandbox without credentials."""
    if is_demo(settings):
        from cc_data import demo

        return demo.refresh(settings, progress=progress, full=full, only=only)
    from cc_data.sync.runner import run_sync

    return run_sync(settings, full=full, only=only, progress=progress)
