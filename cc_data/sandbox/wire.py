"""What a handler returns, the API's error bodies, and opaque cursors for `_links.next.href`."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field

from cc_data.sandbox.clock import parse_iso

UNAUTHORIZED = {"error_key": "unauthorized", "error_message": "Unauthorized"}
THROTTLED = {"error_key": "throttled", "error_message": "Too Many Requests"}
QUOTA_EXCEEDED = {"error_key": "quota_exceeded", "error_message": "Limit Exceeded"}


@dataclass
class Response:
    status: int
    body: object = None               # dict/list -> JSON; str -> text as is
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    drop: bool = False                # close the connection without answering (after the work was done)

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body, separators=(",", ":"), ensure_ascii=False).encode()


class ApiProblem(Exception):  # noqa: N818 - it is a response, not a failure of the sandbox
    """Raised by a handler to answer with the API's error array."""

    def __init__(self, status: int, error_key: str, message: str):
        super().__init__(message)
        self.response = Response(status, [{"error_key": error_key, "error_message": message}])


def bad_request(message: str, key: str = "validation.error") -> ApiProblem:
    return ApiProblem(400, key, message)


def not_found(message: str, key: str = "not_found") -> ApiProblem:
    return ApiProblem(404, key, message)


def encode_cursor(state: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, endpoint: str) -> dict:
    try:
        state = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        raise bad_request("cursor is not valid; start again without it.", "cursor.invalid") from None
    if not isinstance(state, dict) or state.get("e") != endpoint:
        raise bad_request("cursor does not belong to this endpoint.", "cursor.invalid")
    return state


def next_link(path: str, state: dict, param: str = "cursor") -> dict:
    return {"next": {"href": f"/v3/{path}?{param}={encode_cursor(state)}"}}


# Query parameters, read as strictly as the spec types them: a parameter that is present must hold a valid
# value (an empty `include=` or `updated_after=` is a 400, as the API answers it, never "not given").
DATE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", re.IGNORECASE)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
INT64 = (-(2**63), 2**63 - 1)


def parse_limit(raw: str | None, default: int, maximum: int, key: str) -> int:
    if raw is None:
        return default
    if not re.fullmatch(r"[0-9]+", raw):
        raise bad_request(f"limit must be a whole number between 1 and {maximum}.", key)
    value = int(raw)
    if not 1 <= value <= maximum:
        raise bad_request(f"limit must be between 1 and {maximum}.", key)
    return value


def parse_bool(raw: str | None, name: str, key: str = "validation.error") -> bool:
    if raw is None:
        return False
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise bad_request(f"{name} must be true or false.", key)


def parse_csv_enum(raw: str | None, allowed: tuple[str, ...], name: str, key: str = "validation.error") -> list[str]:
    """A comma-separated enum parameter; an empty value or one outside the spec's enum is a 400."""
    if raw is None:
        return []
    values = raw.split(",")
    for value in values:
        if value not in allowed:
            raise bad_request(f"{name} value {value!r} is not one of {', '.join(allowed)}.", key)
    return values


def parse_date_time(raw: str | None, name: str, key: str) -> int | None:
    """A date-time parameter (RFC 3339, e.g. 2024-01-01T00:00:00.000Z) as epoch seconds; absent is None."""
    if raw is None:
        return None
    moment = parse_iso(raw.upper()) if DATE_TIME.fullmatch(raw) else None
    if moment is None:
        raise bad_request(f"{name} must be an ISO-8601 date-time such as 2024-01-01T00:00:00.000Z.", key)
    return moment


def parse_uuid_csv(raw: str | None, name: str, most: int, key: str) -> list[str]:
    """Comma-separated UUIDs (e.g. `tags`); absent is []; an empty value, a malformed id or too many is a 400."""
    if raw is None:
        return []
    values = raw.split(",")
    if not all(UUID.fullmatch(value) for value in values):
        raise bad_request(f"{name} must be comma-separated ids such as 3fa85f64-5717-4562-b3fc-2c963f66afa6.", key)
    if len(values) > most:
        raise bad_request(f"{name} accepts at most {most} ids.", key)
    return values


def parse_int64(raw: str, name: str, key: str) -> int:
    if not re.fullmatch(r"-?[0-9]+", raw) or not INT64[0] <= int(raw) <= INT64[1]:
        raise bad_request(f"{name} must be a whole number (a 64-bit integer).", key)
    return int(raw)
