"""Reading a gift export (CSV) into validated gift and donor rows, with a report of every row rejected.

`read_gift_file` only reads and validates; `imports.store_import` writes a validated import in one transaction.
Re-importing the same or an overlapping file replaces gifts by gift_id, so nothing is ever counted twice.
A file without a gift_id column gets a stated composite key (see `composite_gift_id`).
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from cc_data.donations import columns
from cc_data.donations.parsing import (
    NotText,
    check_plausible_date,
    control_character,
    has_time_of_day,
    normalise_email,
    parse_amount,
    parse_date,
    parse_record_type,
    parse_timestamp,
    sniff_encoding,
    text_stream,
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


class GiftRows(Sequence[dict[str, object]]):
    """The gifts of an import as {column: value} rows, read from its frame on demand."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self._frame = frame

    def __len__(self) -> int:
        return self._frame.height

    def __getitem__(self, index: int) -> dict[str, object]:  # type: ignore[override]
        return self._frame.row(index, named=True)

    def __iter__(self) -> Iterator[dict[str, object]]:
        return self._frame.iter_rows(named=True)


@dataclass
class GiftImport:
    """A validated file, not yet stored: its gifts as one frame (GIFT_COLUMNS, file order)."""

    file_name: str
    encoding: str
    mapping: dict[str, str]
    rows_read: int
    frame: pl.DataFrame
    issues: list[RowIssue] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    row_numbers: pl.Series | None = None   # each gift's spreadsheet row, for messages about it
    # filled by imports.review: amounts that need confirming, stored donors the file names differently
    to_confirm: list = field(default_factory=list)
    donor_differences: list = field(default_factory=list)

    @property
    def gifts(self) -> GiftRows:
        return GiftRows(self.frame)

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
            "amounts_confirmed": [str(item) for item in self.to_confirm],
            "donor_differences": [str(item) for item in self.donor_differences],
        }

    def summary(self) -> str:
        lines = [
            f"{self.file_name}: read {self.rows_read} rows ({self.encoding}); {len(self.gifts)} gifts ready, "
            f"{len(self.rejected)} rejected, {len(self.duplicates)} duplicate rows skipped."
        ]
        lines += [f"  rejected {issue}" for issue in self.rejected]
        lines += [f"  skipped {issue}" for issue in self.duplicates]
        lines += [f"  note: {text}" for text in self.assumptions]
        lines += [f"  confirmed {item}" for item in self.to_confirm]
        lines += [f"  differs: {item}" for item in self.donor_differences]
        return "\n".join(lines)


def read_headers(data: bytes) -> list[str]:
    """The header row (only the first record is read)."""
    reader = _csv_reader(data, "the file")
    return [header.strip() for header in _next_record(reader, "the file", 1) or []]


def read_gift_file(data: bytes, file_name: str, mapping: dict[str, str] | None = None, *,
                   today: date | None = None) -> GiftImport:
    """Validate a gift export. Raises ImportFileError when the file cannot be imported at all (nothing imported).

    The text is decoded and parsed as it is read; valid rows are kept column by column in frames of
    CHUNK_ROWS rows, so memory stays near the size of the gifts themselves, not of Python objects per row.
    """
    today = today or datetime.now(UTC).date()
    reader = _csv_reader(data, file_name)
    encoding = reader.encoding_label
    headers = [header.strip() for header in _next_record(reader, file_name, 1) or []]
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
    issues: list[RowIssue] = []
    frames = _FrameBuilder()
    date_formats: Counter[str] = Counter()
    blank_types = rows_read = 0
    row_number, last_line = 1, reader.line_num
    while (cells := _next_record(reader, file_name, last_line + 1)) is not None:
        row_number += 1
        lines = (last_line + 1, reader.line_num)
        last_line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        rows_read += 1
        if len(cells) != len(headers):
            issues.append(RowIssue(row_number, _cell_count_reason(len(cells), len(headers), lines)))
            continue
        raw = {name: cells[i].strip() for name, i in index.items()}
        try:
            gift, date_format, blank_type = _validate_row(raw, today)
        except ValueError as err:
            issues.append(RowIssue(row_number, str(err)))
            continue
        date_formats[date_format] += 1
        blank_types += blank_type
        if "gift_id" not in resolved:
            gift["gift_id"] = composite_gift_id(gift)
        frames.add(row_number, gift)
    frame, duplicate_issues = _drop_repeated_gift_ids(frames.frame(), keyed="gift_id" in resolved)
    issues = sorted(issues + duplicate_issues, key=lambda issue: issue.row)
    return GiftImport(file_name, encoding, resolved, rows_read, frame.drop("_row"), issues,
                      _assumptions(resolved, date_formats, blank_types), frame["_row"])


