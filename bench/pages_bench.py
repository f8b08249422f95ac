"""Dashboard speed at demo scale: source loading, every page's analytics on a filter change, and AppTest renders.

Run: .venv/bin/python -m bench.pages_bench                  demo: data/cc.duckdb (the synced demo)
     .venv/bin/python -m bench.pages_bench --sandbox large  the sandbox's large account (200,000 contacts,
                                                            ~300 sent activities, ~21M tracking rows, written
                                                            straight to DuckDB in ~2 minutes; ~6 GB RAM)
     .venv/bin/python -m bench.pages_bench --db PATH        any database
Each run replaces its own section ("## <label>") of bench/results/pages.md. Without data/cc.duckdb the demo
run builds a vectorised synthetic account of the demo's size instead (--contacts/--campaigns).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from cc_data.analytics import export
from cc_data.analytics.audience import precomputed, reach, scoring, segments
from cc_data.analytics.email import campaigns, compare, overview, sends, trends
from cc_data.analytics.stored import refresh
from cc_data.store.db import read, writer

ROOT = Path(__file__).resolve().parents[1]
END = datetime(2025, 12, 15, 15, 0)


def synthetic(path: Path, contacts: int, n_campaigns: int, seed: int = 7) -> Path:
    """A vectorised account: each campaign goes to ~30% of contacts; habits drive opens and clicks."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"c{i:06d}" for i in range(contacts)])
    permission = rng.choice(["implicit", "explicit", "unsubscribed", "temp_hold"], contacts, p=[.6, .3, .07, .03])
    joined = [END - timedelta(days=int(d)) for d in rng.integers(20, 900, contacts)]
    p_open = rng.choice([0.7, 0.3, 0.97, 0.02], contacts, p=[.2, .35, .15, .3])
    p_click = np.where(p_open == 0.97, 0.0, rng.uniform(0.02, 0.3, contacts))
    frames = []
    for k in range(n_campaigns):
        sent = END - timedelta(days=int((n_campaigns - k) * 365 / n_campaigns))
        who = rng.choice(contacts, size=int(contacts * 0.3), replace=False)
        act = f"camp{k:04d}:primary_email"
        base = np.datetime64(sent) + rng.integers(0, 600, who.size).astype("timedelta64[s]")
        opened = rng.random(who.size) < p_open[who]
        delay = np.where(p_open[who] == 0.97, rng.integers(60, 300, who.size), rng.exponential(20 * 3600, who.size))
        clicked = opened & (rng.random(who.size) < p_click[who])
        open_at = base + delay.astype("timedelta64[s]")
        for kind, mask, at in (("em_sends", np.ones(who.size, bool), base), ("em_opens", opened, open_at),
                               ("em_clicks", clicked, open_at + np.timedelta64(180, "s"))):
            frames.append(pl.DataFrame({"campaign_activity_id": act, "contact_id": ids[who[mask]],
                                        "tracking_activity_type": kind, "created_time": at[mask].astype("datetime64[us]"),
                                        "device_type": "mobile" if kind != "em_sends" else None,
                                        "link_url": "https://example.org/donate" if kind == "em_clicks" else None}))
    events = pl.concat(frames, how="diagonal_relaxed")  # noqa: F841 - read by DuckDB
    people = pl.DataFrame({"contact_id": ids, "email": [f"{i}@example.org" for i in ids],  # noqa: F841
                           "permission_to_send": permission, "created_at": joined})
    camps = pl.DataFrame({"campaign_id": [f"camp{k:04d}" for k in range(n_campaigns)],  # noqa: F841
                          "name": [f"Appeal {2024 + (k * 2) // n_campaigns} Wave {k % 3 + 1}" for k in range(n_campaigns)]})
    with writer(path, before_publish=refresh.refresh_all) as w:
        con = w.con
        con.execute("INSERT INTO meta VALUES ('source', 'demo') ON CONFLICT DO UPDATE SET value = 'demo'")
        con.execute("INSERT INTO contacts (contact_id, email, email_address, permission_to_send, created_at) "
                    "SELECT contact_id, email, email, permission_to_send, created_at FROM people")
        con.execute("INSERT INTO campaigns (campaign_id, name, type) SELECT campaign_id, name, 'Fundraising' FROM camps")
        con.execute("INSERT INTO campaign_activities (campaign_activity_id, campaign_id, role) "
                    "SELECT campaign_id || ':primary_email', campaign_id, 'primary_email' FROM camps")
        con.execute("INSERT INTO tracking_events (campaign_activity_id, contact_id, tracking_activity_type, "
                    "created_time, device_type, link_url) SELECT * FROM events")
    return path


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


