"""How the command line's and the dashboard's processes start: call prepare() first, before anything loads polars.

- Files the process creates are its owner's alone (umask 077): DuckDB's write-ahead logs and spill files, locks and
  exports hold or sit beside donor and contact data, and DuckDB creates its own files with the process's umask
  (0644 under the usual 022).
- polars' allocator (jemalloc) gives freed memory back at once. By default it keeps what it frees for the rest of
  the process: a sync's publish kept the scoring chunks' 40-50 MB under every later step (bench/results/dlt.md), and
  the dashboard kept each page's polars work under the next page's (at 200,000 contacts, 1.51-1.56 GB after the
  custom settings instead of 1.41-1.45 GB; bench/results/memory.md). It costs a little CPU (2 s in a 22 s demo
  sync; 0.3 s on a custom-weights page at large scale). jemalloc reads the setting once, when polars loads; a value
  already in the environment wins.
"""

from __future__ import annotations

import os

POLARS_ALLOCATOR = ("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")
PRIVATE_UMASK = 0o077


def prepare() -> None:
    """Private files from here on, and polars' allocator giving freed memory back (no effect once polars loaded)."""
    os.umask(PRIVATE_UMASK)
    os.environ.setdefault(*POLARS_ALLOCATOR)
