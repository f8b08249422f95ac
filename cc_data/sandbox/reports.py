"""Counts behind the report endpoints, computed from the visible tracking rows (cached per clock value)."""

from __future__ import annotations

import numpy as np

from cc_data.sandbox.account import Account, Activity, Campaign

BOUNCE_STAT_NAMES = ("em_bounces_nonexistent_address", "em_bounces_undeliverable", "em_bounces_mailbox_full",
                     "em_bounces_suspended", "em_bounces_vacation", "em_bounces_other", "em_bounces_blocked")
DEVICE_SUFFIX = ("computer", "mobile", "tablet", "other")


def _visible(activity: Activity, kind: str, now: int) -> tuple[np.ndarray, np.ndarray]:
    ev = activity.tracking.events[kind]
    k = ev.visible(now)
    return ev.contact[:k], ev.device[:k]


def activity_stats(activity: Activity, now: int) -> dict[str, int]:
    cached = getattr(activity, "_stats", None)
    if cached is None or cached[0] != now:
        cached = (now, _activity_stats(activity, now))
        activity._stats = cached
    return dict(cached[1])


def _activity_stats(activity: Activity, now: int) -> dict[str, int]:
    t = activity.tracking
    sends = t.sends_visible(now)
    opens, open_dev = _visible(activity, "opens", now)
    clicks, click_dev = _visible(activity, "clicks", now)
    bounces, _ = _visible(activity, "bounces", now)
    ev = t.events["bounces"]
    codes = ev.detail[: ev.visible(now)]
    unique_opens = len(np.unique(opens))
    stats = {
        "em_sends": sends, "em_opens": unique_opens, "em_opens_all": len(opens),
        "em_clicks": len(np.unique(clicks)), "em_clicks_all": len(clicks),
        "em_bounces": len(np.unique(bounces)), "em_optouts": len(_visible(activity, "optouts", now)[0]),
        "em_forwards": len(_visible(activity, "forwards", now)[0]),
        "em_abuse": len(_visible(activity, "abuse", now)[0]),
    }
    stats["em_not_opened"] = max(sends - unique_opens - stats["em_bounces"], 0)
    for d, suffix in enumerate(DEVICE_SUFFIX):
        stats[f"em_opens_all_{suffix}"] = int((open_dev == d).sum())
        stats[f"em_clicks_all_{suffix}"] = int((click_dev == d).sum())
    stats["em_opens_all_none"] = 0
    stats["em_clicks_all_none"] = 0
    for code, name in enumerate(BOUNCE_STAT_NAMES):
        stats[name] = int((codes == code).sum())
    return {k: int(v) for k, v in stats.items()}


def sent_activities(campaign: Campaign, now: int) -> list[Activity]:
    return [a for a in campaign.sent_activities if a.send_at is not None and a.send_at <= now]


def campaign_unique_counts(campaign: Campaign, now: int) -> dict[str, int]:
    """Constant Contact's per-campaign unique counts: unique contacts across the sent activities."""
    acts = sent_activities(campaign, now)

    def unique(kind: str) -> int:
        parts = [_visible(a, kind, now)[0] for a in acts]
        return len(np.unique(np.concatenate(parts))) if parts else 0

    sends = sum(a.tracking.sends_visible(now) for a in acts)
    counts = {"sends": sends, "opens": unique("opens"), "clicks": unique("clicks"), "forwards": unique("forwards"),
              "optouts": unique("optouts"), "abuse": unique("abuse"), "bounces": unique("bounces")}
    counts["not_opened"] = max(sends - counts["opens"] - counts["bounces"], 0)
    return counts


def last_sent(campaign: Campaign, now: int) -> int | None:
    times = [a.send_at for a in sent_activities(campaign, now)]
    return max(times) if times else None


def summaries(account: Account) -> list[tuple[Campaign, int]]:
    """Sent campaigns with their last send time, newest first."""
    rows = [(c, last_sent(c, account.now)) for c in account.campaigns]
    return sorted(((c, t) for c, t in rows if t is not None), key=lambda row: -row[1])
