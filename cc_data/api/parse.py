"""Reading what the Constant Contact API may send: every form the official spec or the reference allows.

The one place where API values become stored types. The spec and the reference disagree or leave room
(reference §0.4-§0.6, §5): a last page may end with `_links` absent, `{}`, `{"next": null}`, `{"next": {}}`
or `{"next": {"href": null}}`; counts may be integers or numeric strings; `aggregate_percents` may be an
object or a one-element array; timestamps come with or without milliseconds, with `Z` or an offset, or as a
plain date. Anything else is a defect of the answer: `Unreadable` names the field and what came instead.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from cc_data.clock import naive_utc

_INTEGER = re.compile(r"[+-]?\d+(?:\.0*)?")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# Python 3.11's fromisoformat reads Z and ±hh:mm; the reference's own example offset is ±hhmm.
_COMPACT_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")


class Unreadable(Exception):  # noqa: N818 - a property of the answer, named for what it says
    """A value in a response that no documented form explains."""

    def __init__(self, field: str, value: object, expected: str) -> None:
        self.field, self.value, self.expected = field, value, expected
        super().__init__(f"{field}: expected {expected}, got {_show(value)}")


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def count(value: object, field: str = "count") -> int | None:
    """An integer count: 12, "12", 12.0 or "12.0". None stays None (unknown, not zero)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise Unreadable(field, value, "a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(float(value.strip())) if "." in value else int(value.strip())
    raise Unreadable(field, value, "a whole number")


def number(value: object, field: str = "number") -> float | None:
    """A number (percentages): 12.5 or "12.5"."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise Unreadable(field, value, "a number")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        return float(value.strip())
    raise Unreadable(field, value, "a number")


def text(value: object, field: str = "text") -> str | None:
    """A string; a number where the spec says string (e.g. `url_id`) becomes its text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise Unreadable(field, value, "text")


def timestamp(value: object, field: str = "timestamp") -> datetime | None:
    """A naive-UTC datetime from ISO-8601 with or without milliseconds, `Z`, `±hh:mm` or `±hhmm`, or a date."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise Unreadable(field, value, "an ISO-8601 date-time")
    raw = value.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    elif "T" in raw:
        raw = _COMPACT_OFFSET.sub(r"\1:\2", raw)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise Unreadable(field, value, "an ISO-8601 date-time") from None
    return naive_utc(moment)


def day(value: object, field: str = "date") -> date | None:
    """A calendar date from `YYYY-MM-DD` or a full timestamp (its UTC date)."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise Unreadable(field, value, "a date (YYYY-MM-DD)") from None
    moment = timestamp(value, field)
    return moment.date() if moment else None


def flag(value: object, field: str = "flag") -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise Unreadable(field, value, "true or false")


def percents(value: object, field: str = "aggregate_percents") -> dict[str, float | None]:
    """`aggregate_percents`: an object ([SPEC]) or a one-element array of it ([DOCS] example)."""
    if value is None:
        return {}
    if isinstance(value, list):
        if len(value) > 1:
            raise Unreadable(field, value, "an object or a one-element array")
        value = value[0] if value else {}
    if not isinstance(value, dict):
        raise Unreadable(field, value, "an object or a one-element array")
    return {k: number(v, f"{field}.{k}") for k, v in value.items()}


def items(body: dict, key: str) -> list[Any]:
    """The list a page carries (`contacts`, `lists`, ...). Required: a page without it is not a page."""
    value = body.get(key)
    if not isinstance(value, list):
        raise Unreadable(f"$.{key}", value, "a list")
    return value


def obj(value: object, field: str) -> dict:
    """A nested object that may be absent or null (then empty)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Unreadable(field, value, "an object")
    return value


def next_href(body: dict) -> str | None:
    """`_links.next.href`, or None at the end of paging, in every documented form of the last page.

    The tags spec nests a second link (`tagsPagingLinks`: `_links.next.next.href`); either is followed.
    """
    links = body.get("_links")
    if links is None:
        return None
    if not isinstance(links, dict):
        raise Unreadable("$._links", links, "an object")
    nxt = links.get("next")
    if nxt is None:
        return None
    if not isinstance(nxt, dict):
        raise Unreadable("$._links.next", nxt, "an object or null")
    href = nxt.get("href")
    if href is None and isinstance(nxt.get("next"), dict):
        href = nxt["next"].get("href")
    if href is None or href == "":
        return None
    if not isinstance(href, str):
        raise Unreadable("$._links.next.href", href, "a link (text) or null")
    return href
