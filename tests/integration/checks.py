"""Compare a synced database with the sandbox's ground truth."""

from __future__ import annotations

import polars as pl

from cc_data.store.db import read

TRACKING_KEY = ["campaign_activity_id", "contact_id", "tracking_activity_type", "created_time", "url_id", "ordinal"]


def db_frame(db_path, sql: str) -> pl.DataFrame:
    with read(db_path) as con:
        return pl.from_arrow(con.sql(sql).to_arrow_table())


def assert_tracking_equal(db_path, account, since=None) -> int:
    """Every row the account serves is stored, identical rows as often as the account serves them (of the campaigns
    last sent on or after `since`, the sync's anchor date, when given)."""
    truth = account.tracking_frame().with_columns(pl.col("created_time").dt.replace_time_zone(None))
    if since is not None:
        in_scope = db_frame(db_path, f"""SELECT a.campaign_activity_id FROM campaign_activities a
            JOIN campaign_summaries s USING (campaign_id) WHERE s.last_sent_date >= DATE '{since:%Y-%m-%d}'""")
        truth = truth.filter(pl.col("campaign_activity_id").is_in(in_scope["campaign_activity_id"].implode()))
    got = db_frame(db_path, "SELECT * FROM tracking_events")
    dupes = got.group_by(TRACKING_KEY).len().filter(pl.col("len") > 1)
    assert dupes.height == 0, f"{dupes.height} duplicate tracking keys"
    cols = ["campaign_activity_id", "contact_id", "tracking_activity_type", "created_time", "device_type",
            "url_id", "link_url", "bounce_code", "opt_out_reason"]
    truth = truth.select(cols).with_columns(pl.col("created_time").cast(pl.Datetime("us"))).sort(cols, nulls_last=True)
    got = got.select(cols).with_columns(pl.col("created_time").cast(pl.Datetime("us"))).sort(cols, nulls_last=True)
    assert got.height == truth.height, (got.height, truth.height)
    assert got.equals(truth)
    return got.height


def assert_contacts_equal(db_path, account) -> int:
    truth = account.contacts_frame()
    got = db_frame(db_path, "SELECT * FROM contacts WHERE removed_at IS NULL")
    assert got.height == truth.height
    joined = truth.join(got, on="contact_id", how="left", suffix="_db")
    for column in ("email_address", "first_name", "last_name", "permission_to_send", "deleted_at"):
        bad = joined.filter(pl.col(column).ne_missing(pl.col(f"{column}_db")))
        assert bad.height == 0, f"{column}: {bad.select('contact_id', column, f'{column}_db').head(3)}"
    for column in ("created_at", "updated_at", "opt_out_date"):
        bad = joined.filter(pl.col(column).dt.replace_time_zone(None).cast(pl.Datetime("us"))
                            .ne_missing(pl.col(f"{column}_db").cast(pl.Datetime("us"))))
        assert bad.height == 0, f"{column}: {bad.select('contact_id', column, f'{column}_db').head(3)}"
    members = db_frame(db_path, "SELECT contact_id, list(list_id ORDER BY list_id) AS lists FROM list_memberships "
                                "GROUP BY contact_id")
    truth_members = truth.select("contact_id", pl.col("list_memberships").list.sort().alias("lists"))
    check = truth_members.join(members, on="contact_id", how="left", suffix="_db").with_columns(
        pl.col("lists_db").fill_null(pl.lit([], dtype=pl.List(pl.String))))
    bad = check.filter(pl.col("lists") != pl.col("lists_db"))
    assert bad.height == 0, f"list memberships differ for {bad.height} contacts: {bad.head(3)}"
    return got.height
