"""cc-data against the peer a Python user would assemble: dlt's `rest_api` source with its parquet loader into
DuckDB, side by side in one run, on the same sandbox account (demo scale) and the same machine.

Each run is a fresh process into a fresh DuckDB file: (a) `cc-data sync --json` (the full sync a first run makes,
its publish and stored results included), (b) bench/dlt_pipeline.py in dlt's own virtual environment
(bench/.dlt-venv, created here on first use with `pip install "dlt[duckdb,parquet]"`; dlt is no dependency of the
project). The two alternate (a b, b a, a b, ...), so the load other sessions put on the shared machine falls on
both alike; each run records the load average beside its numbers.

Measured per run: CPU seconds (user + system of the process and every child it waited for, from wait4), peak
memory as the kernel's high-water mark of the largest process (ru_maxrss) and as the sampled sum of the RSS of
the whole process tree (every 50 ms; dlt may spawn workers), wall seconds, API calls, and the rows of the main
tables in the file it wrote: both must hold the same data.

Run:  python -m bench.dlt_compare [PAIRS] [RPS] [SCALE]   (default 3 pairs, 500 req/s, demo; writes
bench/results/dlt.md)
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from cc_data.sandbox.server import SandboxServer

HERE = Path(__file__).parent
RESULTS = HERE / "results" / "dlt.md"
VENV = HERE / ".dlt-venv"
DLT_REQUIREMENT = "dlt[duckdb,parquet]"
BENCH_QUOTA = 10_000_000

# dlt's settings, chosen for a small machine (2 shared cores) and low memory, none costing it work:
# - normalize in the main process (workers=1): a process pool would spawn a worker interpreter per core for a
#   few hundred thousand rows, more memory and no speed on 2 busy cores;
# - extract buffers of 5,000 items (dlt's default) and files rotated every 100,000 items, so normalize and the
#   loader work a file at a time rather than one file per table;
# - the loader: 2 threads (one per core) and DuckDB capped like the project's writer (4x a ~120 MB file) at 512 MB;
# - no telemetry (the bench's only network is loopback).
DLT_ENV = {
    "RUNTIME__DLTHUB_TELEMETRY": "false",
    "NORMALIZE__WORKERS": "1",
    "EXTRACT__DATA_WRITER__BUFFER_MAX_ITEMS": "5000",
    "EXTRACT__DATA_WRITER__FILE_MAX_ITEMS": "100000",
    "NORMALIZE__DATA_WRITER__BUFFER_MAX_ITEMS": "5000",
    "NORMALIZE__DATA_WRITER__FILE_MAX_ITEMS": "100000",
    "LOAD__WORKERS": "2",
}
DLT_DUCKDB = {"memory_limit": "512MB", "threads": 2}

# The same data, table by table: (cc-data's table, dlt's table).
TABLES = {
    "contacts": ("contacts", "contacts"),
    "list memberships": ("list_memberships", "contacts__list_memberships"),
    "taggings": ("contact_taggings", "contacts__taggings"),
    "phone numbers": ("contact_phone_numbers", "contacts__phone_numbers"),
    "street addresses": ("contact_street_addresses", "contacts__street_addresses"),
    "custom field values": ("contact_custom_fields", "contacts__custom_fields"),
    "lists": ("contact_lists", "lists"),
    "tags": ("contact_tags", "tags"),
    "campaigns": ("campaigns", "campaign_details"),
    "campaign activities": ("campaign_activities", "campaign_details__campaign_activities"),
    "campaign summaries": ("campaign_summaries", "campaign_summaries"),
    "activity stats": ("activity_stats", "activity_stats"),
    "tracking rows": ("tracking_events", "tracking"),
}


@dataclass
class Run:
    tool: str                       # "cc-data" or "dlt"
    pair: int
    wall_s: float
    cpu_s: float
    maxrss_mb: float                # kernel high-water mark of the largest process in the tree
    tree_rss_mb: float              # sampled peak of the sum over the process tree
    processes: int                  # most processes seen in the tree at once
    calls: int
    load_before: float
    load_after: float
    rows: dict[str, int] = field(default_factory=dict)


# --- dlt's own environment ------------------------------------------------------------------------------------

def dlt_python() -> Path:
    """bench/.dlt-venv/bin/python, made (python3 -m venv; pip install dlt) when missing."""
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {VENV} with {DLT_REQUIREMENT} (once)", flush=True)
        subprocess.run(["python3", "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", DLT_REQUIREMENT], check=True)
    return python


def dlt_version(python: Path) -> str:
    return subprocess.run([str(python), "-c", "import dlt, duckdb, pyarrow; print(dlt.__version__, duckdb.__version__,"
                           " pyarrow.__version__)"], capture_output=True, text=True, check=True).stdout.strip()


# --- measuring one process tree -------------------------------------------------------------------------------

PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except OSError:
            continue
    return pids


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * PAGE_MB
    except (OSError, IndexError, ValueError):
        return 0.0


def measure(cmd: list[str], env: dict[str, str], cwd: Path, out: Path) -> tuple[int, float, object, float, int]:
    """Run `cmd`: (exit status, wall s, its rusage, sampled peak tree RSS MB, most processes at once)."""
    peak, most, done = [0.0], [1], threading.Event()
    started = time.perf_counter()
    with open(out, "w") as stdout, open(out.with_suffix(".err"), "w") as stderr:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=stdout, stderr=stderr)

        def sample() -> None:
            while not done.wait(0.05):
                pids = _tree(proc.pid)
                peak[0] = max(peak[0], sum(_rss_mb(p) for p in pids))
                most[0] = max(most[0], len(pids))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        done.set()
        sampler.join()
    return status, time.perf_counter() - started, usage, peak[0], most[0]


# --- the two tools ----------------------------------------------------------------------------------------------

def _shell_env() -> dict[str, str]:
    """This process's environment as a shell would pass it on: without the settings of cc-data and Constant Contact,
    and without the allocator setting polars wrote into it when the sandbox imported polars here (a child would take
    it for the user's own, and cc-data's command line leaves a user's setting alone)."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("CC_", "CONSTANT_CONTACT_")) and k != "_RJEM_MALLOC_CONF"}


def run_cc_data(sandbox: SandboxServer, rps: float, pair: int) -> Run:
    workdir = Path(tempfile.mkdtemp(prefix="dlt-compare-cc-"))
    db = workdir / "cc.duckdb"
    env = {**_shell_env(),
           "CONSTANT_CONTACT_CLIENT_ID": sandbox.client_id, "CONSTANT_CONTACT_CLIENT_SECRET": sandbox.client_secret,
           "CONSTANT_CONTACT_REFRESH_TOKEN": sandbox.mint_refresh_token(),
           "CC_API_BASE_URL": sandbox.api_base_url, "CC_OAUTH_BASE_URL": sandbox.oauth_base_url,
           "CC_DB_PATH": str(db), "CC_TOKEN_FILE": str(workdir / "tokens.json"),
           "CC_ANCHOR_DATE": date(2000, 1, 1).isoformat(), "CC_RATE_LIMIT_RPS": str(rps),
           "CC_DAILY_QUOTA": str(BENCH_QUOTA)}
    load = os.getloadavg()[0]
    status, wall, usage, tree, most = measure([sys.executable, "-m", "cc_data.cli", "sync", "--json"], env, workdir,
                                              workdir / "out.json")
    if status != 0:
        raise SystemExit(f"cc-data sync failed: {(workdir / 'out.err').read_text()[-2000:]}")
    result = json.loads((workdir / "out.json").read_text())
    rows = count_rows(db, "main", 0)
    shutil.rmtree(workdir)
    return Run("cc-data", pair, round(wall, 1), round(usage.ru_utime + usage.ru_stime, 1),
               round(usage.ru_maxrss / 1024, 1), round(tree, 1), most, sum(result["calls"].values()),
               round(load, 2), round(os.getloadavg()[0], 2), rows)


def run_dlt(sandbox: SandboxServer, rps: float, pair: int, python: Path, tuned: bool = True) -> Run:
    """dlt's pipeline with the settings above (tuned), or with dlt's own defaults (only telemetry off)."""
    workdir = Path(tempfile.mkdtemp(prefix="dlt-compare-dlt-"))
    db = workdir / "dlt.duckdb"
    config = {"api_base_url": sandbox.api_base_url, "oauth_base_url": sandbox.oauth_base_url,
              "client_id": sandbox.client_id, "client_secret": sandbox.client_secret,
              "refresh_token": sandbox.mint_refresh_token(), "db_path": str(db),
              "pipelines_dir": str(workdir / "pipelines"), "rps": rps, "normalize_workers": 1,
              "duckdb_config": DLT_DUCKDB if tuned else None}
    (workdir / "config.json").write_text(json.dumps(config))
    env = {**_shell_env(), **(DLT_ENV if tuned else {"RUNTIME__DLTHUB_TELEMETRY": "false"}),
           "DLT_DATA_DIR": str(workdir / "dlt-data")}
    load = os.getloadavg()[0]
    status, wall, usage, tree, most = measure([str(python), str(HERE / "dlt_pipeline.py"),
                                               str(workdir / "config.json")], env, workdir, workdir / "out.json")
    if status != 0:
        raise SystemExit(f"dlt pipeline failed: {(workdir / 'out.err').read_text()[-2000:]}")
    result = json.loads((workdir / "out.json").read_text().strip().splitlines()[-1])
    rows = count_rows(db, "cc", 1)
    shutil.rmtree(workdir)
    return Run("dlt" if tuned else "dlt (defaults)", pair, round(wall, 1), round(usage.ru_utime + usage.ru_stime, 1),
               round(usage.ru_maxrss / 1024, 1), round(tree, 1), most, result["calls"],
               round(load, 2), round(os.getloadavg()[0], 2), rows)


def count_rows(db: Path, schema: str, side: int) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        present = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ?", [schema]).fetchall()}
        return {label: (con.execute(f'SELECT count(*) FROM {schema}."{names[side]}"').fetchone()[0]
                        if names[side] in present else 0) for label, names in TABLES.items()}
    finally:
        con.close()


# --- a run of pairs ---------------------------------------------------------------------------------------------

def run(pairs: int = 3, rps: float = 500.0, scale: str = "demo") -> dict:
    python = dlt_python()
    versions = dlt_version(python)
    sandbox = SandboxServer(seed=7, scale=scale, rate_limit_rps=rps, daily_quota=BENCH_QUOTA).start()
    runs: list[Run] = []
    try:
        for pair in range(1, pairs + 1):
            order = ("cc-data", "dlt") if pair % 2 else ("dlt", "cc-data")
            for tool in order:
                r = run_cc_data(sandbox, rps, pair) if tool == "cc-data" else run_dlt(sandbox, rps, pair, python)
                print(json.dumps(asdict(r)), flush=True)
                runs.append(r)
        # for reference (not in the ratios): dlt as installed, none of the settings above
        r = run_dlt(sandbox, rps, 0, python, tuned=False)
        print(json.dumps(asdict(r)), flush=True)
        runs.append(r)
    finally:
        sandbox.stop()
    return {"date": datetime.now(UTC).date().isoformat(), "scale": scale, "rps": rps, "dlt": versions,
            "settings": {**DLT_ENV, "duckdb": DLT_DUCKDB}, "runs": [asdict(r) for r in runs]}


def ratios(result: dict) -> list[dict]:
    """Per pair: cc-data ÷ dlt for CPU, peak (largest process) and peak (tree)."""
    by_pair: dict[int, dict[str, dict]] = {}
    for r in result["runs"]:
        by_pair.setdefault(r["pair"], {})[r["tool"]] = r
    out = []
    for pair, both in sorted(by_pair.items()):
        if "cc-data" not in both:
            continue
        cc, peer = both["cc-data"], both["dlt"]
        out.append({"pair": pair, "cpu": cc["cpu_s"] / peer["cpu_s"], "maxrss": cc["maxrss_mb"] / peer["maxrss_mb"],
                    "tree_rss": cc["tree_rss_mb"] / peer["tree_rss_mb"],
                    "load": (cc["load_before"] + peer["load_before"]) / 2})
    return out


def write_results(result: dict) -> None:
    """bench/results/dlt.json keeps this run; dlt.md is rendered from it, keeping its hand-written "## Notes"."""
    RESULTS.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
    old = RESULTS.read_text() if RESULTS.exists() else ""
    notes = old.split("\n## Notes", 1)[1] if "\n## Notes" in old else ""
    rs = ratios(result)
    lines = ["# cc-data against dlt (rest_api source, parquet loader), side by side", "",
             f"Generated by `python -m bench.dlt_compare` (see its docstring) on {result['date']}: {result['scale']} scale "
             f"(seed 7), {result['rps']:g} req/s for both, fresh DuckDB files, runs alternating. dlt, DuckDB and "
             f"pyarrow in dlt's venv: {result['dlt']}. dlt's settings: `{json.dumps(result['settings'])}`.", "",
             "| pair | cc-data ÷ dlt CPU | cc-data ÷ dlt peak (largest process) | cc-data ÷ dlt peak (process tree) "
             "| load average |", "|---|---|---|---|---|"]
    lines += [f"| {r['pair']} | {r['cpu']:.2f} | {r['maxrss']:.2f} | {r['tree_rss']:.2f} | {r['load']:.1f} |" for r in rs]
    lines.append(f"| median | {statistics.median(r['cpu'] for r in rs):.2f} | "
                 f"{statistics.median(r['maxrss'] for r in rs):.2f} | {statistics.median(r['tree_rss'] for r in rs):.2f} | |")
    lines += ["", "| run | tool | wall s | CPU s | peak RSS MB (largest process) | peak RSS MB (tree, sampled) | "
              "processes | API calls | load before → after |", "|---|---|---|---|---|---|---|---|---|"]
    for i, r in enumerate(result["runs"], 1):
        lines.append(f"| {i} (pair {r['pair']}) | {r['tool']} | {r['wall_s']} | {r['cpu_s']} | {r['maxrss_mb']} | "
                     f"{r['tree_rss_mb']} | {r['processes']} | {r['calls']:,} | {r['load_before']} → {r['load_after']} |")
    same = len({json.dumps(r["rows"], sort_keys=True) for r in result["runs"]}) == 1
    lines += ["", "Rows in each file: " + ("every run of both tools wrote the same rows." if same else
                                           "**the runs differ** (see dlt.json): the comparison is not like for like."),
              "", "| table | cc-data | dlt |", "|---|---|---|"]
    first = {r["tool"]: r["rows"] for r in result["runs"]}
    for label, (ours, theirs) in TABLES.items():
        lines.append(f"| {label} (`{ours}` / `{theirs}`) | {first['cc-data'][label]:,} | {first['dlt'][label]:,} |")
    RESULTS.write_text("\n".join(lines) + "\n" + (f"\n## Notes{notes}" if notes else ""))


def main(argv: list[str] | None = None) -> None:
    argv = argv or []
    pairs = int(argv[0]) if argv else 3
    rps = float(argv[1]) if len(argv) > 1 else 500.0
    scale = argv[2] if len(argv) > 2 else "demo"
    result = run(pairs, rps, scale)
    if len({json.dumps(r["rows"], sort_keys=True) for r in result["runs"]}) != 1:
        print("warning: the runs wrote different rows; see bench/results/dlt.json", file=sys.stderr)
    write_results(result)
    print(json.dumps(ratios(result), indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
