"""polars' allocator (jemalloc) keeps the memory it frees for reuse, for the rest of the process.

A sync's publish kept the scoring chunks' 40-50 MB under every later step (bench/results/dlt.md), and the dashboard
kept each page's polars work under the next page's (at 200,000 contacts, 1.51-1.56 GB after the custom settings
instead of 1.42 GB; bench/results/memory.md). The command line's and the dashboard's processes have it give freed
memory back at once, for a little CPU (2 s in a 22 s demo sync; 0.3 s on a custom-weights page at large scale).
jemalloc reads the setting once, when polars loads: call give_back_freed_memory() before anything imports polars.
A value already in the environment wins.
"""

from __future__ import annotations

import os

POLARS_ALLOCATOR = ("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")


def give_back_freed_memory() -> None:
    """Ask polars' allocator to return freed memory at once (no effect once polars has loaded)."""
    os.environ.setdefault(*POLARS_ALLOCATOR)
