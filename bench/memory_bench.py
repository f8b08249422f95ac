"""Peak memory (and time) of every kind of publish and of the dashboard process, on one database.

Each measurement runs in a fresh interpreter and reads its peak resident memory from /proc/self/status (VmHWM:
Linux carries ru_maxrss over from the parent across fork and exec). Targets (issue 25): every publish under
2 GB and the app under 1.5 GB at large scale (200,000 contacts, ~21M tracking rows).

- publish: on a copy of the database, `refresh_all` (a first build, or a build by other code), then on fresh
  copies of that result an unchanged writer run, "Save mapping" and one new campaign (bench.publish_bench's cases);
- app: one AppTest session (app.py in-process, as the app tests run it) opening every page in turn with default
  settings, then the settings a reader may change (custom score weights, segment criteria, a 72-hour window):
  the process's peak after each page, and each page's first render.

Run:  .venv/bin/python -m bench.memory_bench --db PATH [--label NAME] [--only publish|app]
      (the database is only read: copies go to a temporary folder beside it; writes bench/results/memory.md)
Without --db it builds the sandbox's demo account (bench/sandbox_db.py) and measures that.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.publish_bench import CASES

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench/results/memory.json"
PUBLISH_TARGET_MB, APP_TARGET_MB = 2048, 1536

REFRESH_ALL = """
from cc_data.analytics.stored.refresh import refresh_all
from cc_data.store.db import writer
with writer(db, before_publish=refresh_all):
    pass
"""

PAGES = ("overview", "campaign_trends", "compare_appeals", "engagement", "reengagement", "donation_attribution",
         "donors", "data_sync", "email_report", "mailbox_providers", "list_growth")

APP = """
import json, os, time
os.environ["CC_DB_PATH"] = str(db)
from streamlit.testing.v1 import AppTest

def status(key):
    return int(next(x for x in open('/proc/self/status') if x.startswith(key)).split()[1]) // 1024

peak = 0   # the process's peak so far: VmHWM is reset before each step, so the step's own peak is read after it

def step(name, run):
    global peak
    peak = max(peak, status('VmHWM'))
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')
    start = time.perf_counter()
    at = run()
    seconds = time.perf_counter() - start
    error = "; ".join(str(e.value)[:120] for e in at.exception)
    peak = max(peak, status('VmHWM'))
    print("STEP", json.dumps({"step": name, "s": round(seconds, 2), "step_peak_mb": status('VmHWM'),
                              "peak_mb": peak, "rss_after_mb": status('VmRSS'), "error": error}), flush=True)

at = AppTest.from_file(str(ROOT / "tests/app/app_entry.py"), default_timeout=600)
step("overview", at.run)
for page in PAGES[1:]:
    step(page, lambda: at.switch_page(str(ROOT / f"pages/{page}.py")).run())
at.switch_page(str(ROOT / "pages/engagement.py")).run()
points = next(n for n in at.number_input if n.label == "Points per click")
step("custom: score weights (Engagement, 2 points per click)", lambda: points.set_value(2.0).run())
step("custom: scores' half-life 60 days (Engagement)",
     lambda: next(n for n in at.number_input if n.label == "Half-life (days)").set_value(60.0).run())
at.switch_page(str(ROOT / "pages/reengagement.py")).run()
step("custom: segment criteria (Re-engagement, 90 days)", lambda: at.slider(key="seg_inactive").set_value(90).run())
at.switch_page(str(ROOT / "pages/donation_attribution.py")).run()
step("custom: 72-hour window (Donation attribution)",   # Custom opens on 72 hours
     lambda: at.segmented_control(key="attr_window").set_value("Custom").run())
"""


def child(code: str, db: Path) -> tuple[float, float, str]:
    """Run `code` (with `db`, `ROOT` and `PAGES` defined) in a fresh interpreter: wall seconds, peak RSS MB, stdout."""
    script = (f"import time\nfrom pathlib import Path\ndb = Path({str(db)!r})\nROOT = Path({str(ROOT)!r})\n"
              f"PAGES = {PAGES!r}\nt = time.perf_counter()\n{code}\n"
              "hwm = next(x for x in open('/proc/self/status') if x.startswith('VmHWM')).split()[1]\n"
              "print('RESULT', time.perf_counter() - t, hwm)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise RuntimeError(f"the measured child failed:\n{done.stderr[-3000:]}")
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT"))
    _, seconds, rss_kb = line.split()
    return float(seconds), int(rss_kb) / 1024, done.stdout


def _load() -> float:
    return round(os.getloadavg()[0], 1)


def measure_publish(db: Path, built: Path) -> list[dict]:
    """refresh_all on `built` (a copy of `db`), then each of publish_bench's cases on a fresh copy of what it built."""
    shutil.copyfile(db, built)
    rows = []
    for name, code in (("refresh_all", REFRESH_ALL), *CASES.items()):
        target = built if name == "refresh_all" else built.with_name(f"{name}.duckdb")
        if target != built:
            shutil.copyfile(built, target)
        load = _load()
        seconds, peak, _ = child(code, target)
        rows.append({"case": name, "s": round(seconds, 1), "peak_mb": round(peak), "load_start": load,
                     "load_end": _load()})
        print(json.dumps(rows[-1]), flush=True)
        if target != built:
            target.unlink()
    return rows


