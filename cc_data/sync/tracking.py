"""Per-contact tracking rows: newest first with no date filter, so each (activity, kind) pages down to the
stored high-water mark. Activity stats tell us when a kind has nothing new, which costs no call at all.

The engine's paging loop (engine.fetch, engine.page_through) runs every listing; this module plans them, says per
page where each listing stands (its checkpoint, and whether it reached the high-water mark) and commits the
pages it gathered.

The API gives tracking rows no id, and identical rows are real (a double click in the same second). Each row
carries its `ordinal` among the identical rows of its listing, counted from the newest end and carried across
page boundaries in the checkpoint, so a repeated row is kept and a page fetched again is never stored twice.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from cc_data.api import parse
from cc_data.api.client import Page
from cc_data.store import upserts
from cc_data.sync.engine import Context, Gather, Listing, Tracking, dumps, fetch, page_through
from cc_data.sync.records import MissingId, tracking_row
from cc_data.sync.streams import fresh_stats, settled, tracked_activities

STATE = "tracking"


def pending_work(ctx: Context, entry: Tracking) -> list[tuple[str, str, int | None]]:
    """(activity, kind, rows expected but not stored or None if unknown) for every fetch this run needs."""
    states = upserts.get_states(ctx.con, STATE)
    pending = [aid for aid, sent, _ in tracked_activities(ctx) if not settled(ctx, sent, states.get(aid))]
    if not pending:
        return []
    stored = {
        (a, t): n for a, t, n in ctx.con.execute(
            "SELECT campaign_activity_id, tracking_activity_type, count(*) FROM tracking_events "
            "WHERE campaign_activity_id IN (SELECT unnest(?)) GROUP BY ALL", [pending]).fetchall()
    }
    stat_cols = sorted({col for _, col in entry.kinds.values()})
    stats = {
        row[0]: dict(zip(stat_cols, row[1:], strict=True)) for row in ctx.con.execute(
            f"SELECT campaign_activity_id, {', '.join(stat_cols)} FROM activity_stats "
            "WHERE campaign_activity_id IN (SELECT unnest(?))", [pending]).fetchall()
    }
    fresh = fresh_stats(ctx)
    sent_at = {aid: sent for aid, sent, _ in tracked_activities(ctx)}
    work = []
    unknown: Counter = Counter()   # counts the stats answer did not carry: asked for, never taken as 0
    for aid in pending:
        for kind, (ttype, col) in entry.kinds.items():
            state = json.loads(states.get(f"{aid}:{kind}") or "{}")
            expected = stats.get(aid, {}).get(col) if aid in fresh else None
            if expected is None and aid in fresh and aid in stats:
                unknown[col] += 1
            have = stored.get((aid, ttype), 0)
            if not state.get("next") and expected is not None and expected == have:
                continue  # the API's own count says nothing new: skip the call
            work.append((aid, kind, None if expected is None else max(expected - have, 0)))
    recent_from = ctx.now() - timedelta(days=RECENT_DAYS)
    work.sort(key=lambda w: most_value_first(w[1], sent_at[w[0]] >= recent_from))   # stable: newest first within
    if unknown:
        note = ("activity stats: counts unknown (not in the answer), so those tracking reports were fetched: "
                + ", ".join(f"{col} for {n} activit{'y' if n == 1 else 'ies'}" for col, n in sorted(unknown.items())))
        if note not in ctx.notes:
            ctx.notes.append(note)
    return work


# Most value first: a first (or long-interrupted) sync of a large account needs several days of quota, so the
# reports that decide tiers, rates and attribution come first. Opens and clicks of every email of the last 12
# months, then their bounces, opt-outs and forwards (small), then their per-contact `sends` (the biggest: about two
# thirds of the calls), then the same for older emails; newest first within each step. The order changes only when
# rows arrive: each listing keeps its own checkpoint and high-water mark, so the stored result is the same.
RECENT_DAYS = 365
PHASES = (("opens", "clicks"), ("bounces", "optouts", "forwards"), ("sends",))


def most_value_first(kind: str, recent: bool) -> tuple[int, int]:
    """The sort key of one (activity, kind) fetch: recent emails before older ones, and within each, PHASES."""
    phase = next((i for i, kinds in enumerate(PHASES) if kind in kinds), len(PHASES))
    return (0 if recent else 1, phase)


COMMIT_ROWS = 20_000     # a commit costs milliseconds: gather pages up to this many rows ...
COMMIT_SECONDS = 2.0     # ... or this long (a crash re-fetches at most that much)


def run_tracking(ctx: Context, entry: Tracking) -> None:
    work = pending_work(ctx, entry)
    ctx.estimated_calls = sum(max(1, -(-(n or 0) // entry.page_size)) for _, _, n in work)
    ctx.emit()
    states = upserts.get_states(ctx.con, STATE)
    with_work = {aid for aid, _, _ in work}
    idle = [aid for aid, sent, _ in tracked_activities(ctx)
            if aid not in with_work and not settled(ctx, sent, states.get(aid))]
    due = {(aid, kind) for aid, kind, _ in work}
    # A kind the stats say has nothing new is in already: recorded, so analytics.history can tell what is in
    # (same as no state for the sync: no high-water mark, nothing to resume).
    nothing_new = {f"{aid}:{kind}": dumps({"hwm": None}) for aid in with_work for kind in entry.kinds
                   if (aid, kind) not in due and f"{aid}:{kind}" not in states}
    with ctx.transaction():  # nothing new for these: they count as fetched now
        upserts.set_states(ctx.con, STATE, dict.fromkeys(idle, ctx.now_iso()) | nothing_new)
    remaining = Counter(aid for aid, _, _ in work)
    plan = [(aid, kind, json.loads(states.get(f"{aid}:{kind}") or "{}")) for aid, kind, _ in work]
    first_fetch = _never_stored(ctx, plan, entry)
    listings = (_listing(aid, kind, state, entry) for aid, kind, state in plan)
    page_through(fetch(ctx, listings), lambda pages: _commit(ctx, pages, remaining, first_fetch), depth=16,
                 gather=Gather(COMMIT_ROWS, COMMIT_SECONDS, size=lambda page: len(page.rows)))


def _never_stored(ctx: Context, plan: list[tuple[str, str, dict]], entry: Tracking) -> set[tuple[str, str]]:
    """(activity, kind) listings starting from the top with no row of theirs stored: nothing to check against."""
    starting = [(aid, kind) for aid, kind, state in plan if not state.get("next") and not state.get("hwm")]
    if not starting:
        return set()
    stored = {(a, t) for a, t in ctx.con.execute(
        "SELECT DISTINCT campaign_activity_id, tracking_activity_type FROM tracking_events "
        "WHERE campaign_activity_id IN (SELECT unnest(?))", [sorted({a for a, _ in starting})]).fetchall()}
    return {(aid, kind) for aid, kind in starting if (aid, entry.kinds[kind][0]) not in stored}


def _commit(ctx: Context, pages: list[TrackingPage], remaining: Counter, first_fetch: set) -> None:
    """The pages fetched so far, each with its checkpoint, in one transaction."""
    groups: dict[tuple[str, bool], list[dict]] = {}
    for page in pages:
        groups.setdefault((page.activity_id, (page.activity_id, page.kind) in first_fetch), []).extend(page.rows)
    with ctx.transaction():
        added = 0
        for (aid, fresh), activity_rows in groups.items():
            new = upserts.insert_tracking(ctx.con, aid, activity_rows, first_fetch=fresh)
            if new:
                upserts.mark_changed(ctx.con, f"activity:{aid}")   # its per-send rows need refreshing
            added += new
        checkpoints = {f"{p.activity_id}:{p.kind}": dumps(p.next_state) for p in pages}
        for page in pages:
            if page.done:
                remaining[page.activity_id] -= 1
                if remaining[page.activity_id] == 0:
                    checkpoints[page.activity_id] = ctx.now_iso()
        upserts.set_states(ctx.con, STATE, checkpoints)
    ctx.skipped["tracking"] += sum(p.skipped for p in pages)
    ctx.rows["tracking_events"] += added
    ctx.stream_rows += added
    ctx.emit()


@dataclass
class TrackingPage:
    activity_id: str
    kind: str
    rows: list[dict]
    next_state: dict
    done: bool
    skipped: int


def identity(row: dict) -> tuple:
    return (row["contact_id"], row["created_time"], row.get("url_id"))


def number_identical_rows(rows: list[dict], carry: dict[tuple, int]) -> dict[tuple, int]:
    """Set each row's `ordinal` (1 for the first of identical rows, 2 for the next, ...), continuing `carry`
    (the counts of the previous page's last instant); returns the carry for the next page."""
    seen = Counter(carry)
    for row in rows:
        key = identity(row)
        seen[key] += 1
        row["ordinal"] = seen[key]
    if not rows:
        return dict(carry)
    last = rows[-1]["created_time"]
    return {key: n for key, n in seen.items() if key[1] == last}


def _carry_out(carry: dict[tuple, int]) -> list:
    return [[c, t.isoformat(), u, n] for (c, t, u), n in carry.items()]


def _carry_in(state: dict) -> dict[tuple, int]:
    return {(c, datetime.fromisoformat(t), u): n for c, t, u, n in state.get("carry") or []}


def _read(activity_id: str, ttype: str):
    def read(body: dict) -> tuple[list[dict], int]:
        rows, skipped = [], 0
        for rec in parse.items(body, "tracking_activities"):
            try:
                rows.append(tracking_row(rec, activity_id, ttype))
            except MissingId:
                skipped += 1
        return rows, skipped
    return read


def _listing(aid: str, kind: str, state: dict, entry: Tracking) -> Listing:
    ttype = entry.kinds[kind][0]
    return Listing(f"/reports/email_reports/{aid}/tracking/{kind}", {"limit": str(entry.page_size)},
                   f"GET /reports/email_reports/{{id}}/tracking/{kind}", read=_read(aid, ttype),
                   start_href=state.get("next"), on_page=_DownToMark(aid, kind, state).page)


class _DownToMark:
    """Where one (activity, kind) listing stands as its pages arrive: each page's rows numbered among identical
    rows, the checkpoint to store with it, and whether it reached the stored high-water mark (then the listing
    stops). Runs in the fetching thread: no database."""

    def __init__(self, aid: str, kind: str, state: dict) -> None:
        self.aid, self.kind = aid, kind
        self.hwm = parse.timestamp(state.get("hwm"))
        self.new_hwm = parse.timestamp(state.get("new_hwm"))
        self.carry = _carry_in(state)

    def page(self, page: Page) -> tuple[TrackingPage, bool]:
        rows, skipped = page.content
        self.carry = number_identical_rows(rows, self.carry)
        times = [r["created_time"] for r in rows]
        if times and self.new_hwm is None:
            self.new_hwm = max(times)
        hwm, new_hwm = self.hwm, self.new_hwm
        done = page.next_href is None or (hwm is not None and any(t <= hwm for t in times))
        if done:
            best = max((t for t in (hwm, new_hwm) if t is not None), default=None)
            next_state: dict = {"hwm": best.isoformat() if best else None}
        else:
            next_state = {"hwm": hwm.isoformat() if hwm else None, "next": page.next_href,
                          "new_hwm": new_hwm.isoformat() if new_hwm else None, "carry": _carry_out(self.carry)}
        return TrackingPage(self.aid, self.kind, rows, next_state, done, skipped), done
