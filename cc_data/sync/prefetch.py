"""HTTP pages fetched ahead in a background thread while the caller writes the ones already here."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator

_DONE = object()


def prefetch_batches(items: Iterator, depth: int = 3) -> Iterator[list]:
    """Run `items` (HTTP pages) in a background thread, up to `depth` ahead, and yield everything already fetched
    at once (at least one item), so a consumer that falls behind can write several pages in one transaction.
    Errors surface in the consumer after the items fetched before them; leaving the loop early stops the
    producer."""
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        buffer.put((item, None), timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put((_DONE, None))
        except BaseException as err:  # noqa: BLE001 - handed to the consumer, which re-raises it
            buffer.put((_DONE, err))

    thread = threading.Thread(target=produce, name="prefetch", daemon=True)
    thread.start()
    try:
        finished = False
        while not finished:
            got = [buffer.get()]
            with contextlib.suppress(queue.Empty):
                while True:
                    got.append(buffer.get_nowait())
            ready = []
            for item, err in got:
                if item is _DONE:
                    if err is not None:
                        if ready:
                            yield ready
                        raise err
                    finished = True
                    break
                ready.append(item)
            if ready:
                yield ready
    finally:
        stop.set()
        with contextlib.suppress(queue.Empty):
            while True:
                buffer.get_nowait()
        thread.join(timeout=READ_TIMEOUT_JOIN_S)


READ_TIMEOUT_JOIN_S = 90.0
