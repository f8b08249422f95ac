"""Every figure of the board report, computed by the same analytics functions the dashboard calls.

A figure names its window: the report's period (the last 12 months, the fiscal year to date or the appeal's
season), the same dates a year earlier, the appeal's season to date, or a fiscal year. Campaign figures select
campaigns by the UTC day of their first send, as the dashboard's date filter does; gift dates are DonorPerfect's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from cc_data.analytics import season
from cc_data.analytics.attribution import credit as attribution
from cc_data.analytics.audience import list_health
from cc_data.analytics.donors import stored as donors_store
from cc_data.analytics.donors.years import Summary, gain_loss, gift_rows, summarise, years_from_rows
from cc_data.analytics.email import overview
from cc_data.analytics.email.campaigns import Filters, apply_filters, campaign_counts_in_db
from cc_data.analytics.rules.appeals import with_series
from cc_data.analytics.rules.fiscal_years import fiscal_year, fiscal_year_label, fiscal_year_span
from cc_data.analytics.status import SourceInfo, source_info
from cc_data.errors import UserError

PERIODS = {"12m": "the last 12 months", "fytd": "the fiscal year to date", "season": "the appeal's season"}
KPI_DEFINITIONS = {
    "delivered": "emails sent − bounces (a primary email and its resend are two emails)",
    "open_rate": "unique openers ÷ delivered",
    "click_rate": "unique clickers ÷ delivered",
    "click_to_open": "unique clickers ÷ unique openers",
    "unsubscribe_rate": "opt-outs ÷ delivered",
    "bounce_rate": "bounces (every code) ÷ emails sent",
    "revenue": "net revenue of gifts credited to these campaigns ({window})",
    "revenue_per_1000": "attributed revenue ÷ emails sent × 1,000 (M+R's definition)",
}
KPI_LABELS = {"delivered": "Delivered", "open_rate": "Open rate", "click_rate": "Click rate",
              "click_to_open": "Click-to-open", "unsubscribe_rate": "Unsubscribe rate", "bounce_rate": "Bounce rate",
              "revenue": "Attributed revenue", "revenue_per_1000": "Revenue per 1,000 emails"}
TOP_APPEALS = 5


@dataclass(frozen=True)
class Scope:
    """What the report covers. `start`/`end` given (a dashboard page's date range) win over `period`."""

    as_of: date
    period: str = "12m"
    appeal: str | None = None
    window_hours: float = 48
    start: date | None = None
    end: date | None = None
    filters: Filters = Filters()        # the dashboard's type, name and list filters (its dates are start/end)
    human_opens_only: bool = False
    lenient: bool = False               # count likely machine opens and bounced sends as evidence (Donation attribution)


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    definition: str
    current: float | None
    last_year: float | None


@dataclass(frozen=True)
class Retention:
    label: str              # "2025" or "FY2026 (Jul 2025 – Jun 2026)"
    to_date: bool           # the fiscal year is not over: donors who have not given yet count as lapsed
    summary: Summary


@dataclass(frozen=True)
class BoardReport:
    organization: str
    source: SourceInfo
    scope: Scope
    start: date
    end: date
    period_label: str
    fiscal_start: int
    campaigns_sent: int
    pacing: season.SeasonPacing | None
    answer: str
    kpis: tuple[Kpi, ...]
    top_appeals: pl.DataFrame       # series, year, campaigns, sends, gifts, donors, revenue, revenue_per_1000
    retention: tuple[Retention, ...]   # the last complete fiscal year, then the current one to date
    flows: list_health.ListFlows
    flows_last_year: list_health.ListFlows
    emailable: int
    has_gifts: bool
    latest_gift: date | None        # the latest gift date on file

    @property
    def window(self) -> str:
        return window_label(self.scope.window_hours)

    def headline(self) -> dict[str, float | None]:
        """The figures "what changed since the previous report" follows, by name."""
        out: dict[str, float | None] = {}
        if self.pacing is not None:
            cur = self.pacing.current
            out |= {"appeal_revenue": cur.appeal_revenue, "season_revenue": cur.season_revenue,
                    "email_share": cur.email_share}
        out |= {f"kpi_{k.key}": k.current for k in self.kpis}
        if self.retention:
            out["donor_retention"] = self.retention[-1].summary.donor_retention
        out |= {"emailable": float(self.emailable), "joined": float(self.flows.joined),
                "left": float(self.flows.left)}
        return out


def window_label(hours: float) -> str:
    """"48-hour window", "7-day window": as the dashboard names it."""
    return f"{hours / 24:g}-day window" if hours >= 72 and hours % 24 == 0 else f"{hours:g}-hour window"


def shift_year(day: date, years: int = -1) -> date:
    return season.shift_years(day, years)


def gather(con: duckdb.DuckDBPyConnection, scope: Scope, fiscal_start: int = 1) -> BoardReport:
    """Every figure for `scope`, from the published database."""
    info = source_info(con)
    campaigns = campaign_counts_in_db(con)
    if campaigns.is_empty():
        raise UserError("No campaign has been sent yet, so there is nothing to report: sync again after your "
                        "first send (`cc-data sync`).")
    has_gifts = bool(con.cursor().execute("SELECT count(*) FROM gifts").fetchone()[0])
    gifts = (attribution.gift_attribution(con, scope.window_hours, count_machine_opens=scope.lenient,
                                          count_bounced_sends=scope.lenient) if has_gifts else None)
    appeal = scope.appeal or next(iter(season.appeal_choices(campaigns, fiscal_start)), None)
    if scope.appeal and scope.appeal not in set(with_series(campaigns, fiscal_start)["series"].to_list()):
        choices = ", ".join(season.appeal_choices(campaigns, fiscal_start)[:6])
        raise UserError(f"No appeal is called {scope.appeal!r}; try one of: {choices}.")
    tracked_from = season.first_tracked_day(con, info.time_zone)
    pacing = None
    if gifts is not None and appeal is not None:
        pacing = season.season_pacing(gifts, campaigns, appeal, scope.as_of, time_zone=info.time_zone,
                                      fiscal_start=fiscal_start, window_hours=scope.window_hours,
                                      tracked_from=tracked_from, mapped=season.mapped_campaigns(con))
    start, end, label = _period(scope, fiscal_start, pacing)
    filters = replace(scope.filters, start=start, end=end)
    revenue = attribution.revenue_by_campaign(gifts).select("campaign_id", "revenue") if gifts is not None else None
    kpis = _kpis(campaigns, filters, scope, revenue)
    return BoardReport(
        organization=info.organization_name or "Your organisation", source=info, scope=scope, start=start, end=end,
        period_label=label, fiscal_start=fiscal_start, campaigns_sent=apply_filters(campaigns, filters).height,
        pacing=pacing, answer=season.answer(pacing) if pacing else _no_pacing(appeal, has_gifts, scope.as_of),
        kpis=kpis, top_appeals=_top_appeals(con, campaigns, gifts, filters, scope, fiscal_start),
        retention=_retention(con, scope.as_of, fiscal_start) if has_gifts else (),
        flows=list_health.list_flows(con, start, end, info.time_zone),
        flows_last_year=list_health.list_flows(con, shift_year(start), shift_year(end), info.time_zone),
        emailable=list_health.emailable_count(con), has_gifts=has_gifts,
        latest_gift=gifts["gift_date"].max() if gifts is not None else None)


def _period(scope: Scope, fiscal_start: int, pacing: season.SeasonPacing | None) -> tuple[date, date, str]:
    if scope.start and scope.end:
        return scope.start, scope.end, "the dashboard's dates"
    if scope.period == "fytd":
        first, _ = fiscal_year_span(fiscal_year(scope.as_of, fiscal_start), fiscal_start)
        return first, scope.as_of, f"fiscal year {fiscal_year_label(fiscal_year(scope.as_of, fiscal_start), fiscal_start)} to date"
    if scope.period == "season" and pacing is not None:
        return pacing.current.start, pacing.current.through, f"the {pacing.appeal}'s {pacing.current.year} season"
    if scope.period not in PERIODS:
        raise UserError(f"--period {scope.period!r} is not one of {', '.join(PERIODS)}.")
    return scope.as_of - timedelta(days=364), scope.as_of, PERIODS["12m"]


def _kpis(campaigns: pl.DataFrame, filters: Filters, scope: Scope, revenue: pl.DataFrame | None) -> tuple[Kpi, ...]:
    """Overview's cards for the period, and the same cards for the same dates a year earlier."""
    assert filters.start and filters.end
    earlier = replace(filters, start=shift_year(filters.start), end=shift_year(filters.end))
    now, then = (overview.period_kpis(campaigns, f, human_opens_only=scope.human_opens_only, revenue=revenue)
                 for f in (filters, earlier))
    before = dict(zip(then["metric"].to_list(), then["current"].to_list(), strict=True))
    window = window_label(scope.window_hours)
    return tuple(Kpi(r["metric"], KPI_LABELS[r["metric"]], KPI_DEFINITIONS[r["metric"]].format(window=window),
                     r["current"], before.get(r["metric"])) for r in now.iter_rows(named=True))


def _top_appeals(con: duckdb.DuckDBPyConnection, campaigns: pl.DataFrame, gifts: pl.DataFrame | None,
                 filters: Filters, scope: Scope, fiscal_start: int) -> pl.DataFrame:
    """Donation attribution's rows per appeal series and year, for the series-years with a campaign first sent in
    the period, by revenue."""
    if gifts is None:
        return pl.DataFrame()
    sent = apply_filters(with_series(campaigns, fiscal_start), filters).select("series", "year").unique()
    per_campaign = attribution.campaign_revenue(con, scope.window_hours, gifts)
    rows = attribution.series_revenue(con, scope.window_hours, gifts, per_campaign, fiscal_start,
                                      campaigns.select("campaign_id", "send_time"))
    return (rows.join(sent, on=["series", "year"], how="semi").filter(pl.col("revenue") != 0)
            .sort(["revenue", "series"], descending=[True, False]).head(TOP_APPEALS))


def _retention(con: duckdb.DuckDBPyConnection, as_of: date, fiscal_start: int) -> tuple[Retention, ...]:
    """The Donors page's summary for the last complete fiscal year and for the current one to date."""
    rows = donors_store.stored_gift_rows(con) if donors_store.is_stored(con) else gift_rows(con)
    years = years_from_rows(rows, fiscal_start)
    current = fiscal_year(as_of, fiscal_start)
    return tuple(Retention(fiscal_year_label(y, fiscal_start), y == current, summarise(gain_loss(years, y), y))
                 for y in (current - 1, current))


def _no_pacing(appeal: str | None, has_gifts: bool, as_of: date) -> str:
    if not has_gifts:
        return "No gifts are imported yet, so the report cannot say how the appeal is pacing: import DonorPerfect gifts."
    if appeal is None:
        return "No appeal has been sent yet."
    return f"{appeal} has no campaign sent by {as_of:%b} {as_of.day}, {as_of.year}."


def local_time(moment: datetime, time_zone: str) -> datetime:
    """A naive UTC moment (as the store keeps time) in the account's time zone, naive."""
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(time_zone)).replace(tzinfo=None)


def local_day(moment: datetime, time_zone: str) -> date:
    """The account's calendar day of a naive UTC moment: "today" for a moment the caller read from the clock."""
    return local_time(moment, time_zone).date()
