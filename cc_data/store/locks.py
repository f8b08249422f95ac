"""Exclusive advisory file locks (flock: the kernel releases them when the process dies), waited for a while."""

from __future__ import annotations

import fcntl
import time
from typing import IO


def take_flock(handle: int | IO, wait_s: float, poll_s: float = 0.05) -> bool:
    """Lock `handle` exclusively, waiting up to `wait_s` seconds for another holder; False if it never came free."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(poll_s)
