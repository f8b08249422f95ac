"""Sandbox time: integer epoch seconds (UTC) inside, ISO-8601 strings on the wire."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

DAY = 86_400
NEVER = 2**62  # "no such event": larger than any real timestamp


def to_ts(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def to_datetime(ts: int) -> datetime:
    return datetime.fromtimestamp(int(ts), UTC)


def iso(ts: int) -> str:
    """The API's most common timestamp form, e.g. 2024-10-30T18:56:35.000Z."""
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def iso_date(ts: int) -> str:
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%d")


def parse_iso(text: str) -> int | None:
    """Parse an ISO-8601 date or date-time (Z or offset; naive means UTC). None when unreadable."""
    text = text.strip().replace(" ", "+") if "T" in text else text.strip()
    try:
        if len(text) == 10:
            return to_ts(datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC))
        return to_ts(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None


def default_now() -> datetime:
    """Today at 12:00 UTC: the sandbox clock when none is given."""
    today = datetime.now(UTC).date()
    return datetime(today.year, today.month, today.day, 12, tzinfo=UTC)


def start_of_utc_day(ts: int) -> int:
    return ts - ts % DAY


def days(n: float) -> timedelta:
    return timedelta(days=n)
