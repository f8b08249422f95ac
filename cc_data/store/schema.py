"""The DuckDB schema: the public contract documented in docs/schema.md.

Every TIMESTAMP column holds UTC (naive TIMESTAMP, UTC by convention). Names follow the API's words.
MIGRATIONS are applied in order; `schema_version` in `meta` records how far a file has come, so an
older file is upgraded in place the first time a writer opens it.
"""

from __future__ import annotations

import duckdb

from cc_data.store.transaction import transaction

SCHEMA_V1 = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);

CREATE TABLE IF NOT EXISTS account (
    encoded_account_id VARCHAR, organization_name VARCHAR, contact_email VARCHAR,
    first_name VARCHAR, last_name VARCHAR, country_code VARCHAR, state_code VARCHAR,
    time_zone_id VARCHAR, website VARCHAR, synced_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS contacts (
    contact_id VARCHAR PRIMARY KEY,
    email_address VARCHAR,          -- as Constant Contact gives it
    email VARCHAR,                  -- trimmed and lower-cased, for matching
    permission_to_send VARCHAR,     -- explicit, implicit, not_set, pending_confirmation, temp_hold, unsubscribed
    confirm_status VARCHAR,
    opt_in_source VARCHAR, opt_in_date TIMESTAMP,
    opt_out_source VARCHAR, opt_out_date TIMESTAMP, opt_out_reason VARCHAR,
    email_created_at TIMESTAMP, email_updated_at TIMESTAMP,
    first_name VARCHAR, last_name VARCHAR, company_name VARCHAR, job_title VARCHAR,
    birthday_month INTEGER, birthday_day INTEGER, anniversary VARCHAR,
    create_source VARCHAR, update_source VARCHAR,
    created_at TIMESTAMP, updated_at TIMESTAMP,
    deleted_at DATE,                -- set when Constant Contact reports the contact deleted; the row is kept
    synced_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS contact_phone_numbers (
    contact_id VARCHAR, phone_number_id VARCHAR, phone_number VARCHAR, kind VARCHAR,
    created_at TIMESTAMP, updated_at TIMESTAMP, PRIMARY KEY (contact_id, phone_number_id)
);

CREATE TABLE IF NOT EXISTS contact_street_addresses (
    contact_id VARCHAR, street_address_id VARCHAR, kind VARCHAR, street VARCHAR, city VARCHAR,
    state VARCHAR, postal_code VARCHAR, country VARCHAR, created_at TIMESTAMP, updated_at TIMESTAMP,
    PRIMARY KEY (contact_id, street_address_id)
);

CREATE TABLE IF NOT EXISTS contact_lists (
    list_id VARCHAR PRIMARY KEY, name VARCHAR, description VARCHAR, favorite BOOLEAN,
    membership_count INTEGER, created_at TIMESTAMP, updated_at TIMESTAMP, deleted_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS list_memberships (
    contact_id VARCHAR, list_id VARCHAR, PRIMARY KEY (contact_id, list_id)
);

CREATE TABLE IF NOT EXISTS contact_tags (
    tag_id VARCHAR PRIMARY KEY, name VARCHAR, tag_source VARCHAR, contacts_count INTEGER,
    created_at TIMESTAMP, updated_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS contact_taggings (
    contact_id VARCHAR, tag_id VARCHAR, PRIMARY KEY (contact_id, tag_id)
);

CREATE TABLE IF NOT EXISTS custom_fields (
    custom_field_id VARCHAR PRIMARY KEY, name VARCHAR, label VARCHAR, type VARCHAR,
    created_at TIMESTAMP, updated_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS contact_custom_fields (
    contact_id VARCHAR, custom_field_id VARCHAR, value VARCHAR, PRIMARY KEY (contact_id, custom_field_id)
);

CREATE TABLE IF NOT EXISTS segments (
    segment_id INTEGER PRIMARY KEY, name VARCHAR, created_at TIMESTAMP, edited_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS campaigns (
    campaign_id VARCHAR PRIMARY KEY, name VARCHAR, type VARCHAR, type_code INTEGER,
    current_status VARCHAR, created_at TIMESTAMP, updated_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS campaign_activities (
    campaign_activity_id VARCHAR PRIMARY KEY, campaign_id VARCHAR, role VARCHAR,  -- primary_email, resend, permalink
    current_status VARCHAR, subject VARCHAR, preheader VARCHAR, from_name VARCHAR, from_email VARCHAR,
    reply_to_email VARCHAR, format_type INTEGER, contact_list_ids VARCHAR[], segment_ids INTEGER[]
);

CREATE TABLE IF NOT EXISTS campaign_summaries (   -- Constant Contact's own unique counts per campaign
    campaign_id VARCHAR PRIMARY KEY, campaign_type VARCHAR, last_sent_date TIMESTAMP,
    sends INTEGER, opens INTEGER, clicks INTEGER, forwards INTEGER, optouts INTEGER,
    abuse INTEGER, bounces INTEGER, not_opened INTEGER, synced_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS activity_stats (       -- /reports/stats/email_campaign_activities
    campaign_activity_id VARCHAR PRIMARY KEY, campaign_id VARCHAR,
    em_sends INTEGER, em_opens INTEGER, em_opens_all INTEGER, em_clicks INTEGER, em_clicks_all INTEGER,
    em_bounces INTEGER, em_optouts INTEGER, em_forwards INTEGER, em_abuse INTEGER, em_not_opened INTEGER,
    em_opens_all_computer INTEGER, em_opens_all_mobile INTEGER, em_opens_all_tablet INTEGER,
    em_opens_all_other INTEGER, em_clicks_all_computer INTEGER, em_clicks_all_mobile INTEGER,
    em_clicks_all_tablet INTEGER, em_clicks_all_other INTEGER,
    last_refresh_time TIMESTAMP, synced_at TIMESTAMP
);

-- One row per API tracking row. Natural key: (campaign_activity_id, contact_id, tracking_activity_type,
-- created_time, url_id, ordinal) -- ordinal (v3) numbers identical rows; the sync never stores a key twice.
CREATE TABLE IF NOT EXISTS tracking_events (
    campaign_activity_id VARCHAR NOT NULL,
    contact_id VARCHAR NOT NULL,
    tracking_activity_type VARCHAR NOT NULL,   -- em_sends, em_opens, em_clicks, em_bounces, em_optouts, em_forwards
    created_time TIMESTAMP NOT NULL,
    device_type VARCHAR, url_id VARCHAR, link_url VARCHAR, bounce_code VARCHAR, opt_out_reason VARCHAR
);

CREATE TABLE IF NOT EXISTS sync_state (
    stream VARCHAR, key VARCHAR, value VARCHAR, updated_at TIMESTAMP, PRIMARY KEY (stream, key)
);

CREATE TABLE IF NOT EXISTS sync_runs (
    run_id VARCHAR PRIMARY KEY, started_at TIMESTAMP, finished_at TIMESTAMP,
    outcome VARCHAR,             -- running, success, quota_exceeded, failed, interrupted
    mode VARCHAR,                -- incremental, full
    calls JSON,                  -- {endpoint: calls}
    rows JSON,                   -- {table: rows written}
    message VARCHAR
);

CREATE TABLE IF NOT EXISTS api_calls_daily (day DATE PRIMARY KEY, calls INTEGER);

-- Donations (DonorPerfect CSV import or XML API)
CREATE TABLE IF NOT EXISTS donors (
    donor_id VARCHAR PRIMARY KEY, first_name VARCHAR, last_name VARCHAR, email VARCHAR,
    cc_contact_id VARCHAR, org_rec VARCHAR, donor_type VARCHAR, created_date TIMESTAMP,
    modified_date TIMESTAMP, source VARCHAR
);

CREATE TABLE IF NOT EXISTS gifts (
    gift_id VARCHAR PRIMARY KEY, donor_id VARCHAR, record_type VARCHAR,  -- G, P, M, S, A
    gift_date DATE, created_date TIMESTAMP, modified_date TIMESTAMP, amount DECIMAL(14, 2),
    currency VARCHAR, solicit_code VARCHAR, sub_solicit_code VARCHAR, campaign VARCHAR, gl_code VARCHAR,
    gift_type VARCHAR, split_gift VARCHAR, glink VARCHAR, plink VARCHAR,
    email VARCHAR, first_name VARCHAR, last_name VARCHAR, cc_contact_id VARCHAR,  -- as given on a CSV row
    source VARCHAR, import_id VARCHAR
);

CREATE TABLE IF NOT EXISTS gift_code_campaigns (   -- a gift code mapped to a campaign (coded attribution)
    code_field VARCHAR, code VARCHAR, campaign_id VARCHAR, PRIMARY KEY (code_field, code)
);

CREATE TABLE IF NOT EXISTS donation_imports (
    import_id VARCHAR PRIMARY KEY, source VARCHAR, file_name VARCHAR, imported_at TIMESTAMP,
    rows_read INTEGER, rows_imported INTEGER, rows_rejected INTEGER, report JSON
);

CREATE TABLE IF NOT EXISTS column_mappings (name VARCHAR PRIMARY KEY, mapping JSON, updated_at TIMESTAMP);
"""

# v2 (sync): when a contact was last returned by the API, and when a full pass no longer found it.
SCHEMA_V2 = """
ALTER TABLE contacts ADD COLUMN IF NOT EXISTS last_seen_at TIMESTAMP;
ALTER TABLE contacts ADD COLUMN IF NOT EXISTS removed_at TIMESTAMP;
"""

# v3 (sync): identical tracking rows are real rows (a double click in one second): `ordinal` numbers them.
# A run records the records it skipped (no id) and what it worked around.
SCHEMA_V3 = """
ALTER TABLE tracking_events ADD COLUMN IF NOT EXISTS ordinal INTEGER DEFAULT 1;
ALTER TABLE sync_runs ADD COLUMN IF NOT EXISTS skipped JSON;
ALTER TABLE sync_runs ADD COLUMN IF NOT EXISTS notes JSON;
"""

# v4 (push): segments saved by name (their criteria, not their members) and every push of one to a Constant
# Contact list, with the batches it sent (each an add/remove activity), so an interrupted push resumes.
SCHEMA_V4 = """
CREATE TABLE IF NOT EXISTS saved_segments (
    name VARCHAR PRIMARY KEY, kind VARCHAR, criteria JSON, created_at TIMESTAMP, updated_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS list_pushes (
    push_id VARCHAR PRIMARY KEY, started_at TIMESTAMP, finished_at TIMESTAMP,
    actor VARCHAR,                  -- who or which command: 'dashboard', 'cc-data segments push'
    segment_name VARCHAR, criteria JSON,
    list_id VARCHAR, list_name VARCHAR, list_created BOOLEAN, remove_missing BOOLEAN,
    to_add INTEGER, already_on INTEGER, left_out INTEGER, to_remove INTEGER,
    added INTEGER, removed INTEGER, cannot_add INTEGER,
    api_calls INTEGER,
    state VARCHAR,                  -- running, completed, failed, interrupted
    activity_ids JSON, errors JSON, message VARCHAR
);
CREATE TABLE IF NOT EXISTS list_push_batches (
    push_id VARCHAR, action VARCHAR, batch INTEGER,   -- action: add or remove
    contact_ids VARCHAR[],
    activity_id VARCHAR, state VARCHAR,               -- NULL until sent; then the activity's state
    items_total INTEGER, items_completed INTEGER, cannot_add INTEGER, errors JSON,
    sent_at TIMESTAMP, finished_at TIMESTAMP,
    PRIMARY KEY (push_id, action, batch)
);
"""

# Gift columns that may carry a code mapped to a campaign (gift_code_campaigns.code_field), most specific first.
CODE_FIELDS: tuple[str, ...] = ("sub_solicit_code", "solicit_code", "campaign", "gl_code")

MIGRATIONS: list[str] = [SCHEMA_V1, SCHEMA_V2, SCHEMA_V3, SCHEMA_V4]
SCHEMA_VERSION = len(MIGRATIONS)


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
    ).fetchone()[0]
    if not exists:
        return 0
    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring `con`'s database up to SCHEMA_VERSION; returns the version it is at."""
    version = current_version(con)
    for number, ddl in enumerate(MIGRATIONS[version:], start=version + 1):
        with transaction(con):   # a migration and its version record land together, or neither does
            con.execute(ddl)
            con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(number)])
    return SCHEMA_VERSION
