"""The nonprofit's sending calendar: which campaigns go out when, per scale.

Rules are pure functions of the date (and of the account's story year, fixed when it is generated), so
`generate` (two years of history) and `advance` (the days after) plan the same campaigns without sharing state.
Each campaign says how strongly its subject line draws opens and its content draws clicks; `story` adds the
season, the campaign type and the seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from cc_data.sandbox.clock import to_ts

LOCAL = ZoneInfo("America/Denver")  # the account's US/Mountain
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


@dataclass(frozen=True)
class PlannedCampaign:
    name: str
    send_at: int                      # epoch seconds UTC
    subject: str
    preheader: str
    type_code: int                    # 10 newsletter, 25 fundraiser, 20 event announcement, 11 announcement
    lists: tuple[str, ...] = ()
    segment: str | None = None
    solicit_code: str | None = None   # the DonorPerfect appeal code gifts from it carry
    appeal_strength: float = 0.0      # 0 = not a fundraising email; else how strongly it drives gifts
    link_paths: tuple[int, ...] = (0, 3)  # indices into names.LINK_POOL
    resend_after_hours: float | None = None
    subject_pull: float = 1.0         # how strongly the subject draws opens (1 = a typical subject)
    offer_pull: float = 1.0           # how strongly the content draws clicks (a match or a deadline > 1)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    return first + timedelta(days=offset + 7 * (n - 1))


def _at(day: date, hour: int, minute: int = 0) -> int:
    return to_ts(datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL))


def _giving_tuesday(year: int) -> date:
    return _nth_weekday(year, 11, 3, 4) + timedelta(days=5)


MON, TUE, WED, THU, FRI = 0, 1, 2, 3, 4


# Newsletter subject lines by month: a story in the subject opens better than "Riverbend News: <month>"
NEWSLETTER_SUBJECTS: dict[int, tuple[str, float]] = {
    2: ("Inside our new cold-storage warehouse", 1.1), 4: ("The garden that feeds 300 families", 1.15),
    8: ("Back to school: 1,200 backpacks packed", 1.05), 10: ("Meet the farmers who feed Denver", 1.1),
    12: ("Your year at Riverbend, in numbers", 1.1),
}
YEAR_END_WAVE_1 = (3, 10)   # December day and hour of the first Year-End Appeal wave


def story_year(anchor_ts: int) -> int:
    """The year of the latest Year-End Appeal sent by `anchor_ts` (when the account was generated): that
    appeal is "this year's", compared in the demo with last year's."""
    year = datetime.fromtimestamp(anchor_ts, LOCAL).year
    return year if anchor_ts >= _at(date(year, 12, YEAR_END_WAVE_1[0]), YEAR_END_WAVE_1[1]) else year - 1


def _year_end(year: int, full: bool, this_year: int | None) -> list[PlannedCampaign]:
    """This year's appeal tried a question in the subject (opened better) but had no matching gift, which
    last year's had: fewer clicks and less raised, though more people were on the list."""
    latest, previous = this_year is not None and year == this_year, this_year is not None and year == this_year - 1
    offer, strength = (0.75, 0.6) if latest else (1.2, 1.15) if previous else (1.0, 1.0)
    waves = ((YEAR_END_WAVE_1, (17, 10), (30, 9)) if full else (YEAR_END_WAVE_1, (17, 10)))
    plans = []
    for number, (day, hour) in enumerate(waves, start=1):
        code = f"YE{year}" if number == 1 else f"YE{year}W{number}"
        if number == 1:
            subject, pull = (("Will you feed a neighbor this winter?", 1.15) if latest
                             else ("A warm meal this winter starts with you", 1.0))
        else:
            subject = f"{'Still time' if number == 2 else 'Last chance'}: your {year} gift feeds neighbors"
            pull = 0.95 if number == 2 else 1.1
        plans.append(PlannedCampaign(
            name=f"Year-End Appeal {year} – Wave {number}", send_at=_at(date(year, 12, day), hour),
            subject=subject,
            preheader="A neighbor is matching every gift through December 31." if previous
            else "Every $1 provides 3 meals for Colorado families.", type_code=25,
            lists=("General Newsletter", "Monthly Donors", "Major Donors"), solicit_code=code,
            appeal_strength=(1.0 if number == 1 else 0.8) * strength, link_paths=(0, 0, 5),
            resend_after_hours=120.0 if number == 1 else None, subject_pull=pull, offer_pull=offer))
    return plans


