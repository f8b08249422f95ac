"""A real sandbox over loopback per test, and Settings pointing the sync at it."""

from __future__ import annotations

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
