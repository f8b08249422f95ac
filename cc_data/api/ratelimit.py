"""A token bucket shared by every stream: requests never leave faster than the configured rate."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# The server counts requests by arrival time; leave a little room for network jitter.
SAFETY = 0.95


class TokenBucket:
    """`acquire()` blocks until one request may be sent. `burst` tokens may be spent at once."""

    def __init__(
        self,
        rate: float,
        burst: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = burst
        self._last = clock()
        self._lock = threading.Lock()
        self.waited = 0.0

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now

    def acquire(self) -> None:
        with self._lock:
            self._refill()
            if self._tokens < 1.0:
                wait = (1.0 - self._tokens) / self.rate
                self.waited += wait
                self._sleep(wait)
                self._refill()
            self._tokens -= 1.0

    def pause(self, seconds: float) -> None:
        """Empty the bucket and hold it for `seconds` (after the server said we were too fast)."""
        with self._lock:
            self._sleep(seconds)
            self._tokens = 0.0
            self._last = self._clock()


def bucket_for(rate_limit_rps: float) -> TokenBucket:
    return TokenBucket(rate_limit_rps * SAFETY, burst=1.0)
