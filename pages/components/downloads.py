"""Download buttons for contact and donor data: one place that builds the file on click.

Every download of personal data goes through `personal_data_download`, so what is recorded about it
(who took which list, how many rows) is decided here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable

CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def personal_data_download(where, label: str, build: Callable[[], bytes], *, file_name: str, mime: str, key: str,
                           what: str, rows: int, disabled: bool = False, help: str | None = None) -> None:  # noqa: A002
    """A download button whose file is built when clicked (large tables). `what` names the list and `rows` how
    many people or gifts it holds."""
    where.download_button(label, build, file_name=file_name, mime=mime, key=key, disabled=disabled, help=help)
