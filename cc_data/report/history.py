"""The figures each written report showed, so the next one can say what changed since.

One small JSON file beside the database (`<db>.reports.json`, mode 0600), written by `cc-data report` (by hand or
by the timer), read by it and by the dashboard's download. A report written twice on one day for one scope
replaces its entry, so a timer that re-runs never makes "the previous report" the same day's.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

KEEP = 400


@dataclass(frozen=True)
class Entry:
    as_of: date
    scope: str                      # appeal and period: reports of another scope are not compared
    figures: dict[str, float | None]


def history_path(db_path: Path | str) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".reports.json")


def _read(path: Path) -> list[dict]:
    try:
        rows = json.loads(path.read_text())
    except (OSError, ValueError):
        return []   # no history yet, or a damaged file: the report says there is no previous one
    return rows if isinstance(rows, list) else []


def previous(db_path: Path | str, scope: str, as_of: date) -> Entry | None:
    """The latest report of this scope dated before `as_of`."""
    found = [r for r in _read(history_path(db_path))
             if r.get("scope") == scope and isinstance(r.get("as_of"), str) and r["as_of"] < as_of.isoformat()]
    if not found:
        return None
    row = max(found, key=lambda r: r["as_of"])
    return Entry(date.fromisoformat(row["as_of"]), scope, dict(row.get("figures") or {}))


def remember(db_path: Path | str, entry: Entry) -> None:
    path = history_path(db_path)
    rows = [r for r in _read(path) if not (r.get("scope") == entry.scope and r.get("as_of") == entry.as_of.isoformat())]
    rows.append({"as_of": entry.as_of.isoformat(), "scope": entry.scope, "figures": entry.figures})
    rows = sorted(rows, key=lambda r: str(r.get("as_of")))[-KEEP:]
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(rows, out, indent=1)
    os.replace(temporary, path)
