"""One import, end to end: validate the file, then store it through the writer (working copy + atomic publish).

Gifts are upserted by gift_id and donors created or filled, in one transaction (`store_import`).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import duckdb
import polars as pl

from cc_data.clock import utc_now
from cc_data.donations import checks, columns
from cc_data.donations.importer import (
    DONOR_COLUMNS,
    GIFT_COLUMNS,
    GiftImport,
    ImportFileError,
    read_gift_file,
)
from cc_data.store.db import BeforePublish, read, writer
from cc_data.store.transaction import transaction
from cc_data.store.upserts import mark_changed


class ImportRejected(ImportFileError):
    """Strict mode: the file had rejected rows, so nothing was imported."""


class AmountsToConfirm(ImportFileError):
    """Amounts of $0 or less, or far outside the usual range, were not confirmed: nothing was imported."""


def review(con: duckdb.DuckDBPyConnection | None, result: GiftImport) -> GiftImport:
    """Fill the import's amounts to confirm and its donor differences against what `con` holds (None: nothing
    stored yet), before anything is stored."""
    result.to_confirm, _ = checks.amounts_to_confirm(con, result.frame, result.row_numbers)
    result.donor_differences = checks.donor_differences(con, result.frame)
    return result


def review_file(db_path: Path, result: GiftImport) -> GiftImport:
    """review() against the published database, for a confirm step before the import."""
    if not Path(db_path).exists():
        return review(None, result)
    with read(db_path) as con:
        return review(con, result)


def saved_mapping_for(db_path: Path, headers: list[str]) -> dict[str, str] | None:
    """A mapping saved by an earlier import that fits these headers, if the database has one."""
    if not Path(db_path).exists():
        return None
    with read(db_path) as con:
        return columns.mapping_for_headers(con, headers)


def import_gifts(
    db_path: Path, data: bytes, file_name: str, mapping: dict[str, str] | None = None, *,
    strict: bool = False, remember_mapping_as: str | None = None, before_publish: BeforePublish | None = None,
    accept_outliers: bool = False,
) -> tuple[GiftImport, str]:
    """Validate and store a gift export; returns the validated import and its import_id.

    Valid rows are stored and rejected rows reported; with strict=True any rejected row stops the whole
    import. Amounts to confirm (cc_data.donations.checks) stop it too unless accept_outliers. Storage is one
    transaction on the working copy, published only when it commits.
    """
    result = read_gift_file(data, file_name, mapping)
    if strict and result.rejected:
        raise ImportRejected(
            f"{file_name}: {len(result.rejected)} rows rejected, so nothing was imported "
            f"(first: {result.rejected[0]}). Fix the file or import without --strict."
        )
    if not accept_outliers and review_file(db_path, result).to_confirm:   # before copying the database
        raise AmountsToConfirm(checks.refusal(file_name, result.to_confirm))
    with writer(db_path, before_publish=before_publish) as w:
        review(w.con, result)   # against the copy being written: what is stored at this moment
        if result.to_confirm and not accept_outliers:
            raise AmountsToConfirm(checks.refusal(file_name, result.to_confirm))
        remember = (remember_mapping_as, result.mapping) if remember_mapping_as and mapping else None
        import_id = store_import(
            w.con, result.frame, "csv", file_name, result.report(), result.rows_read, remember
        )
    return result, import_id


def store_import(
    con: duckdb.DuckDBPyConnection, gifts: pl.DataFrame, source: str, file_name: str | None,
    report: dict[str, object], rows_read: int, remember_mapping: tuple[str, dict[str, str]] | None = None,
) -> str:
    """Upsert gifts (by gift_id) and their donors, and record the import, in one transaction."""
    import_id = uuid.uuid4().hex
    with transaction(con):
        if remember_mapping:
            columns.save_mapping(con, *remember_mapping)
        upsert_gifts(con, gifts, source, import_id)
        upsert_donors(con, donors_from_gifts(gifts), source)
        con.execute(
            "INSERT INTO donation_imports VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [import_id, source, file_name, utc_now(), rows_read, gifts.height,
             int(report.get("rows_rejected", 0) or 0), json.dumps(report, default=str)],
        )
        if not gifts.is_empty():
            mark_changed(con, "gifts")
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
    return gifts.select(DONOR_COLUMNS).group_by("donor_id", maintain_order=True).agg(
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
