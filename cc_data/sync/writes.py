"""How a stream's rows are stored, declared on the stream (`Stream.write_mode`; dlt calls it the write disposition).

Each mode writes one page's (or one answer's) rows, `{table: [row, ...]}`, inside the caller's transaction and
returns the rows written per table. A row carries only the columns its record carried (absent is not null).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import duckdb

from cc_data.store import upserts
from cc_data.sync.records import CARRIED, Rows


@dataclass(frozen=True)
class Upsert:
    """Each row updates the stored row with its primary key (read from the schema), column by column; a table
    without a primary key gets plain inserts."""

    def write(self, con: duckdb.DuckDBPyConnection, rows: Rows) -> dict[str, int]:
        return {table: upserts.upsert(con, table, table_rows, upserts.primary_key(con, table))
                for table, table_rows in rows.items()}


UPSERT = Upsert()


@dataclass(frozen=True)
class Snapshot:
    """Each complete listing replaces `table` whole: what it no longer lists is gone. The engine gathers every
    page first and writes them in one transaction, so a listing cut short replaces nothing."""

    table: str

    def write(self, con: duckdb.DuckDBPyConnection, rows: Rows) -> dict[str, int]:
        con.execute(f"DELETE FROM {self.table}")
        return UPSERT.write(con, rows)


@dataclass(frozen=True)
class WithChildren:
    """Parent rows are upserted; a parent's rows in each child table (a contact's list memberships, taggings, ...)
    are replaced by the ones its answer carried, and kept when the answer did not carry that list (the reader
    marks which lists each answer carried, under `records.CARRIED`)."""

    parent_key: str
    children: Mapping[str, tuple[str, ...]]          # child table -> its columns

    def write(self, con: duckdb.DuckDBPyConnection, rows: Rows) -> dict[str, int]:
        carried: dict[str, list[str]] = {}
        for mark in rows.get(CARRIED, []):
            carried.setdefault(mark["table"], []).append(mark[self.parent_key])
        written = {}
        for table, table_rows in rows.items():
            if table == CARRIED:
                continue
            if table in self.children:
                written[table] = upserts.replace_children(con, table, self.parent_key, carried.get(table, []),
                                                          table_rows, self.children[table])
            else:
                written[table] = upserts.upsert(con, table, table_rows, upserts.primary_key(con, table))
        return written


WriteMode = Upsert | Snapshot | WithChildren
