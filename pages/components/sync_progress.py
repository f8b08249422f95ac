"""The Sync now progress bar: how far a run is, from which stream it is on and how far that stream is."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from cc_data.sync.engine import ProgressEvent
from cc_data.sync.runner import STREAMS


def run_fraction(event: ProgressEvent, streams: Sequence[str] = STREAMS) -> float:
    """0..1: the streams before this one are done, and this one counts for its share of calls made so far
    against the calls it still expects (eta_s at the rate seen so far); unknown remaining calls count as 0."""
    if event.stream not in streams:
        return 0.0
    within = 1.0 if event.done else 0.0
    if not event.done and event.eta_s is not None and event.calls > 0 and event.rate > 0:
        within = event.calls / (event.calls + event.eta_s * event.rate)
    return min(1.0, (streams.index(event.stream) + within) / len(streams))


def describe(event: ProgressEvent) -> str:
    stream = event.stream.replace("_", " ")
    return f"{stream} · {event.rows:,} rows · {event.calls:,} API calls"


class SyncProgressBar:
    """A progress callback for cc_data.datasource.sync_now that moves one st.progress bar, never backwards."""

    def __init__(self) -> None:
        self.value = 0.0
        self._bar = st.progress(0.0, text="Starting sync…")

    def __call__(self, event: ProgressEvent) -> None:
        self.value = max(self.value, run_fraction(event))
        self._bar.progress(self.value, text=describe(event))

    def finish(self, text: str = "Done") -> None:
        self.value = 1.0
        self._bar.progress(1.0, text=text)