PAGES = ("overview", "campaign_trends", "compare_appeals", "engagement", "reengagement", "donation_attribution",
         "donors", "data_sync", "email_report", "mailbox_providers", "list_growth")


def apptest_times(db: Path, pages: tuple[str, ...] = PAGES) -> list[tuple[str, float, float, float]]:
    from streamlit.testing.v1 import AppTest

    os.environ["CC_DB_PATH"] = str(db)
    import streamlit as st

    rows = []
    for page in pages:
        st.cache_data.clear()
        st.cache_resource.clear()
        # app.py run from a folder without pages/ beside it, as the app tests run it (tests/app/app_entry.py): each
        # run then starts as a server's runs after its first do, with public API only.
        at = AppTest.from_file(str(ROOT / "tests/app/app_entry.py"), default_timeout=120)
        if page != "overview":
            at.switch_page(str(ROOT / f"pages/{page}.py"))
        start = time.perf_counter()
        at.run()
        cold = time.perf_counter() - start
        start = time.perf_counter()
        at.run()
        first = time.perf_counter() - start
        start = time.perf_counter()
        try:
            at.sidebar.text_input(key="f_name").input("Wave 1").run()
            change = time.perf_counter() - start
        except KeyError:   # no campaign-name filter drawn (e.g. the page stopped early): no change to time
            change = float("nan")
        if at.exception:   # record it and go on: one page's failure should not hide the others' numbers
            print(page, [e.value for e in at.exception])
            cold = first = change = float("nan")
        rows.append((page, cold, first, change))
    return rows


def choose_db(args: argparse.Namespace, tmp: Path) -> tuple[Path, str, str]:
    """(database, label of the results section, where it came from)."""
    if args.db:
        return Path(args.db), args.label or Path(args.db).stem, str(args.db)
    if args.sandbox:
        from bench.sandbox_db import build_from_sandbox

        start = time.perf_counter()
        db = build_from_sandbox(tmp / "cc.duckdb", args.sandbox)
        return db, args.label or args.sandbox, (f"the sandbox's {args.sandbox!r} account written straight to DuckDB "
                                                f"(bench/sandbox_db.py, {time.perf_counter() - start:.0f} s)")
    demo = ROOT / "data/cc.duckdb"
    if demo.exists():   # a published copy, so the derived tables exist as after any sync (data/ is left alone)
        copy = tmp / "cc.duckdb"
        shutil.copyfile(demo, copy)
        start = time.perf_counter()
        with writer(copy, before_publish=refresh.refresh_all):
            pass
        return copy, args.label or "demo", (f"a copy of data/cc.duckdb (synced demo) republished through "
                                            f"`writer()` (derived tables built in {time.perf_counter() - start:.1f} s)")
    start = time.perf_counter()
    db = synthetic(tmp / "cc.duckdb", args.contacts, args.campaigns)
    return db, args.label or "demo", f"vectorised synthetic, built in {time.perf_counter() - start:.1f} s"


def cap_duckdb_memory(limit: str) -> None:
    import duckdb

    connect = duckdb.connect

    def capped(*args, **kwargs):
        kwargs["config"] = {"memory_limit": limit, **(kwargs.get("config") or {})}
        return connect(*args, **kwargs)

    duckdb.connect = capped


