"""Season to date against last year on the same date: is this year's appeal on pace?

An appeal is a series of campaigns (cc_data.analytics.series) and each campaign has the year Compare appeals gives
it (the year in its name, else the fiscal year of its first send). The chosen year is the latest whose first send
fell on or before `as_of`. Its **season** runs from the first day of the month of its first send to the last day
of the month of its last send, in the account's time zone, widened to hold the sends of the years compared (moved
onto this year's calendar); the seasons before are the same calendar dates one and two years earlier.

Per year, through the same calendar date (`as_of`, or the season's last day once it is over; February 29 is
February 28 in a year without one), and **as DonorPerfect knew it on that date**: a gift counts from the later of its
gift date and the day it was entered (`created_date`; a gift without one counts from its gift date). Checks are
entered days after they are dated, so this year's last days are always short of gifts still to be entered; counting
last year's gifts entered since would compare this year's partial days with last year's complete ones. Per year:
- **appeal**: every revenue gift coded to one of that year's campaigns of the appeal (attribution's `coded` tier:
  a DonorPerfect code mapped to the campaign, whatever the channel), net of refunds. Unknown (None), not $0, when
  the appeal had no campaign that year, or when none of that year's campaigns has a code mapped (`mapped`): a year
  whose gifts cannot be told apart is not a year that raised nothing;
- **season**: every revenue gift dated in the season so far, whatever it was for, net of refunds;
- **email**: the season's gifts that attribution credits to an email by CREDITED_TIERS (the window is the caller's);
  unknown (None) for a season that began before `tracked_from`, the first send the tracking rows hold.

Pure functions over polars frames: the caller passes the attributed gifts, the campaigns, the account's time zone,
the fiscal year start and the as-of date; nothing here reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from cc_data.analytics.attribution.queries import CREDITED_TIERS
from cc_data.analytics.email.compare import series_choices
from cc_data.analytics.rules.appeals import with_series
from cc_data.analytics.rules.gifts import donor_count, gift_count, net_revenue

YEARS_BACK = 2


@dataclass(frozen=True)
class SeasonYear:
    year: int                     # the appeal's year
    start: date                   # the season's first day that year
    end: date                     # its last day
    through: date                 # counted through this day (the same calendar date every year)
    known_by: date                # gifts entered by this day (as_of, or the same date in that year)
    campaigns: int                # the appeal's campaigns that year
    mapped: int                   # those with a DonorPerfect code mapped to them; 0: the appeal's total is unknown
    appeal_revenue: float | None
    appeal_gifts: int | None
    season_revenue: float
    season_gifts: int
    season_donors: int
    email_revenue: float | None   # unknown when the season began before the first tracked send

    @property
    def email_share(self) -> float | None:
        """Email-credited revenue ÷ the season's revenue so far."""
        if self.email_revenue is None or self.season_revenue <= 0:
            return None
        return self.email_revenue / self.season_revenue


@dataclass(frozen=True)
class SeasonPacing:
    appeal: str
    as_of: date
    years: tuple[SeasonYear, ...]   # this year first, then one and two years before
    curve: pl.DataFrame             # year, day (on this season's calendar), appeal, season: cumulative revenue
    giving_tuesday: date | None     # this year's, when it falls in the season
    window_hours: float

    @property
    def current(self) -> SeasonYear:
        return self.years[0]

    @property
    def previous(self) -> SeasonYear | None:
        return self.years[1] if len(self.years) > 1 else None

    @property
    def over(self) -> bool:
        return self.current.through >= self.current.end


def shift_years(day: date, years: int) -> date:
    """The same calendar date `years` later (earlier when negative); February 29 becomes February 28."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def giving_tuesday(year: int) -> date:
    """The Tuesday after US Thanksgiving (the fourth Thursday of November)."""
    first = date(year, 11, 1)
    thanksgiving = first + timedelta(days=(3 - first.weekday()) % 7 + 21)
    return thanksgiving + timedelta(days=5)


def local_sends(campaigns: pl.DataFrame, time_zone: str, fiscal_start: int) -> pl.DataFrame:
    """campaigns (campaign_id, name, send_time in UTC) with series, year and sent_on: the first send's date
    in the account's time zone."""
    return with_series(campaigns, fiscal_start).with_columns(
        pl.col("send_time").dt.replace_time_zone("UTC").dt.convert_time_zone(time_zone).dt.date().alias("sent_on"))


def first_tracked_day(con: duckdb.DuckDBPyConnection, time_zone: str) -> date | None:
    """The account's day of the first tracking row held (before it, email's share is unknown); None without any."""
    first = con.cursor().execute("SELECT min(created_time) FROM tracking_events").fetchone()[0]
    return first.replace(tzinfo=UTC).astimezone(ZoneInfo(time_zone)).date() if first else None


