"""One import, end to end: validate the file, then store it through the writer (working copy + atomic publish)."""

from __future__ import annotations

from pathlib import Path

from cc_data.donations import columns
from cc_data.donations.importer import (
    GiftImport,
    ImportFileError,
    read_gift_file,
    store_import,
)
from cc_data.store.db import read, writer


class ImportRejected(ImportFileError):
    """Strict mode: the file had rejected rows, so nothing was imported."""


def saved_mapping_for(db_path: Path, headers: list[str]) -> dict[str, str] | None:
    """A mapping saved by an earlier import that fits these headers, if the database has one."""
    if not Path(db_path).exists():
        return None
    with read(db_path) as con:
        return columns.mapping_for_headers(con, headers)


def import_gifts(
    db_path: Path, data: bytes, file_name: str, mapping: dict[str, str] | None = None, *,
    strict: bool = False, remember_mapping_as: str | None = None,
) -> tuple[GiftImport, str]:
    """Validate and store a gift export; returns the validated import and its import_id.

    Valid rows are stored and rejected rows reported; with strict=True any rejected row stops the whole
    import. Storage is one transaction on the working copy, published only when it commits.
    """
    result = read_gift_file(data, file_name, mapping)
    if strict and result.rejected:
        raise ImportRejected(
            f"{file_name}: {len(result.rejected)} rows rejected, so nothing was imported "
            f"(first: {result.rejected[0]}). Fix the file or import without --strict."
        )
    with writer(db_path) as w:
        remember = (remember_mapping_as, result.mapping) if remember_mapping_as and mapping else None
        import_id = store_import(
            w.con, result.frame, "csv", file_name, result.report(), result.rows_read, remember
        )
    return result, import_id
