"""The board report's two pages, laid out with ReportLab (pure Python: no browser, no desktop libraries).

Page 1 answers the board's question: is the appeal on pace against last year on the same date, in one sentence,
a table and the pacing chart, then what changed since the previous report. Page 2: the email results against
the same dates a year earlier with one-line definitions, the top appeals of the period, donor retention in the
Fundraising Effectiveness Project's terms and list health. Every figure names its window.
"""

from __future__ import annotations

import io
import os
from datetime import datetime
from xml.sax.saxutils import escape

import matplotlib
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from cc_data.report import format as f
from cc_data.report.chart import pacing_png
from cc_data.report.figures import BoardReport, local_time
from cc_data.report.history import Entry

INK, MUTED, RULE, SHADE, ACCENT = "#1f2933", "#52606d", "#cbd2d9", "#f0f4f8", "#1f4e79"
GAIN, LOSS = "#1e7b45", "#b03a2e"   # AA contrast on white; a sign always goes with the colour
FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
WIDTH = LETTER[0] - 1.2 * inch
CHART_RATIO = 2.35 / 7.3
LOWER_IS_BETTER = {"unsubscribe_rate", "bounce_rate"}
CHANGE_LABELS = {
    "appeal_revenue": ("appeal_revenue", "Coded to the appeal, season to date"),
    "season_revenue": ("season_revenue", "Every gift in the season to date"),
    "email_share": ("email_share", "Email's share of the season's gifts"),
    "kpi_open_rate": ("open_rate", "Open rate, the period"),
    "kpi_click_rate": ("click_rate", "Click rate, the period"),
    "kpi_revenue": ("revenue", "Attributed revenue, the period"),
    "donor_retention": ("donor_retention", "Donor retention, this fiscal year to date"),
    "emailable": ("count", "Contacts who may be emailed"),
}


def _fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = os.path.join(matplotlib.get_data_path(), "fonts", "ttf")   # DejaVu ships with matplotlib
    pdfmetrics.registerFont(TTFont(FONT, os.path.join(folder, "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, os.path.join(folder, "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=8.5, leading=11, textColor=INK)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7, leading=9, textColor=MUTED),
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=15, leading=18),
        "sub": ParagraphStyle("sub", parent=base, fontSize=8.5, leading=11, textColor=MUTED),
        "h2": ParagraphStyle("h2", parent=base, fontName=BOLD, fontSize=11, leading=14, spaceBefore=8,
                             spaceAfter=3, textColor=ACCENT),
        "answer": ParagraphStyle("answer", parent=base, fontName=BOLD, fontSize=10.5, leading=14.5),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.8, leading=9.6),
        "cellr": ParagraphStyle("cellr", parent=base, fontSize=7.8, leading=9.6, alignment=TA_RIGHT),
        "head": ParagraphStyle("head", parent=base, fontName=BOLD, fontSize=7.5, leading=9.2, textColor=MUTED),
        "headr": ParagraphStyle("headr", parent=base, fontName=BOLD, fontSize=7.5, leading=9.2, textColor=MUTED,
                                alignment=TA_RIGHT),
    }


S: dict[str, ParagraphStyle] = {}


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(text, S[style])


def _t(text: object) -> str:
    return escape(str(text))


def _signed(text: str, lower_is_better: bool = False) -> str:
    """A change with its colour (green for better); the sign or word always says the direction too."""
    up, down = (LOSS, GAIN) if lower_is_better else (GAIN, LOSS)
    if text.startswith("+") or text == "new":
        return f'<font color="{up}">{_t(text)}</font>'
    if text.startswith("-"):
        return f'<font color="{down}">{_t(text.replace("-", "−", 1))}</font>'
    return _t(text)


