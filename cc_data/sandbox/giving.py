"""DonorPerfect-side ground truth: donors and gifts that correlate with appeal sends, opens and clicks.

Frames use DonorPerfect's column names (see docs/sandbox.md). Gifts follow email touches: some within
hours of an appeal click (entered online minutes after the gift), some days after an open or a send, and
many with no email behind them (checks, events, sustainers).
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import polars as pl

from cc_data.sandbox.account import Account
from cc_data.sandbox.clock import DAY
from cc_data.sandbox.names import FIRST_NAMES, LAST_NAMES

HOUR = 3600
GL_CODES = ("UNR", "FOOD", "GALA", "SUST")
GIFT_TYPES = ("CC", "CK", "ACH", "CASH", "STOCK")


def _amounts(rng: np.random.Generator, n: int) -> np.ndarray:
    base = rng.choice([10, 15, 20, 25, 35, 50, 75, 100, 150, 250, 500, 1000, 2500], n,
                      p=[0.04, 0.04, 0.08, 0.16, 0.08, 0.2, 0.1, 0.13, 0.05, 0.06, 0.03, 0.02, 0.01])
    odd = rng.random(n) < 0.15
    return np.round(np.where(odd, base * rng.uniform(0.6, 1.4, n), base), 2)


def add_giving(account: Account, rng: np.random.Generator) -> None:
    c, now = account.contacts, account.now
    n = len(c)
    # donors: ~35% of contacts give; plus donors who never joined the email list
    giver = np.flatnonzero(rng.random(n) < 0.35)
    outsiders = int(len(giver) * 0.25) + 3
    donor_contact = np.concatenate([giver, np.full(outsiders, -1)])
    d = len(donor_contact)
    donor_id = np.arange(1001, 1001 + d)
    linked = (donor_contact >= 0) & (rng.random(d) < 0.6 / 0.8 * 1.0)
    first, last, email = [], [], []
    style = rng.random(d)
    for k, ci in enumerate(donor_contact):
        if ci >= 0:
            first.append(c.first_name[ci])
            last.append(c.last_name[ci])
            address = c.email[ci].strip()
            if style[k] < 0.3:
                address = address.upper() if style[k] < 0.1 else f" {address.title()} "
            email.append(address if style[k] < 0.93 else None)
        else:
            first.append(FIRST_NAMES[int(style[k] * 7919) % len(FIRST_NAMES)])
            last.append(LAST_NAMES[int(style[k] * 104729) % len(LAST_NAMES)])
            email.append(None if style[k] < 0.5 else f"donor{donor_id[k]}@example.org")
    contact_index = {int(ci): k for k, ci in enumerate(donor_contact) if ci >= 0}
    created = np.where(donor_contact >= 0, c.created_at[np.maximum(donor_contact, 0)],
                       account.history_start - rng.integers(0, 3 * 365 * DAY, d))

    gifts: list[tuple] = []   # (donor k, time, amount, solicit, campaign, type, gl)

    # email-driven gifts
    for campaign in account.campaigns:
        if campaign.appeal_strength <= 0:
            continue
        for activity in campaign.sent_activities:
            t = activity.tracking
            strength = campaign.appeal_strength
            for kind, share, delay_hours in (("clicks", 0.28, 3), ("opens", 0.012, 60), ("sends", 0.0025, 96)):
                if kind == "sends":
                    who, when = t.recipients, t.send_times()
                else:
                    ev = t.events[kind]
                    who, when = ev.contact, ev.time
                if kind != "sends":
                    _, first_idx = np.unique(who, return_index=True)
                    who, when = who[first_idx], when[first_idx]
                hit = rng.random(len(who)) < share * strength
                for ci, at in zip(who[hit], when[hit], strict=True):
                    k = contact_index.get(int(ci))
                    if k is None:
                        continue
                    gift_at = int(at + rng.exponential(delay_hours) * HOUR)
                    if gift_at <= now:
                        coded = rng.random() < 0.7
                        gifts.append((k, gift_at, None, campaign.solicit_code if coded else "",
                                      campaign.name.split(" – ")[0], "CC", "UNR"))
    # gifts with no email behind them: checks, events, cash; and monthly sustainers
    span = now - account.history_start
    background = int(d * 1.2)
    for k, at in zip(rng.integers(0, d, background), account.history_start + rng.integers(0, span, background),
                     strict=True):
        gifts.append((int(k), int(at), None, "" if rng.random() < 0.7 else "NEWS", "", "CK", "UNR"))
    monthly_bit = next(b for b, e in enumerate(account.lists) if e["name"] == "Monthly Donors")
    sustainers = [k for k, ci in enumerate(donor_contact) if ci >= 0 and c.lists[ci] >> monthly_bit & 1]
    for k in sustainers:
        day = int(rng.integers(1, 28))
        for month_start in range(account.history_start, now, 30 * DAY):
            at = month_start + day * DAY // 28 + 9 * HOUR
            if at <= now:
                gifts.append((k, at, 25.0, "SUST", "Monthly Giving", "ACH", "SUST"))
    gifts.sort(key=lambda g: (g[1], g[0]))
    g = len(gifts)
    amounts = _amounts(rng, g)
    rows = []
    gift_id = 5001
    for i, (k, at, fixed, code, campaign_name, gift_type, gl) in enumerate(gifts):
        amount = fixed if fixed is not None else float(amounts[i])
        entered = at + int(rng.integers(2, 40)) * 60 if gift_type == "CC" else at + int(rng.integers(1, 6)) * DAY
        entered = min(entered, now)
        kind_draw = rng.random()
        base = dict(donor_id=int(donor_id[k]), gift_date=datetime.fromtimestamp(at, UTC).date(),
                    created_date=entered, modified_date=entered, solicit_code=code or "",
                    sub_solicit_code="EMAIL" if gift_type == "CC" and code else "", campaign=campaign_name,
                    gl_code=gl, gift_type=gift_type if gift_type != "CK" or kind_draw > 0.3 else "CASH",
                    plink="", reference="", currency="USD")
        if kind_draw < 0.03 and amount >= 100:          # split gift: main M plus two G children
            main = gift_id
            rows.append({**base, "gift_id": main, "record_type": "M", "amount": amount, "split_gift": "Y",
                         "glink": ""})
            half = round(amount / 2, 2)
            for part, gl_part in ((half, "UNR"), (round(amount - half, 2), "FOOD")):
                gift_id += 1
                rows.append({**base, "gift_id": gift_id, "record_type": "G", "amount": part, "split_gift": "Y",
                             "glink": str(main), "gl_code": gl_part})
        elif kind_draw < 0.05:                          # pledge
            rows.append({**base, "gift_id": gift_id, "record_type": "P", "amount": amount * 4, "split_gift": "N",
                         "glink": ""})
        else:
            rows.append({**base, "gift_id": gift_id, "record_type": "G", "amount": amount, "split_gift": "N",
                         "glink": ""})
            if kind_draw > 0.985:                       # soft credit to another donor
                gift_id += 1
                rows.append({**base, "gift_id": gift_id, "record_type": "S", "amount": amount, "split_gift": "N",
                             "glink": "", "donor_id": int(donor_id[(k + 1) % d])})
            elif kind_draw > 0.975:                     # refund adjustment
                gift_id += 1
                refund_at = min(entered + 3 * DAY, now)
                rows.append({**base, "gift_id": gift_id, "record_type": "A", "amount": -amount, "split_gift": "N",
                             "glink": "", "created_date": refund_at, "modified_date": refund_at,
                             "reference": "Refund"})
        gift_id += 1
    frame = pl.DataFrame(rows, schema={
        "gift_id": pl.Int64, "donor_id": pl.Int64, "record_type": pl.String, "gift_date": pl.Date,
        "created_date": pl.Int64, "modified_date": pl.Int64, "amount": pl.Float64, "solicit_code": pl.String,
        "sub_solicit_code": pl.String, "campaign": pl.String, "gl_code": pl.String, "gift_type": pl.String,
        "split_gift": pl.String, "glink": pl.String, "plink": pl.String, "reference": pl.String,
        "currency": pl.String})
    account.gifts = frame.with_columns(
        pl.from_epoch("created_date", "s"), pl.from_epoch("modified_date", "s"), pl.col("amount").round(2))
    totals = (account.gifts.filter(pl.col("record_type").is_in(["G", "A"]))
              .group_by("donor_id").agg(pl.col("amount").sum().round(2).alias("gift_total"),
                                        pl.col("gift_date").max().alias("last_gift")))
    total_of = dict(zip(totals["donor_id"].to_list(), totals["gift_total"].to_list(), strict=True))
    last_of = dict(zip(totals["donor_id"].to_list(), totals["last_gift"].to_list(), strict=True))
    donor_type = ["Major Donor" if total_of.get(int(i), 0) >= 1000 else "Individual" for i in donor_id]
    account.donors = pl.DataFrame({
        "donor_id": donor_id.astype(np.int64), "first_name": first, "last_name": last, "email": email,
        "cc_contact_id": [c.contact_id[ci] if ci >= 0 and linked[k] else None for k, ci in enumerate(donor_contact)],
        "org_rec": ["Y" if s > 0.97 else "N" for s in style], "donor_type": donor_type,
        "created_date": pl.from_epoch(pl.Series(created.astype(np.int64)), "s"),
        "modified_date": pl.from_epoch(pl.Series(np.maximum(created, account.history_start).astype(np.int64)), "s"),
        "gift_total": [float(total_of.get(int(i), 0.0)) for i in donor_id]})
    account.appeal_codes = {}
    for campaign in account.campaigns:
        if campaign.solicit_code and campaign.solicit_code not in account.appeal_codes:
            account.appeal_codes[campaign.solicit_code] = campaign.campaign_id
    # mirror giving into the CC custom fields and donor tags
    tag_bit = {e["name"]: b for b, e in enumerate(account.tags)}
    for k, ci in enumerate(donor_contact):
        if ci < 0 or int(donor_id[k]) not in total_of:
            continue
        total, last_gift = total_of[int(donor_id[k])], last_of[int(donor_id[k])]
        c.custom["TotalLifetimeGiving"][ci] = f"{total:.2f}"
        c.custom["LastDonationDate"][ci] = last_gift.isoformat()
        c.custom["DonorType"][ci] = "Monthly Sustainer" if k in set(sustainers) else donor_type[k]
        bits = 0
        if total >= 1000:
            bits |= 1 << tag_bit["Donor: Major"]
        if (now - datetime(last_gift.year, last_gift.month, last_gift.day, tzinfo=UTC).timestamp()) > 365 * DAY:
            bits |= 1 << tag_bit["Donor: Lapsed"]
        c.tags[ci] |= np.uint32(bits)
    sustainer_bit = np.uint32(1 << tag_bit["Donor: Monthly"])
    for k in sustainers:
        c.tags[donor_contact[k]] |= sustainer_bit
    engaged = c.engagement > 0.45
    c.tags[engaged] |= np.uint32(1 << tag_bit["Highly engaged"])
    c.tags[c.engagement < 0.05] |= np.uint32(1 << tag_bit["Inactive 6+ months"])
    source = rng.integers(0, 8, n)
    for s, name in enumerate(("Source: Website signup", "Source: Spring Gala", "Source: Food drive",
                              "Source: Volunteer fair")):
        c.tags[source == s] |= np.uint32(1 << tag_bit[name])
