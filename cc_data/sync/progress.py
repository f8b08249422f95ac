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


def stream_fraction(event: ProgressEvent) -> float:
    """0..1 of the current stream alone: calls made against the calls it expects (1 when done)."""
    if event.done:
        return 1.0
    if event.eta_s is None or event.calls <= 0 or event.rate <= 0:
        return 0.0
    return min(1.0, event.calls / (event.calls + event.eta_s * event.rate))


def describe_step(event: ProgressEvent, streams: Sequence[str] = STREAMS) -> str:
    """"step 12 of 12, tracking: 121,134 rows, 319 of about 1,712 calls": the streams differ hugely in cost
    (tracking is most of a first sync), so a single bar over all of them would mislead."""
    step = f"step {streams.index(event.stream) + 1} of {len(streams)}, " if event.stream in streams else ""
    calls = f"{event.calls:,} calls"
    if not event.done and event.eta_s is not None and event.rate > 0:
        calls = f"{event.calls:,} of about {event.calls + round(event.eta_s * event.rate):,} calls"
    return f"{step}{event.stream.replace('_', ' ')}: {event.rows:,} rows, {calls}"
