"""List growth and churn by month: who became emailable, who stopped being emailable and why, and the emailable
total at each month's end, for the account and for each list.

Each contact enters once and leaves at most once, so a month's net change is exactly the change in the emailable
total:

- **Added**: the contact was created that month (created_at; else opt_in_date or the address's creation) with a
  permission that allows email: explicit or implicit now, or unsubscribed since (they were subscribed until then).
  By how Constant Contact says they were added (`create_source`): "Signed up themselves" (Contact) or "Added by the
  organisation" (Account: imported or typed in). A contact created with no email permission (pending confirmation,
  not set, on hold) is counted apart as **added, not emailable** and never in the total.
- **Left**, at the first of these moments, under that one reason:
  - **Unsubscribed**: Constant Contact's opt-out date for a contact unsubscribed now, else the first opt-out
    tracking row after the contact's last opt-in (the record is stale until the next contact sync), with the reason
    given (the contact record's, else the tracking row's; "Unsubscribed by the organisation" when staff did it and
    gave none);
  - **Hard-bounced**: the first bounce of a hard code (B, D, S, X, Z) after the contact's last open or click (from
    then on the contact is not emailable: audience.reach);
  - **Deleted**: Constant Contact's deletion date (or the day a full reconcile no longer found the contact).
- **Emailable at the month's end**: the running total of added − left, which for the latest month equals the
  Audience's emailable count now.

What the API cannot say, and so the figures do not: when a contact joined or left a list (it gives each contact's
lists as they are now: a list's rows are its current members, dated by when each contact was created; a contact
removed from a list is not counted on it), a permission before the current one (a contact pending confirmation now
is taken as never emailable; one who opted out and back in as emailable throughout), and bounces from before the
first synced tracking row.

Months are the account's time zone's. Stored at publish (LIST_GROWTH, table `list_growth`, one row per scope, month,
flow and detail), for the time zone recorded beside it.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import polars as pl

from cc_data.analytics.audience.reach import EMAILABLE_PERMISSIONS
from cc_data.analytics.email.sends import HARD_BOUNCE_CODES
from cc_data.analytics.status import source_info
from cc_data.analytics.stored.registry import CONTACTS, TRACKING, Changes, StoredResult
from cc_data.store.frames import Scan
from cc_data.store.query import frame

ACCOUNT = ""   # the scope of the whole account (a list's scope is its list_id)
ADDED, NOT_EMAILABLE, UNSUBSCRIBED, HARD_BOUNCED, DELETED = (
    "added", "added_not_emailable", "unsubscribed", "hard_bounced", "deleted")
FLOWS = (ADDED, NOT_EMAILABLE, UNSUBSCRIBED, HARD_BOUNCED, DELETED)
LEFT = (UNSUBSCRIBED, HARD_BOUNCED, DELETED)
SOURCES = {"Contact": "Signed up themselves", "Account": "Added by the organisation"}
SOURCE_UNKNOWN = "Not said"
NO_REASON = "No reason given"
STAFF_UNSUBSCRIBED = "Unsubscribed by the organisation"
TABLE = "list_growth"

CONTACT_MOMENTS_SQL = f"""
WITH optout_rows AS (
    SELECT e.contact_id, e.created_time, e.opt_out_reason FROM tracking_events e
    WHERE e.tracking_activity_type = 'em_optouts'),
after_opt_in AS (   -- the first opt-out row after the contact's last opt-in
    SELECT o.contact_id, arg_min(o.created_time, o.created_time) AS optout_row_at,
           arg_min(nullif(trim(o.opt_out_reason), ''), o.created_time) AS row_reason
    FROM optout_rows o JOIN contacts k USING (contact_id)
    WHERE o.created_time > coalesce(k.opt_in_date, '1900-01-01'::TIMESTAMP) GROUP BY 1),
engaged AS (
    SELECT contact_id, max(created_time) AS last_engaged FROM tracking_events
    WHERE tracking_activity_type IN ('em_opens', 'em_clicks') GROUP BY 1),
hard AS (
    SELECT b.contact_id, min(b.created_time) AS hard_at FROM tracking_events b LEFT JOIN engaged g USING (contact_id)
    WHERE b.tracking_activity_type = 'em_bounces' AND b.bounce_code IN {HARD_BOUNCE_CODES}
      AND b.created_time > coalesce(g.last_engaged, '1900-01-01'::TIMESTAMP)
    GROUP BY 1),
