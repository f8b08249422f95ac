"""Shared fixtures: the tests' clock (tests/clock.py) and a local Constant Contact sandbox on a free loopback port
(see docs/sandbox.md)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
import time_machine

from cc_data.sandbox.server import SandboxServer
from tests.clock import EDGE_INSTANTS, SHIM, TEST_NOW

_session_clock: list = []


def pytest_configure(config: pytest.Config) -> None:
    """The session runs on TEST_NOW from the start (collection included), and so do the processes it starts."""
    config.addinivalue_line("markers", "calendar: run once at each of tests/clock.py's EDGE_INSTANTS")
    os.environ["CC_TEST_NOW"] = TEST_NOW.isoformat()
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SHIM), os.environ.get("PYTHONPATH")]))
    traveller = time_machine.travel(TEST_NOW, tick=True)
    traveller.start()
    _session_clock.append(traveller)


def pytest_unconfigure(config: pytest.Config) -> None:
    while _session_clock:
        _session_clock.pop().stop()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("calendar") and "test_now" in metafunc.fixturenames:
        metafunc.parametrize("test_now", list(EDGE_INSTANTS.values()), ids=list(EDGE_INSTANTS), indirect=True)


@pytest.fixture
def test_now(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[datetime]:
    """The instant this test runs at: TEST_NOW, or each edge instant for a test marked `calendar`. The wall clock
    of this process and of the processes it starts reads it too."""
    instant = getattr(request, "param", TEST_NOW)
    monkeypatch.setenv("CC_TEST_NOW", instant.isoformat())
    with time_machine.travel(instant, tick=True):
        yield instant

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
    with SandboxServer(seed=7, scale="small", rate_limit_rps=200.0, now=TEST_NOW) as server:
        assert run_sync(settings_for(server, where)).outcome == "success"
    return where / "cc.duckdb"
