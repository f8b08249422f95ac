"""Build the seeded synthetic account: `generate(seed, scale, now)`; the same inputs give the same account."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from cc_data.sandbox.account import Account, Activity, Campaign
from cc_data.sandbox.calendar import PlannedCampaign, plan, story_year
from cc_data.sandbox.clock import DAY, default_now, to_ts
from cc_data.sandbox.names import LINK_POOL, ORG_DOMAIN, ORGANIZATION, TIME_ZONE
from cc_data.sandbox.people import CUSTOM_FIELD_NAMES, LIST_SHARES, make_contacts
from cc_data.sandbox.segments import SEGMENTS
from cc_data.sandbox.sending import eligible, non_openers, send
from cc_data.sandbox.story import Pull, pull

HISTORY_DAYS = 730
TYPE_NAMES = {10: "NEWSLETTER", 11: "ANNOUNCEMENT", 14: "BUSINESS_LETTER", 20: "EVENT_ANNOUNCEMENT",
              25: "FUNDRAISER"}
LIST_DESCRIPTIONS = {
    "General Newsletter": "Everyone who signed up for news from Riverbend",
    "Monthly Donors": "Sustainers giving every month", "Event Attendees": "Gala and food-drive guests",
    "Major Donors": "Leadership givers ($1,000+)", "Board Members": "Board of directors",
    "Volunteers": "Warehouse, pantry and event volunteers",
}
TAG_NAMES = ("Donor: Monthly", "Donor: Major", "Donor: Lapsed", "First-time donor", "Highly engaged",
             "Inactive 6+ months", "Source: Website signup", "Source: Spring Gala", "Source: Food drive",
             "Source: Volunteer fair")
CUSTOM_FIELD_TYPES = {"DonorType": "string", "LastDonationDate": "date", "TotalLifetimeGiving": "currency",
                      "VolunteerInterest": "string", "HouseholdSize": "number"}


@dataclass(frozen=True)
class Scale:
    contacts: int
    calendar: str


SCALES = {"small": Scale(300, "small"), "demo": Scale(20_000, "demo"), "large": Scale(200_000, "large")}


def stable_id(seed: int, *parts: object) -> str:
    """A UUID that depends only on the seed and what it names, so advance() and generate() agree."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://sandbox.cc-data/{seed}/" + "/".join(map(str, parts))))


def rng_for(seed: int, *parts: int) -> np.random.Generator:
    return np.random.default_rng([seed, *parts])


