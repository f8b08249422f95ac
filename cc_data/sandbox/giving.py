"""DonorPerfect-side ground truth: donors and gifts that correlate with appeal sends, opens and clicks.

Frames use DonorPerfect's column names (see docs/sandbox.md). Gifts follow email touches: some within
hours of an appeal click (entered online minutes after the gift), some days after an open or a send, and
many with no email behind them (checks, events, sustainers).

Gifts are simulated per window of email events: `add_giving` covers the history up to `now`, `advance_giving`
each window `advance()` simulates. A gift exists in DonorPerfect once it is entered (`created_date`); until
then it waits in `Giving.pending` and gets its gift_id when entered, so ids grow in entry order.

The donor file has a life over the years (`_lifecycle`): giving starts GIVING_YEARS_BEFORE_EMAIL years before the
email history (older donors, gifts before the email program), each donor has a first year and then, year by
year, gives again or not: first-year donors rarely (RENEW_NEW), repeat donors often (RENEW_REPEAT), lapsed donors
seldom come back (RECAPTURE), as the Fundraising Effectiveness Project reports. A donor's odds scale with the
contact's latent engagement (people who care read and give), and on top the email-driven gifts follow actual
clicks, opens and sends, so engaged subscribers renew more partly because the emails reach them. A donor's
habitual gift moves up or down the amount ladder some years (upgrades, downgrades) and stays put in others. The
planned gifts of years still to come wait in `pending`, so `advance()` enters them as the clock reaches them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import polars as pl

from cc_data.sandbox.account import Account, Giving, Tracking
from cc_data.sandbox.clock import DAY
from cc_data.sandbox.names import FIRST_NAMES, LAST_NAMES

HOUR = 3600
FIRST_GIFT_ID = 5001
GIVING_YEARS_BEFORE_EMAIL = 5    # gift history before the email history (two years) starts
PLANNED_YEARS_AHEAD = 3          # planned gifts simulated beyond now, entered as advance() reaches them
RENEW_NEW, RENEW_REPEAT, RECAPTURE = 0.12, 0.42, 0.05   # chance to give next year, before the engagement factor
BURN_IN_YEARS = 6                # the file's life before its first stored gift, so the first years have old donors
LADDER = np.array([10, 15, 20, 25, 35, 50, 75, 100, 150, 250, 500, 1000, 2500], dtype=np.float64)
LADDER_P = [0.04, 0.04, 0.08, 0.16, 0.08, 0.2, 0.1, 0.13, 0.05, 0.06, 0.03, 0.02, 0.01]
MONTH_WEIGHTS = np.array([7, 6, 6, 6, 6, 6, 5, 5, 6, 7, 12, 28], dtype=np.float64)   # year-end giving
EMAIL_DRIVEN = (("clicks", 0.28, 3.0), ("opens", 0.012, 60.0), ("sends", 0.0025, 96.0))  # kind, share, delay h
GIFT_SCHEMA = {
    "gift_id": pl.Int64, "donor_id": pl.Int64, "record_type": pl.String, "gift_date": pl.Date,
    "created_date": pl.Datetime("us"), "modified_date": pl.Datetime("us"), "amount": pl.Float64,
    "solicit_code": pl.String, "sub_solicit_code": pl.String, "campaign": pl.String, "gl_code": pl.String,
    "gift_type": pl.String, "split_gift": pl.String, "glink": pl.String, "plink": pl.String,
    "reference": pl.String, "currency": pl.String}
# a gift not entered yet: the published columns minus gift_id/glink, plus its simulation key and its parent's
PENDING_SCHEMA = {"key": pl.Int64, "parent_key": pl.Int64, "entered": pl.Int64, "gift_at": pl.Int64,
                  **{k: v for k, v in GIFT_SCHEMA.items() if k not in ("gift_id", "glink", "gift_date",
                                                                       "created_date", "modified_date")}}


def _amounts(rng: np.random.Generator, n: int) -> np.ndarray:
    base = rng.choice(LADDER, n, p=LADDER_P)
    odd = rng.random(n) < 0.15
    return np.round(np.where(odd, base * rng.uniform(0.6, 1.4, n), base), 2)


def add_giving(account: Account, rng: np.random.Generator) -> None:
    """Donors, and every gift entered by `account.now`; mirror giving into CC custom fields and tags."""
    c, now = account.contacts, account.now
    n = len(c)
    giver = np.flatnonzero(rng.random(n) < 0.35)           # ~35% of contacts give
    outsiders = int(len(giver) * 0.25) + 3                  # donors who never joined the email list
    donor_contact = np.concatenate([giver, np.full(outsiders, -1)]).astype(np.int64)
    d = len(donor_contact)
    donor_id = np.arange(1001, 1001 + d, dtype=np.int64)
    on_list = donor_contact >= 0
    linked = on_list & (rng.random(d) < 0.75)              # the donor record carries the CC contact id
    style = rng.random(d)
    monthly_bit = next(b for b, e in enumerate(account.lists) if e["name"] == "Monthly Donors")
    sustainers = np.flatnonzero(on_list & (c.lists[np.maximum(donor_contact, 0)] >> monthly_bit & 1).astype(bool))
    account.giving = Giving(donor_contact=donor_contact, donor_id=donor_id, sustainers=sustainers,
                            sustainer_day=rng.integers(1, 28, len(sustainers)),
                            pending=pl.DataFrame(schema=PENDING_SCHEMA))
    planned = _lifecycle(account, rng)
    account.donors = _donors(account, rng, style, linked, planned)
    account.gifts = pl.DataFrame(schema=GIFT_SCHEMA)
    _simulate(account, rng, _giving_start(account) - 1, now, planned=planned)
    account.appeal_codes = {}
    for campaign in account.campaigns:
        if campaign.solicit_code and campaign.solicit_code not in account.appeal_codes:
            account.appeal_codes[campaign.solicit_code] = campaign.campaign_id
    _mirror_into_contacts(account, rng)


def advance_giving(account: Account, start: int, end: int, rng: np.random.Generator) -> None:
    """Gifts driven by the email events in (start, end], sustainer gifts in that window, and planned and
    earlier gifts entered by `end`; donors' totals follow. Call before the clock moves to `end`."""
    if account.giving is None:
        return
    _simulate(account, rng, start, end, planned=None)