def mapped_campaigns(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """The campaigns a DonorPerfect code is mapped to (gift_code_campaigns): only they can have gifts coded to them."""
    rows = con.cursor().execute("SELECT DISTINCT campaign_id FROM gift_code_campaigns WHERE campaign_id IS NOT NULL")
    return frozenset(r[0] for r in rows.fetchall())


def appeal_choices(campaigns: pl.DataFrame, fiscal_start: int = 1) -> list[str]:
    """The series Compare appeals offers, in its order (appeals first, so the Year-End Appeal leads). `campaigns`:
    the campaign counts (name, send_time, appeal)."""
    return series_choices(with_series(campaigns, fiscal_start)) if not campaigns.is_empty() else []


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def season_pacing(gifts: pl.DataFrame, campaigns: pl.DataFrame, appeal: str, as_of: date, *, time_zone: str,
                  fiscal_start: int = 1, window_hours: float = 48, tracked_from: date | None = None,
                  mapped: frozenset[str] | None = None, years_back: int = YEARS_BACK) -> SeasonPacing | None:
    """The appeal's season to date against the same dates in earlier years; None when none of its campaigns was
    sent by `as_of`. `gifts`: attribution.gift_attribution() (gift_id, donor_id, amount, gift_date, tier,
    campaign_id, is_adjustment, transaction_id) for `window_hours`; `campaigns`: campaign_id, name, appeal, send_time
    (the first send, naive UTC), as the campaign counts give them; `mapped`: mapped_campaigns() (None: every
    campaign has a code mapped)."""
    sends = local_sends(campaigns, time_zone, fiscal_start).filter(pl.col("series") == appeal)
    by_year = sends.group_by("year").agg(pl.col("sent_on").min().alias("first"), pl.col("sent_on").max().alias("last"),
                                         pl.col("campaign_id"))
    started = by_year.filter(pl.col("first") <= as_of)
    if started.is_empty():
        return None
    year = int(started["year"].max())
    gifts = _with_known_on(gifts)
    compared = by_year.filter(pl.col("year").is_between(year - years_back, year)
                              & (pl.col("first") <= as_of)).iter_rows(named=True)
    spans = [(shift_years(r["first"], year - r["year"]), shift_years(r["last"], year - r["year"]),
              r["year"], r["campaign_id"]) for r in compared]
    start = _month_start(min(s[0] for s in spans))
    end = _month_end(max(s[1] for s in spans))
    # Nothing is known after the latest gift on file (an old import, a stopped sync): this year and the earlier ones
    # are compared through that day, never a part-season against a whole one.
    on_file = gifts["known_on"].max()
    known = min(as_of, max(on_file, start)) if on_file is not None else as_of
    through = min(known, end)
    ids_of = {y: ids for _, _, y, ids in spans}
    years, curves = [], []
    for back in range(years_back + 1):
        y_start, y_end, y_through, known_by = (shift_years(d, -back) for d in (start, end, through, known))
        ids = ids_of.get(year - back, [])
        coded_ids = [i for i in ids if mapped is None or i in mapped]   # campaigns gifts can be coded to
        coded = gifts.filter((pl.col("tier") == "coded") & pl.col("campaign_id").is_in(ids))
        season = gifts.filter(pl.col("gift_date").is_between(y_start, y_end))
        counted = (pl.col("gift_date") <= y_through) & (pl.col("known_on") <= known_by)
        so_far = season.filter(counted)
        coded_so_far = coded.filter(counted)
        years.append(SeasonYear(
            year=year - back, start=y_start, end=y_end, through=y_through, known_by=known_by, campaigns=len(ids),
            mapped=len(coded_ids), appeal_revenue=_money(coded_so_far) if coded_ids else None,
            appeal_gifts=coded_so_far.select(gift_count()).item() if coded_ids else None,
            season_revenue=_money(so_far), season_gifts=so_far.select(gift_count()).item(),
            season_donors=so_far.select(donor_count()).item(),
            email_revenue=(None if tracked_from is not None and y_start < tracked_from
                           else _money(so_far.filter(pl.col("tier").is_in(list(CREDITED_TIERS)))))))
        last_day = y_through if back == 0 else y_end   # earlier years are drawn whole; this one never past today
        curves.append(_cumulative(season, coded if coded_ids else None, y_start, last_day, back, year - back))
    gt = giving_tuesday(start.year if start.month <= 11 else end.year)
    return SeasonPacing(appeal, as_of, tuple(years), pl.concat(curves), gt if start <= gt <= end else None,
                        window_hours)


def _with_known_on(gifts: pl.DataFrame) -> pl.DataFrame:
    """known_on: the day DonorPerfect knew of the gift, the later of its gift date and its entry date."""
    entered = pl.col("entered_date") if "entered_date" in gifts.columns else pl.lit(None, pl.Date)
    return gifts.with_columns(pl.max_horizontal("gift_date", entered.fill_null(pl.col("gift_date"))).alias("known_on"))


def _money(rows: pl.DataFrame) -> float:
    return float(rows.select(net_revenue()).item() or 0.0)


def _cumulative(season: pl.DataFrame, coded: pl.DataFrame | None, first: date, last: date, back: int,
                year: int) -> pl.DataFrame:
    """Day by day from `first` to `last`: the season's revenue and the appeal's (coded gifts, earlier ones included) as
    known that day (each gift from its known_on day), on this season's calendar (`back` years later)."""
    days = pl.DataFrame({"gift_date": pl.date_range(first, last, "1d", eager=True)})
    daily = season.group_by(pl.col("known_on").alias("gift_date")).agg(pl.col("amount").sum().alias("season_day"))
    out = days.join(daily, on="gift_date", how="left").with_columns(
        pl.col("season_day").fill_null(0.0).cum_sum().round(2).alias("season"))
    if coded is None:
        out = out.with_columns(pl.lit(None, pl.Float64).alias("appeal"))
    else:
        before = float(coded.filter(pl.col("known_on") < first)["amount"].sum() or 0.0)
        coded_daily = coded.group_by(pl.col("known_on").alias("gift_date")).agg(pl.col("amount").sum().alias("appeal_day"))
        out = out.join(coded_daily, on="gift_date", how="left").with_columns(
            (pl.col("appeal_day").fill_null(0.0).cum_sum() + before).round(2).alias("appeal"))
    return out.select(pl.lit(year, pl.Int64).alias("year"),
                      pl.col("gift_date").dt.offset_by(f"{back}y").alias("day"), "appeal", "season")


def _change(now: float | None, before: float | None) -> float | None:
    return (now - before) / before if now is not None and before else None


def answer(pacing: SeasonPacing) -> str:
    """The board's question in one sentence, with the dates it covers: the appeal's total in DonorPerfect against the
    same date last year, every gift in the season likewise, and how much of it came through email."""
    cur, prev = pacing.current, pacing.previous
    span = f"{_day(cur.start)} – {_day(cur.through)}, {cur.through.year}"
    raised = "raised" if pacing.over else "has raised"
    if cur.appeal_revenue is None:
        text = unknown_total(pacing.appeal, cur)
    else:
        text = f"{pacing.appeal} {cur.year} {raised} {_dollars(cur.appeal_revenue)} in gifts coded to it in DonorPerfect ({span})"
        if prev is None or prev.campaigns == 0:
            text += f", with no {cur.year - 1} campaign on record to compare with"
        elif prev.appeal_revenue is None:
            text += f"; {prev.year}'s total is unknown (no DonorPerfect code is mapped to its campaigns)"
        else:
            text += (f", {_versus(cur.appeal_revenue, prev.appeal_revenue)} {prev.year}'s "
                     f"{_dollars(prev.appeal_revenue)} by {_day(prev.through)}")
    if prev is not None:
        text += (f"; all gifts this season total {_dollars(cur.season_revenue)}, "
                 f"{_versus(cur.season_revenue, prev.season_revenue)} {_dollars(prev.season_revenue)} by the same date "
                 "last year")
    if cur.email_share is not None:
        text += (f"; {cur.email_share:.0%} of them came through email (coded to an email, or given within "
                 f"{_window(pacing.window_hours)} of a click or open)")
    return f"{text}."


def unknown_total(appeal: str, year: SeasonYear) -> str:
    """Why the appeal's total for `year` is unknown."""
    if year.campaigns == 0:
        return f"{appeal} has no campaign for {year.year} on record"
    return (f"{appeal} {year.year}'s total is unknown: no DonorPerfect code is mapped to its {year.campaigns} "
            f"campaign{'s' if year.campaigns > 1 else ''} (codes are mapped on Donation attribution)")


def _day(day: date) -> str:
    return f"{day:%b} {day.day}"


def _window(hours: float) -> str:
    return f"{hours / 24:g} days" if hours >= 72 and hours % 24 == 0 else f"{hours:g} hours"


def _versus(now: float, before: float) -> str:
    """"12% behind" or "5% ahead of" (then the earlier figure)."""
    change = _change(now, before)
    if change is None:
        return "against"
    if abs(change) < 0.005:
        return "level with"
    return f"{abs(change):.0%} {'ahead of' if change > 0 else 'behind'}"


def _dollars(value: float) -> str:
    return f"${value:,.0f}"
