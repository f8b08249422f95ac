"""How far a sync run is, from its progress events: for bars (Sync now, the demo build) and status files.

Each step is named in words (STEP_NAMES), never by its stream's name in the code. A step's calls are counted
against the calls it was expected to make (`ProgressEvent.expected_calls`: the page count a listing reported, the
number of items, the tracking plan), never against a figure derived from the rate so far, which rose as the rate
fell ("of about 557 calls", then 933, 1,171...)."""

from __future__ import annotations

from collections.abc import Sequence

from cc_data.sync.engine import ProgressEvent
from cc_data.sync.runner import STREAMS

STEP_NAMES = {
    "account": "account details", "custom_fields": "custom fields", "lists": "email lists", "tags": "tags",
    "segments": "segments", "contacts": "contacts", "contacts_updated": "changed contacts",
    "contacts_optout": "unsubscribes", "campaigns": "campaigns", "campaign_details": "campaign details",
    "campaign_summaries": "campaign results", "activity_details": "email details",
    "activity_stats": "email statistics", "tracking": "sends, opens and clicks",
    "donorperfect": "gifts from DonorPerfect",
}


def step_name(stream: str) -> str:
    """A stream's step in words ("tracking" → "sends, opens and clicks")."""
    return STEP_NAMES.get(stream, stream.replace("_", " "))


def expected(event: ProgressEvent) -> int | None:
    """The calls this step will make in all, as far as is known: never fewer than it already made."""
    if event.expected_calls is None:
        return event.calls if event.done else None
    return max(event.calls, event.expected_calls)


def stream_fraction(event: ProgressEvent) -> float:
    """0..1 of the current step alone: calls made against the calls it is expected to make (1 when done)."""
    total = expected(event)
    if event.done:
        return 1.0
    if not total:
        return 0.0
    return min(1.0, event.calls / total)


def run_fraction(event: ProgressEvent, streams: Sequence[str] = STREAMS, steps: int | None = None) -> float:
    """0..1 of a run of `steps` steps (default: the streams): the steps before this one are done, and this one
    counts for its share of the calls it is expected to make; unknown remaining calls count as none done."""
    if event.stream not in streams:
        return 0.0
    return min(1.0, (streams.index(event.stream) + stream_fraction(event)) / (steps or len(streams)))


def describe(event: ProgressEvent) -> str:
    return f"{step_name(event.stream)} · {event.rows:,} rows · {event.calls:,} API calls"


def describe_step(event: ProgressEvent, streams: Sequence[str] = STREAMS, steps: int | None = None) -> str:
    """"step 12 of 14, sends, opens and clicks: 121,134 rows, 319 of about 1,712 calls" (`steps`: the run's steps
    when more follow the streams, e.g. the demo's gifts and stored results)."""
    step = (f"step {streams.index(event.stream) + 1} of {steps or len(streams)}, " if event.stream in streams
            else "")
    total = expected(event)
    calls = f"{event.calls:,} of about {total:,} calls" if total and not event.done else f"{event.calls:,} calls"
    return f"{step}{step_name(event.stream)}: {event.rows:,} rows, {calls}"
