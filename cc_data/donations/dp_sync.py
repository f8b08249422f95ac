"""`cc-data donations sync`: gifts and donors from the DonorPerfect XML API into DuckDB.

The first run reads everything by keyset paging on the id; later runs ask only for rows modified since the
day before the last successful run (DonorPerfect filters by date, not time). Everything fetched is written in
one transaction on the working copy and published atomically, so a failure stores nothing.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl

from cc_data.clock import utc_now
from cc_data.donations.dp_client import DonorPerfectClient, DonorPerfectError
from cc_data.donations.importer import GIFT_COLUMNS, gifts_frame
from cc_data.donations.imports import upsert_gifts
from cc_data.donations.parsing import has_time_of_day, parse_amount, parse_date, parse_timestamp
from cc_data.store.db import BeforePublish, writer
from cc_data.store.transaction import transaction
from cc_data.store.upserts import mark_changed

STREAM = "donorperfect"
CURSOR_KEY = "modified_since"


@dataclass(frozen=True)
class DpSyncResult:
    gifts: int
    donors: int
    calls: int
    since: date | None

    def summary(self) -> str:
        scope = f"modified since {self.since:%m/%d/%Y}" if self.since else "full"
        return f"DonorPerfect sync ({scope}): {self.gifts} gifts and {self.donors} donors in {self.calls} calls."


def sync_donorperfect(db_path: Path, client: DonorPerfectClient, *, full: bool = False,
                      today: date | None = None, before_publish: BeforePublish | None = None) -> DpSyncResult:
    """Fetch from DonorPerfect, then store it in one writer run (`before_publish`: e.g. the derived tables)."""
    with writer(db_path, before_publish=before_publish) as w:
        return store_donorperfect(w.con, client, full=full, today=today)


def store_donorperfect(con: duckdb.DuckDBPyConnection, client: DonorPerfectClient, *, full: bool = False,
                       today: date | None = None) -> DpSyncResult:
    """Fetch gifts and donors changed since the stored cursor and store them in one transaction on `con` (a
    writer's working copy), marking the gifts changed for the derived tables."""
    today = today or datetime.now(UTC).date()
    since = None if full else _cursor(con)
    try:
        gift_rows = [gift_from_dp(row) for page in client.gifts(since) for row in page]
        donor_rows = [donor_from_dp(row) for page in client.donors(since) for row in page]
    except DonorPerfectError as err:   # nothing is written before every answer was read whole
        raise DonorPerfectError(f"{err} Nothing was stored; the next sync starts from the same point.") from None
    with transaction(con):
        upsert_gifts(con, gifts_frame(gift_rows), "dp_api", f"dp-{uuid.uuid4().hex[:12]}")
        _upsert_dp_donors(con, donor_rows)
        con.execute(
            "INSERT OR REPLACE INTO sync_state VALUES (?, ?, ?, ?)",
            [STREAM, CURSOR_KEY, (today - timedelta(days=1)).isoformat(), utc_now()],
        )
        con.execute(
            "INSERT INTO donation_imports VALUES (?, 'dp_api', NULL, ?, ?, ?, 0, ?)",
            [uuid.uuid4().hex, utc_now(), len(gift_rows), len(gift_rows),
             json.dumps({"since": since.isoformat() if since else None, "donors": len(donor_rows),
                         "calls": client.calls})],
        )
        if gift_rows or donor_rows:
            mark_changed(con, "gifts")
    return DpSyncResult(len(gift_rows), len(donor_rows), client.calls, since)


def _cursor(con: duckdb.DuckDBPyConnection) -> date | None:
    row = con.execute("SELECT value FROM sync_state WHERE stream = ? AND key = ?", [STREAM, CURSOR_KEY]).fetchone()
    return date.fromisoformat(row[0]) if row else None


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _stamp(value: str | None, keep_midnight: bool) -> datetime | None:
    """A timestamp; without keep_midnight a midnight is a date without a time of day (None): DonorPerfect sets
    entry dates without one (manual: "Setting time values is not supported") and writes them as the date alone
    or with 00:00:00, so both must store the same."""
    text = _text(value)
    if text is None:
        return None
    stamp, _ = parse_timestamp(text)
    return stamp if keep_midnight or (has_time_of_day(text) and stamp.time() != time(0)) else None


def gift_from_dp(row: dict[str, str]) -> dict[str, object]:
    """One DPGIFT record as a gifts row; a malformed value is reported with the gift's id."""
    gift: dict[str, object] = dict.fromkeys(GIFT_COLUMNS)
    try:
        for name in GIFT_COLUMNS:
            gift[name] = _text(row.get(name))
        gift["gift_id"] = str(int(float(row["gift_id"])))
        gift["donor_id"] = str(int(float(row["donor_id"]))) if _text(row.get("donor_id")) else None
        gift["gift_date"] = parse_date(row["gift_date"])[0] if _text(row.get("gift_date")) else None
        gift["created_date"] = _stamp(row.get("created_date"), keep_midnight=False)
        gift["modified_date"] = _stamp(row.get("modified_date"), keep_midnight=True)
        gift["amount"] = parse_amount(row["amount"]) if _text(row.get("amount")) else Decimal(0)
        gift["record_type"] = (_text(row.get("record_type")) or "G").upper()
    except (KeyError, ValueError) as err:
        raise DonorPerfectError(f"DonorPerfect gift {row.get('gift_id')!r} has a malformed value: {err}") from None
    return gift


def donor_from_dp(row: dict[str, str]) -> dict[str, object]:
    try:
        return {
            "donor_id": str(int(float(row["donor_id"]))),
            **{name: _text(row.get(name)) for name in ("first_name", "last_name", "email", "cc_contact_id",
                                                       "org_rec", "donor_type")},
            "created_date": _stamp(row.get("created_date"), keep_midnight=True),
            "modified_date": _stamp(row.get("modified_date"), keep_midnight=True),
        }
    except (KeyError, ValueError) as err:
        raise DonorPerfectError(f"DonorPerfect donor {row.get('donor_id')!r} has a malformed value: {err}") from None


def _upsert_dp_donors(con: duckdb.DuckDBPyConnection, donors: list[dict[str, object]]) -> None:
    """DonorPerfect is the source of truth for its donors: its values replace what a CSV left."""
    if not donors:
        return
    frame = pl.DataFrame(donors, schema={
        "donor_id": pl.Utf8, "first_name": pl.Utf8, "last_name": pl.Utf8, "email": pl.Utf8,
        "cc_contact_id": pl.Utf8, "org_rec": pl.Utf8, "donor_type": pl.Utf8,
        "created_date": pl.Datetime("us"), "modified_date": pl.Datetime("us"),
    }, orient="row").with_columns(source=pl.lit("dp_api"))
    con.register("incoming_dp_donors", frame.to_arrow())
    con.execute("DELETE FROM donors WHERE donor_id IN (SELECT donor_id FROM incoming_dp_donors)")
    con.execute(f"INSERT INTO donors ({', '.join(frame.columns)}) SELECT * FROM incoming_dp_donors")
    con.unregister("incoming_dp_donors")
