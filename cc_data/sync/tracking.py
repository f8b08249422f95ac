"""Per-contact tracking rows: newest first with no date filter, so each (activity, kind) pages down to the
stored high-water mark. Activity stats tell us when a kind has nothing new, which costs no call at all."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

from cc_data.store import upserts
from cc_data.sync.engine import Context, dumps, prefetch_batches
from cc_data.sync.records import tracking_row
from cc_data.sync.streams import TRACKING_KINDS, TRACKING_PAGE, settled, tracked_activities

STATE = "tracking"


def _utc(text: str) -> datetime | None:
    """Naive UTC from any ISO-8601 form the API uses (naive input is taken as UTC)."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def pending_work(ctx: Context) -> list[tuple[str, str, int | None]]:
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
    stat_cols = sorted({col for _, col in TRACKING_KINDS.values()})
    stats = {
        row[0]: dict(zip(stat_cols, row[1:], strict=True)) for row in ctx.con.execute(
            f"SELECT campaign_activity_id, {', '.join(stat_cols)} FROM activity_stats "
            "WHERE campaign_activity_id IN (SELECT unnest(?))", [pending]).fetchall()
    }
    work = []
    for aid in pending:
        for kind, (ttype, col) in TRACKING_KINDS.items():
            state = json.loads(states.get(f"{aid}:{kind}") or "{}")
            expected = stats.get(aid, {}).get(col) if aid in ctx.fresh_stats else None
            have = stored.get((aid, ttype), 0)
            if not state.get("next") and expected is not None and expected == have:
                continue  # the API's own count says nothing new: skip the call
            work.append((aid, kind, None if expected is None else max(expected - have, 0)))
    return work


def run_tracking(ctx: Context) -> None:
    work = pending_work(ctx)
    ctx.estimated_calls = sum(max(1, -(-(n or 0) // TRACKING_PAGE)) for _, _, n in work)
    ctx.emit()
    states = upserts.get_states(ctx.con, STATE)
    with_work = {aid for aid, _, _ in work}
    idle = [aid for aid, sent, _ in tracked_activities(ctx)
            if aid not in with_work and not settled(ctx, sent, states.get(aid))]
    with ctx.transaction():  # nothing new for these: they count as fetched now
        for aid in idle:
            upserts.set_state(ctx.con, STATE, aid, ctx.now_iso())
    remaining = Counter(aid for aid, _, _ in work)
    plan = [(aid, kind, json.loads(states.get(f"{aid}:{kind}") or "{}")) for aid, kind, _ in work]
    for batch in prefetch_batches(_pages(ctx, plan), depth=16):
        rows: dict[str, list[dict]] = {}
        for aid, kind, recs, _, _ in batch:
            ttype = TRACKING_KINDS[kind][0]
            rows.setdefault(aid, []).extend(tracking_row(r, aid, ttype) for r in recs)
        with ctx.transaction():  # the pages already fetched, each with its checkpoint, in one commit
            added = sum(upserts.insert_tracking(ctx.con, aid, activity_rows) for aid, activity_rows in rows.items())
            for aid, kind, _, next_state, done in batch:
                upserts.set_state(ctx.con, STATE, f"{aid}:{kind}", dumps(next_state))
                if done:
                    remaining[aid] -= 1
                    if remaining[aid] == 0:
                        upserts.set_state(ctx.con, STATE, aid, ctx.now_iso())
        ctx.rows["tracking_events"] += added
        ctx.stream_rows += added
        ctx.emit()


def _pages(ctx: Context, plan: list[tuple[str, str, dict]]) -> Iterator[tuple[str, str, list[dict], dict, bool]]:
    """Every page the plan needs, each with the checkpoint to store with it. Runs in the prefetch thread:
    it touches only the HTTP client, never the database."""
    for aid, kind, state in plan:
        hwm = _utc(state["hwm"]) if state.get("hwm") else None
        new_hwm = _utc(state["new_hwm"]) if state.get("new_hwm") else None
        pages = ctx.client.pages(
            f"/reports/email_reports/{aid}/tracking/{kind}", {"limit": str(TRACKING_PAGE)},
            endpoint=f"GET /reports/email_reports/{{id}}/tracking/{kind}", shape="tracking",
            start_href=state.get("next"),
        )
        for page in pages:
            recs = [r for r in page.body.get("tracking_activities") or [] if isinstance(r, dict)]
            times = [t for t in (_utc(str(r.get("created_time") or "")) for r in recs) if t is not None]
            if times and new_hwm is None:
                new_hwm = max(times)
            done = page.next_href is None or (hwm is not None and any(t <= hwm for t in times))
            if done:
                best = max((t for t in (hwm, new_hwm) if t is not None), default=None)
                next_state: dict = {"hwm": best.isoformat() if best else None}
            else:
                next_state = {"hwm": hwm.isoformat() if hwm else None, "next": page.next_href,
                              "new_hwm": new_hwm.isoformat() if new_hwm else None}
            yield aid, kind, recs, next_state, done
            if done:
                break
