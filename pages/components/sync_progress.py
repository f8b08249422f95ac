"""The Sync now progress bar: how far a run is, from which stream it is on and how far that stream is."""

from __future__ import annotations

import streamlit as st

from cc_data.sync.engine import ProgressEvent
from cc_data.sync.progress import describe, describe_step, run_fraction

__all__ = ["SyncProgressBar", "describe", "run_fraction"]


class SyncProgressBar:
    """A progress callback for cc_data.datasource.sync_now that moves one st.progress bar, never backwards."""

    def __init__(self) -> None:
        self.value = 0.0
        self._bar = st.progress(0.0, text="Starting sync…")

    def __call__(self, event: ProgressEvent) -> None:
        self.value = max(self.value, run_fraction(event))
        self._bar.progress(self.value, text=describe_step(event))

    def finish(self, text: str = "Done") -> None:
        self.value = 1.0
        self._bar.progress(1.0, text=text)