CHUNK_ROWS = 20_000
_FRAME_SCHEMA: dict[str, pl.DataType] = {name: pl.Utf8() for name in GIFT_COLUMNS} | {
    "gift_date": pl.Date(), "created_date": pl.Datetime("us"), "modified_date": pl.Datetime("us"),
    "amount": pl.Decimal(14, 2),
}


class _FrameBuilder:
    """Validated rows, kept as column lists and turned into a frame every CHUNK_ROWS rows."""

    def __init__(self) -> None:
        self._chunks: list[pl.DataFrame] = []
        self._rows: list[int] = []
        self._columns: dict[str, list[object]] = {name: [] for name in GIFT_COLUMNS}

    def add(self, row_number: int, gift: dict[str, object]) -> None:
        self._rows.append(row_number)
        for name, values in self._columns.items():
            values.append(gift[name])
        if len(self._rows) >= CHUNK_ROWS:
            self._flush()

    def frame(self) -> pl.DataFrame:
        """Every row added, in file order, with its spreadsheet row number in `_row`."""
        self._flush()
        if not self._chunks:
            return pl.DataFrame(schema={"_row": pl.Int64, **_FRAME_SCHEMA})
        return pl.concat(self._chunks, rechunk=False)

    def _flush(self) -> None:
        if self._rows:
            self._chunks.append(pl.DataFrame({"_row": self._rows, **self._columns},
                                             schema={"_row": pl.Int64, **_FRAME_SCHEMA}))
        self._rows = []
        self._columns = {name: [] for name in GIFT_COLUMNS}


def _drop_repeated_gift_ids(frame: pl.DataFrame, *, keyed: bool) -> tuple[pl.DataFrame, list[RowIssue]]:
    """The first row of each gift_id is kept (with its `_row`); a later identical row is a skipped duplicate, a
    different one rejected.

    Without a gift_id column the composite key gets its occurrence number instead (two equal gifts stay two).
    """
    occurrence = pl.int_range(pl.len()).over("gift_id")
    if not keyed:
        frame = frame.with_columns(gift_id=pl.col("gift_id") + "#" + (occurrence + 1).cast(pl.Utf8))
        return frame, []
    if frame["gift_id"].is_unique().all():  # the usual case: no repeated id, nothing to compare
        return frame, []
    frame = frame.with_columns(_occurrence=occurrence)
    firsts = frame.filter(pl.col("_occurrence") == 0)
    later = frame.filter(pl.col("_occurrence") > 0)
    issues: list[RowIssue] = []
    if not later.is_empty():
        compared = later.join(firsts, on="gift_id", suffix="_first").with_columns(
            _same=pl.all_horizontal(pl.col(name).eq_missing(pl.col(f"{name}_first"))
                                    for name in GIFT_COLUMNS if name != "gift_id")
        )
        for row, first_row, key, same in compared.select("_row", "_row_first", "gift_id", "_same").iter_rows():
            if same:
                issues.append(RowIssue(row, f"duplicate of row {first_row} (gift_id {key})", True))
            else:
                issues.append(RowIssue(row, f"gift_id {key} is also on row {first_row} with different values"))
    return firsts.drop("_occurrence"), issues


