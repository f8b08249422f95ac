"""A real sandbox over loopback per test, and Settings pointing the sync at it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from cc_data.config import Settings

SandboxServer = pytest.importorskip("cc_data.sandbox.server").SandboxServer


@pytest.fixture
def start_sandbox(test_now) -> Iterator[Callable[..., SandboxServer]]:
    """Sandboxes on the test's clock (tests/clock.py) unless a test gives `now`."""
    started = []

    def start(**kw) -> SandboxServer:
        kw.setdefault("now", test_now)
        kw.setdefault("seed", 7)
        kw.setdefault("scale", "small")
        kw.setdefault("rate_limit_rps", 200.0)
        server = SandboxServer(**kw).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def settings_for(sandbox, tmp_path: Path, **changes) -> Settings:
    base = Settings(
        client_id=sandbox.client_id, client_secret=sandbox.client_secret, refresh_token=sandbox.mint_refresh_token(),
        api_base_url=sandbox.api_base_url, oauth_base_url=sandbox.oauth_base_url, db_path=tmp_path / "cc.duckdb",
        token_file=tmp_path / "tokens.json", anchor_date=date(2000, 1, 1), rate_limit_rps=150.0,
    )
    return base.with_(**changes)


def settings_env(settings: Settings, rate_limit_rps: float | None = None) -> dict[str, str]:
    """The environment variables that give a `cc-data` process or the dashboard these settings."""
    return {
        "CONSTANT_CONTACT_CLIENT_ID": settings.client_id, "CONSTANT_CONTACT_CLIENT_SECRET": settings.client_secret,
        "CONSTANT_CONTACT_REFRESH_TOKEN": settings.refresh_token, "CC_API_BASE_URL": settings.api_base_url,
        "CC_OAUTH_BASE_URL": settings.oauth_base_url, "CC_DB_PATH": str(settings.db_path),
        "CC_TOKEN_FILE": str(settings.token_file), "CC_ANCHOR_DATE": settings.anchor_date.isoformat(),
        "CC_RATE_LIMIT_RPS": f"{rate_limit_rps or settings.rate_limit_rps:g}",
    }


def child_env(settings: Settings, rate_limit_rps: float | None = None) -> dict[str, str]:
    """This process's environment for a child, with the caller's own cc-data, Constant Contact and polars-allocator
    settings replaced by `settings` (settings_env)."""
    own = {k: v for k, v in os.environ.items() if not k.startswith(("CC_", "CONSTANT_CONTACT_", "_RJEM_"))}
    return own | settings_env(settings, rate_limit_rps)
