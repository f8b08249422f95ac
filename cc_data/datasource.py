"""Where the data comes from: a real Constant Contact account, or the built-in demo sandbox.

The app and the CLI call these; nothing below them knows which source is in use except by base URLs.
Without CONSTANT_CONTACT_CLIENT_ID the sandbox is used, but only when nothing belongs to a real account:
a refresh token, a stored login or a database the demo did not make means the client id went missing, and
falling back to the demo then would replace that account's data.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from cc_data import demo
from cc_data.config import Settings
from cc_data.errors import ConfigError


def is_demo(settings: Settings) -> bool:
    """True when everything runs on the sandbox; ConfigError when the settings contradict each other."""
    if settings.has_credentials:
        return False
    trace = _real_account_trace(settings)
    if trace:
        raise ConfigError(f"{trace}, but CONSTANT_CONTACT_CLIENT_ID is empty; nothing was changed. Set "
                          "CONSTANT_CONTACT_CLIENT_ID (in .env) to use that account, or point CC_DB_PATH and "
                          "CC_TOKEN_FILE elsewhere for the demo.")
    return True


def _real_account_trace(settings: Settings) -> str | None:
    if settings.refresh_token:
        return "CONSTANT_CONTACT_REFRESH_TOKEN is set"
    if Path(settings.token_file).exists():
        return f"a Constant Contact login is stored in {settings.token_file} (CC_TOKEN_FILE)"
    foreign = demo.foreign_content(Path(settings.db_path))
    if foreign:
        return f"{settings.db_path} (CC_DB_PATH) holds {foreign}"
    return None


def sync_now(settings: Settings, progress: Callable[[Any], None] | None = None, *, full: bool = False,
             only: list[str] | None = None) -> Any:
    """Run a sync from the configured source: the real account, or the demo sandbox without credentials."""
    if is_demo(settings):
        return demo.refresh(settings, progress=progress, full=full, only=only)
    from cc_data.analytics.stored.refresh import refresh_changed
    from cc_data.sync.runner import run_sync

    return run_sync(settings, full=full, only=only, progress=progress, before_publish=refresh_changed)