def _cell_count_reason(cells: int, expected: int, lines: tuple[int, int]) -> str:
    where = f" (lines {lines[0]}-{lines[1]}: a quote may be unclosed)" if lines[1] > lines[0] else ""
    if cells < expected:
        return (f"has {cells} cells but the header has {expected}{where}; the row is incomplete "
                "(a file cut short ends this way), so it was not imported")
    return (f"has {cells} cells but the header has {expected}{where}; a value with an unquoted comma "
            "(e.g. Smith, Jr.) shifts the cells, so quote that value in the file")


def composite_gift_id(gift: dict[str, object]) -> str:
    """Key for files without gift_id: donor, date, amount, record type and codes, plus the occurrence number."""
    parts = [gift.get(name) for name in (
        "donor_id", "gift_date", "amount", "record_type", "solicit_code", "sub_solicit_code", "campaign", "gl_code",
    )]
    digest = hashlib.sha1("|".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:16]
    return f"csv:{digest}"


def _csv_reader(data: bytes, file_name: str) -> _Reader:
    try:
        codec, label = sniff_encoding(data)
    except NotText as err:
        raise ImportFileError(
            f"{file_name} is not a CSV text file ({err}); export the gifts from DonorPerfect as CSV and import that."
        ) from None
    return _Reader(text_stream(data, codec), label)


class _Reader:
    """csv.reader in strict mode (a stray quote is an error, not a silently merged cell), with its encoding."""

    def __init__(self, text: Iterator[str], encoding_label: str) -> None:
        self._reader = csv.reader(text, strict=True)
        self.encoding_label = encoding_label

    @property
    def line_num(self) -> int:
        return self._reader.line_num

    def __next__(self) -> list[str]:
        return next(self._reader)


def _next_record(reader: _Reader, file_name: str, first_line: int) -> list[str] | None:
    """The next record, or None at the end; a structure error or undecodable bytes stop the import in one line."""
    try:
        return next(reader)
    except StopIteration:
        return None
    except UnicodeDecodeError:
        error = f"near line {reader.line_num + 1}: bytes that cannot be read as {reader.encoding_label}"
        raise ImportFileError(f"{file_name} is not a CSV text file ({error}); nothing was imported.") from None
    except csv.Error as err:
        raise ImportFileError(f"{file_name} line {reader.line_num}: {_structure_reason(str(err), first_line)}; "
                              "nothing was imported. Fix the file and import it again.") from None


def _structure_reason(message: str, first_line: int) -> str:
    if "unexpected end of data" in message:
        return f"a quoted cell that opens on line {first_line} or after is never closed"
    if "expected after" in message:
        return ('text follows a closing quote; quote the whole value and double the quotes inside it '
                '("Bob ""Bobby"" Smith")')
    if "field larger than field limit" in message:
        return f"a cell is longer than {csv.field_size_limit():,} characters (probably an unclosed quote)"
    return f"the CSV structure is broken ({message})"


def _validate_row(raw: dict[str, str], today: date) -> tuple[dict[str, object], str, bool]:
    problems: list[str] = []
    if control_character(",".join(raw.values())):  # one search per row; which cell only when there is one
        problems = [f"{name} contains a control character ({found}); remove it from the file"
                    for name, value in raw.items() if (found := control_character(value))]
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
            check_plausible_date(gift["gift_date"], today)  # type: ignore[arg-type]
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
                check_plausible_date(stamp.date(), today)
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


def load_mapping_file(path: Path) -> dict[str, str]:
    """A JSON object {field: column header}, e.g. {"gift_date": "Date Received", "amount": "Gift ($)"}."""
    try:
        mapping = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ImportFileError(f"cannot read the mapping file {path}: {err}") from None
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise ImportFileError(f"{path} must be a JSON object mapping field names to column headers.")
    return mapping
