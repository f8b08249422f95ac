"""One board report from the published database: its figures, its PDF, its file name, its email.

The command line (`cc-data report`) and the dashboard's download both come through `make_report`, so they print the
same thing for the same scope. Only the command line records what it printed (`remember`), so "what changed since
the previous report" compares with the last report written or sent, never with a download.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path

from cc_data.analytics.email.campaigns import Filters
from cc_data.analytics.status import source_info
from cc_data.config import Settings
from cc_data.report import history, mail, pdf
from cc_data.report.figures import BoardReport, Scope, gather, local_day
from cc_data.report.format import day
from cc_data.store.db import read

NO_FILTERS = Filters()


@dataclass(frozen=True)
class MadeReport:
    report: BoardReport
    pdf: bytes
    pages: int
    file_name: str
    scope_key: str


def make_report(settings: Settings, *, appeal: str | None, period: str, as_of: date | None, now: datetime,
                window_hours: float = 48, start: date | None = None, end: date | None = None,
                filters: Filters = NO_FILTERS, human_opens_only: bool = False, lenient: bool = False) -> MadeReport:
    """The report for a scope. `as_of` None: today in the account's time zone, from `now` (naive UTC, read by the
    caller: nothing here reads the clock)."""
    db_path = Path(settings.db_path)
    with read(db_path) as con:
        zone = source_info(con).time_zone
        scope = Scope(as_of=as_of or local_day(now, zone), period=period, appeal=appeal, window_hours=window_hours,
                      start=start, end=end, filters=filters, human_opens_only=human_opens_only, lenient=lenient)
        report = gather(con, scope, settings.fiscal_year_start)
    key = scope_key(report)
    content, pages = pdf.render(report, history.previous(db_path, key, scope.as_of), now)
    return MadeReport(report, content, pages, pdf.file_name(report), key)


def scope_key(report: BoardReport) -> str:
    """Reports of one appeal, period and set of filters compare with each other."""
    scope = report.scope
    appeal = report.pacing.appeal if report.pacing else scope.appeal or ""
    dates = f"{scope.start}..{scope.end}" if scope.start and scope.end else scope.period
    f = scope.filters
    return "|".join([appeal, dates, f"{scope.window_hours:g}h", ",".join(f.types), f.name_contains, ",".join(f.list_ids),
                     "human" if scope.human_opens_only else "", "lenient" if scope.lenient else ""])


def remember(settings: Settings, made: MadeReport) -> None:
    history.remember(settings.db_path, history.Entry(made.report.scope.as_of, made.scope_key, made.report.headline()))


def message(settings: Settings, made: MadeReport) -> EmailMessage:
    report = made.report
    subject = f"{report.organization}: board report, {day(report.scope.as_of)}"
    body = (f"The board report as of {day(report.scope.as_of)} is attached ({made.pages} page"
            f"{'s' if made.pages > 1 else ''}).\n\n{report.answer}\n\n"
            "The figures are the dashboard's for the same dates; each names its window.\n-- cc-data\n")
    return mail.message(settings, made.pdf, made.file_name, subject, body)
