"""The settings table (cc_data.config.SETTINGS) in words: under `cc-data --help` and as docs/settings.md.

`python -m cc_data.cli.settings_help` rewrites docs/settings.md; tests/unit/test_settings_docs.py fails while the
file and the table differ.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterable
from itertools import groupby
from pathlib import Path

from cc_data.config import SETTINGS, Setting

DOCS = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def _grouped(topics: Iterable[str] | None) -> list[tuple[str, list[Setting]]]:
    chosen = [s for s in SETTINGS if topics is None or s.topic in topics]
    return [(topic, list(group)) for topic, group in groupby(chosen, key=lambda s: s.topic)]


def _help(setting: Setting) -> str:
    return setting.help + ("; a secret: never logged or shown" if setting.secret else "")


def help_text(topics: Iterable[str] | None = None) -> str:
    """The settings of these topics (all without), as `--help` shows them after the options."""
    lines = ["settings (environment variables or lines in .env; the environment wins; empty means the default;",
             "all of them in docs/settings.md):"]
    for topic, settings in _grouped(topics):
        lines.append(f"  {topic}:")
        for setting in settings:
            lines.append(f"    {setting.env}={setting.shown_default}")
            lines += textwrap.wrap(_help(setting), width=92, initial_indent=" " * 8, subsequent_indent=" " * 8)
    return "\n".join(lines)


def markdown() -> str:
    """docs/settings.md."""
    lines = [
        "# Settings",
        "",
        "<!-- Written by `python -m cc_data.cli.settings_help` from SETTINGS in cc_data/config.py: edit the help "
        "text there, not here (tests/unit/test_settings_docs.py fails while they differ). -->",
        "",
        "Every setting is an environment variable or a line in `.env` (the environment wins over the file). An unset "
        "or empty setting means its default; `.env.example` lists every one with its default. `cc-data --help` "
        "prints this table, and `cc-data sync --help` (status, auth, donations, report) the settings that command "
        "reads. A value that does not read stops the command with one line naming the setting and how to fix it.",
    ]
    for topic, settings in _grouped(None):
        lines += ["", f"## {topic}", "", "| setting | default | what it is |", "|---|---|---|"]
        for setting in settings:
            default = f"`{setting.shown_default}`" if setting.shown_default else "(empty)"
            what = _help(setting).replace("|", r"\|")
            lines.append(f"| `{setting.env}` | {default} | {what} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    DOCS.write_text(markdown())
    print(f"wrote {DOCS}", file=sys.stderr)


if __name__ == "__main__":
    main()
