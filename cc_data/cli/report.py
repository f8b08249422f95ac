"""`cc-data report`: the board report as a PDF, written by hand or by the nightly timer, and emailed on schedule."""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

from cc_data.cli.output import record_command
from cc_data.clock import utc_now
from cc_data.config import Settings
from cc_data.errors import UserError, WriterBusy
from cc_data.store.db import lock_wait, locked


def register(sub: argparse._SubParsersAction) -> None:
    """Add `report` to `cc-data`."""
    p = sub.add_parser("report", help="write the board report (PDF), and email it on the scheduled days",
                       description="A one- or two-page PDF for the board: the appeal's season to date against last "
                                   "year on the same date, the email results, the top appeals, donor retention and "
                                   "list health, with the same figures as the dashboard.")
    p.add_argument("--out", type=Path, help="the PDF to write (default: CC_REPORT_DIR/board-report-...pdf)")
    p.add_argument("--appeal", help="the appeal to follow, as Compare appeals names it (default: CC_REPORT_APPEAL, "
                                    "else the first one listed there)")
    p.add_argument("--as-of", type=_day, help="the day it covers, YYYY-MM-DD (default: today in the account's time "
                                              "zone)")
    p.add_argument("--period", choices=("12m", "fytd", "season"),
                   help="the period of the email results, top appeals and list health (default: CC_REPORT_PERIOD)")
    p.add_argument("--scheduled", action="store_true",
                   help="for the timer: write to CC_REPORT_DIR and email it when today is a CC_REPORT_SEND_ON day "
                        "(once a day)")
    p.add_argument("--send", action="store_true", help="email it now to CC_REPORT_TO (for checking the mail settings)")
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="if a sync or import is writing, wait up to this long for it to publish (then report on "
                        "what is published either way)")
    p.add_argument("--quiet", action="store_true", help="print nothing unless something goes wrong")
    p.set_defaults(func=_run)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-12-07") from None


def _run(args: argparse.Namespace, settings: Settings) -> int:
    # imported here: the PDF's libraries (matplotlib, numpy, ReportLab; ~46 MB) are loaded by the report alone, not
    # by every command that builds this parser (a sync)
    from cc_data.report import build, mail

    started = time.perf_counter()
    if args.wait and Path(settings.db_path).exists():
        _wait_for_writer(Path(settings.db_path), args.wait)
    made = build.make_report(settings, appeal=args.appeal or settings.report_appeal,
                             period=args.period or settings.report_period, as_of=args.as_of, now=utc_now())
    out = args.out or Path(settings.report_dir) / made.file_name
    _write(out, made.pdf)
    build.remember(settings, made)
    say = (lambda text: None) if args.quiet else print
    say(f"Board report as of {made.report.scope.as_of}: {made.pages} page{'s' if made.pages > 1 else ''} -> {out} "
        f"({time.perf_counter() - started:.1f} s)")
    scheduled_day = args.scheduled and mail.send_day(made.report.scope.as_of, settings.report_send_on)
    written = f"written to {out}"

    def audit(outcome: str, detail: str) -> None:   # the organisation's figures left the dashboard: who, where
        record_command(settings, "report", out.name, outcome, detail)

    if not (args.send or scheduled_day):
        audit("ok", written)
        return 0
    sent_marker = mail.marker(out.parent, made.report.scope.as_of)
    if args.scheduled and not args.send and sent_marker.exists():
        say(f"Already emailed today ({sent_marker}); not sent again.")
        audit("ok", f"{written}; already emailed today")
        return 0
    try:
        refused = mail.send(settings, build.message(settings, made))
    except UserError as err:
        audit("failed", f"{written}; not emailed: {err}")
        raise
    _write(sent_marker, f"sent to {', '.join(sorted(settings.report_to))}\n".encode())
    delivered = sorted(settings.report_to - {address.lower() for address in refused})
    audit("partial" if refused else "ok",
          f"{written}; emailed to {', '.join(delivered)}" + (f"; refused: {', '.join(refused)}" if refused else ""))
    if refused:
        raise UserError(f"The mail server refused {', '.join(refused)}; the other recipients got the report.")
    say(f"Emailed to {len(settings.report_to)} recipient{'s' if len(settings.report_to) > 1 else ''}.")
    return 0


def _wait_for_writer(db_path: Path, seconds: float) -> None:
    """Let a sync that is still writing publish first, so the nightly report has the night's data; the report only
    reads the published file, so after the wait it goes ahead either way."""
    try:
        with lock_wait(seconds), locked(db_path):
            pass
    except WriterBusy:
        print(f"cc-data: a sync or import was still writing after {seconds:g} s; the report shows the data "
              "published before it.", file=sys.stderr)


def _write(path: Path, content: bytes) -> None:
    """Whole or not at all (a temporary name, then rename), mode 0600: the report is the organisation's."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = path.with_name(f".{path.name}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(temporary, path)
    except OSError as err:
        raise UserError(f"Could not write {path}: {err.strerror or err}.") from None


