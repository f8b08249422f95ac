"""Wall time and peak memory of `cc-data donations import` on synthetic DonorPerfect-style CSV exports.

Run: .venv/bin/python -m bench.donations_bench [MB ...]   (default: 5 50)
Each size is generated in a temp dir and imported into a fresh database in its own child process, which
reports its peak RSS (ru_maxrss) and the RSS it had after importing its libraries (the floor). Results go to
bench/results/donations.md; the "before" table there is the code as it was before streaming (BEFORE below).
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "donations.md"
HEADER = ("gift_id,donor_id,gift_date,created_date,amount,record_type,solicit_code,sub_solicit_code,"
          "campaign,gl_code,email,first_name,last_name,cc_contact_id")
FIRST = ("Ann", "Bo", "Chen", "Dana", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Zoë")
LAST = ("Lee", "Diaz", "O'Brien", "Smith", "Nguyen", "Ñúñez", "Okafor", "Kowalski")
CODES = ("YE24", "SP25", "GIV25", "FALL24", "")
# Measured with this script on this machine (2 cores shared with other jobs, load about 5) with cc_data as at
# commit f7e41fc, before the import streamed.
BEFORE = [
    {"mb": 5.0, "rows": 46479, "gifts": 46479, "wall_s": 9.1, "cpu_s": 5.1, "peak_rss_mb": 373, "floor_rss_mb": 61,
     "validate_s": 6.7, "validate_peak_rss_mb": 153},
    {"mb": 50.0, "rows": 464863, "gifts": 464863, "wall_s": 61.1, "cpu_s": 41.6, "peak_rss_mb": 1866,
     "floor_rss_mb": 61, "validate_s": 46.6, "validate_peak_rss_mb": 970},
]


def write_csv(path: Path, megabytes: float, seed: int = 7) -> int:
    """A DonorPerfect-style export of about `megabytes` MB; returns the number of gift rows."""
    rng = random.Random(seed)
    target = int(megabytes * 1_000_000)
    start = date(2023, 1, 1)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER + "\r\n")
        written = len(HEADER) + 2
        while written < target:
            rows += 1
            donor = rng.randrange(1, 40_000)
            day = start + timedelta(days=rng.randrange(0, 700))
            created = f"{day} {rng.randrange(24):02d}:{rng.randrange(60):02d}:00" if rows % 5 else ""
            amount = f"{rng.choice((10, 25, 50, 100, 250, 1000)) + rng.randrange(100) / 100:.2f}"
            code = rng.choice(CODES)
            line = (f"{100_000 + rows},{donor},{day:%m/%d/%Y},{created},\"${amount}\",G,{code},"
                    f"{'EM1' if code else ''},,GEN,donor{donor}@example.org,{rng.choice(FIRST)},"
                    f"{rng.choice(LAST)},{f'uuid-{donor}' if donor % 3 else ''}\r\n")
            fh.write(line)
            written += len(line.encode())
    return rows


def measure_validation(csv_path: Path) -> dict:
    """In the child: only read and validate the file (the part before DuckDB and the publish)."""
    from cc_data.donations.importer import read_gift_file

    data = csv_path.read_bytes()
    started = time.perf_counter()
    read_gift_file(data, csv_path.name)
    return {"validate_s": round(time.perf_counter() - started, 1),
            "validate_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def measure_one(csv_path: Path) -> dict:
    """In the child: import one file into a fresh database, as `cc-data donations import` does."""
    from cc_data.donations.imports import import_gifts

    before = resource.getrusage(resource.RUSAGE_SELF)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        result, _ = import_gifts(Path(tmp) / "cc.duckdb", csv_path.read_bytes(), csv_path.name)
        wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {"rows": result.rows_read, "gifts": len(result.gifts), "rejected": len(result.rejected),
            "wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "peak_rss_mb": round(after.ru_maxrss / 1024),
            "floor_rss_mb": round(before.ru_maxrss / 1024)}


def run(megabytes: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"gifts_{megabytes:g}mb.csv"
        write_csv(path, megabytes)
        size_mb = path.stat().st_size / 1_000_000
        result = {"mb": round(size_mb, 1)}
        for mode in ("--one", "--validate"):
            out = subprocess.run([sys.executable, "-m", "bench.donations_bench", f"{mode}={path}"],
                                 capture_output=True, text=True, check=True)
            result.update(json.loads(out.stdout.strip().splitlines()[-1]))
    return result


def _table(results: list[dict]) -> list[str]:
    lines = ["| file MB | rows | gifts imported | import wall s | CPU s | peak RSS MB | peak ÷ file | "
             "RSS after imports MB | validating only: s | peak RSS MB |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['mb']:g} | {r['rows']:,} | {r['gifts']:,} | {r['wall_s']} | {r['cpu_s']} | "
                     f"{r['peak_rss_mb']:,} | {r['peak_rss_mb'] / r['mb']:.1f}x | {r['floor_rss_mb']:,} | "
                     f"{r['validate_s']} | {r['validate_peak_rss_mb']:,} |")
    return lines


def write_results(results: list[dict]) -> None:
    notes = RESULTS.read_text().split("\n## Notes", 1)[1] if RESULTS.exists() and "\n## Notes" in RESULTS.read_text() else ""
    lines = ["# Donations import benchmark", "",
             "Generated by `python -m bench.donations_bench` (see its docstring): a synthetic DonorPerfect export "
             "(14 columns, about 110 bytes a row) imported into a fresh database by `import_gifts`, each size in its "
             "own process. Peak RSS includes the file's bytes held by the caller (the CLI and the app both have them).",
             "", "## After (current code)", "", *_table(results),
             "", "## Before (commit f7e41fc: the whole file decoded, every row a dict, then one frame)", "",
             *_table(BEFORE)]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n" + (f"\n## Notes{notes}" if notes else ""))


def main(argv: list[str] | None = None) -> None:
    argv = argv or ["5", "50"]
    if len(argv) == 1 and argv[0].startswith(("--one=", "--validate=")):
        mode, path = argv[0].split("=", 1)
        print(json.dumps((measure_one if mode == "--one" else measure_validation)(Path(path))))
        return
    results = []
    for megabytes in argv:
        result = run(float(megabytes))
        print(json.dumps(result), flush=True)
        results.append(result)
    write_results(results)


if __name__ == "__main__":
    main(sys.argv[1:])
