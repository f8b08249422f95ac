"""The demo database: the built-in sandbox account synced over loopback HTTP by the real sync code.

The sandbox (a local Constant Contact V3 API and a DonorPerfect XML API) is started in this process,
the normal `run_sync` and DonorPerfect sync pull from it, and `meta` records how to start the same
sandbox again so "Sync now" on demo data picks up what happened since (new sends, late clicks, unsubscribes).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from cc_data.config import Settings
from cc_data.errors import DemoRefused
from cc_data.store.db import Writer, locked, read, verify, wal_path, work_path
from cc_data.store.upserts import mark_changed
from cc_data.sync.progress import STREAMS, describe_step, run_fraction

DEMO_SEED = 7
DEMO_SCALE = "demo"
# Loopback is not Constant Contact: the demo sandbox lets the sync go as fast as the machine allows.
DEMO_RATE_LIMIT_RPS = 500.0
DEMO_QUOTA = 1_000_000_000


def _now_hour() -> datetime:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0, tzinfo=None)


def demo_meta(db_path: Path) -> dict[str, str]:
    """The demo's recipe from the published database, or {} when it is not a demo database."""
    if not Path(db_path).exists():
        return {}
    with read(db_path) as con:
        meta = dict(con.execute("SELECT key, value FROM meta WHERE key LIKE 'demo_%' OR key = 'source'").fetchall())
    return meta if meta.get("source") == "demo" else {}


def foreign_content(path: Path) -> str | None:
    """What is at path when it is not a database the demo made itself; None for nothing or the demo's own.
    A file that is not a readable database raises DatabaseUnreadable."""
    if not path.exists():
        return None
    # a cut file can still open and read its meta: without this it would pass for an account's data
    verify(path, every_block=True)
    with read(path) as con:
        try:
            row = con.execute("SELECT value FROM meta WHERE key = 'source'").fetchone()
        except duckdb.CatalogException:
            row = None
    if row and row[0] == "demo":
        return None
    if row:
        return f"a database marked source={row[0]!r}, not the demo"
    return "data synced from a Constant Contact account (it has no demo mark)"


@contextmanager
def _sandboxes(seed: int, scale: str, now: datetime, advances: list[float],
               list_writes: list[dict] | tuple = ()) -> Iterator[tuple[Any, Any]]:
    from cc_data.sandbox.donorperfect import DonorPerfectSandbox
    from cc_data.sandbox.server import SandboxServer

    cc = SandboxServer(seed=seed, scale=scale, now=now, rate_limit_rps=DEMO_RATE_LIMIT_RPS, daily_quota=DEMO_QUOTA)
    for days in advances:
        cc.advance(days)
    if list_writes:
        cc.replay_list_writes(list(list_writes))
    cc.start()
    dp = DonorPerfectSandbox(cc.account).start()
    try:
        yield cc, dp
    finally:
        dp.stop()
        cc.stop()


def _sync_from(settings: Settings, cc: Any, dp: Any, progress: Callable[[Any], None] | None, *,
               full: bool = False, only: list[str] | None = None,
               also: Callable[[Any], None] | None = None, phase: Callable[[str], None] | None = None) -> Any:
    """Sync the sandboxes into settings.db_path and publish once: the Constant Contact sync, then (in the same
    working copy) DonorPerfect's gifts, `also` (e.g. the demo's metadata), then the derived tables. `phase` is
    told when each of the steps after the sync (AFTER_SYNC) begins."""
    from cc_data.analytics.stored.refresh import refresh_changed
    from cc_data.donations.dp_client import DonorPerfectClient
    from cc_data.donations.dp_sync import store_donorperfect
    from cc_data.sync.runner import run_sync

    token_file = settings.db_path.parent / "demo-tokens.json"
    token_file.unlink(missing_ok=True)  # a restarted sandbox does not know earlier tokens
    demo_settings = settings.with_(
        client_id=cc.client_id, client_secret=cc.client_secret, refresh_token=cc.mint_refresh_token(),
        api_base_url=cc.api_base_url, oauth_base_url=cc.oauth_base_url, token_file=token_file,
        rate_limit_rps=DEMO_RATE_LIMIT_RPS, daily_quota=DEMO_QUOTA,
        anchor_date=(cc.now - timedelta(days=2 * 366)).date(),
    )

    def before_publish(con: Any) -> None:
        if not only:
            if phase is not None:
                phase(AFTER_SYNC[0])
            store_donorperfect(con, DonorPerfectClient(dp.url, dp.api_key))
        if also is not None:
            also(con)
        if phase is not None:
            phase(AFTER_SYNC[1])
        refresh_changed(con)

    return run_sync(demo_settings, full=full, only=only, progress=progress, before_publish=before_publish)


def build(settings: Settings, *, scale: str = DEMO_SCALE, seed: int = DEMO_SEED,
          progress: Callable[[Any], None] | None = None) -> Any:
    """Build the demo database from scratch at settings.db_path, publishing once. Only a database the demo marked
    itself is replaced, and the new working copy is marked before anything else is written to it."""
    from cc_data.donations.code_mapping import seed_code_mapping

    db_path = Path(settings.db_path)
    now = _now_hour()
    with locked(db_path):
        for path in (db_path, work_path(db_path)):
            foreign = foreign_content(path)
            if foreign:
                raise DemoRefused(f"{path} holds {foreign}; the demo only replaces a database it made itself. Set "
                                  "CONSTANT_CONTACT_CLIENT_ID (in .env) to use that account, or point CC_DB_PATH "
                                  "elsewhere for the demo.")
        for path in (db_path, work_path(db_path), wal_path(work_path(db_path))):
            path.unlink(missing_ok=True)
        w = Writer(db_path)   # the working copy the sync below resumes: marked first, published by the sync
        try:
            _write_meta(w.con, {"source": "demo", "demo_seed": str(seed), "demo_scale": scale,
                                "demo_now": now.isoformat(), "demo_advances": "[]"})
        finally:
            w.con.close()
    status = BuildStatus(db_path, progress)
    try:
        with _sandboxes(seed, scale, now, []) as (cc, dp):
            def seed_mapping(con: Any) -> None:
                seed_code_mapping(con, cc.account.appeal_codes)
                mark_changed(con, "mapping")

            return _sync_from(settings, cc, dp, status, also=seed_mapping, phase=status.phase)
    finally:
        status.close()