def write_section(label: str, lines: list[str]) -> None:
    """Replace this label's section of bench/results/pages.md, keeping the others."""
    out = ROOT / "bench/results/pages.md"
    text = out.read_text() if out.exists() else ""
    sections = [part for part in text.split("\n## ")[1:] if not part.startswith(label + "\n")]
    header = ("# Dashboard page benchmark\n\nTargets (issue 4): every page's first render < 1.5 s at demo scale and "
              "< 3 s at large scale; a filter change < 0.5 s at demo scale. Method and machine in each section.\n")
    body = "\n\n## ".join([header.rstrip("\n"), *[part.rstrip("\n") for part in sections], "\n".join(lines)])
    out.write_text(body + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="benchmark this database")
    parser.add_argument("--sandbox", choices=("small", "demo", "large"), help="build the sandbox account at this scale")
    parser.add_argument("--label", help="results section name (default: demo, the scale, or the file name)")
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--campaigns", type=int, default=94)
    parser.add_argument("--duckdb-memory", help="cap every DuckDB connection (e.g. 5GB): needed under prlimit --as, "
                                                "as DuckDB's default limit is 80%% of the machine's RAM")
    parser.add_argument("--pages", nargs="+", choices=PAGES,
                        help="only the AppTest renders of these pages (overview is rendered first, as app.py's "
                             "default page), in their own section")
    args = parser.parse_args(argv)
    if args.duckdb_memory:
        cap_duckdb_memory(args.duckdb_memory)
    tmp = Path(tempfile.mkdtemp())
    db, label, origin = choose_db(args, tmp)
    if args.pages:
        renders_only(db, f"{label}: {', '.join(args.pages)}", origin, args.pages)
        return
    with read(db) as con:
        rows = con.execute("SELECT count(*) FROM tracking_events").fetchall()[0][0]
        n_contacts = con.execute("SELECT count(*) FROM contacts").fetchall()[0][0]

        def load():
            return campaigns.campaign_counts_in_db(con), sends.latest_activity_at(con)

        t_load, (counts, latest) = timed(load, 1)
        per_rows = con.sql("SELECT count(*) FROM per_send").fetchall()[0][0]
        t_devices, (devices, links) = timed(lambda: (trends.device_activity(con), trends.link_clicks(con)), 1)
        t_people, people = timed(lambda: scoring.contact_directory(con).with_columns(
            pl.col("contact_id").cast(pl.Categorical)), 1)
        t_rows, per = timed(lambda: sends.contact_rows(con, people["contact_id"]), 1)
        t_aud, aud = timed(lambda: reach.audience(con).with_columns(pl.col("contact_id").cast(pl.Categorical)), 1)
        t_stored_scores, stored = timed(lambda: precomputed.stored_scores(con, scoring.ScoreSettings(), latest), 1)
        t_stored_segment, _ = timed(lambda: precomputed.stored_segment(con, segments.SegmentCriteria(), latest), 1)
        t_stored_aud, _ = timed(lambda: precomputed.stored_audience(con), 1)
        filters = campaigns.Filters(latest.date() - timedelta(days=364), latest.date())
        changed = replace(filters, name_contains="Wave 1")
        ids = campaigns.apply_filters(counts, changed)["campaign_id"].to_list()
        picked = ids[-4:] or counts["campaign_id"].to_list()[-4:]
        t_picked, picked_rows = timed(lambda: sends.per_send(
            con, columns=("campaign_activity_id", "campaign_id", "contact_id", "sent_at", "bounced", "first_open_at",
                          "first_human_open_at", "first_click_at"),   # what pages/components/data.campaign_sends loads
            where="campaign_id IN (SELECT unnest($ids))", params={"ids": picked}), 1)
    def segment_computed() -> pl.DataFrame:
        with read(db) as con:
            return segments.reengagement_segment(con, aud, segments.SegmentCriteria(), latest)

    cases = {
        "Overview (KPIs, weekly series)": lambda: (overview.period_kpis(counts, changed),
                                                   overview.weekly_series(campaigns.apply_filters(counts, changed))),
        "Campaign trends (rolling, devices, links)": lambda: (
            trends.rolling_trend(campaigns.apply_filters(counts, changed)), trends.device_split(devices, ids),
            trends.top_links(links, ids)),
        "Compare appeals (4 campaigns, 168 h)": lambda: compare.rates_at_ages(
            compare.equal_age_curves(picked_rows, counts, picked, 168)),
        "Engagement (scores + tiers)": lambda: scoring.tier_counts(scoring.score_contacts(per, people, latest)),
        "Engagement (12-month tier history)": lambda: scoring.tier_history(per, people, latest, 12),
        "Re-engagement (segment in DuckDB + CSV)": lambda: export.to_csv_bytes(segment_computed()),
    }
    lines = [label, "",
             f"`.venv/bin/python -m bench.pages_bench` on {origin}: {n_contacts:,} contacts, {len(counts)} campaigns,",
             f"{rows:,} tracking rows, {per_rows:,} per-send rows (`per_send` table). Machine: {os.cpu_count()} CPU cores shared with "
             f"other work (load average {os.getloadavg()[0]:.1f} at the start), Python {platform.python_version()}, "
             f"{platform.machine()}.", "",
             "### Cached source loads (once per published database)", "",
             "| load | seconds |", "|---|---|",
             f"| campaign counts (SQL over per_send) + latest send | {t_load:.2f} |",
             f"| per-send rows of 4 campaigns (Compare appeals) | {t_picked:.2f} |",
             f"| per-send rows for scores/segments (4 columns, {per.height:,} rows, "
             f"{per.estimated_size('mb'):,.0f} MB) | {t_rows:.2f} |", f"| devices + links | {t_devices:.2f} |",
             f"| contact directory | {t_people:.2f} |", f"| audience (segments), computed | {t_aud:.2f} |",
             *([f"| stored at publish (default settings): scores + tier history | {t_stored_scores:.2f} |",
                f"| stored: default re-engagement segment | {t_stored_segment:.2f} |",
                f"| stored: audience | {t_stored_aud:.2f} |"] if stored is not None else
               ["| stored default results | not in this file (published by an older version) |"]), "",
             "Analytics below are what a page computes when a setting leaves the defaults (custom score weights, "
             "segment criteria).", "",
             "### Analytics on a filter change (median of 3, cached sources)", "", "| page work | ms |", "|---|---|"]
    for name, fn in cases.items():
        lines.append(f"| {name} | {timed(fn)[0] * 1000:.0f} |")
    lines += ["", "### AppTest renders (whole script: app.py + page)", "",
              "Cold: caches cleared, so app.py loads the database (the first visit after a sync). Warm: the page's",
              "first render once the source caches hold this database version (e.g. arriving from another page).",
              "Filter change: typing a campaign-name filter in the sidebar.", "",
              "| page | cold first render (s) | warm first render (s) | filter change (s) |", "|---|---|---|---|"]
    for page, cold, first, change in apptest_times(db):
        lines.append(f"| {page} | {cold:.2f} | {first:.2f} | {change:.2f} |")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines += ["", f"Peak memory of the process (ru_maxrss: the loads above plus every page rendered in AppTest, "
                  f"which runs the app in-process): {peak_mb:,.0f} MB. Load average at the end: "
                  f"{os.getloadavg()[0]:.1f}."]
    write_section(label, lines)
    print("\n".join(lines))


