"""The board report's speed: `cc-data report` in a fresh process (imports included), as the timer runs it.

    python -m bench.report_bench [demo|large] [DB]

Builds the sandbox account at that scale straight into a database (bench.sandbox_db) unless DB is given, runs
`cc-data report --as-of` three times and appends the times and pages to bench/results/report.md. The issue's bar:
under 10 s on the demo, under 30 s at large scale, at most two pages.
"""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import pypdf

from bench.sandbox_db import build_from_sandbox

RESULTS = Path(__file__).resolve().parent / "results" / "report.md"
NOW = datetime(2025, 12, 15, 12, 0)


def main(scale: str = "demo", db: str | None = None) -> None:
    work = Path(tempfile.mkdtemp(prefix="report-bench-"))
    db_path = Path(db) if db else work / "cc.duckdb"
    if not db:
        started = time.perf_counter()
        build_from_sandbox(db_path, scale, 7, NOW)
        print(f"built {scale} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    env = {**os.environ, "CC_DB_PATH": str(db_path), "CONSTANT_CONTACT_CLIENT_ID": "",
           "CC_TOKEN_FILE": str(work / "tokens.json")}
    times, cpu, pages = [], [], 0
    for run in range(3):
        out = work / f"report-{run}.pdf"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cc_data.cli", "report", "--as-of", NOW.date().isoformat(), "--out",
                        str(out), "--quiet"], env=env, check=True)
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        pages = len(pypdf.PdfReader(out).pages)
    load = os.getloadavg()[0]
    line = (f"| {datetime.now():%Y-%m-%d} | {scale} | {pages} | {' / '.join(f'{t:.1f}' for t in times)} s | "
            f"{' / '.join(f'{t:.1f}' for t in cpu)} s | {load:.1f} | {platform.python_version()}, "
            f"{os.cpu_count()} cores |")
    if not RESULTS.exists():
        RESULTS.write_text("# Board report (`cc-data report`)\n\nA fresh process each run (imports, reading the "
                           "published database, the figures, the chart, the PDF), as the nightly timer starts it. "
                           "`python -m bench.report_bench [demo|large] [DB]`. Wall time depends on what else the machine runs (the "
                           "load average beside it); CPU time (user + system of the process) is the report's own "
                           "work.\n\n| date | scale | pages | wall, three runs | CPU, three runs | load | machine |\n"
                           "|---|---|---|---|---|---|---|\n")
    with RESULTS.open("a") as handle:
        handle.write(line + "\n")
    print(line)


if __name__ == "__main__":
    main(*sys.argv[1:3])
