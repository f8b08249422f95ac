"""DuckDB storage: the schema (a public contract), the published snapshot, read-only access."""
