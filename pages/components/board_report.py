"""The "Board report" download: the PDF `cc-data report` writes, for this page's filters and appeal.

It goes through cc_data.report.build.make_report, as the command line does, so the download and the scheduled report
print the same figures for the same scope. Viewers and admins alike may take it; each download is a row of the audit
log (pages.components.downloads.recorded), written when the file is built.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from cc_data.analytics import season
from cc_data.clock import utc_now
from cc_data.report.figures import local_day
from pages.components import signin, window
from pages.components.downloads import recorded
from pages.components.page_start import DataPage

PDF_MIME = "application/pdf"


def download(page: DataPage, *, appeal: str | None = None, dates_apply: bool = True) -> None:
    """The button. `appeal`: the one the page shows (default: the one Compare appeals lists first); `dates_apply`:
    the sidebar's dates set the report's period (else CC_REPORT_PERIOD does, as on Compare appeals)."""
    cfg, filters = page.cfg, page.filters
    start, end = (filters.start, filters.end) if dates_apply else (None, None)
    today = local_day(utc_now(), page.core.source.time_zone)
    appeal = appeal or next(iter(season.appeal_choices(page.core.campaigns, cfg.fiscal_year_start)), None)
    slug = "".join(c for c in (appeal or "report").lower().replace(" ", "-") if c.isalnum() or c == "-")
    file_name = f"board-report-{slug}-{today.isoformat()}.pdf"
    settings = dict(window_hours=window.hours(), lenient=window.lenient(), human_opens_only=page.human_opens_only,
                    filters=replace(filters, start=None, end=None), start=start, end=end)

    def build() -> bytes:
        # imported when a report is asked for: matplotlib and reportlab would add 55 MB to every dashboard process
        from cc_data.report.build import make_report

        return make_report(cfg, appeal=appeal, period=cfg.report_period, as_of=today, now=utc_now(), **settings).pdf

    identity = signin.current(cfg)
    scope = f"{start:%b %d, %Y} – {end:%b %d, %Y}" if start and end else "the last 12 months"
    st.download_button(
        "Board report (PDF)", recorded(build, cfg.db_path, identity.who if identity else "unknown",
                                       f"board report ({file_name})", None),
        file_name=file_name, mime=PDF_MIME, key=f"board_report_{slug}", icon=":material/picture_as_pdf:",
        help=f"One or two pages for the board, with this page's filters ({scope}) and "
             f"{appeal or 'no appeal yet'}: the season to date against last year on the same "
             "date, the email results, the top appeals, donor retention and list health. `cc-data report` writes the "
             "same file; the nightly timer can email it.")