people AS (
    SELECT k.contact_id, coalesce(k.created_at, k.opt_in_date, k.email_created_at) AS added_at,
           k.create_source, k.permission_to_send,
           CASE WHEN k.permission_to_send = 'unsubscribed'
                THEN coalesce(k.opt_out_date, o.optout_row_at, k.email_updated_at, k.updated_at)
                ELSE o.optout_row_at END AS unsubscribed_at,
           CASE WHEN k.permission_to_send = 'unsubscribed' OR o.optout_row_at IS NOT NULL
                THEN coalesce(nullif(trim(k.opt_out_reason), ''), o.row_reason,
                              CASE WHEN k.opt_out_source = 'Account' THEN '{STAFF_UNSUBSCRIBED}' END, '{NO_REASON}')
           END AS reason,
           h.hard_at AS hard_bounced_at,
           least(CAST(k.deleted_at AS TIMESTAMP), {{removed}}) AS deleted_at,
           coalesce(trim(coalesce(k.email, k.email_address)), '') <> '' AS has_email
    FROM contacts k LEFT JOIN after_opt_in o USING (contact_id) LEFT JOIN hard h USING (contact_id))
SELECT contact_id, added_at, create_source,
       has_email AND (permission_to_send IN {EMAILABLE_PERMISSIONS} OR unsubscribed_at IS NOT NULL) AS emailable,
       unsubscribed_at, reason, hard_bounced_at, deleted_at
FROM people
"""


def contact_moments(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per contact: added_at, create_source, emailable (on arrival), unsubscribed_at, reason, hard_bounced_at,
    deleted_at (naive UTC)."""
    has_removed = con.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = 'contacts' "
                              "AND column_name = 'removed_at'").fetchall()[0][0]
    return frame(con, CONTACT_MOMENTS_SQL.format(removed="k.removed_at" if has_removed else "NULL::TIMESTAMP"))


def _month(column: str, time_zone: str) -> pl.Expr:
    return (pl.col(column).dt.replace_time_zone("UTC").dt.convert_time_zone(time_zone).dt.date()
            .dt.truncate("1mo"))


def contact_flows(moments: pl.DataFrame, time_zone: str) -> pl.DataFrame:
    """contact_id, month, flow, detail: each contact's entry (added or added_not_emailable) and, for an emailable
    contact, its first leaving (unsubscribed, hard_bounced or deleted), never before its entry month."""
    if moments.is_empty():
        return pl.DataFrame(schema={"contact_id": pl.Utf8, "month": pl.Date, "flow": pl.Utf8, "detail": pl.Utf8})
    first_month = moments.select(_month("added_at", time_zone).min()).item()   # None: no contact has a date
    entered = _month("added_at", time_zone)
    rows = moments.with_columns(
        (entered.fill_null(first_month) if first_month is not None else entered).alias("entered"),
        pl.col("create_source").replace_strict(SOURCES, default=SOURCE_UNKNOWN).alias("source"),
        pl.min_horizontal("unsubscribed_at", "hard_bounced_at", "deleted_at").alias("left_at"))
    rows = rows.with_columns(
        pl.when(pl.col("left_at").is_null()).then(None)
        .when(pl.col("left_at") == pl.col("unsubscribed_at")).then(pl.lit(UNSUBSCRIBED))
        .when(pl.col("left_at") == pl.col("hard_bounced_at")).then(pl.lit(HARD_BOUNCED))
        .otherwise(pl.lit(DELETED)).alias("how"),
        pl.max_horizontal(_month("left_at", time_zone), pl.col("entered")).alias("left_month"))
    entries = rows.select("contact_id", pl.col("entered").alias("month"),
                          pl.when(pl.col("emailable")).then(pl.lit(ADDED)).otherwise(pl.lit(NOT_EMAILABLE))
                          .alias("flow"), pl.col("source").alias("detail"))
    leavings = rows.filter(pl.col("emailable") & pl.col("how").is_not_null()).select(
        "contact_id", pl.col("left_month").alias("month"), pl.col("how").alias("flow"),
        pl.when(pl.col("how") == UNSUBSCRIBED).then(pl.col("reason")).otherwise(pl.lit("")).alias("detail"))
    return pl.concat([entries, leavings])


