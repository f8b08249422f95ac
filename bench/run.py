"""`make bench`: run every benchmark in bench/ and let each record its results in bench/results/.

Usage: python -m bench.run [NAME ...]   (names: sandbox_generate, sync_bench, first_day_bench, publish_bench,
pages_bench, donations_bench, custom_settings_bench, memory_bench; and, only when named, dlt_compare, which installs dlt from PyPI into bench/.dlt-venv
on first use)
"""

from __future__ import annotations

import importlib
import sys
import time

BENCHMARKS = ("sandbox_generate", "sync_bench", "first_day_bench", "publish_bench", "pages_bench", "donations_bench",
              "custom_settings_bench", "memory_bench")
ON_REQUEST = ("dlt_compare",)   # needs the network once (pip install dlt) and ~20 min: not part of `make bench`


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    for name in names:
        if name not in BENCHMARKS + ON_REQUEST:
            print(f"unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS + ON_REQUEST)}", file=sys.stderr)
            return 2
    for name in names:
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        importlib.import_module(f"bench.{name}").main([])  # [] = its defaults, not our argv
        print(f"== {name} done in {time.perf_counter() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
