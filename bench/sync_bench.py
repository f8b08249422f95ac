"""Sync benchmark: a full sync of the sandbox at `demo` scale (and `large` on request).

Measures calls made against the minimum possible (Σ over endpoints of ⌈rows ÷ largest page⌉), wall time
against calls ÷ rate limit, and the sync process's peak memory. The sync runs as a subprocess
(`python -m cc_data.cli sync --json`) so its memory is measured apart from the sandbox's.

Run:  python -m bench.sync_bench [SCALE RPS ...]   (default: demo 60 demo 15; writes bench/results/sync.md)
`large` (200k contacts, ~10M tracking rows) takes a long while: run it on an idle machine.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import polars as pl

from cc_data.sandbox.server import SandboxServer

RESULTS = Path(__file__).parent / "results" / "sync.md"
BENCH_QUOTA = 10_000_000
PAGE = {"contacts": 500, "emails": 500, "summaries": 500, "tracking": 500, "custom_fields": 100,
        "lists": 1000, "tags": 500, "segments": 1000}


def minimum_calls(account) -> dict[str, int]:
    counts = account.counts()
    tracking = account.tracking_frame().group_by("campaign_activity_id", "tracking_activity_type").len()
    sent = [a for a in account.activities if a.tracking is not None and a.send_at is not None
            and a.send_at <= account.now]
    sent_campaigns = {a.campaign_id for a in sent} if sent and hasattr(sent[0], "campaign_id") else set()
    return {
        "account": 1,
        "custom_fields": math.ceil(counts["custom_fields"] / PAGE["custom_fields"]),
        "lists": math.ceil(counts["lists"] / PAGE["lists"]),
        "tags": math.ceil(counts["tags"] / PAGE["tags"]),
        "segments": math.ceil(counts["segments"] / PAGE["segments"]),
        "contacts": math.ceil((counts["contacts"] + counts["contacts_deleted"]) / PAGE["contacts"]),
        "campaigns": math.ceil(counts["campaigns"] / PAGE["emails"]),
        "campaign_details": counts["campaigns"],
        "campaign_summaries": math.ceil(max(len(sent_campaigns), 1) / PAGE["summaries"]),
        "activity_details": counts["sent_activities"],
        "activity_stats": math.ceil(counts["sent_activities"] / 10),
        "tracking": int(tracking.select((pl.col("len") / PAGE["tracking"]).ceil().sum()).item()),
    }


def run(scale: str = "demo", rps: float = 60.0) -> dict:
    started = time.perf_counter()
    # The benchmark measures the sync, not the daily quota: a large account's first sync needs several days
    # of Constant Contact's 10,000 calls/day (the results table says how many); here the quota is lifted.
    sandbox = SandboxServer(seed=7, scale=scale, rate_limit_rps=rps, daily_quota=BENCH_QUOTA).start()
    generated_s = time.perf_counter() - started
    try:
        workdir = Path(tempfile.mkdtemp(prefix="sync-bench-"))
        env = {**{k: v for k, v in os.environ.items() if not k.startswith(("CC_", "CONSTANT_CONTACT_"))},
               "CONSTANT_CONTACT_CLIENT_ID": sandbox.client_id,
               "CONSTANT_CONTACT_CLIENT_SECRET": sandbox.client_secret,
               "CONSTANT_CONTACT_REFRESH_TOKEN": sandbox.mint_refresh_token(),
               "CC_API_BASE_URL": sandbox.api_base_url, "CC_OAUTH_BASE_URL": sandbox.oauth_base_url,
               "CC_DB_PATH": str(workdir / "cc.duckdb"), "CC_TOKEN_FILE": str(workdir / "tokens.json"),
               "CC_ANCHOR_DATE": date(2000, 1, 1).isoformat(), "CC_RATE_LIMIT_RPS": str(rps),
               "CC_DAILY_QUOTA": str(BENCH_QUOTA)}
        result, wall, usage = _sync(env, workdir)
        calls = sum(result["calls"].values())
        again, again_wall, again_usage = _sync(env, workdir)   # nothing changed in the account since
        again_calls = sum(again["calls"].values())
        minimum = minimum_calls(sandbox.account)
        statuses = {}
        for _, _, code in sandbox.request_log:
            statuses[code] = statuses.get(code, 0) + 1
        return {
            "scale": scale, "rps": rps, "generate_s": round(generated_s, 1), "wall_s": round(wall, 1),
            "calls": calls, "minimum_calls": sum(minimum.values()), "minimum_by_stream": minimum,
            "calls_by_endpoint": result["calls"], "rows": result["rows"],
            "ideal_s": round(calls / rps, 1), "busy": round(calls / rps / wall, 3),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "statuses": statuses,
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
            "cpu_s_per_1000_tracking_rows": round((usage.ru_utime + usage.ru_stime)
                                                  / max(result["rows"].get("tracking_events", 0) / 1000, 1e-9), 4),
            "unchanged_wall_s": round(again_wall, 1), "unchanged_calls": again_calls,
            "unchanged_beyond_calls_s": round(again_wall - again_calls / rps, 1),
            "unchanged_cpu_s": round(again_usage.ru_utime + again_usage.ru_stime, 1),
        }
    finally:
        sandbox.stop()


def _sync(env: dict[str, str], workdir: Path) -> tuple[dict, float, object]:
    """`cc-data sync --json` in a child process: its result, wall seconds and its own resource usage."""
    out_path, err_path = workdir / "sync.out", workdir / "sync.err"
    t0 = time.perf_counter()
    with open(out_path, "w") as out, open(err_path, "w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "cc_data.cli", "sync", "--json"], env=env, cwd=workdir,
                                stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if status != 0:
        raise SystemExit(f"sync failed: {err_path.read_text()}")
    return json.loads(out_path.read_text()), wall, usage


def merge(previous: list[dict], new: list[dict]) -> list[dict]:
    """Earlier results with this run's replacing those of the same scale and rate."""
    fresh = {(r["scale"], r["rps"]) for r in new}
    return [r for r in previous if (r["scale"], r["rps"]) not in fresh] + new


