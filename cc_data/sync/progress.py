"""How far a sync run is, from its progress events: for bars (Sync now, the demo build) and status files."""

from __future__ import annotations

from collections.abc import Sequence

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
