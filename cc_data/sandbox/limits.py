"""Per-client request limits (a token bucket per second, a quota per UTC day) and seeded fault injection."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass


class TokenBucket:
    """`rate` tokens per second, holding at most `capacity`: pacing at exactly `rate` never runs dry."""

    def __init__(self, rate: float, capacity: float | None = None, clock=time.monotonic):
        self.rate = rate
        self.capacity = capacity if capacity is not None else max(rate, 1.0)
        self._clock = clock
        self._tokens = self.capacity
        self._last = clock()

    def take(self) -> bool:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens >= 1.0 - 1e-9:
            self._tokens -= 1.0
            return True
        return False


class DailyQuota:
    """Counts calls per sandbox UTC day; a new day (on the sandbox clock) starts from zero."""

    def __init__(self, limit: int):
        self.limit = limit
        self.day: int | None = None
        self.used = 0

    def take(self, day: int) -> bool:
        if day != self.day:
            self.day, self.used = day, 0
        if self.used >= self.limit:
            return False
        self.used += 1
        return True


@dataclass
class Faults:
    error_rate: float = 0.0
    drop_rate: float = 0.0
    slow_rate: float = 0.0
    slow_seconds: float = 2.0
    truncate_rate: float = 0.0

    def fate(self, seed: int, n: int) -> str:
        """What happens to the n-th API request: ok, error, drop, slow or truncate (a function of seed and n)."""
        digest = hashlib.blake2b(f"{seed}:{n}".encode(), digest_size=8).digest()
        u = int.from_bytes(digest, "big") / 2**64
        for name, rate in (("error", self.error_rate), ("drop", self.drop_rate), ("slow", self.slow_rate),
                           ("truncate", self.truncate_rate)):
            if u < rate:
                return name
            u -= rate
        return "ok"