def write_results(results: list[dict]) -> None:
    """bench/results/sync.json keeps every (scale, rate) measured; sync.md is rendered from it, keeping its
    hand-written "## Notes" section."""
    store = RESULTS.with_suffix(".json")
    results = merge(json.loads(store.read_text()) if store.exists() else [], results)
    notes = RESULTS.read_text().split("\n## Notes", 1)[1] if RESULTS.exists() and "\n## Notes" in RESULTS.read_text() else ""
    lines = ["# Sync benchmark", "", "Generated by `python -m bench.sync_bench` (see its docstring) from sync.json.", "",
             "| scale | rate limit | calls | minimum | over minimum | wall s | calls ÷ rate s | rate busy | "
             "peak RSS MB | tracking rows | 429s | CPU s | CPU s per 1,000 tracking rows | unchanged 2nd sync |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        over = (r["calls"] - r["minimum_calls"]) / r["minimum_calls"]
        lines.append(f"| {r['scale']} | {r['rps']:g}/s | {r['calls']:,} | {r['minimum_calls']:,} | {over:+.1%} | "
                     f"{r['wall_s']} | {r['ideal_s']} | {r['busy']:.0%} | {r['peak_rss_mb']} | "
                     f"{r['rows'].get('tracking_events', 0):,} | {r['statuses'].get('429', r['statuses'].get(429, 0))} | "
                     f"{r.get('cpu_s', '')} | {r.get('cpu_s_per_1000_tracking_rows', '')} | "
                     + (f"{r['unchanged_wall_s']} s, {r['unchanged_calls']} calls |" if "unchanged_wall_s" in r else " |"))
    for r in results:
        lines += ["", f"## {r['scale']} at {r['rps']:g}/s: details", "",
                  "Minimum calls by stream: `" + json.dumps(r["minimum_by_stream"]) + "`",
                  "", "Calls by endpoint: `" + json.dumps(r["calls_by_endpoint"]) + "`",
                  "", "Rows written: `" + json.dumps(r["rows"]) + "`"]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    store.write_text(json.dumps(results, indent=1) + "\n")
    RESULTS.write_text("\n".join(lines) + "\n" + (f"\n## Notes{notes}" if notes else ""))


def main(argv: list[str] | None = None) -> None:
    """argv: pairs of SCALE RPS (default: demo 60, then demo 15 to show the bucket as the binding limit)."""
    argv = argv or ["demo", "60", "demo", "15"]
    results = []
    for scale, rps in zip(argv[::2], argv[1::2], strict=True):
        result = run(scale, float(rps))
        print(json.dumps({k: v for k, v in result.items() if k not in ("minimum_by_stream",)}, indent=1))
        results.append(result)
    write_results(results)


if __name__ == "__main__":
    main(sys.argv[1:])
