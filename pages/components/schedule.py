"""Data & sync's schedule line: when the next scheduled sync is due (from systemd's timers, when installed) and,
to admins, that the last sync failed and why."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from cc_data import audit
from cc_data.analytics.status import time_ago
from cc_data.config import Settings
from cc_data.errors import UserError

TIMERS = "cc-data-*.timer"   # the units deploy/ installs
SUCCEEDED = ("ok", "success")
_NEXT = re.compile(r"^(?P<next>[A-Z][a-z]{2} \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?: [A-Za-z0-9+\-]+)?)\s")
_UNITS = re.compile(r"(?P<timer>\S+\.timer)\s+(?P<service>\S+\.service)\s*$")


@dataclass(frozen=True)
class Timer:
    unit: str          # cc-data-sync.timer
    activates: str     # cc-data-sync.service
    next: str | None   # as systemctl prints it, in the server's time zone; None when nothing is scheduled


def parse_list_timers(text: str) -> list[Timer]:
    """The rows of `systemctl list-timers --all --no-legend` (the header and footer lines are skipped too)."""
    timers = []
    for line in text.splitlines():
        units = _UNITS.search(line)
        if not units:
            continue
        due = _NEXT.match(line.strip())
        timers.append(Timer(units["timer"], units["service"], due["next"] if due else None))
    return timers


@st.cache_data(ttl=60, show_spinner=False)
def installed_timers() -> list[Timer]:
    """cc-data's systemd timers on this server; none when systemd or the timers are absent."""
    try:
        done = subprocess.run(["systemctl", "list-timers", "--all", "--no-legend", "--no-pager", TIMERS],
                              capture_output=True, text=True, timeout=3, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    return parse_list_timers(done.stdout) if done.returncode == 0 else []


def last_sync_problem(db_path: Path, action: str = "sync") -> str | None:
    """'Last sync failed' with its one-line reason, when the newest sync (app or command line) did not succeed;
    `action="donations_sync"` for the DonorPerfect sync."""
    try:
        last = audit.last_sync(db_path, action)
    except UserError:
        return None
    if last is None or last["outcome"] in SUCCEEDED:
        return None
    word = "failed" if last["outcome"] == "failed" else f"did not finish ({last['outcome']})"
    reason = f": {last['detail']}" if last["detail"] else "."
    name = "DonorPerfect sync" if action == "donations_sync" else "sync"
    return f"**Last {name} {word}** {time_ago(last['at_utc'])} ({last['who']}){reason}"


def render(cfg: Settings, admin: bool) -> None:
    for timer in installed_timers():
        if timer.next:
            what = "DonorPerfect sync" if "donations" in timer.unit else "sync"
            st.caption(f"Next scheduled {what}: {timer.next} ({timer.unit}).")
    for action in ("sync", "donations_sync"):
        problem = last_sync_problem(cfg.db_path, action) if admin else None
        if problem:
            st.error(problem)
