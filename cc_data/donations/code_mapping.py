"""The gift code -> campaign mapping behind "coded" attribution: what codes exist, and saving the user's edits."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from cc_data.errors import UserError
from cc_data.store.db import BeforePublish, writer
from cc_data.store.query import frame
from cc_data.store.schema import CODE_FIELDS
from cc_data.store.transaction import transaction
from cc_data.store.upserts import mark_changed

MAPPING_SCHEMA = {"code_field": pl.Utf8, "code": pl.Utf8, "campaign_id": pl.Utf8}


class MappingError(UserError):
    """A row of the code mapping cannot be saved."""


def gift_codes(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every code on a revenue gift (per code field, case-insensitive as matching is) with its gifts and revenue,
    and its mapped campaign if any."""
    parts = " UNION ALL ".join(
        f"SELECT '{name}' AS code_field, upper(trim({name})) AS code, amount FROM gifts "
        f"WHERE record_type IN ('G', 'A') AND nullif(trim({name}), '') IS NOT NULL"
        for name in CODE_FIELDS
    )
    sql = f"""
        SELECT c.code_field, c.code, count(*) AS gifts, CAST(sum(c.amount) AS DOUBLE) AS revenue, m.campaign_id
        FROM ({parts}) c
        LEFT JOIN gift_code_campaigns m ON m.code_field = c.code_field AND upper(trim(m.code)) = upper(c.code)
        GROUP BY ALL ORDER BY revenue DESC, c.code_field, c.code
    """
    return frame(con, sql)


def campaign_choices(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """campaign_id, name of every campaign a code can be mapped to, by name."""
    return frame(con, "SELECT campaign_id, coalesce(name, campaign_id) AS name FROM campaigns ORDER BY name")


def code_mapping(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return frame(con, "SELECT code_field, code, campaign_id FROM gift_code_campaigns ORDER BY code_field, code")


def clean_mapping(rows: pl.DataFrame, campaign_ids: set[str]) -> pl.DataFrame:
    """Validated rows (blank rows dropped); raises MappingError naming the first bad row."""
    frame = rows.select(list(MAPPING_SCHEMA)).cast(MAPPING_SCHEMA).with_columns(
        pl.col(name).str.strip_chars() for name in MAPPING_SCHEMA
    )
    frame = frame.filter(pl.any_horizontal(pl.col(name).fill_null("") != "" for name in MAPPING_SCHEMA))
    for number, row in enumerate(frame.iter_rows(named=True), start=1):
        if row["code_field"] not in CODE_FIELDS:
            raise MappingError(f"Mapping row {number}: the code field must be one of {', '.join(CODE_FIELDS)}.")
        if not row["code"]:
            raise MappingError(f"Mapping row {number}: the code is empty.")
        if row["campaign_id"] not in campaign_ids:
            raise MappingError(f"Mapping row {number}: choose a campaign for code {row['code']!r}.")
    duplicated = frame.with_columns(key=pl.col("code").str.to_uppercase()).filter(
        pl.struct("code_field", "key").is_duplicated()
    )
    if not duplicated.is_empty():
        first = duplicated.row(0, named=True)
        raise MappingError(f"Code {first['code']!r} ({first['code_field']}) is mapped twice; keep one row.")
    return frame


def replace_mapping(con: duckdb.DuckDBPyConnection, mapping: pl.DataFrame) -> None:
    with transaction(con):
        con.execute("DELETE FROM gift_code_campaigns")
        if not mapping.is_empty():
            con.register("incoming_mapping", mapping.select(list(MAPPING_SCHEMA)).to_arrow())
            con.execute("INSERT INTO gift_code_campaigns SELECT code_field, code, campaign_id FROM incoming_mapping")
            con.unregister("incoming_mapping")


def save_code_mapping(db_path: Path, rows: pl.DataFrame, before_publish: BeforePublish | None = None) -> int:
    """Validate and store the whole mapping (it replaces the previous one); returns the number of rows saved.
    `before_publish`: e.g. cc_data.analytics.stored.refresh.refresh_changed, which then refreshes what the mapping touches."""
    with writer(db_path, before_publish=before_publish) as w:
        campaign_ids = {row[0] for row in w.con.execute("SELECT campaign_id FROM campaigns").fetchall()}
        mapping = clean_mapping(rows, campaign_ids)
        replace_mapping(w.con, mapping)
        mark_changed(w.con, "mapping")
    return mapping.height


def seed_code_mapping(con: duckdb.DuckDBPyConnection, appeal_codes: dict[str, str]) -> int:
    """Add solicit_code -> campaign rows (e.g. the demo account's appeal codes) without touching existing ones."""
    rows = [("solicit_code", code, campaign_id) for code, campaign_id in appeal_codes.items()]
    if rows:
        con.executemany("INSERT OR IGNORE INTO gift_code_campaigns VALUES (?, ?, ?)", rows)
    return len(rows)
