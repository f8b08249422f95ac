"""The forms DonorPerfect's XML answers take, as its manuals and public clients show them.

Each family is one way an answer can be written; its first option is the plain sandbox's. A `Choice` picks
one option per family for one answer: fixed (`forms={"dates": "vbscript"}`) or, with a variants seed,
deterministically per (seed, request number, family). The content never changes: ids, values, order and
page boundaries are the plain answer's (docs/sandbox.md, "DonorPerfect answer forms", gives each source).
Refusals are separate answers (`error_answer`), sent on demand.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

FAMILIES: dict[str, tuple[str, ...]] = {
    "declaration": ("utf8", "version_only", "none"),
    "layout": ("compact", "indented"),
    "attributes": ("name_id", "name_only", "id_first", "single_quoted"),
    "names": ("as_asked", "upper"),
    "envelope": ("result", "bare_records"),
    "empty": ("open_close", "self_closed"),
    "ampersand": ("escaped", "bare"),
    "apostrophe": ("as_stored", "backtick"),
    "dates": ("padded_24h", "vbscript"),
    "amounts": ("float", "manual"),
    "ids": ("plain", "leading_space"),
}
PLAIN: dict[str, str] = {family: options[0] for family, options in FAMILIES.items()}
ERROR_FORMS = ("error", "success_false_error", "success_false", "return", "truncated")
NOT_AUTHORIZED = "user not authorized for this api call."
AMOUNT_COLUMNS = frozenset({"amount", "gift_total"})


class Choice:
    """Which option of each family an answer uses."""

    def __init__(self, forced: Mapping[str, str] | None = None, seed: int | None = None) -> None:
        forced = dict(forced or {})
        for family, option in forced.items():
            if option not in FAMILIES.get(family, ()):
                raise ValueError(f"unknown DonorPerfect answer form {family}={option!r}")
        self.forced = forced
        self.seed = seed

    def options(self, request_number: int) -> dict[str, str]:
        chosen = dict(PLAIN)
        if self.seed is not None:
            for family, options in FAMILIES.items():
                digest = hashlib.blake2b(f"{self.seed}|dp|{request_number}|{family}".encode(), digest_size=8).digest()
                chosen[family] = random.Random(int.from_bytes(digest, "big")).choice(options)
        return chosen | self.forced


def render(rows: Iterable[Mapping[str, Any]], form: Mapping[str, str]) -> str:
    """The XML body of a SELECT answer holding these rows (column name -> value, None for NULL)."""
    records = [_record(row, form) for row in rows]
    head = {"utf8": '<?xml version="1.0" encoding="UTF-8"?>', "version_only": '<?xml version="1.0"?>',
            "none": ""}[form["declaration"]]
    indented = form["layout"] == "indented"
    newline = "\n" if indented else ""
    if records and form["envelope"] == "bare_records":
        return head + newline + newline.join(records) + newline
    if not records:
        return head + newline + ("<result/>" if form["empty"] == "self_closed" else "<result></result>") + newline
    inner = newline.join(" " + r.replace("\n", "\n ") for r in records) if indented else "".join(records)
    return f"{head}{newline}<result>{newline}{inner}{newline}</result>{newline}"


def error_answer(kind: str, message: str) -> str:
    """A refusal as DonorPerfect writes it (`kind` in ERROR_FORMS but "truncated", which `cut` makes)."""
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    text = _escape_text(message)
    if kind == "error":
        return f"{head}<result><error>{text}</error></result>"
    if kind == "success_false_error":   # v6.2 p. 14: the reason misleads, the <error> says what went wrong
        return (f'{head}<result><field name="success" reason="{NOT_AUTHORIZED}" id="success" value="false"/>'
                f"<error>[Microsoft][ODBC SQL Server Driver][SQL Server]{text}</error></result>")
    if kind == "success_false":
        return f'{head}<result><field name="success" value="false" reason="{NOT_AUTHORIZED}"/></result>'
    if kind == "return":
        return "<return />"
    raise ValueError(f"unknown DonorPerfect error form {kind!r}")


def cut(body: str) -> str:
    """A body cut off in the middle of its records, as a dropped connection leaves it."""
    return body[: max(len(body) // 2, 1)]


def _record(row: Mapping[str, Any], form: Mapping[str, str]) -> str:
    indented = form["layout"] == "indented"
    fields = [_field(name, _value(name, value, form), form) for name, value in row.items()]
    if indented:
        return "<record>\n" + "".join(f"  {field}\n" for field in fields) + "</record>"
    return "<record>" + "".join(fields) + "</record>"


def _field(name: str, value: str, form: Mapping[str, str]) -> str:
    name = name.upper() if form["names"] == "upper" else name
    quote = "'" if form["attributes"] == "single_quoted" else '"'
    value = _escape_attribute(value, quote, bare_ampersand=form["ampersand"] == "bare")
    close = " />" if form["layout"] == "indented" else "/>"
    if form["attributes"] == "name_only":
        return f'<field name="{name}" value="{value}"{close}'
    if form["attributes"] == "id_first":
        return f'<field id="{name}" value="{value}" name="{name}"{close}'
    return f"<field name={quote}{name}{quote} id={quote}{name}{quote} value={quote}{value}{quote}{close}"


def _value(name: str, value: Any, form: Mapping[str, str]) -> str:
    if value is None:
        return ""   # DonorPerfect writes NULL as value=""
    if isinstance(value, datetime):
        return _vbscript_datetime(value) if form["dates"] == "vbscript" else value.strftime("%m/%d/%Y %H:%M:%S")
    if isinstance(value, date):
        return f"{value.month}/{value.day}/{value.year}" if form["dates"] == "vbscript" else value.strftime("%m/%d/%Y")
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f" {value}" if form["ids"] == "leading_space" else str(value)
    if isinstance(value, float):
        if form["amounts"] == "manual" and name in AMOUNT_COLUMNS:   # the manuals: 14.98, -10, 0
            return format(Decimal(str(round(value, 2))).normalize(), "f")
        return str(value)
    text = str(value)
    return text.replace("'", "`") if form["apostrophe"] == "backtick" else text


def _vbscript_datetime(moment: datetime) -> str:
    """ASP's default US form: 4/4/2017 3:26:29 PM, and a midnight as the date alone (4/9/2019)."""
    day = f"{moment.month}/{moment.day}/{moment.year}"
    if moment.time() == time(0):
        return day
    hour = moment.hour % 12 or 12
    return f"{day} {hour}:{moment.minute:02d}:{moment.second:02d} {'AM' if moment.hour < 12 else 'PM'}"


def _escape_attribute(value: str, quote: str, *, bare_ampersand: bool) -> str:
    if not bare_ampersand:
        value = value.replace("&", "&amp;")
    value = value.replace("<", "&lt;").replace(">", "&gt;")
    value = value.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")   # else read as spaces
    return value.replace('"', "&quot;") if quote == '"' else value.replace("'", "&apos;")


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
