"""Settings off the defaults at large scale (issue 25 part 2): a custom attribution window, custom score weights and
custom segment criteria, each within 2.5 s of the page's work.

On a copy of a database (never the original), published through writer() so the stored results of this code are
built (that publish timed, with its peak memory, in a fresh process), then in one process:
- the page's analytics call for each custom setting (pages/components/data.py's loaders, their own cache cleared
  before each round; the sources every page shares, app.py's core, already loaded): Donation attribution with a
  72-hour window (data.attribution_page: gifts, campaign rates, series, match report), Engagement with other
  points and thresholds (data.scores: scores and the 12-month tier history), Re-engagement with other criteria
  (data.segment);
- the same through the reference computation every custom setting used before (the full attribution queries over
  the tracking rows; scoring in polars over every per-send row; the segment with its parts aggregated from every
  per-send row in DuckDB, as for a file without the stored parts), unless --no-before;
- with --check, that the two are equal (polars.testing.assert_frame_equal);
- with --apptest, the pages themselves in AppTest: Overview rendered first (app.py's loads cached), then the page
  opened with the custom setting, and the rerun after changing a setting on it.

Run:  python -m bench.custom_settings_bench --db PATH [--check] [--apptest] [--label NAME]
      python -m bench.custom_settings_bench          the sandbox's small account, built here
Each run replaces its own section ("## <label>") of bench/results/custom_settings.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import astuple, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench/results/custom_settings.md"
WINDOW = 72.0
TARGET = 2.5

PUBLISH = """
import resource, sys, time
from cc_data.analytics.stored.refresh import refresh_changed
from cc_data.store.db import writer
start = time.perf_counter()
with writer(sys.argv[1], before_publish=refresh_changed):
    pass
