"""Synthetic contacts: names, addresses, permissions, memberships and a latent engagement per person."""

from __future__ import annotations

import functools
import unicodedata

import numpy as np

from cc_data.sandbox.account import PERMISSIONS, Contacts
from cc_data.sandbox.clock import DAY, NEVER
from cc_data.sandbox.names import COMPANIES, EMAIL_DOMAINS, FIRST_NAMES, JOB_TITLES, LAST_NAMES, ORG_DOMAIN

LIST_SHARES = {"General Newsletter": 0.85, "Monthly Donors": 0.06, "Event Attendees": 0.18,
               "Major Donors": 0.025, "Board Members": 0.0, "Volunteers": 0.15}
BOARD_SIZE = 12
CUSTOM_FIELD_NAMES = ("DonorType", "LastDonationDate", "TotalLifetimeGiving", "VolunteerInterest", "HouseholdSize")
VOLUNTEER_INTERESTS = ("Warehouse sorting", "Mobile pantry", "Events", "Office help", "Driving")


def uuids(rng: np.random.Generator, n: int) -> list[str]:
    """Random version-4 UUIDs as text (what uuid.UUID(bytes=..., version=4) gives, built in bulk)."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    text = raw.tobytes().hex()
    return [f"{text[i:i + 8]}-{text[i + 8:i + 12]}-{text[i + 12:i + 16]}-{text[i + 16:i + 20]}-{text[i + 20:i + 32]}"
            for i in range(0, 32 * n, 32)]


@functools.cache
def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded if ch.isalnum()).lower()


def _emails(rng: np.random.Generator, first: list[str], last: list[str], taken: set[str]) -> list[str]:
    n = len(first)
    pattern = rng.integers(0, 4, n)
    domain = rng.integers(0, len(EMAIL_DOMAINS), n)
    number = rng.integers(1, 99, n)
    style = rng.random(n)
    out = []
    for i in range(n):
        f, la = _ascii(first[i]), _ascii(last[i])
        local = (f"{f}.{la}", f"{f[:1]}{la}", f"{f}{la}{number[i]}", f"{f}_{la}")[pattern[i]]
        address = f"{local}@{EMAIL_DOMAINS[domain[i]]}"
        suffix = 2
        while address in taken:
            address = f"{local}{suffix}@{EMAIL_DOMAINS[domain[i]]}"
            suffix += 1
        taken.add(address)
        if style[i] < 0.08:     # typed with capitals, as people do
            name, _, host = address.partition("@")
            address = f"{name.title()}@{host.capitalize()}"
        elif style[i] < 0.11:   # pasted with stray spaces
            address = f" {address} " if style[i] < 0.095 else f"{address} "
        out.append(address)
    return out


def _on(lists: np.ndarray, list_names: list[str], name: str) -> np.ndarray:
    return ((lists >> list_names.index(name)) & 1).astype(bool) if name in list_names else np.zeros(len(lists), bool)


def _engagement(base: np.ndarray, lists: np.ndarray, list_names: list[str]) -> np.ndarray:
    """Donors and the board read their mail more than the average subscriber, so their lists open higher."""
    board = _on(lists, list_names, "Board Members")
    donor = _on(lists, list_names, "Monthly Donors") | _on(lists, list_names, "Major Donors")
    return np.where(board, 0.7 + 0.25 * base, np.where(donor, base ** 0.6, base)).astype(np.float32)


def make_contacts(rng: np.random.Generator, n: int, created_from: int, created_to: int, now: int,
                  list_names: list[str], taken_emails: set[str], veteran_share: float = 0.55,
                  board_size: int = 0) -> Contacts:
    """`n` contacts created in [created_from, created_to], sorted by creation time; state as of `now`."""
    veteran = rng.random(n) < veteran_share
    created = np.where(veteran, created_from - rng.integers(0, 3 * 365 * DAY, n),
                       created_from + (rng.random(n) ** 0.8 * (created_to - created_from)).astype(np.int64))
    created = np.sort(created.astype(np.int64))
    first = [FIRST_NAMES[i] for i in rng.integers(0, len(FIRST_NAMES), n)]
    last = [LAST_NAMES[i] for i in rng.integers(0, len(LAST_NAMES), n)]
    life = np.maximum(now - created, 1)
    edited = rng.random(n) < 0.4
    updated = np.where(edited, created + (rng.random(n) * life).astype(np.int64), created)
    permission = rng.choice(len(PERMISSIONS) - 1, size=n, p=[0.555, 0.38, 0.02, 0.02, 0.025]).astype(np.int8)
    optout = np.full(n, NEVER, np.int64)
    quits = rng.random(n) < 0.03      # unsubscribed through the preference centre or by staff
    optout[quits] = created[quits] + (rng.random(quits.sum()) * life[quits]).astype(np.int64)
    deleted = np.full(n, NEVER, np.int64)
    gone = rng.random(n) < 0.03
    deleted[gone] = created[gone] + (rng.random(gone.sum()) * life[gone]).astype(np.int64)
    lists = np.zeros(n, np.uint16)
    for bit, name in enumerate(list_names):
        lists |= ((rng.random(n) < LIST_SHARES.get(name, 0.1)).astype(np.uint16) << bit)
    if board_size:
        board = rng.choice(n, size=min(board_size, n), replace=False)
        lists[board] |= np.uint16(1 << list_names.index("Board Members"))
    volunteers = (lists >> list_names.index("Volunteers")) & 1
    engagement = _engagement(rng.beta(1.3, 4.0, n), lists, list_names)
    job = rng.random(n)
    has_birthday = rng.random(n) < 0.3
    interest = rng.integers(0, len(VOLUNTEER_INTERESTS), n)
    household = rng.integers(1, 7, n)
    made = Contacts(
        contact_id=uuids(rng, n), first_name=first, last_name=last,
        email=_emails(rng, first, last, taken_emails),
        job_title=[JOB_TITLES[int(j * 1000) % len(JOB_TITLES)] if j < 0.25 else None for j in job],
        company_name=[COMPANIES[int(j * 7919) % len(COMPANIES)] if j < 0.12 else None for j in job],
        birthday_month=np.where(has_birthday, rng.integers(1, 13, n), 0).astype(np.int8),
        birthday_day=np.where(has_birthday, rng.integers(1, 29, n), 0).astype(np.int8),
        city=np.where(rng.random(n) < 0.6, rng.integers(0, 10, n), -1).astype(np.int8),
        has_phone=rng.random(n) < 0.35,
        created_at=created, updated_at=updated.astype(np.int64), permission=permission,
        create_source=(rng.random(n) < 0.7).astype(np.int8),
        optout_at=optout, optout_source=rng.integers(0, 2, n).astype(np.int8),
        optout_reason=rng.integers(0, 6, n).astype(np.int8),
        deleted_at=deleted, hard_bounced_at=np.full(n, NEVER, np.int64),
        lists=lists, tags=np.zeros(n, np.uint32),
        custom={
            "DonorType": [None] * n, "LastDonationDate": [None] * n, "TotalLifetimeGiving": [None] * n,
            "VolunteerInterest": [VOLUNTEER_INTERESTS[i] if v else None for i, v in zip(interest, volunteers, strict=True)],
            "HouseholdSize": [str(h) if r < 0.2 else None for h, r in zip(household, job, strict=True)],
        },
        engagement=engagement,
        drift_phase=rng.uniform(0, 2 * np.pi, n).astype(np.float32),
        drift_period_days=rng.uniform(200, 900, n).astype(np.float32),
        machine_opener=rng.random(n) < 0.17,
        bad_address=rng.random(n) < 0.02,
    )
    if board_size:   # the board is written to at the organisation's own addresses
        for i in board:
            address = f"{_ascii(first[i])}.{_ascii(last[i])}@{ORG_DOMAIN}"
            while address in taken_emails:
                address = address.replace("@", "1@", 1)
            taken_emails.add(address)
            made.email[i] = address
    return made
