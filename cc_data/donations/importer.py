"""Reading a gift export (CSV) into validated gift and donor rows, with a report of every row rejected.

`read_gift_file` only reads and validates; `store_import` writes a validated import in one transaction.
Re-importing the same or an overlapping file replaces gifts by gift_id, so nothing is ever counted twice.
A file without a gift_id column gets a stated composite key (see `composite_gift_id`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from cc_data.donations import columns
from cc_data.donations.parsing import (
    decode_bytes,
    has_time_of_day,
    normalise_email,
    parse_amount,
    parse_date,
    parse_record_type,
    parse_timestamp,
)
from cc_data.errors import UserError

GIFT_COLUMNS: tuple[str, ...] = (
    "gift_id", "donor_id", "record_type", "gift_date", "created_date", "modified_date", "amount", "currency",
    "solicit_code", "sub_solicit_code", "campaign", "gl_code", "gift_type", "split_gift", "glink", "plink",
    "email", "first_name", "last_name", "cc_contact_id",
)
DONOR_COLUMNS: tuple[str, ...] = ("donor_id", "first_name", "last_name", "email", "cc_contact_id")
_TEXT_FIELDS = (
    "currency", "solicit_code", "sub_solicit_code", "campaign", "gl_code", "gift_type", "split_gift",
    "glink", "plink", "first_name", "last_name", "cc_contact_id",
)


class ImportFileError(UserError):
    """The file cannot be imported at all (unreadable, or required columns missing)."""


@dataclass(frozen=True)
class RowIssue:
    row: int          # the spreadsheet row number: the header is row 1, the first gift row 2
    reason: str
    skipped_duplicate: bool = False

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


@dataclass
class GiftImport:
    """A validated file, not yet stored."""

    file_name: str
    encoding: str
    mapping: dict[str, str]
    rows_read: int
    gifts: list[dict[str, object]]
    issues: list[RowIssue] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> list[RowIssue]:
        return [issue for issue in self.issues if not issue.skipped_duplicate]

    @property
    def duplicates(self) -> list[RowIssue]:
        return [issue for issue in self.issues if issue.skipped_duplicate]

    def report(self) -> dict[str, object]:
        return {
            "file": self.file_name,
            "encoding": self.encoding,
            "rows_read": self.rows_read,
            "rows_imported": len(self.gifts),
            "rows_rejected": len(self.rejected),
            "duplicates_skipped": len(self.duplicates),
            "rejected": [str(issue) for issue in self.rejected],
            "duplicates": [str(issue) for issue in self.duplicates],
            "assumptions": self.assumptions,
            "mapping": self.mapping,
        }

    def summary(self) -> str:
        lines = [
            f"{self.file_name}: read {self.rows_read} rows ({self.encoding}); {len(self.gifts)} gifts ready, "
            f"{len(self.rejected)} rejected, {len(self.duplicates)} duplicate rows skipped."
        ]
        lines += [f"  rejected {issue}" for issue in self.rejected]
        lines += [f"  skipped {issue}" for issue in self.duplicates]
        lines += [f"  note: {text}" for text in self.assumptions]
        return "\n".join(lines)


def read_headers(data: bytes) -> list[str]:
    text, _ = _decode(data)
    first = next(csv.reader(io.StringIO(text)), [])
    return [header.strip() for header in first]


def read_gift_file(data: bytes, file_name: str, mapping: dict[str, str] | None = None) -> GiftImport:
    """Validate a gift export. Raises ImportFileError when required columns are missing (nothing imported)."""
    text, encoding = _decode(data)
    reader = csv.reader(io.StringIO(text))
    headers = [header.strip() for header in next(reader, [])]
    if not any(headers):
        raise ImportFileError(f"{file_name} is empty; export the gifts from DonorPerfect as CSV with a header row.")
    try:
        resolved = columns.resolve(headers, mapping)
    except ValueError as err:
        raise ImportFileError(f"{file_name}: {err}.") from None
    missing = columns.missing_required(resolved)
    if missing:
        raise ImportFileError(
            f"{file_name} has no column for {', '.join(missing)}; nothing was imported. "
            "Rename the column or give a mapping (--mapping FILE, or the mapping step in the app)."
        )
    index = {field_name: headers.index(header) for field_name, header in resolved.items()}
    result = GiftImport(file_name, encoding, resolved, 0, [])
    date_formats: Counter[str] = Counter()
    blank_types = 0
    seen: dict[str, tuple[int, dict[str, object]]] = {}
    occurrences: Counter[str] = Counter()
    for row_number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        result.rows_read += 1
        raw = {name: (cells[i].strip() if i < len(cells) else "") for name, i in index.items()}
        try:
            gift, date_format, blank_type = _validate_row(raw)
        except ValueError as err:
            result.issues.append(RowIssue(row_number, str(err)))
            continue
        date_formats[date_format] += 1
        blank_types += blank_type
        if "gift_id" not in resolved:
            base = composite_gift_id(gift)
            occurrences[base] += 1
            gift["gift_id"] = f"{base}#{occurrences[base]}"
        key = str(gift["gift_id"])
        if key in seen:
            first_row, first_gift = seen[key]
            if first_gift == gift:
                result.issues.append(RowIssue(row_number, f"duplicate of row {first_row} (gift_id {key})", True))
            else:
                result.issues.append(
                    RowIssue(row_number, f"gift_id {key} is also on row {first_row} with different values")
                )
            continue
        seen[key] = (row_number, gift)
        result.gifts.append(gift)
    result.assumptions = _assumptions(resolved, date_formats, blank_types)
    return result


def composite_gift_id(gift: dict[str, object]) -> str:
    """Key for files without gift_id: donor, date, amount, record type and codes, plus the occurrence number."""
    parts = [gift.get(name) for name in (
        "donor_id", "gift_date", "amount", "record_type", "solicit_code", "sub_solicit_code", "campaign", "gl_code",
    )]
    digest = hashlib.sha1("|".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:16]
    return f"csv:{digest}"


def _decode(data: bytes) -> tuple[str, str]:
    try:
        return decode_bytes(data)
    except ValueError as err:
        raise ImportFileError(str(err)) from None


def _validate_row(raw: dict[str, str]) -> tuple[dict[str, object], str, bool]:
    problems: list[str] = []
    gift: dict[str, object] = {name: None for name in GIFT_COLUMNS}
    date_format = ""
    if "gift_id" in raw and not raw["gift_id"]:
        problems.append("gift_id is empty")
    gift["gift_id"] = raw.get("gift_id") or None
    if not raw["gift_date"]:
        problems.append("gift_date is empty")
    else:
        try:
            gift["gift_date"], date_format = parse_date(raw["gift_date"])
        except ValueError as err:
            problems.append(f"gift_date: {err}")
    if not raw["amount"]:
        problems.append("amount is empty")
    else:
        try:
            gift["amount"] = parse_amount(raw["amount"])
        except ValueError as err:
            problems.append(f"amount: {err}")
    for name in ("created_date", "modified_date"):
        value = raw.get(name, "")
        if value:
            try:
                stamp, _ = parse_timestamp(value)
                gift[name] = stamp if name == "modified_date" or has_time_of_day(value) else None
            except ValueError as err:
                problems.append(f"{name}: {err}")
    blank_type = not raw.get("record_type")
    try:
        gift["record_type"] = parse_record_type(raw["record_type"]) if not blank_type else "G"
    except ValueError as err:
        problems.append(str(err))
    email = normalise_email(raw.get("email"))
    if email and "@" not in email:
        problems.append(f"email {raw['email']!r} is not an email address")
    gift["email"] = email
    donor_id = raw.get("donor_id") or None
    if donor_id is None and email is None:
        problems.append("no donor_id or email, so the gift cannot be tied to a donor")
    gift["donor_id"] = donor_id or (f"email:{email}" if email else None)
    for name in _TEXT_FIELDS:
        gift[name] = raw.get(name) or None
    if problems:
        raise ValueError("; ".join(problems))
    return gift, date_format, blank_type


def _assumptions(mapping: dict[str, str], date_formats: Counter[str], blank_types: int) -> list[str]:
    notes: list[str] = []
    if date_formats:
        used = ", ".join(f"{label} ({count} rows)" for label, count in date_formats.most_common())
        notes.append(f"gift dates read as {used}; slashed dates are month first (US), as DonorPerfect writes them")
        if any("two-digit" in label for label in date_formats):
            notes.append("two-digit years 00-68 were read as 2000-2068 and 69-99 as 1969-1999")
    if "record_type" not in mapping:
        notes.append("no record_type column: every row was treated as a gift (G)")
    elif blank_types:
        notes.append(f"{blank_types} rows with an empty record_type were treated as gifts (G)")
    if "gift_id" not in mapping:
        notes.append(
            "no gift_id column: gifts are keyed on donor, date, amount, record type and codes "
            "(plus the occurrence number within the file), so re-importing the same file replaces them"
        )
    if "donor_id" not in mapping:
        notes.append("no donor_id column: donors are identified by their email address")
    if "created_date" not in mapping:
        notes.append("no created_date column: attribution uses calendar-day windows on gift_date")
    return notes


def gifts_frame(gifts: list[dict[str, object]]) -> pl.DataFrame:
    schema = {name: pl.Utf8 for name in GIFT_COLUMNS} | {
        "gift_date": pl.Date, "created_date": pl.Datetime("us"), "modified_date": pl.Datetime("us"),
        "amount": pl.Decimal(14, 2),
    }
    return pl.DataFrame(gifts, schema=schema, orient="row") if gifts else pl.DataFrame(schema=schema)


def store_import(
    con: duckdb.DuckDBPyConnection, gifts: pl.DataFrame, source: str, file_name: str | None,
    report: dict[str, object], rows_read: int, remember_mapping: tuple[str, dict[str, str]] | None = None,
) -> str:
    """Upsert gifts (by gift_id) and their donors, and record the import, in one transaction."""
    import_id = uuid.uuid4().hex
    con.execute("BEGIN")
    try:
        if remember_mapping:
            columns.save_mapping(con, *remember_mapping)
        upsert_gifts(con, gifts, source, import_id)
        upsert_donors(con, donors_from_gifts(gifts), source)
        con.execute(
            "INSERT INTO donation_imports VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [import_id, source, file_name, datetime.now(UTC).replace(tzinfo=None), rows_read, gifts.height,
             int(report.get("rows_rejected", 0) or 0), json.dumps(report, default=str)],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return import_id


def upsert_gifts(con: duckdb.DuckDBPyConnection, gifts: pl.DataFrame, source: str, import_id: str) -> None:
    if gifts.is_empty():
        return
    frame = gifts.select(GIFT_COLUMNS).with_columns(source=pl.lit(source), import_id=pl.lit(import_id))
    con.register("incoming_gifts", frame.to_arrow())
    names = ", ".join(frame.columns)
    con.execute("DELETE FROM gifts WHERE gift_id IN (SELECT gift_id FROM incoming_gifts)")
    con.execute(f"INSERT INTO gifts ({names}) SELECT {names} FROM incoming_gifts")
    con.unregister("incoming_gifts")


def donors_from_gifts(gifts: pl.DataFrame) -> pl.DataFrame:
    """One donor per donor_id, with the last non-empty name, email and cc_contact_id seen on their gifts."""
    if gifts.is_empty():
        return pl.DataFrame(schema=dict.fromkeys(DONOR_COLUMNS, pl.Utf8))
    return gifts.group_by("donor_id", maintain_order=True).agg(
        pl.col(name).drop_nulls().last() for name in DONOR_COLUMNS[1:]
    )


def upsert_donors(con: duckdb.DuckDBPyConnection, donors: pl.DataFrame, source: str) -> None:
    """Insert new donors; fill known donors' empty fields without overwriting what is there."""
    if donors.is_empty():
        return
    con.register("incoming_donors", donors.select(DONOR_COLUMNS).to_arrow())
    con.execute(
        """
        UPDATE donors SET first_name = coalesce(donors.first_name, i.first_name),
            last_name = coalesce(donors.last_name, i.last_name), email = coalesce(donors.email, i.email),
            cc_contact_id = coalesce(donors.cc_contact_id, i.cc_contact_id)
        FROM incoming_donors i WHERE donors.donor_id = i.donor_id
        """
    )
    con.execute(
        """
        INSERT INTO donors (donor_id, first_name, last_name, email, cc_contact_id, source)
        SELECT donor_id, first_name, last_name, email, cc_contact_id, ? FROM incoming_donors
        WHERE donor_id NOT IN (SELECT donor_id FROM donors)
        """,
        [source],
    )
    con.unregister("incoming_donors")


def load_mapping_file(path: Path) -> dict[str, str]:
    """A JSON object {field: column header}, e.g. {"gift_date": "Date Received", "amount": "Gift ($)"}."""
    try:
        mapping = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ImportFileError(f"cannot read the mapping file {path}: {err}") from None
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise ImportFileError(f"{path} must be a JSON object mapping field names to column headers.")
    return mapping