def growth_rows(con: duckdb.DuckDBPyConnection, time_zone: str) -> pl.DataFrame:
    """scope (ACCOUNT, or a list_id: its current members), month, flow, detail, contacts."""
    flows = contact_flows(contact_moments(con), time_zone)
    members = frame(con, "SELECT contact_id, list_id FROM list_memberships")
    keys = ["scope", "month", "flow", "detail"]
    account = flows.with_columns(pl.lit(ACCOUNT).alias("scope"))
    lists = flows.join(members, on="contact_id").rename({"list_id": "scope"})
    return (pl.concat([account.select("contact_id", *keys), lists.select("contact_id", *keys)])
            .group_by(keys).agg(pl.len().cast(pl.Int64).alias("contacts")).sort(keys))


def _time_zone(con: duckdb.DuckDBPyConnection) -> str:
    return source_info(con).time_zone   # the account's zone, as every page reads it


def _build(con: duckdb.DuckDBPyConnection, changes: Changes | None) -> None:  # noqa: ARG001
    rows = growth_rows(con, _time_zone(con))
    con.register("_growth_rows", Scan(rows))
    try:
        con.execute(f"CREATE OR REPLACE TABLE {TABLE} AS SELECT * FROM _growth_rows")
    finally:
        con.unregister("_growth_rows")


LIST_GROWTH = StoredResult("list_growth", (TABLE,), _build, frozenset({TRACKING, CONTACTS}),
                           (CONTACT_MOMENTS_SQL, contact_moments, contact_flows, growth_rows, tuple(SOURCES.items()),
                            NO_REASON),
                           facts=lambda con: {"time_zone": _time_zone(con)})


def stored_growth(con: duckdb.DuckDBPyConnection, time_zone: str) -> pl.DataFrame:
    """growth_rows for the time zone: stored when current, else computed."""
    if LIST_GROWTH.current(con, time_zone=time_zone):
        return frame(con, f"SELECT * FROM {TABLE} ORDER BY ALL")
    return growth_rows(con, time_zone)


def monthly(rows: pl.DataFrame, scope: str, through: date) -> pl.DataFrame:
    """One row per month from the scope's first through `through` (months with nothing happening included):
    month, added, added_not_emailable, unsubscribed, hard_bounced, deleted, net, emailable (at the month's end,
    or so far for the month holding `through`)."""
    mine = rows.filter(pl.col("scope") == scope)
    schema = {"month": pl.Date, **{f: pl.Int64 for f in FLOWS}, "net": pl.Int64, "emailable": pl.Int64}
    if mine.is_empty():
        return pl.DataFrame(schema=schema)
    last = through.replace(day=1)
    months = pl.DataFrame({"month": pl.date_range(mine["month"].min(), max(last, mine["month"].min()), "1mo",
                                                  eager=True)})
    wide = (mine.group_by("month", "flow").agg(pl.col("contacts").sum())
            .pivot(on="flow", index="month", values="contacts"))
    out = months.join(wide, on="month", how="left").with_columns(
        pl.col(f).fill_null(0).cast(pl.Int64) if f in wide.columns else pl.lit(0, pl.Int64).alias(f) for f in FLOWS)
    out = out.with_columns((pl.col(ADDED) - pl.sum_horizontal(*LEFT)).alias("net")).with_columns(
        pl.col("net").cum_sum().alias("emailable"))
    return out.filter(pl.col("month") <= last).select(list(schema))


def details(rows: pl.DataFrame, scope: str, flow: str, since: date, through: date) -> pl.DataFrame:
    """detail (how added, or the unsubscribe reason), contacts, for months in [since, through], most first."""
    return (rows.filter((pl.col("scope") == scope) & (pl.col("flow") == flow) & (pl.col("month") >= since)
                        & (pl.col("month") <= through))
            .group_by("detail").agg(pl.col("contacts").sum()).sort("contacts", "detail", descending=[True, False]))


def latest_moment(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """The latest moment the contacts record (a contact created, unsubscribed or deleted): where growth stops."""
    return con.execute("SELECT max(greatest(created_at, opt_out_date, CAST(deleted_at AS TIMESTAMP))) "
                       "FROM contacts").fetchall()[0][0]
