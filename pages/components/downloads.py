"""Download buttons for contact and donor data: one place that builds the file on click.

Every download of personal data goes through `personal_data_download`, so what is recorded about it
(who took which list, how many rows) is decided here and nowhere else: the audit row is written when the file is
actually built for the browser (Streamlit runs a deferred download's builder only on a real request), and a
download whose row cannot be written is not served.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cc_data import audit
from cc_data.config import load_settings
from pages.components import signin

CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def personal_data_download(where, label: str, build: Callable[[], bytes], *, file_name: str, mime: str, key: str,
                           what: str, rows: int, disabled: bool = False, help: str | None = None) -> None:  # noqa: A002
    """A download button whose file is built when clicked (large tables). `what` names the list and `rows` how
    many people or gifts it holds."""
    cfg = load_settings()
    identity = signin.current(cfg)
    who = identity.who if identity else "unknown"
    where.download_button(label, recorded(build, cfg.db_path, who, f"{what} ({file_name})", rows), file_name=file_name,
                          mime=mime, key=key, disabled=disabled, help=help)


def recorded(build: Callable[[], bytes], db_path: Path, who: str, what: str, rows: int) -> Callable[[], bytes]:
    """`build`, recording the download in the audit log once the file is built (on Streamlit's download thread,
    where st.user is not available: `who` is the session's user when the button was drawn)."""

    def build_and_record() -> bytes:
        content = build()
        audit.record(db_path, who, "download", what=what, rows=rows, outcome=None)
        return content

    return build_and_record
