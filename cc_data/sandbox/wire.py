"""What a handler returns, the API's error bodies, and opaque cursors for `_links.next.href`."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

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


def parse_limit(raw: str | None, default: int, maximum: int, key: str) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"limit must be a whole number between 1 and {maximum}.", key) from None
    if not 1 <= value <= maximum:
        raise bad_request(f"limit must be between 1 and {maximum}.", key)
    return value


def parse_bool(raw: str | None, name: str) -> bool:
    if raw is None or raw == "":
        return False
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise bad_request(f"{name} must be true or false.")


def parse_csv_enum(raw: str | None, allowed: tuple[str, ...], name: str, key: str = "validation.error") -> list[str]:
    """A comma-separated enum parameter; a value outside the spec's enum is a 400."""
    values = [part.strip() for part in (raw or "").split(",") if part.strip()]
    for value in values:
        if value not in allowed:
            raise bad_request(f"{name} value {value!r} is not one of {', '.join(allowed)}.", key)
    return values
