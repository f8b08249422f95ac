"""Shared fixtures: a local Constant Contact sandbox on a free loopback port (see docs/sandbox.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from cc_data.sandbox.server import SandboxServer

SANDBOX_NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
# Tests page quickly; tests about throttling set their own rate through sandbox_factory.
FIXTURE_DEFAULTS = {"seed": 7, "scale": "small", "now": SANDBOX_NOW, "rate_limit_rps": 1000.0, "token_rps": 1000.0}


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., SandboxServer]]:
    """Call with SandboxServer keyword arguments; every server started is stopped after the test."""
    started: list[SandboxServer] = []

    def make(**kwargs: object) -> SandboxServer:
        server = SandboxServer(**{**FIXTURE_DEFAULTS, **kwargs}).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., SandboxServer]) -> SandboxServer:
    """A started small-scale sandbox with the clock at SANDBOX_NOW."""
    return sandbox_factory()


@pytest.fixture(scope="session")
def synced_file(tmp_path_factory: pytest.TempPathFactory):
    """One full sync of the small sandbox, shared by the tests that copy it (every sandbox of one seed and day is
    the same): the push tests start from it."""
    from cc_data.sync.runner import run_sync
    from tests.integration.conftest import settings_for

    where = tmp_path_factory.mktemp("synced")
    with SandboxServer(seed=7, scale="small", rate_limit_rps=200.0) as server:
        assert run_sync(settings_for(server, where)).outcome == "success"
    return where / "cc.duckdb"