def generate(seed: int = 7, scale: str = "small", now: datetime | None = None) -> Account:
    """Two years of history for the Riverbend Community Food Bank, ending at `now` (default today 12:00 UTC)."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}, not {scale!r}")
    now_ts = to_ts(now or default_now())
    start = now_ts - HISTORY_DAYS * DAY
    rng = rng_for(seed, 1)
    setup = start - 3 * 365 * DAY
    lists = [{"list_id": stable_id(seed, "list", name), "name": name, "description": LIST_DESCRIPTIONS[name],
              "favorite": name in ("General Newsletter", "Monthly Donors"), "created_at": setup + i * DAY,
              "updated_at": setup + (i + 30) * DAY} for i, name in enumerate(LIST_SHARES)]
    tags = [{"tag_id": stable_id(seed, "tag", name), "name": name, "tag_source": "Contact",
             "created_at": start + i * 3 * DAY, "updated_at": start + i * 3 * DAY} for i, name in enumerate(TAG_NAMES)]
    custom_fields = [{"custom_field_id": stable_id(seed, "custom_field", name), "name": name,
                      "label": "".join(" " + ch if ch.isupper() and k else ch for k, ch in enumerate(name)),
                      "type": CUSTOM_FIELD_TYPES[name], "created_at": setup + DAY, "updated_at": setup + DAY}
                     for name in CUSTOM_FIELD_NAMES]
    segments = [{"segment_id": sid, "name": name, "created_at": start + (k + 1) * 20 * DAY,
                 "edited_at": start + (k + 1) * 40 * DAY} for k, (sid, name) in enumerate(SEGMENTS)]
    contacts = make_contacts(rng, SCALES[scale].contacts, start, now_ts, now_ts, list(LIST_SHARES), set(),
                             board_size=12)
    account = Account(
        seed=seed, scale=scale, now=start, history_start=start, summary=_summary(seed), lists=lists, tags=tags,
        custom_fields=custom_fields, segments=segments, contacts=contacts, campaigns=[])
    run_sends(account, now_ts)
    account.now = now_ts
    from cc_data.sandbox.giving import add_giving  # giving reads the tracking just simulated
    add_giving(account, rng_for(seed, 2))
    return account


def _summary(seed: int) -> dict:
    return {
        "encoded_account_id": f"rcfb{seed:04d}sandbox", "organization_name": ORGANIZATION,
        "organization_phone": "303-555-0142", "contact_email": f"development@{ORG_DOMAIN}",
        "contact_phone": "303-555-0142", "first_name": "Dana", "last_name": "Whitfield",
        "country_code": "US", "state_code": "CO", "time_zone_id": TIME_ZONE, "website": f"https://www.{ORG_DOMAIN}",
        "physical_address": {"address_line1": "4100 Brighton Blvd", "city": "Denver", "state_code": "CO",
                             "state_name": "Colorado", "postal_code": "80216", "country_code": "US"},
    }


def _campaign(account: Account, planned: PlannedCampaign) -> Campaign:
    seed = account.seed
    campaign_id = stable_id(seed, "campaign", planned.name)
    list_ids = [entry["list_id"] for entry in account.lists if entry["name"] in planned.lists]
    segment_ids = [sid for sid, name in SEGMENTS if name == planned.segment]
    created = planned.send_at - 6 * DAY
    links = [(str(1_100_400_000_000 + int(uuid.UUID(stable_id(seed, "link", planned.name, k)).int % 10**9)),
              LINK_POOL[p] + f"?utm_campaign={planned.name.split(' – ')[0].lower().replace(' ', '-')}")
             for k, p in enumerate(planned.link_paths)]

    def activity(role: str, send_at: int | None, subject: str) -> Activity:
        return Activity(
            campaign_activity_id=stable_id(seed, "activity", planned.name, role), campaign_id=campaign_id, role=role,
            subject=subject, preheader=planned.preheader, from_name=ORGANIZATION,
            from_email=f"hello@{ORG_DOMAIN}", reply_to_email=f"hello@{ORG_DOMAIN}", contact_list_ids=list_ids,
            segment_ids=segment_ids, created_at=created, send_at=send_at, links=links)

    activities = [activity("primary_email", planned.send_at, planned.subject),
                  activity("permalink", None, planned.subject)]
    if planned.resend_after_hours:
        activities.append(activity("resend", planned.send_at + int(planned.resend_after_hours * 3600),
                                   "In case you missed it: " + planned.subject))
    return Campaign(campaign_id=campaign_id, name=planned.name, type=TYPE_NAMES[planned.type_code],
                    type_code=planned.type_code, created_at=created, updated_at=created, activities=activities,
                    solicit_code=planned.solicit_code, appeal_strength=planned.appeal_strength)


def _plan(account: Account, start: int, end: int) -> list[PlannedCampaign]:
    # the story year is fixed when the account is generated (its history ends there), so advance() agrees
    this_year = story_year(account.history_start + HISTORY_DAYS * DAY)
    return plan(start, end, SCALES[account.scale].calendar, this_year)


def _pull(account: Account, campaign: Campaign) -> Pull:
    """The campaign's pull, from its plan (planned again: a resend can go out in a later advance())."""
    first = min(a.send_at for a in campaign.activities if a.send_at is not None)
    planned = next((p for p in _plan(account, first - 1, first) if p.name == campaign.name), None)
    return pull(planned, account.seed) if planned else Pull()


def run_sends(account: Account, until: int) -> None:
    """Create the campaigns planned in (account.now, until] and send every activity due by then, in order."""
    for planned in _plan(account, account.now, until):
        account.campaigns.append(_campaign(account, planned))
    due = sorted((a.send_at, k, a, c) for c in account.campaigns for k, a in enumerate(c.activities)
                 if a.tracking is None and a.send_at is not None and a.send_at <= until)
    for send_at, _, activity, campaign in due:
        if activity.role == "resend":
            primary = next(a for a in campaign.activities if a.role == "primary_email")
            audience = non_openers(account, primary, send_at)
        else:
            audience = np.flatnonzero(eligible(account, activity, send_at))
        send(account, activity, rng_for(account.seed, 3, send_at), audience, _pull(account, campaign))
        campaign.updated_at = max(campaign.updated_at, send_at + activity.tracking.send_seconds)
