"""Terminal output shared by the commands: live sync progress and plain text tables."""

from __future__ import annotations

import getpass
import sys
from typing import TYPE_CHECKING

from cc_data import audit
from cc_data.config import Settings
from cc_data.errors import UserError
from cc_data.sync.engine import ProgressEvent

if TYPE_CHECKING:
    import polars as pl


class ProgressPrinter:
    """One live line per stream on a terminal (rows, calls, rate, ETA); one line per finished stream otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last_line = ""

    def __call__(self, event: ProgressEvent) -> None:
        eta = "" if event.eta_s is None else f"  ETA {event.eta_s:,.0f}s"
        line = (f"{event.stream:<20} {event.rows:>10,} rows {event.calls:>7,} calls "
                f"{event.rate:5.1f}/s{eta}")
        if self.tty:
            sys.stderr.write("\r" + line.ljust(len(self.last_line)) + ("\n" if event.done else ""))
            sys.stderr.flush()
            self.last_line = line
        elif event.done:
            print(line, file=sys.stderr)


def text_table(frame: pl.DataFrame) -> str:
    """A plain text table of a polars frame: every row, times to the second, blanks for missing values."""
    def cell(value: object) -> str:
        if value is None:
            return ""
        if hasattr(value, "strftime"):
            return value.strftime("%Y-%m-%d %H:%M:%S")
        return f"{value:,}" if isinstance(value, int) else str(value)

    rows = [[cell(v) for v in row] for row in frame.iter_rows()]
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(frame.columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(frame.columns, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


def record_command(settings: Settings, action: str, what: str, outcome: str | None, detail: str | None) -> None:
    """A command's run in the audit log (Data & sync shows "last sync failed" and why from it). A failure to record
    is said on stderr and never changes the command's own result."""
    try:
        who = f"command line ({getpass.getuser()})"
    except (OSError, KeyError):   # no name for this uid (a container)
        who = "command line"
    try:
        audit.record(settings.db_path, who, action, what=what, outcome=outcome, detail=detail)
    except UserError as err:
        print(f"cc-data: {err}", file=sys.stderr)