def after_overview(page: str) -> float:
    """Seconds for `page`'s first render in a session that opened Overview first (app.py's sources cached)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    if page == "overview":
        return float("nan")
    start = time.perf_counter()
    at.switch_page(f"pages/{page}.py").run()
    return float("nan") if at.exception else time.perf_counter() - start


def renders_only(db: Path, label: str, origin: str, pages: list[str]) -> None:
    """AppTest renders of a few pages (after Overview, so app.py's own loads are warm as in a session)."""
    with read(db) as con:
        counts = con.execute("SELECT (SELECT count(*) FROM contacts), (SELECT count(*) FROM tracking_events), "
                             "(SELECT count(*) FROM gifts), (SELECT count(DISTINCT donor_id) FROM gifts)").fetchall()[0]
    lines = [label, "", f"`.venv/bin/python -m bench.pages_bench --pages {' '.join(pages)}` on {origin}: "
             f"{counts[0]:,} contacts, {counts[1]:,} tracking rows, {counts[2]:,} gifts of {counts[3]:,} donors. "
             f"Machine: {os.cpu_count()} CPU cores shared with other work (load average {os.getloadavg()[0]:.1f} at "
             f"the start), Python {platform.python_version()}.", "",
             "Cold and warm as in the other sections; after Overview: caches cleared, Overview rendered (app.py's "
             "loads cached), then the page opened in the same session: the page's own first render.", "",
             "| page | cold first render (s) | warm first render (s) | filter change (s) | after Overview (s) |",
             "|---|---|---|---|---|"]
    for page, cold, first, change in apptest_times(db, ("overview", *[p for p in pages if p != "overview"])):
        lines.append(f"| {page} | {cold:.2f} | {first:.2f} | {change:.2f} | {after_overview(page):.2f} |")
    lines += ["", f"Load average at the end: {os.getloadavg()[0]:.1f}."]
    write_section(label, lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
