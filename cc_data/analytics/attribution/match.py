"""Donors matched to Constant Contact contacts (by cc_contact_id, then by email), and the report of it."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from cc_data.analytics.attribution.queries import DONOR_CONTACTS
from cc_data.store.query import frame


def donor_contacts(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per donor: contact_id and how it was found (cc_contact_id first, then email), or why not."""
    return frame(con, DONOR_CONTACTS + " ORDER BY u.donor_id", own_cursor=True)


@dataclass(frozen=True)
class MatchReport:
    donors: pl.DataFrame   # donor_contacts(): one row per donor

    @property
    def total(self) -> int:
        return self.donors.height

    @property
    def matched(self) -> int:
        return self.donors.filter(pl.col("contact_id").is_not_null()).height

    @property
    def rate(self) -> float | None:
        return self.matched / self.total if self.total else None

    @property
    def by_method(self) -> dict[str, int]:
        counts = self.donors.group_by("match_method").len()
        return {row["match_method"] or "unmatched": row["len"] for row in counts.iter_rows(named=True)}

    @property
    def unmatched(self) -> pl.DataFrame:
        return self.donors.filter(pl.col("contact_id").is_null()).drop("contact_id", "match_method")


def match_report(con: duckdb.DuckDBPyConnection) -> MatchReport:
    return MatchReport(donor_contacts(con))