def building_path(db_path: Path) -> Path:
    """While the demo is being built: its progress, for the dashboard (which is served meanwhile)."""
    return Path(db_path).with_name(Path(db_path).name + ".building.json")


def building_status(db_path: Path, max_age_s: float = 120.0) -> dict | None:
    """{"fraction": 0..1 of the current step, "text": ...} of a demo build under way, or None (none, or one that stopped writing)."""
    try:
        status = json.loads(building_path(db_path).read_text())
        # the build's own clock, not the file's mtime: both sides of the age read the same clock
        if time.time() - float(status.pop("written_at")) > max_age_s:
            return None
        return status
    except (OSError, ValueError, KeyError, TypeError):
        return None


AFTER_SYNC = ("gifts from DonorPerfect", "summary tables for the pages")   # the build's steps after the streams
BUILD_STEPS = len(STREAMS) + len(AFTER_SYNC)


class BuildStatus:
    """A progress callback that also writes the build's progress to building_path (atomically, twice a second
    at most), and removes it when the build ends. The step count covers the whole build (the streams, then
    AFTER_SYNC), and the fraction and step only move forward."""

    def __init__(self, db_path: Path, progress: Callable[[Any], None] | None) -> None:
        self.path, self.progress, self.last = building_path(db_path), progress, 0.0
        self.fraction, self.step = 0.0, 0
        self._write({"fraction": 0.0, "text": "starting the sandbox"})

    def __call__(self, event: Any) -> None:
        if self.progress is not None:
            self.progress(event)
        step = STREAMS.index(event.stream) + 1 if event.stream in STREAMS else 0
        if step < self.step:   # a late event of an earlier step: the display never goes back
            return
        if time.monotonic() - self.last >= 0.5 or event.done or step > self.step:
            self.step = step
            self.fraction = max(self.fraction, run_fraction(event, STREAMS, BUILD_STEPS))
            self._write({"fraction": self.fraction, "text": describe_step(event, STREAMS, BUILD_STEPS)})

    def phase(self, name: str) -> None:
        """A step after the sync begins (AFTER_SYNC): it has no calls to count, so the bar waits at its start."""
        self.step = len(STREAMS) + AFTER_SYNC.index(name) + 1
        self.fraction = max(self.fraction, (self.step - 1) / BUILD_STEPS)
        self._write({"fraction": self.fraction, "text": f"step {self.step} of {BUILD_STEPS}, {name}"})

    def _write(self, status: dict) -> None:
        self.last = time.monotonic()
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps({**status, "written_at": time.time()}))
        os.replace(tmp, self.path)

    def close(self) -> None:
        self.path.unlink(missing_ok=True)


LIST_WRITES_KEY = "demo_list_writes"   # the sandbox's journal of pushes (cc_data.push), replayed on every start


@contextmanager
def current_sandboxes(settings: Settings, progress: Callable[[Any], None] | None = None) -> Iterator[tuple[Any, Any, Callable[..., Any]]]:
    """The demo's sandboxes as they are now: its seed, scale and clock from `meta`, moved to the present, with the
    list writes of earlier pushes replayed. Yields (cc, dp, sync); `sync(full=False, only=None)` syncs from them and
    publishes, recording the advance. Needs a demo database (see demo_meta)."""
    meta = demo_meta(settings.db_path)
    start = datetime.fromisoformat(meta["demo_now"])
    advances = [float(d) for d in json.loads(meta.get("demo_advances", "[]"))]
    behind = (_now_hour() - start).total_seconds() / 86_400 - sum(advances)
    if behind >= 1 / 24:
        advances.append(round(behind, 4))
    writes = json.loads(meta.get(LIST_WRITES_KEY, "[]"))
    with _sandboxes(int(meta["demo_seed"]), meta["demo_scale"], start, advances, writes) as (cc, dp):
        def sync(*, full: bool = False, only: list[str] | None = None) -> Any:
            return _sync_from(settings, cc, dp, progress, full=full, only=only,
                              also=lambda con: _write_meta(con, {"demo_advances": json.dumps(advances)}))

        yield cc, dp, sync


def refresh(settings: Settings, progress: Callable[[Any], None] | None = None, *, full: bool = False,
            only: list[str] | None = None) -> Any:
    """Sync the demo again: the same sandbox, its clock moved to the present, so new activity arrives."""
    if not demo_meta(settings.db_path):
        return build(settings, progress=progress)
    with current_sandboxes(settings, progress) as (_cc, _dp, sync):
        return sync(full=full, only=only)


def store_list_writes(con: Any, journal: list[dict]) -> None:
    """Keep the demo sandbox's list writes (a push) so every later start replays them."""
    _write_meta(con, {LIST_WRITES_KEY: json.dumps(journal)})


def _write_meta(con: Any, values: dict[str, str]) -> None:
    con.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(values.items()))