# -- the donor file's life over the years ---------------------------------------------------------
def _giving_start(account: Account) -> int:
    return account.history_start - GIVING_YEARS_BEFORE_EMAIL * 365 * DAY


def _year(ts: int | np.ndarray) -> np.ndarray:
    return np.asarray(ts, dtype="datetime64[s]").astype("datetime64[Y]").astype(np.int64) + 1970


def _lifecycle(account: Account, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Planned gifts with no email behind them (checks, cash, events): (donor position, time, amount), from the
    start of giving to PLANNED_YEARS_AHEAD years after now. Year by year each donor gives or not (see the module
    docstring); a giving year has one gift, sometimes two, of the donor's habitual amount."""
    g, c = account.giving, account.contacts
    d = len(g.donor_id)
    start = _giving_start(account)
    first_year, last_year = int(_year(start)) - BURN_IN_YEARS, int(_year(account.now)) + PLANNED_YEARS_AHEAD
    last_first = int(_year(account.now)) + 1   # donors' first years: none planned beyond next year
    on_list = g.donor_contact >= 0
    safe = np.maximum(g.donor_contact, 0)
    # people who care read and give: the contact's latent engagement scales the odds of giving again
    factor = np.where(on_list, 0.55 + 1.8 * c.engagement[safe].astype(np.float64), 0.85)
    joined = np.where(on_list & (c.created_at[safe] > account.history_start), _year(c.created_at[safe]),
                      int(_year(start)) - 2)
    joined = np.minimum(joined, last_first)
    first = joined + (rng.random(d) * (last_first + 1 - joined)).astype(np.int64)
    sustainer = np.zeros(d, bool)
    sustainer[g.sustainers] = True
    first[sustainer] = rng.integers(first_year, int(_year(account.history_start)) + 1, int(sustainer.sum()))
    level = rng.choice(len(LADDER), d, p=LADDER_P)
    weights = MONTH_WEIGHTS / MONTH_WEIGHTS.sum()
    active = np.zeros(d, bool)
    donors, times, amounts = [], [], []
    for year in range(first_year, last_year + 1):
        renew = np.where(first == year - 1, RENEW_NEW, RENEW_REPEAT) * factor
        renew = np.where(sustainer, 0.9, np.minimum(renew, 0.9))
        draw = rng.random(d)
        was = active
        active = (first == year) | (was & (draw < renew)) | (~was & (first < year) & (draw < RECAPTURE * factor))
        move = rng.random(d)
        older = active & (first < year)
        level = np.clip(level + (older & (move < 0.28)) - (older & (move >= 0.28) & (move < 0.5)), 0, len(LADDER) - 1)
        who = np.flatnonzero(active)
        who = np.repeat(who, 1 + (rng.random(len(who)) < 0.25))
        months = np.array([datetime(year, m, 1, tzinfo=UTC).timestamp() for m in range(1, 13)], dtype=np.int64)
        at = (months[rng.choice(12, len(who), p=weights)] + rng.integers(0, 28, len(who)) * DAY
              + rng.integers(8, 20, len(who)) * HOUR)
        donors.append(who)
        times.append(at)
        amounts.append(LADDER[level[who]])
    donor, at, amount = (np.concatenate(x) for x in (donors, times, amounts))
    keep = at > start
    return donor[keep].astype(np.int64), at[keep].astype(np.int64), amount[keep]


# -- donors --------------------------------------------------------------------------------------
def _donors(account: Account, rng: np.random.Generator, style: np.ndarray, linked: np.ndarray,
            planned: tuple) -> pl.DataFrame:
    c, g = account.contacts, account.giving
    positions = g.donor_contact
    d = len(positions)
    on_list = positions >= 0
    safe = np.maximum(positions, 0)
    first = np.array(c.first_name, dtype=object)[safe]
    last = np.array(c.last_name, dtype=object)[safe]
    stripped = np.char.strip(np.array(c.email, dtype=str)[safe])
    upper = np.char.upper(stripped)
    titled = np.char.add(np.char.add(" ", np.char.title(stripped)), " ")
    email = np.where(style < 0.1, upper, np.where(style < 0.3, titled, stripped)).astype(object)
    email[style >= 0.93] = None
    outsider = ~on_list
    first[outsider] = [FIRST_NAMES[int(s * 7919) % len(FIRST_NAMES)] for s in style[outsider]]
    last[outsider] = [LAST_NAMES[int(s * 104729) % len(LAST_NAMES)] for s in style[outsider]]
    email[outsider] = [None if s < 0.5 else f"donor{i}@example.org"
                       for s, i in zip(style[outsider], g.donor_id[outsider], strict=True)]
    created = np.where(on_list, c.created_at[safe], account.history_start - rng.integers(0, 3 * 365 * DAY, d))
    first_gift = np.full(d, np.iinfo(np.int64).max)
    np.minimum.at(first_gift, planned[0], planned[1])
    created = np.minimum(created, first_gift - rng.integers(0, 3 * DAY, d))   # the record exists by the first gift
    contact_ids = np.array(c.contact_id, dtype=object)[safe]
    contact_ids[~linked] = None
    return pl.DataFrame({
        "donor_id": g.donor_id, "first_name": first.tolist(), "last_name": last.tolist(), "email": email.tolist(),
        "cc_contact_id": contact_ids.tolist(), "org_rec": np.where(style > 0.97, "Y", "N").tolist(),
        "donor_type": ["Individual"] * d,
        "created_date": pl.from_epoch(pl.Series(created.astype(np.int64)), "s"),
        "modified_date": pl.from_epoch(pl.Series(np.maximum(created, account.history_start).astype(np.int64)), "s"),
        "gift_total": np.zeros(d)}, schema_overrides={"email": pl.String, "cc_contact_id": pl.String})


# -- gifts ---------------------------------------------------------------------------------------
def _simulate(account: Account, rng: np.random.Generator, lo: int, hi: int, planned: tuple | None) -> None:
    donor, at, fixed, code, campaign, gift_type, gl = _gift_moments(account, rng, lo, hi, planned)
    order = np.lexsort((donor, at))
    fresh = _gift_rows(account, rng, donor[order], at[order], fixed[order], code[order], campaign[order],
                       gift_type[order], gl[order])
    _enter(account, pl.concat([account.giving.pending, fresh]), hi)


def _gift_moments(account: Account, rng: np.random.Generator, lo: int, hi: int, planned: tuple | None) -> tuple:
    """Gifts made in response to events in (lo, hi], plus sustainer gifts made in it, plus the planned gifts
    (_lifecycle: all of them, future ones included, at generation; advance() finds those in `pending`)."""
    g, c = account.giving, account.contacts
    donor_of = np.full(len(c), -1, np.int64)
    on_list = g.donor_contact >= 0
    donor_of[g.donor_contact[on_list]] = np.flatnonzero(on_list)
    parts: list[tuple] = []
    for camp in account.campaigns:
        if camp.appeal_strength <= 0:
            continue
        name = camp.name.split(" – ")[0]
        for activity in camp.sent_activities:
            t = activity.tracking
            if _last_touch(t) <= lo:      # everything this email drove was simulated in an earlier window
                continue
            for kind, share, delay_hours in EMAIL_DRIVEN:
                if kind == "sends":
                    who, when = t.recipients, t.send_times()
                else:
                    events = t.events[kind]
                    _, first = np.unique(events.contact, return_index=True)   # a contact's first open/click
                    who, when = events.contact[first], events.time[first]
                window = (when > lo) & (when <= hi)
                who, when = who[window], when[window]
                hit = rng.random(len(who)) < share * camp.appeal_strength
                donors = donor_of[who[hit]]
                known = donors >= 0
                donors, when = donors[known], when[hit][known]
                k = len(donors)
                gift_at = when + (rng.exponential(delay_hours, k) * HOUR).astype(np.int64)
                coded = rng.random(k) < 0.7
                parts.append((donors, gift_at, np.full(k, np.nan), np.where(coded, camp.solicit_code or "", ""),
                              np.full(k, name, dtype=object), np.full(k, "CC", dtype=object),
                              np.full(k, "UNR", dtype=object)))
    if planned is not None:
        donors, at, amount = planned
        count = len(donors)
        parts.append((donors, at, amount, np.where(rng.random(count) < 0.7, "", "NEWS"),
                      np.full(count, "", dtype=object), np.full(count, "CK", dtype=object),
                      np.full(count, "UNR", dtype=object)))
    months = np.arange((hi - account.history_start) // (30 * DAY) + 1, dtype=np.int64)
    due = (account.history_start + months[None, :] * 30 * DAY
           + (g.sustainer_day[:, None] * DAY) // 28 + 9 * HOUR)
    donors = np.broadcast_to(g.sustainers[:, None], due.shape)
    inside = (due > lo) & (due <= hi)
    k = int(inside.sum())
    parts.append((donors[inside], due[inside], np.full(k, 25.0), np.full(k, "SUST", dtype=object),
                  np.full(k, "Monthly Giving", dtype=object), np.full(k, "ACH", dtype=object),
                  np.full(k, "SUST", dtype=object)))
    return tuple(np.concatenate([np.asarray(p[i]) for p in parts]) for i in range(7))


def _last_touch(tracking: Tracking) -> int:
    ends = [tracking.send_start + tracking.send_seconds]
    ends += [int(tracking.events[kind].time[-1]) for kind in ("opens", "clicks") if len(tracking.events[kind].time)]
    return max(ends)


def _gift_rows(account: Account, rng: np.random.Generator, donor: np.ndarray, at: np.ndarray, fixed: np.ndarray,
               code: np.ndarray, campaign: np.ndarray, gift_type: np.ndarray, gl: np.ndarray) -> pl.DataFrame:
    """DonorPerfect records for the gifts: splits (M + two G), pledges (P), soft credits (S), refunds (A)."""
    g = account.giving
    n = len(at)
    donor = donor.astype(np.int64)
    amount = np.where(np.isnan(fixed), _amounts(rng, n), fixed)
    online = gift_type == "CC"
    entered = at + np.where(online, rng.integers(2, 40, n) * 60, rng.integers(1, 6, n) * DAY)
    draw = rng.random(n)
    gift_type = np.where((gift_type == "CK") & (draw <= 0.3), "CASH", gift_type)
    split = (draw < 0.03) & (amount >= 100)
    pledge = ~split & (draw < 0.05)
    plain = ~split & ~pledge
    soft = plain & (draw > 0.985)
    refund = plain & (draw > 0.975) & (draw <= 0.985)
    key = g.next_key + np.arange(n, dtype=np.int64)
    g.next_key += n
    common = pl.DataFrame({
        "key": key, "parent_key": np.full(n, -1, np.int64), "entered": entered.astype(np.int64),
        "gift_at": at.astype(np.int64), "donor_id": g.donor_id[donor], "amount": amount,
        "solicit_code": code.astype(str), "sub_solicit_code": np.where(online & (code != ""), "EMAIL", ""),
        "campaign": campaign.astype(str), "gl_code": gl.astype(str), "gift_type": gift_type.astype(str),
        "split_gift": np.where(split, "Y", "N"), "plink": "", "reference": "", "currency": "USD",
        "record_type": np.where(split, "M", np.where(pledge, "P", "G"))}).cast(PENDING_SCHEMA)
    common = common.with_columns(pl.when(pl.col("record_type") == "P").then(pl.col("amount") * 4)
                                 .otherwise(pl.col("amount")).alias("amount"))
    splits = common.filter(pl.Series(split))
    half = (splits["amount"] / 2).round(2)
    children = pl.concat([
        splits.with_columns(pl.col("key").alias("parent_key"), record_type=pl.lit("G"), amount=half,
                            gl_code=pl.lit("UNR")),
        splits.with_columns(pl.col("key").alias("parent_key"), record_type=pl.lit("G"),
                            amount=(splits["amount"] - half).round(2), gl_code=pl.lit("FOOD"))])
    credits = common.filter(pl.Series(soft)).with_columns(
        record_type=pl.lit("S"), donor_id=pl.Series(g.donor_id[(donor[soft] + 1) % len(g.donor_id)]))
    refunds = common.filter(pl.Series(refund)).with_columns(
        pl.col("key").alias("parent_key"), record_type=pl.lit("A"), amount=-pl.col("amount"),
        entered=pl.col("entered") + 3 * DAY, reference=pl.lit("Refund"))
    extra = pl.concat([children, credits, refunds]).select(list(PENDING_SCHEMA))
    # extra rows need their own keys; their parent keeps its key
    extra = extra.with_columns(key=pl.Series(g.next_key + np.arange(extra.height, dtype=np.int64)))
    g.next_key += extra.height
    return pl.concat([common.select(list(PENDING_SCHEMA)), extra]).cast(PENDING_SCHEMA)


def _enter(account: Account, candidates: pl.DataFrame, now: int) -> None:
    """Gifts entered by `now` get gift ids (entry order) and join `account.gifts`; the rest wait."""
    g = account.giving
    due = candidates.filter(pl.col("entered") <= now).sort("entered", "key")
    g.pending = candidates.filter(pl.col("entered") > now)
    ids = g.next_gift_id + np.arange(due.height, dtype=np.int64)
    g.next_gift_id += due.height
    if len(g.gift_id_of_key) < g.next_key:
        g.gift_id_of_key = np.concatenate([g.gift_id_of_key, np.full(g.next_key - len(g.gift_id_of_key), -1)])
    g.gift_id_of_key[due["key"].to_numpy()] = ids
    parents = due["parent_key"].to_numpy()
    glink = np.where(parents >= 0, g.gift_id_of_key[np.maximum(parents, 0)], -1)
    entered = pl.from_epoch(due["entered"], "s").cast(pl.Datetime("us"))
    published = due.with_columns(
        gift_id=pl.Series(ids), glink=pl.Series(np.where(glink >= 0, glink.astype(str), "")),
        gift_date=pl.from_epoch(due["gift_at"], "s").dt.date(), created_date=entered, modified_date=entered,
    ).select(list(GIFT_SCHEMA)).with_columns(pl.col("amount").round(2))
    account.gifts = pl.concat([account.gifts, published]) if account.gifts.height else published
    if published.height:
        _update_donor_totals(account, published)


def _update_donor_totals(account: Account, published: pl.DataFrame) -> None:
    totals = (account.gifts.filter(pl.col("record_type").is_in(["G", "A"]))
              .group_by("donor_id").agg(pl.col("amount").sum().round(2).alias("total")))
    touched = published.group_by("donor_id").agg(pl.col("created_date").max().alias("latest"))
    donors = (account.donors.join(totals, on="donor_id", how="left").join(touched, on="donor_id", how="left"))
    account.donors = donors.with_columns(
        gift_total=pl.col("total").fill_null(0.0),
        donor_type=pl.when(pl.col("total").fill_null(0.0) >= 1000).then(pl.lit("Major Donor"))
        .otherwise(pl.lit("Individual")),
        modified_date=pl.max_horizontal("modified_date", "latest"),
    ).drop("total", "latest")


def _mirror_into_contacts(account: Account, rng: np.random.Generator) -> None:
    """Giving as CC sees it at generation: custom fields DonorType/LastDonationDate/TotalLifetimeGiving and tags."""
    c, g, now = account.contacts, account.giving, account.now
    n = len(c)
    tag_bit = {e["name"]: b for b, e in enumerate(account.tags)}
    summary = (account.gifts.filter(pl.col("record_type").is_in(["G", "A"])).group_by("donor_id")
               .agg(pl.col("amount").sum().round(2).alias("total"), pl.col("gift_date").max().alias("last")))
    positions = dict(zip(g.donor_id.tolist(), g.donor_contact.tolist(), strict=True))
    sustaining = set(g.sustainers.tolist())
    first_donor = int(g.donor_id[0])
    for donor, total, last in summary.iter_rows():
        ci = positions[donor]
        if ci < 0:
            continue
        c.custom["TotalLifetimeGiving"][ci] = f"{total:.2f}"
        c.custom["LastDonationDate"][ci] = last.isoformat()
        major = total >= 1000
        c.custom["DonorType"][ci] = ("Monthly Sustainer" if donor - first_donor in sustaining
                                     else "Major Donor" if major else "Individual")
        bits = (1 << tag_bit["Donor: Major"]) if major else 0
        last_ts = datetime(last.year, last.month, last.day, tzinfo=UTC).timestamp()
        if now - last_ts > 365 * DAY:
            bits |= 1 << tag_bit["Donor: Lapsed"]
        c.tags[ci] |= np.uint32(bits)
    c.tags[g.donor_contact[g.sustainers]] |= np.uint32(1 << tag_bit["Donor: Monthly"])
    c.tags[c.engagement > 0.45] |= np.uint32(1 << tag_bit["Highly engaged"])
    c.tags[c.engagement < 0.05] |= np.uint32(1 << tag_bit["Inactive 6+ months"])
    source = rng.integers(0, 8, n)
    for s, name in enumerate(("Source: Website signup", "Source: Spring Gala", "Source: Food drive",
                              "Source: Volunteer fair")):
        c.tags[source == s] |= np.uint32(1 << tag_bit[name])