def measure_app(db: Path) -> dict:
    load = _load()
    seconds, _, out = child(APP, db)
    steps = [json.loads(line[5:]) for line in out.splitlines() if line.startswith("STEP ")]
    for s in steps:
        print(json.dumps(s), flush=True)
    defaults = [s for s in steps if not s["step"].startswith("custom")]
    return {"s": round(seconds, 1), "peak_mb": max(s["peak_mb"] for s in defaults),
            "custom_peak_mb": max(s["peak_mb"] for s in steps), "steps": steps, "load_start": load,
            "load_end": _load()}


def describe(db: Path) -> str:
    from cc_data.store.db import read

    with read(db) as con:
        c, t, g = con.execute("SELECT (SELECT count(*) FROM contacts), (SELECT count(*) FROM tracking_events), "
                              "(SELECT count(*) FROM gifts)").fetchall()[0]
    return (f"{c:,} contacts, {t:,} tracking rows, {g:,} gifts; the file {db.stat().st_size / 2**20:,.0f} MB")


def write_results(label: str, result: dict) -> None:
    stored = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    stored[label] = {**stored.get(label, {}), **result}
    RESULTS.write_text(json.dumps(stored, indent=1) + "\n")
    out = RESULTS.with_suffix(".md")
    text = out.read_text() if out.exists() else ""
    notes = text.split("\n## Notes", 1)[1] if "\n## Notes" in text else ""
    lines = ["# Memory benchmark", "",
             "Generated by `python -m bench.memory_bench` (see its docstring) from memory.json: peak resident memory "
             "of the whole process (VmHWM), each measurement in a fresh interpreter. Targets at large scale (issue "
             f"25): every publish under {PUBLISH_TARGET_MB:,} MB, the app under {APP_TARGET_MB:,} MB."]
    for name, r in stored.items():
        lines += ["", f"## {name}", "", f"{r.get('data', '')}. Machine: {os.cpu_count()} cores shared with other "
                  f"sessions; Python {platform.python_version()}; measured {r.get('date', '')}."]
        if "publish" in r:
            lines += ["", "| publish | seconds | peak MB | load average (start → end) |", "|---|---|---|---|"]
            lines += [f"| {p['case']} | {p['s']} | {p['peak_mb']:,} | {p['load_start']} → {p['load_end']} |"
                      for p in r["publish"]]
        if "app" in r:
            a = r["app"]
            lines += ["", f"App (one AppTest session: every page in turn with default settings, then the settings a "
                          f"reader may change): peak **{a['peak_mb']:,} MB** with default settings, "
                          f"{a['custom_peak_mb']:,} MB after the custom settings; {a['s'] or '?'} s in all, load average "
                          f"{a['load_start']} → {a['load_end']}.", "",
                      "| step | render (s) | the step's own peak (MB) | process peak so far (MB) | resident after (MB) "
                      "| error |", "|---|---|---|---|---|---|"]
            lines += [f"| {s['step']} | {s['s']} | {s['step_peak_mb']:,} | {s['peak_mb']:,} | {s['rss_after_mb']:,} "
                      f"| {s['error']} |" for s in a["steps"]]
    out.write_text("\n".join(lines) + "\n" + (f"\n## Notes{notes}" if notes else ""))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="a published database (only read; copies are measured)")
    parser.add_argument("--label", help="results section (default: the database's file name)")
    parser.add_argument("--only", choices=("publish", "app"))
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="memory-bench-", dir=Path(args.db).parent if args.db else None))
    try:
        if args.db:
            db, label = Path(args.db), args.label or Path(args.db).stem
        else:
            from bench.sandbox_db import build_from_sandbox

            db, label = build_from_sandbox(work / "source.duckdb", "demo"), args.label or "demo"
        result: dict = {"data": describe(db), "date": time.strftime("%Y-%m-%d")}
        built = work / "built.duckdb"   # what this code publishes from `db`: the app reads it
        if args.only != "app":
            result["publish"] = measure_publish(db, built)
        if args.only != "publish":
            if args.only == "app":   # a no-op when this code built `db` already
                shutil.copyfile(db, built)
                child(CASES["unchanged"], built)
            result["app"] = measure_app(built)
        write_results(label, result)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
