"""All accounts over many demo-size accounts: how long the page's figures take and the memory they need.

    .venv/bin/python -m bench.rollup_bench --accounts 20 --distinct 4 --workdir /tmp/rollup-bench

Builds `distinct` demo-scale accounts straight into DuckDB (bench/sandbox_db.py: the rows a sync would store, each
seed another organisation; published with every stored result), then fills `accounts` account folders with copies
of them (account i holds build i mod distinct: the rollup reads each file on its own, so a copy costs it exactly
what another organisation of the same size would). Then, in a fresh process per measurement (imports included,
nothing cached), times what pages/all_accounts.py computes (rollup.rollup) and records the
process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

SYNCED_AT = "2025-12-15T12:00:00"   # bench/sandbox_db.py's `now`


def build(workdir: Path, count: int, distinct: int, scale: str) -> dict[str, int]:
    from bench.sandbox_db import build_from_sandbox
    from cc_data import accounts
    from cc_data.config import Settings

    shared = Settings(accounts_dir=workdir / "accounts")
    sources = []
    for i in range(distinct):
        path = workdir / f"seed-{7 + i}.duckdb"
        if not path.exists():
            start = time.perf_counter()
            build_from_sandbox(path, scale=scale, seed=7 + i)
            with duckdb.connect(str(path)) as con:   # as a sync would: when its data was complete
                con.execute("INSERT OR REPLACE INTO meta VALUES ('last_sync_finished_at', ?)", [SYNCED_AT])
            print(f"built {path.name} in {time.perf_counter() - start:.0f} s", flush=True)
        sources.append(path)
    totals = {"contacts": 0, "tracking_events": 0, "gifts": 0}
    for i in range(count):
        name = f"chapter-{i + 1:02d}"
        account = accounts.load(shared, name) if name in accounts.names(shared) else accounts.add(shared, name)
        if not account.db_path.exists():
            shutil.copy2(sources[i % distinct], account.db_path)
        with duckdb.connect(str(account.db_path), read_only=True) as con:
            for table in totals:
                totals[table] += con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
    return totals


def measure(workdir: Path) -> dict[str, float]:
    start = time.perf_counter()
    from cc_data import accounts
    from cc_data.analytics import rollup
    from cc_data.config import Settings

    imported, cpu_imported = time.perf_counter(), time.process_time()
    shared = Settings(accounts_dir=workdir / "accounts")
    where = rollup.locations({a.name: a.db_path for a in accounts.all_accounts(shared)}, None)
    _period, table = rollup.rollup(where)
    done, cpu_done = time.perf_counter(), time.process_time()
    assert table.height == len(where) + 1
    rollup.rollup(where)   # again in the same process: the dashboard's case once an account publishes a new file
    again, cpu_again = time.perf_counter(), time.process_time()
    return {"accounts": len(where), "imports_s": round(imported - start, 2), "figures_s": round(done - imported, 2),
            "total_s": round(done - start, 2), "figures_cpu_s": round(cpu_done - cpu_imported, 2),
            "warm_s": round(again - done, 2), "warm_cpu_s": round(cpu_again - cpu_done, 2),
            "load_1min": round(os.getloadavg()[0], 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--distinct", type=int, default=4)
    parser.add_argument("--scale", default="demo")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/rollup-bench"))
    parser.add_argument("--measure", action="store_true", help="(internal) one measurement in this process")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.workdir)))
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    totals = build(args.workdir, args.accounts, args.distinct, args.scale)
    print(json.dumps({"totals": totals}), flush=True)
    for _ in range(args.repeat):
        out = subprocess.run([sys.executable, "-m", "bench.rollup_bench", "--measure", "--workdir",
                              str(args.workdir)], check=True, capture_output=True, text=True).stdout
        print(out.strip(), flush=True)


if __name__ == "__main__":
    main()