def _table(header: list[str], rows: list[list[str]], widths: list[float], left: tuple[int, ...] = (0,)) -> Table:
    """A compact table: the header and cells wrap; numbers right-aligned, the `left` columns (words) left."""
    def cells(row: list[str], head: bool) -> list[Paragraph]:
        return [_p(text, ("head" if head else "cell") if i in left else ("headr" if head else "cellr"))
                for i, text in enumerate(row)]

    table = Table([cells(header, True)] + [cells(r, False) for r in rows], colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.HexColor(RULE)),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, colors.HexColor(RULE)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def render(report: BoardReport, previous: Entry | None, generated_at: datetime) -> tuple[bytes, int]:
    """The PDF's bytes and its number of pages. `generated_at`: naive UTC."""
    _fonts()
    S.update(_styles())
    out = io.BytesIO()
    scope = report.scope
    title = f"{report.organization}: board report, {f.day(scope.as_of)}"
    doc = SimpleDocTemplate(out, pagesize=LETTER, leftMargin=0.6 * inch, rightMargin=0.6 * inch,
                            topMargin=0.5 * inch, bottomMargin=0.55 * inch, title=title,
                            author=report.organization, subject="Board report", creator="cc-data")
    sections = [_question(report), _email(report), _changes(report, previous), _appeals(report),
                _retention(report), _list_health(report)]
    story = [*_header(report), *[KeepTogether(section) for section in sections]]
    zone = report.source.time_zone

    def footer(canvas, document) -> None:  # noqa: ANN001 - ReportLab's callback
        canvas.saveState()
        canvas.setFont(FONT, 6.5)
        canvas.setFillColor(colors.HexColor(MUTED))
        canvas.drawString(0.6 * inch, 0.32 * inch,
                          f"{report.organization} · board report as of {f.day(scope.as_of)} · made by cc-data on "
                          f"{f.moment(local_time(generated_at, zone), zone)}")
        canvas.drawRightString(LETTER[0] - 0.6 * inch, 0.32 * inch, f"page {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue(), doc.page


def _header(report: BoardReport) -> list:
    scope, info = report.scope, report.source
    zone = info.time_zone
    demo = " <b>Demo data</b> (a synthetic nonprofit, not a real account)." if info.source == "demo" else ""
    synced = (f.moment(local_time(info.last_sync_finished_at, zone), zone) if info.last_sync_finished_at
              else "not recorded")
    gifts = (f"the latest DonorPerfect gift on file is dated {f.day(report.latest_gift)}" if report.latest_gift
             else "no DonorPerfect gifts imported")
    return [
        _p(f"{_t(report.organization)}: board report", "title"),
        _p(f"As of <b>{f.day(scope.as_of)}</b> · period <b>{_t(f.span(report.start, report.end))}</b> "
           f"({_t(report.period_label)}) · days in the account's time zone, {_t(zone)}", "sub"),
        _p(f"Data: last synced from Constant Contact {_t(synced)}; {_t(gifts)}.{demo}", "sub"),
        Spacer(1, 2),
    ]


def _question(report: BoardReport) -> list:
    pacing = report.pacing
    appeal = pacing.appeal if pacing else (report.scope.appeal or "the appeal")
    story: list = [_p(_t(f"Is the {appeal} on pace against last year, on the same date?"), "h2")]
    answer = Table([[_p(_t(report.answer), "answer")]], colWidths=[WIDTH])
    answer.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(SHADE)),
                                ("LEFTPADDING", (0, 0), (-1, -1), 8), ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                                ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
                                ("LINEBEFORE", (0, 0), (0, -1), 3, colors.HexColor(ACCENT))]))
    story.append(answer)
    if pacing is None:
        return story
    years = pacing.years
    header = [""] + [f"{y.year} season, {f.span(y.start, y.through)}" for y in years] + [f"{years[0].year} vs {years[1].year}"]

    def row(label: str, metric: str, values: list[float | None]) -> list[str]:
        return [label] + [f.fmt(metric, v) for v in values] + [_signed(f.change(metric, values[0], values[1]))]

    def coded(y) -> float | None:  # noqa: ANN001
        return y.appeal_revenue

    rows = [
        row("Coded to the appeal (any channel)", "appeal_revenue", [coded(y) for y in years]),
        row("Gifts coded to the appeal", "count", [y.appeal_gifts for y in years]),
        row(f"Every gift in the season ({f.span(years[0].start, years[0].end)})", "season_revenue",
            [y.season_revenue for y in years]),
        row("Email's share of the season's gifts", "email_share", [y.email_share for y in years]),
    ]
    story += [Spacer(1, 5), _table(header, rows, [2.05 * inch] + [1.35 * inch] * 3 + [1.2 * inch]), Spacer(1, 3)]
    story.append(Image(io.BytesIO(pacing_png(pacing)), width=WIDTH, height=WIDTH * CHART_RATIO))
    missing = [str(y.year) for y in years if y.campaigns == 0]
    unmapped = [str(y.year) for y in years if y.campaigns and y.appeal_revenue is None]
    notes = (f"Each year is counted through the same calendar date ({f.day(years[0].through)} this year). Coded: "
             "DonorPerfect gifts whose code is mapped to one of that year's campaigns of the appeal, whatever the "
             "channel, net of refunds. Season: every revenue gift dated in it, whatever it was for. Email's share: "
             f"the season's gifts credited to an email (coded, or a click or a human open within the "
             f"{report.window}; an email sent but not opened earns none) ÷ every gift in the season. "
             "Earlier years are drawn whole; this year stops at its as-of date.")
    if missing:
        notes += f" No campaign of the appeal on record in {', '.join(missing)}: its total is unknown, not zero."
    if unmapped:
        notes += (f" No DonorPerfect code is mapped to the appeal's campaigns of {', '.join(unmapped)}: the total "
                  "coded to it is unknown, not zero (codes are mapped on the dashboard's Donation attribution page).")
    untracked = [str(y.year) for y in years if y.email_revenue is None]
    if untracked:
        notes += (f" Email's share is unknown for {', '.join(untracked)}: the season began before the first "
                  "tracked send.")
    story.append(_p(_t(notes), "small"))
    return story


