"""Generation time and peak RSS per sandbox scale, plus the time to serve a 500-row tracking page.

Run: .venv/bin/python -m bench.sandbox_generate [small demo large]  (each scale in its own process)
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


def measure(scale: str) -> dict:
    from cc_data.sandbox.clock import DAY
    from cc_data.sandbox.evolve import advance
    from cc_data.sandbox.generator import generate
    from cc_data.sandbox.routes_campaigns import CampaignRoutes

    started = time.perf_counter()
    account = generate(7, scale, NOW)
    seconds = time.perf_counter() - started
    counts = account.counts()
    routes = CampaignRoutes(lambda: account)
    activity = max((a for a in account.activities if a.tracking is not None), key=lambda a: len(a.tracking.recipients))
    timings = []
    for kind in ("sends", "opens", "clicks"):
        page = routes.tracking(activity.campaign_activity_id, kind, {}, {"limit": ["500"]})
        for _ in range(5):
            href = page.body.get("_links", {}).get("next", {}).get("href")
            if not href:
                break
            cursor = href.split("next=")[1]
            t0 = time.perf_counter()
            page = routes.tracking(activity.campaign_activity_id, kind, {"next": cursor}, {})
            timings.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    advance(account, DAY)
    advance_seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"scale": scale, "generate_seconds": round(seconds, 2), "peak_rss_mb": round(peak_mb),
            "contacts": counts["contacts"] + counts["contacts_deleted"], "sent_activities": counts["sent_activities"],
            "tracking_rows": counts["tracking_rows"], "donors": counts["donors"], "gifts": counts["gifts"],
            "advance_1_day_seconds": round(advance_seconds, 2),
            "page_500_ms_median": round(1000 * sorted(timings)[len(timings) // 2], 2) if timings else None}


def main(scales: list[str]) -> None:
    if len(scales) == 1 and scales[0].startswith("--one="):
        print(json.dumps(measure(scales[0][6:])))
        return
    for scale in scales or ["small", "demo", "large"]:
        out = subprocess.run([sys.executable, "-m", "bench.sandbox_generate", f"--one={scale}"],
                             capture_output=True, text=True, check=True)
        print(out.stdout.strip(), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