print("PUBLISH", time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def publish(db: Path) -> tuple[float, float]:
    """(seconds, peak MB) of a writer run in a fresh process: it builds whatever this code did not build."""
    out = subprocess.run([sys.executable, "-c", PUBLISH, str(db)], cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout
    _, seconds, peak = next(line for line in out.splitlines() if line.startswith("PUBLISH")).split()
    return float(seconds), float(peak)


def timings(fn, rounds: int, before=None) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(rounds):
        if before:
            before()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


def settings():
    from cc_data.analytics.audience import scoring, segments

    weights = replace(scoring.ScoreSettings(), click_points=2.0, open_points=0.5, machine_open_points=0.25,
                      high=0.8)
    criteria = segments.SegmentCriteria(inactive_days=90, min_emails=2, exclude_machine_only_openers=True)
    return weights, criteria


def every_send(db: Path, people):
    """The reference computations' input: every per-send row of the contacts in `people` (what the app loaded before
    it answered custom settings from stored sums)."""
    from cc_data.analytics.email import sends
    from cc_data.store.db import read

    with read(db) as con:
        return sends.contact_rows(con, people["contact_id"])


def page_work(db: Path, rounds: int, before: bool, check: bool) -> list[tuple[str, list[float], list[float]]]:
    """(setting, seconds of the page's call now, seconds of the reference computation) for each custom setting."""
    import polars as pl
    from polars.testing import assert_frame_equal

    from cc_data.analytics.attribution import credit
    from cc_data.analytics.attribution.queries import ATTRIBUTION, BASELINE
    from cc_data.analytics.attribution.stored import GIFT_ORDER, RATES_ORDER, baseline_counts, live
    from cc_data.analytics.audience import precomputed, scoring, segments
    from cc_data.analytics.history import history_gaps
    from cc_data.store.db import read
    from pages.components import data

    path, version = str(db), data.version(db)
    core = data.core(path, version)
    as_of = data.as_of(core)
    weights, criteria = settings()
    rows = []

    def attribution_now():
        return data.attribution_page(path, version, WINDOW, 1, False)

    def clear_attribution():
        data.attributed_gifts.clear()
        data.attribution_page.clear()

    now, page = timings(attribution_now, rounds, clear_attribution)
    reference = []
    if before or check:
        def attribution_before():
            with read(db) as con:
                gifts = live(con, ATTRIBUTION, WINDOW, GIFT_ORDER)
                return gifts, live(con, BASELINE, WINDOW, RATES_ORDER), credit.campaign_revenue(con, WINDOW, gifts)
        reference, (gifts, rates, campaigns) = timings(attribution_before, rounds if before else 1)
        if check:
            assert_frame_equal(page.gifts, gifts, check_exact=True)
            assert_frame_equal(page.campaigns, campaigns, check_exact=True)
            with read(db) as con:
                assert_frame_equal(baseline_counts(con, WINDOW), rates, check_exact=True)
    rows.append((f"Donation attribution, {WINDOW:g}-hour window (data.attribution_page)", now,
                 reference if before else []))

    now, scored = timings(lambda: data.scores(path, version, astuple(weights), as_of), rounds, data.scores.clear)
    reference = []
    if before or check:
        people = data.contacts(path, version)
        per_send = every_send(db, people)   # read once (2 s at large scale), not timed
        with read(db) as con:
            gaps = history_gaps(con)
        reference, expected = timings(lambda: (
            scoring.score_contacts(per_send, people, as_of, weights, gaps),
            scoring.tier_history(per_send, people, as_of, precomputed.HISTORY_MONTHS, weights, gaps)),
            rounds if before else 1)
        if check:
            got_scores, got_history = scored
            assert_frame_equal(got_scores, expected[0].with_columns(pl.col("contact_id").cast(pl.Utf8)))
            assert_frame_equal(got_history, expected[1], check_exact=True)
            exact = got_scores.join(expected[0].with_columns(pl.col("contact_id").cast(pl.Utf8)), on="contact_id")
            print("scores differing at all:", exact.filter(pl.col("score").ne_missing(pl.col("score_right"))).height,
                  "tiers differing:", exact.filter(pl.col("tier") != pl.col("tier_right")).height)
    rows.append(("Engagement, other points and thresholds (data.scores: scores + 12-month tier history)", now,
                 reference if before else []))

    people = data.audience_frame(path, version)

    def every_send_segment(chosen):
        with read(db) as con:   # no stored parts: the rule's parts aggregated from every per-send row
            return segments.reengagement_segment(con, people, chosen, as_of, gaps)

    for chosen in (criteria, replace(criteria, inactive_days=365)):
        now, segment = timings(lambda c=chosen: data.segment(path, version, astuple(c), as_of), rounds,
                               data.segment.clear)
        reference = []
        if before or check:
            reference, expected = timings(
                lambda c=chosen: every_send_segment(c),
                rounds if before else 1)
            if check:
                assert_frame_equal(segment, expected, check_exact=True)
                print("segment rows:", segment.height)
        rows.append((f"Re-engagement, other criteria: {chosen.inactive_days} days, at least {chosen.min_emails} "
                     f"emails, machine-only openers out (data.segment)", now, reference if before else []))
    return rows


def apptest(db: Path) -> list[tuple[str, float, float]]:
    """(page, first render with the custom setting after Overview, rerun after changing a setting on it)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["CC_DB_PATH"] = str(db)
    out = []

    def session(state: dict[str, str] | None = None) -> AppTest:
        st.cache_data.clear()
        st.cache_resource.clear()
        at = AppTest.from_file(str(ROOT / "tests/app/app_entry.py"), default_timeout=180)
        at.run()   # Overview: app.py's loads cached, as in a session
        for key, value in (state or {}).items():
            at.session_state[key] = value
        return at

    def rerun(at: AppTest, change) -> float:
        start = time.perf_counter()
        change(at).run()
        return float("nan") if at.exception else time.perf_counter() - start

    at = session({"f_window": f"{WINDOW:g}"})
    first = rerun(at, lambda a: a.switch_page(str(ROOT / "pages/donation_attribution.py")))
    change = rerun(at, lambda a: a.number_input(key="attr_custom_hours").set_value(96)
                   if "attr_custom_hours" in [w.key for w in a.number_input] else a)
    out.append((f"Donation attribution, {WINDOW:g}-hour window (then 96 h)", first, change))

    at = session()
    first = rerun(at, lambda a: a.switch_page(str(ROOT / "pages/engagement.py")))
    change = rerun(at, lambda a: next(w for w in a.number_input if w.label == "Points per click").set_value(2.0))
    out.append(("Engagement: points per click 3 → 2", first, change))

    at = session()
    first = rerun(at, lambda a: a.switch_page(str(ROOT / "pages/reengagement.py")))
    change = rerun(at, lambda a: a.slider(key="seg_inactive").set_value(90))
    out.append(("Re-engagement: inactive 180 → 90 days", first, change))
    return out


def write_section(label: str, lines: list[str]) -> None:
    text = OUT.read_text() if OUT.exists() else ""
    sections = [part for part in text.split("\n## ")[1:] if not part.startswith(label + "\n")]
    # the text before the first section (the target, and any status written by hand) is kept as it is
    header = text.split("\n## ")[0] if text else (
        "# Custom settings benchmark\n\nTarget (issue 25 part 2): a custom attribution window, custom score "
        f"weights and custom segment criteria answer their page within {TARGET} s at large scale. Method in "
        "bench/custom_settings_bench.py; machine and load in each section.\n")
    body = "\n\n## ".join([header.rstrip("\n"), *[part.rstrip("\n") for part in sections], "\n".join(lines)])
    OUT.write_text(body + "\n")


def fmt(times: list[float]) -> str:
    if not times:
        return "–"
    return f"{statistics.median(times):.2f} ({min(times):.2f}–{max(times):.2f})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="a database to copy and benchmark (the original is never written)")
    parser.add_argument("--workdir", help="where the copy goes (default: a temporary folder)")
    parser.add_argument("--label", help="results section (default: the database's name, or small)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-before", action="store_true", help="skip timing the reference computation")
    parser.add_argument("--check", action="store_true", help="assert the new paths equal the reference")
    parser.add_argument("--apptest", action="store_true", help="also time the pages in AppTest")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        db = Path(tmp) / "cc.duckdb"
        if args.db:
            shutil.copyfile(args.db, db)
            origin = f"a copy of {args.db}"
        else:
            from bench.sandbox_db import build_from_sandbox

            build_from_sandbox(db, "small")
            origin = "the sandbox's small account (bench/sandbox_db.py)"
        label = args.label or (Path(args.db).parent.name if args.db else "small")
        load_before = load()
        seconds, peak = publish(db)
        from cc_data.store.db import read

        with read(db) as con:
            counts = con.execute("SELECT (SELECT count(*) FROM contacts), (SELECT count(*) FROM tracking_events), "
                                 "(SELECT count(*) FROM per_send), (SELECT count(*) FROM gifts)").fetchall()[0]
            sizes = con.execute("SELECT table_name, estimated_size FROM duckdb_tables() WHERE table_name IN "
                                "('attribution_nearest', 'attribution_giver_hours', 'score_parts', "
                                "'history_parts', 'segment_parts') ORDER BY table_name").fetchall()
        lines = [label, "", f"`python -m bench.custom_settings_bench {' '.join(sys.argv[1:] if argv is None else argv)}` on {origin}: "
                 f"{counts[0]:,} contacts, {counts[1]:,} tracking rows, {counts[2]:,} per-send rows, {counts[3]:,} "
                 f"gifts. Machine: {os.cpu_count()} CPU cores shared with other sessions, Python "
                 f"{platform.python_version()}.", "",
                 f"Publish through writer() building this code's stored results (fresh process): {seconds:.1f} s, "
                 f"peak RSS {peak:,.0f} MB (load average {load_before} before, {load()} after). New stored tables "
                 f"(rows): " + ", ".join(f"`{name}` {rows:,}" for name, rows in sizes) + ".", "",
                 f"Page work with the custom setting, seconds, median (min–max) of {args.rounds}, each loader's cache "
                 f"cleared before each round; load average {load()} at the start:", "",
                 "| setting | now | before: the reference computation |", "|---|---|---|"]
        work = page_work(db, args.rounds, not args.no_before, args.check)
        lines += [f"| {name} | {fmt(now)} | {fmt(before)} |" for name, now, before in work]
        lines += ["", f"Load average after: {load()}. Peak RSS of this process: "
                  f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB"
                  + (" (the reference loads every per-send row)." if not args.no_before else ".")]
        if args.check:
            lines += ["", "Checked: each new path equals the reference computation (assert_frame_equal: gifts, "
                      "campaign rates and tier history exact; scores within its default tolerance, see the run's "
                      "output for the count of any differing score)."]
        if args.apptest:
            lines += ["", f"AppTest (Overview first, then the page with the setting; load average {load()}):", "",
                      "| page | first render with the setting (s) | rerun after changing it (s) |", "|---|---|---|"]
            lines += [f"| {name} | {first:.2f} | {change:.2f} |" for name, first, change in apptest(db)]
        write_section(label, lines)
        print("\n".join(lines))


if __name__ == "__main__":
    main()
