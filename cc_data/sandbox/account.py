"""The synthetic account: ground truth that the sandbox server renders and tests compare against.

Contacts live in columns (numpy arrays and lists indexed by a contact's position), tracking in compact
per-activity arrays of contact positions and epoch seconds; API dicts are built only for the page served.
Everything is stored as of "ever" and filtered by the clock: a row with a time after `now` does not exist yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import polars as pl

from cc_data.sandbox.clock import to_datetime
from cc_data.sandbox.names import BOUNCE_CODES, DEVICE_TYPES, LINK_POOL, OPT_OUT_REASONS

PERMISSIONS = ("implicit", "explicit", "not_set", "pending_confirmation", "temp_hold", "unsubscribed")
UNSUBSCRIBED = PERMISSIONS.index("unsubscribed")
SOURCES = ("Contact", "Account")
EVENT_KINDS = ("opens", "clicks", "bounces", "optouts", "forwards", "abuse")
TRACKING_TYPES = {"sends": "em_sends", "opens": "em_opens", "clicks": "em_clicks", "bounces": "em_bounces",
                  "optouts": "em_optouts", "forwards": "em_forwards"}


@dataclass
class Contacts:
    """One entry per contact ever created, in creation order (the position is the contact's index)."""

    contact_id: list[str]
    first_name: list[str]
    last_name: list[str]
    email: list[str]                  # as stored in CC: mixed case and stray spaces included
    job_title: list[str | None]
    company_name: list[str | None]
    birthday_month: np.ndarray        # int8, 0 = not set
    birthday_day: np.ndarray
    city: np.ndarray                  # int8 index into names.CITIES, -1 = no street address
    has_phone: np.ndarray             # bool
    created_at: np.ndarray            # int64 epoch seconds
    updated_at: np.ndarray            # last profile edit (NOT moved by an opt-out, as in the real API)
    permission: np.ndarray            # int8 index into PERMISSIONS before any opt-out
    create_source: np.ndarray         # int8 index into SOURCES
    optout_at: np.ndarray             # int64, NEVER = not opted out
    optout_source: np.ndarray         # int8 index into SOURCES
    optout_reason: np.ndarray         # int8 index into names.OPT_OUT_REASONS
    deleted_at: np.ndarray            # int64, NEVER = not deleted
    hard_bounced_at: np.ndarray       # int64: the address no longer receives sends
    lists: np.ndarray                 # uint16 bitmask over Account.lists
    tags: np.ndarray                  # uint32 bitmask over Account.tags
    custom: dict[str, list[str | None]]   # custom field name -> value per contact
    engagement: np.ndarray            # float32 latent engagement (0..1)
    drift_phase: np.ndarray           # float32: engagement drifts as a slow wave (lapse and come back)
    drift_period_days: np.ndarray     # float32
    machine_opener: np.ndarray        # bool: mail app pre-fetches every email (Apple MPP)
    bad_address: np.ndarray           # bool: this address bounces a lot

    def __len__(self) -> int:
        return len(self.contact_id)

    def engagement_at(self, ts: int, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        wave = np.sin(2 * np.pi * (ts / 86_400) / self.drift_period_days[rows] + self.drift_phase[rows])
        return np.clip(self.engagement[rows] * (1.0 + 0.6 * wave), 0.0, 0.95)

    def extend(self, other: Contacts) -> None:
        for name in self.__dataclass_fields__:
            mine, theirs = getattr(self, name), getattr(other, name)
            if isinstance(mine, np.ndarray):
                setattr(self, name, np.concatenate([mine, theirs]))
            elif isinstance(mine, dict):
                for key in mine:
                    mine[key].extend(theirs[key])
            else:
                mine.extend(theirs)


@dataclass
class Events:
    """One kind of tracking event for one activity, sorted by time ascending."""

    contact: np.ndarray               # int32 contact positions
    time: np.ndarray                  # int64
    device: np.ndarray                # int8 index into names.DEVICE_TYPES
    detail: np.ndarray                # int8: link index (clicks), bounce code (bounces), reason (optouts)

    @classmethod
    def empty(cls) -> Events:
        return cls(np.empty(0, np.int32), np.empty(0, np.int64), np.empty(0, np.int8), np.empty(0, np.int8))

    @classmethod
    def sorted_from(cls, contact: np.ndarray, time: np.ndarray, device: np.ndarray, detail: np.ndarray) -> Events:
        # one int64 key (time, then contact) sorts several times faster than lexsort, in the same order
        key = (time.astype(np.int64) << 31) | contact.astype(np.int64)
        order = np.argsort(key, kind="stable")
        return cls(contact[order].astype(np.int32), time[order].astype(np.int64),
                   device[order].astype(np.int8), detail[order].astype(np.int8))

    def visible(self, now: int) -> int:
        return int(np.searchsorted(self.time, now, side="right"))


@dataclass
class Tracking:
    """What happened to one sent activity. Send i went to `recipients[i]` at `send_time(i)`."""

    recipients: np.ndarray            # int32 contact positions in send order
    send_start: int
    send_seconds: int                 # sends are spread over this many seconds
    events: dict[str, Events]

    def send_times(self, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        index = np.arange(len(self.recipients), dtype=np.int64)[rows]
        return self.send_start + (index * self.send_seconds) // max(len(self.recipients), 1)

    def sends_visible(self, now: int) -> int:
        if now < self.send_start:
            return 0
        return int(np.searchsorted(self.send_times(), now, side="right"))


@dataclass
class Activity:
    campaign_activity_id: str
    campaign_id: str
    role: str                         # primary_email, permalink, resend
    subject: str
    preheader: str
    from_name: str
    from_email: str
    reply_to_email: str
    contact_list_ids: list[str]
    segment_ids: list[int]
    created_at: int
    send_at: int | None               # None for a permalink
    links: list[tuple[str, str]]      # (url_id, link_url)
    tracking: Tracking | None = None

    def status_at(self, now: int) -> str:
        if self.role == "permalink":
            return "DONE"
        return "DONE" if self.send_at is not None and self.send_at <= now else "SCHEDULED"


@dataclass
class Campaign:
    campaign_id: str
    name: str
    type: str
    type_code: int
    created_at: int
    updated_at: int
    activities: list[Activity]
    solicit_code: str | None = None
    appeal_strength: float = 0.0

    @property
    def sent_activities(self) -> list[Activity]:
        return [a for a in self.activities if a.role in ("primary_email", "resend") and a.tracking is not None]


@dataclass
class Giving:
    """DonorPerfect-side simulation state (see giving.py): who the donors are and gifts not entered yet."""

    donor_contact: np.ndarray         # int64 contact position per donor, -1 = not on the email list
    donor_id: np.ndarray              # int64 DonorPerfect donor_id per donor
    sustainers: np.ndarray            # donor positions giving monthly
    sustainer_day: np.ndarray         # their day in each 30-day cycle
    pending: pl.DataFrame             # gifts made but not entered yet (entered > now)
    next_key: int = 0                 # simulation keys, one per gift record ever simulated
    next_gift_id: int = 5001
    gift_id_of_key: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))


@dataclass
class Account:
    """The whole synthetic account. `now` is the sandbox clock (epoch seconds UTC); see docs/sandbox.md."""

    seed: int
    scale: str
    now: int
    history_start: int
    summary: dict
    lists: list[dict]                 # list_id, name, description, favorite, created_at, updated_at
    tags: list[dict]                  # tag_id, name, tag_source, created_at, updated_at
    custom_fields: list[dict]         # custom_field_id, name, label, type, created_at, updated_at
    segments: list[dict]              # segment_id, name, created_at, edited_at, rule
    contacts: Contacts
    campaigns: list[Campaign]
    donors: pl.DataFrame = field(default_factory=pl.DataFrame)
    gifts: pl.DataFrame = field(default_factory=pl.DataFrame)
    appeal_codes: dict[str, str] = field(default_factory=dict)
    giving: Giving | None = None

    # -- lookups ---------------------------------------------------------------------------------
    @property
    def now_datetime(self) -> datetime:
        return to_datetime(self.now)

    @property
    def activities(self) -> list[Activity]:
        return [a for c in self.campaigns for a in c.activities]

    def activity(self, activity_id: str) -> Activity | None:
        return self._activity_index().get(activity_id)

    def campaign(self, campaign_id: str) -> Campaign | None:
        return next((c for c in self.campaigns if c.campaign_id == campaign_id), None)

    def _activity_index(self) -> dict[str, Activity]:
        index = getattr(self, "_activity_cache", None)
        if index is None or len(index) != sum(len(c.activities) for c in self.campaigns):
            index = {a.campaign_activity_id: a for a in self.activities}
            self._activity_cache = index
        return index

    def contact_position(self, contact_id: str) -> int | None:
        index = getattr(self, "_contact_cache", None)
        if index is None or len(index) != len(self.contacts):
            index = {cid: i for i, cid in enumerate(self.contacts.contact_id)}
            self._contact_cache = index
        return index.get(contact_id)

    def campaigns_visible(self) -> list[Campaign]:
        return [c for c in self.campaigns if c.created_at <= self.now]

    # -- contact state as of now -----------------------------------------------------------------
    def existing(self) -> np.ndarray:
        return self.contacts.created_at <= self.now

    def deleted(self) -> np.ndarray:
        return self.contacts.deleted_at <= self.now

    def permission_now(self) -> np.ndarray:
        """int8 index into PERMISSIONS for every contact, opt-outs that already happened applied."""
        perm = self.contacts.permission.copy()
        perm[self.contacts.optout_at <= self.now] = UNSUBSCRIBED
        return perm

    def contacts_frame(self) -> pl.DataFrame:
        """Ground truth for tests: one row per contact that exists now, deleted ones included."""
        c = self.contacts
        rows = np.flatnonzero(self.existing())
        perm = self.permission_now()
        list_ids = [entry["list_id"] for entry in self.lists]
        tag_ids = [entry["tag_id"] for entry in self.tags]
        frame = {
            "contact_id": [c.contact_id[i] for i in rows],
            "email_address": [c.email[i] for i in rows],
            "first_name": [c.first_name[i] for i in rows],
            "last_name": [c.last_name[i] for i in rows],
            "permission_to_send": [PERMISSIONS[p] for p in perm[rows]],
            "created_at": [to_datetime(t) for t in c.created_at[rows]],
            "updated_at": [to_datetime(t) for t in c.updated_at[rows]],
            "opt_out_date": [to_datetime(t) if t <= self.now else None for t in c.optout_at[rows]],
            "deleted_at": [to_datetime(t).date() if t <= self.now else None for t in c.deleted_at[rows]],
            "list_memberships": [[lid for b, lid in enumerate(list_ids) if m >> b & 1] for m in c.lists[rows]],
            "taggings": [[tid for b, tid in enumerate(tag_ids) if m >> b & 1] for m in c.tags[rows]],
            "engagement": c.engagement[rows],
            "machine_opener": c.machine_opener[rows],
        }
        for cf in self.custom_fields:
            values = c.custom[cf["name"]]
            frame[f"cf_{cf['name']}"] = [values[i] for i in rows]
        return pl.DataFrame(frame)

    # -- tracking ground truth -------------------------------------------------------------------
    def tracking_frame(self) -> pl.DataFrame:
        """Every tracking row with created_time <= now (sends, opens, clicks, bounces, optouts, forwards)."""
        parts = []
        ids = np.array(self.contacts.contact_id, dtype=object)
        for activity in self.activities:
            t = activity.tracking
            if t is None:
                continue
            n = t.sends_visible(self.now)
            parts.append(self._frame_part(activity, "em_sends", ids[t.recipients[:n]], t.send_times(slice(0, n)),
                                          None, None))
            for kind in ("opens", "clicks", "bounces", "optouts", "forwards"):
                ev = t.events[kind]
                k = ev.visible(self.now)
                parts.append(self._frame_part(activity, TRACKING_TYPES[kind], ids[ev.contact[:k]], ev.time[:k],
                                              ev.device[:k] if kind in ("opens", "clicks") else None,
                                              (kind, ev.detail[:k])))
        schema = {"campaign_activity_id": pl.String, "contact_id": pl.String, "tracking_activity_type": pl.String,
                  "created_time": pl.Datetime("us", "UTC"), "device_type": pl.String, "url_id": pl.String,
                  "link_url": pl.String, "bounce_code": pl.String, "opt_out_reason": pl.String}
        if not parts:
            return pl.DataFrame(schema=schema)
        return pl.concat(parts)

    @staticmethod
    def _frame_part(activity: Activity, kind: str, contact_ids: np.ndarray, times: np.ndarray,
                    device: np.ndarray | None, detail: tuple[str, np.ndarray] | None) -> pl.DataFrame:
        n = len(times)
        none = [None] * n
        url_id, link_url, bounce, reason = none, none, none, none
        if detail is not None and detail[0] == "clicks":
            url_id = [activity.links[d][0] for d in detail[1]]
            link_url = [activity.links[d][1] for d in detail[1]]
        elif detail is not None and detail[0] == "bounces":
            bounce = [BOUNCE_CODES[d] for d in detail[1]]
        elif detail is not None and detail[0] == "optouts":
            reason = [OPT_OUT_REASONS[d] for d in detail[1]]
        return pl.DataFrame({
            "campaign_activity_id": [activity.campaign_activity_id] * n,
            "contact_id": contact_ids.tolist(),
            "tracking_activity_type": [kind] * n,
            "created_time": pl.from_epoch(pl.Series(times, dtype=pl.Int64), time_unit="s").dt.replace_time_zone("UTC"),
            "device_type": [DEVICE_TYPES[d] for d in device] if device is not None else none,
            "url_id": url_id, "link_url": link_url, "bounce_code": bounce, "opt_out_reason": reason,
        }, schema={"campaign_activity_id": pl.String, "contact_id": pl.String, "tracking_activity_type": pl.String,
                   "created_time": pl.Datetime("us", "UTC"), "device_type": pl.String, "url_id": pl.String,
                   "link_url": pl.String, "bounce_code": pl.String, "opt_out_reason": pl.String})

    def counts(self) -> dict[str, int]:
        """Summary counts as of now (also served by GET /__sandbox__/state)."""
        exists = self.existing()
        deleted = self.deleted()
        perm = self.permission_now()
        sent = [a for a in self.activities if a.tracking is not None and a.send_at is not None
                and a.send_at <= self.now]
        return {
            "contacts": int((exists & ~deleted).sum()),
            "contacts_deleted": int((exists & deleted).sum()),
            "contacts_unsubscribed": int((exists & ~deleted & (perm == UNSUBSCRIBED)).sum()),
            "lists": len(self.lists), "tags": len(self.tags), "custom_fields": len(self.custom_fields),
            "segments": len(self.segments), "campaigns": len(self.campaigns_visible()),
            "sent_activities": len(sent),
            "tracking_rows": int(sum(a.tracking.sends_visible(self.now)
                                     + sum(e.visible(self.now) for k, e in a.tracking.events.items() if k != "abuse")
                                     for a in sent)),
            "donors": self.donors.height, "gifts": self.gifts.height,
        }


def link_url(index: int) -> str:
    return LINK_POOL[index]