def _month_plans(year: int, month: int, scale: str, this_year: int | None = None) -> list[PlannedCampaign]:
    plans: list[PlannedCampaign] = []
    full = scale in ("demo", "large")
    if month == 12:
        plans.extend(_year_end(year, full, this_year))
        if full:
            plans.append(PlannedCampaign(
                name=f"Colorado Gives Day {year}", send_at=_at(_nth_weekday(year, 12, TUE, 2), 7),
                subject="Today only: your gift goes further on Colorado Gives Day",
                preheader="Gifts made today are boosted by the Incentive Fund.", type_code=25,
                lists=("General Newsletter",), solicit_code=f"CGD{year}", appeal_strength=0.7,
                link_paths=(6, 0), offer_pull=1.05))
    if month == 11:
        plans.append(PlannedCampaign(
            name=f"Giving Tuesday {year}", send_at=_at(_giving_tuesday(year), 8),
            subject="It's #GivingTuesday: double your impact today",
            preheader="A local donor is matching every gift until midnight.", type_code=25,
            lists=("General Newsletter", "Monthly Donors"), solicit_code=f"GT{year}", appeal_strength=0.9,
            link_paths=(0, 0, 3), resend_after_hours=9.0, subject_pull=1.15, offer_pull=1.2))
        if full:
            plans.append(PlannedCampaign(
                name=f"Thanksgiving Meal Drive {year}", send_at=_at(_nth_weekday(year, 11, MON, 1), 10),
                subject="Help us fill 2,000 Thanksgiving boxes", preheader="Drop-off sites and online giving.",
                type_code=25, lists=("General Newsletter",), solicit_code=f"THANKS{year}",
                appeal_strength=0.5, link_paths=(0, 1, 2)))
    if month == 3:
        plans.append(PlannedCampaign(
            name=f"Spring Gala {year} Invitation", send_at=_at(_nth_weekday(year, 3, THU, 1), 11),
            subject=f"You're invited: Riverbend Spring Gala {year}", preheader="An evening under the stars.",
            type_code=20, lists=("General Newsletter", "Event Attendees", "Major Donors"),
            solicit_code=f"GALA{year}", appeal_strength=0.3, link_paths=(2, 0), subject_pull=1.15))
        if full:
            plans.append(PlannedCampaign(
                name=f"Spring Gala {year} – Last Chance for Tickets",
                send_at=_at(_nth_weekday(year, 3, THU, 3), 11), subject="Only a few gala tickets left",
                preheader="Reserve your seat before Friday.", type_code=20, lists=("Event Attendees",),
                solicit_code=f"GALA{year}", appeal_strength=0.2, link_paths=(2,), subject_pull=0.9,
                offer_pull=1.2))
    if not full:
        return plans
    topic, topic_pull = NEWSLETTER_SUBJECTS.get(month, (f"{MONTHS[month - 1]} {year}", 0.85))
    plans.append(PlannedCampaign(
        name=f"{MONTHS[month - 1]} {year} Newsletter", send_at=_at(_nth_weekday(year, month, TUE, 2), 10),
        subject=f"Riverbend News: {topic}", preheader="Stories from the pantry floor.",
        type_code=10, lists=("General Newsletter",), solicit_code=None, appeal_strength=0.1,
        link_paths=(3, 1, 0, 7), subject_pull=topic_pull))
    plans.append(PlannedCampaign(
        name=f"Monthly Donor Update – {MONTHS[month - 1]} {year}",
        send_at=_at(_nth_weekday(year, month, FRI, 1), 9), subject="What your monthly gift did this month",
        preheader="Thank you for being a sustainer.", type_code=11, lists=("Monthly Donors",),
        link_paths=(5, 3), subject_pull=1.1))
    if month == 6:
        plans.append(PlannedCampaign(
            name=f"Summer Food Drive {year}", send_at=_at(_nth_weekday(year, 6, MON, 2), 10),
            subject="School's out, hunger isn't", preheader="Summer meals for kids across the Front Range.",
            type_code=25, lists=("General Newsletter",), solicit_code=f"SUMMER{year}", appeal_strength=0.5,
            link_paths=(0, 1), subject_pull=1.2))
    if month % 2 == 1:
        plans.append(PlannedCampaign(
            name=f"Volunteer Spotlight – {MONTHS[month - 1]} {year}",
            send_at=_at(_nth_weekday(year, month, WED, 4), 12), subject="Meet the volunteers behind the boxes",
            preheader="Plus: open shifts this month.", type_code=11, lists=("Volunteers",), link_paths=(1, 2),
            subject_pull=0.95, offer_pull=1.2))
    if month in (1, 4, 7, 10):
        plans.append(PlannedCampaign(
            name=f"Board Update – Q{(month + 2) // 3} {year}", send_at=_at(_nth_weekday(year, month, MON, 3), 8),
            subject="Quarterly board packet", preheader="Financials and program metrics.", type_code=14,
            lists=("Board Members",), link_paths=(3,), subject_pull=1.8,
            offer_pull=1.5))
    if month in (2, 8):
        plans.append(PlannedCampaign(
            name=f"Major Donor Briefing – {MONTHS[month - 1]} {year}",
            send_at=_at(_nth_weekday(year, month, WED, 2), 9), subject="A personal update from our director",
            preheader="Where your leadership gift is going.", type_code=14, segment="Major donors ($1,000+)",
            appeal_strength=0.2, link_paths=(3, 0), subject_pull=1.25))
    if scale == "large":
        for week in range(1, 6):
            monday = _nth_weekday(year, month, MON, week)
            if monday.month != month:
                break
            plans.append(PlannedCampaign(
                name=f"Pantry Hours & Volunteer Shifts – {MONTHS[month - 1][:3]} {monday.day}, {year}",
                send_at=_at(monday, 7), subject="This week at Riverbend", preheader="Open shifts and hours.",
                type_code=11, lists=("Volunteers",), link_paths=(1, 4), subject_pull=0.8))
        for n in range(1, 6):
            thursday = _nth_weekday(year, month, THU, n)
            if thursday.month != month:
                break
            plans.append(PlannedCampaign(
                name=f"Riverbend Briefing – {MONTHS[month - 1][:3]} {thursday.day}, {year}",
                send_at=_at(thursday, 16), subject="Five minutes on hunger in Colorado",
                preheader="The numbers behind the need.", type_code=11, lists=("General Newsletter",),
                link_paths=(3, 0), subject_pull=0.9))
    return plans


def plan(start_ts: int, end_ts: int, scale: str, this_year: int | None = None) -> list[PlannedCampaign]:
    """Every campaign whose first send falls in (start_ts, end_ts], in send order. `this_year` is the story
    year (see `story_year`); None plans every year alike."""
    # a month's rules can plan a send early in the next month (Giving Tuesday on December 1 or 2)
    first = (datetime.fromtimestamp(start_ts, LOCAL).date().replace(day=1) - timedelta(days=1)).replace(day=1)
    last = datetime.fromtimestamp(end_ts, LOCAL).date()
    plans: list[PlannedCampaign] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        plans.extend(p for p in _month_plans(year, month, scale, this_year) if start_ts < p.send_at <= end_ts)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return sorted(plans, key=lambda p: p.send_at)
