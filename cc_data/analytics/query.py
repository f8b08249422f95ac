"""Moved to cc_data.store.query (kept until attribution.py imports it from there)."""

from cc_data.store.query import frame, row_count, table_exists

__all__ = ["frame", "row_count", "table_exists"]