def _changes(report: BoardReport, previous: Entry | None) -> list:
    story: list = [_p("What changed since the previous report", "h2")]
    if previous is None:
        story.append(_p("This is the first report of this scope: the next one will say what changed since today's."))
        return story
    now = report.headline()
    rows = []
    for key, (metric, label) in CHANGE_LABELS.items():
        if key in now and key in previous.figures:
            before, after = previous.figures[key], now[key]
            rows.append([label, f.fmt(metric, before), f.fmt(metric, after), _signed(f.change(metric, after, before))])
    story.append(_table(["", f"Previous report ({f.day(previous.as_of)})", f"Now ({f.day(report.scope.as_of)})",
                         "Change"], rows, [2.9 * inch, 1.6 * inch, 1.6 * inch, 1.2 * inch]))
    return story


def _email(report: BoardReport) -> list:
    earlier = f.span(*(d.replace(year=d.year - 1) if not (d.month == 2 and d.day == 29) else d.replace(
        year=d.year - 1, day=28) for d in (report.start, report.end)))
    rows = [[k.label, f.fmt(k.key, k.current), f.fmt(k.key, k.last_year),
             _signed(f.change(k.key, k.current, k.last_year), k.key in LOWER_IS_BETTER), _t(k.definition)]
            for k in report.kpis]
    return [
        _p(f"Email results, {_t(f.span(report.start, report.end))}, against the same dates a year earlier", "h2"),
        _table(["", "This period", f"{earlier}", "Change", "How it is counted"], rows,
               [1.5 * inch, 0.8 * inch, 0.95 * inch, 0.7 * inch, 3.35 * inch], left=(0, 4)),
        _p(_t(f"{report.campaigns_sent:,} campaigns first sent in the period (by the UTC day of their first send, as "
              "the dashboard's date filter counts them). Rates are pooled over the campaigns, as on Overview; "
              "changes in rates are percentage points."), "small"),
    ]


def _appeals(report: BoardReport) -> list:
    story: list = [_p(f"Top appeals of the period by attributed revenue ({report.window})", "h2")]
    if report.top_appeals.is_empty():
        story.append(_p("No appeal sent in the period raised attributed revenue." if report.has_gifts
                        else "Import DonorPerfect gifts to see what each appeal raised."))
        return story
    rows = [[_t(r["series"]), str(r["year"]), f"{r['campaigns']:,}", f"{r['sends'] or 0:,}", f"{r['gifts']:,}",
             f"{r['donors']:,}", f.fmt("revenue", r["revenue"]), f.fmt("revenue_per_1000", r["revenue_per_1000"])]
            for r in report.top_appeals.iter_rows(named=True)]
    story += [_table(["Appeal", "Year", "Campaigns", "Emails sent", "Gifts", "Donors", "Revenue", "Per 1,000 emails"],
                     rows, [2.2 * inch, 0.45 * inch, 0.75 * inch, 0.85 * inch, 0.6 * inch, 0.6 * inch, 0.85 * inch,
                            1.0 * inch]),
              _p(_t("One row per appeal and year (all its waves and resends, the whole year's gifts, as Donation "
                    "attribution's series table shows them) for the appeals with a campaign first sent in the period. "
                    "Revenue: gifts credited to the appeal's emails (coded, clicked, opened or sent within the "
                    "window), net of refunds."), "small")]
    return story


def _retention(report: BoardReport) -> list:
    story: list = [_p("Donor retention, in the Fundraising Effectiveness Project's terms", "h2")]
    if not report.retention:
        story.append(_p("Import DonorPerfect gifts to see donor retention."))
        return story
    years = [r.summary for r in report.retention]

    def row(label: str, values: list[str]) -> list[str]:
        return [label, *values]

    rows = [
        row("Donors (net giving above $0)", [f"{s.donors:,}" for s in years]),
        row("Gained: new · recaptured", [f"{s.counts['new']:,} · {s.counts['recaptured']:,}" for s in years]),
        row("Lost: lapsed (gave last year, not this year)",
            [f"{s.counts['lapsed_new'] + s.counts['lapsed_repeat']:,}" for s in years]),
        row("Donor retention", [f"{f.percent(s.donor_retention)} ({s.retained:,} of {s.previous_donors:,})"
                                for s in years]),
        row("Dollar retention", [f.percent(s.dollar_retention) for s in years]),
        row("New-donor retention", [f.percent(s.new_donor_retention) for s in years]),
        row("Repeat-donor retention", [f.percent(s.repeat_donor_retention) for s in years]),
    ]
    heads = [f"Fiscal year {_t(r.label)}" + (" to date (not over)" if r.to_date else "") for r in report.retention]
    story += [_table(["", *heads], rows, [2.9 * inch] + [(WIDTH - 2.9 * inch) / len(heads)] * len(heads)),
              _p(_t("Donor retention = last year's donors who gave again ÷ last year's donors; dollar retention = "
                    "this year's giving by them ÷ last year's giving by all last year's donors; new-donor and "
                    "repeat-donor retention: the same for last year's first-time and other donors. In a year not "
                    "over, donors who have not given yet count as lapsed. FEP measured 42.9% donor retention across "
                    "US nonprofits for 2024. A donor is a DonorPerfect donor ID (no households, no soft credits)."),
                 "small")]
    return story


def _list_health(report: BoardReport) -> list:
    now, then = report.flows, report.flows_last_year
    rows = [[_t(f.span(x.start, x.end)), f"{x.joined:,}", f"{x.unsubscribed:,}", f"{x.hard_bounced:,}",
             f"{x.deleted:,}", f"{x.left:,}", f"{x.net:+,}".replace("-", "−")] for x in (now, then)]
    note = (f"Joined: contacts created in the period; left: unsubscribed, hard-bounced (codes B, D, S, X, Z) or "
            f"deleted in it, each person once. {report.emailable:,} contacts may be emailed today (as of the last "
            "sync: explicit or implicit permission, not unsubscribed, not hard-bounced, not deleted).")
    tracked = now.tracked_from
    if tracked is not None and tracked.date() > then.start:
        note += (f" Bounces are known from the first tracked send ({f.day(tracked.date())}) on, so the earlier "
                 "period's are counted from then.")
    return [
        _p("List health: growth and losses", "h2"),
        _table(["Period", "Joined", "Unsubscribed", "Hard-bounced", "Deleted", "Left (each person once)", "Net"],
               rows, [1.6 * inch] + [0.95 * inch] * 6),
        _p(_t(note), "small")]


def file_name(report: BoardReport) -> str:
    appeal = (report.pacing.appeal if report.pacing else "report").lower().replace(" ", "-")
    safe = "".join(ch for ch in appeal if ch.isalnum() or ch == "-")
    return f"board-report-{safe}-{report.scope.as_of.isoformat()}.pdf"

