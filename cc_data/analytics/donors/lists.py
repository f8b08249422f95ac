"""LYBUNT and SYBUNT lists, email-aware: who gave before and not yet this fiscal year, most engaged first.

LYBUNT: gave (net above zero) in the previous fiscal year, not in the current one. SYBUNT: gave in some fiscal
year before the previous one, in neither the previous nor the current one. "Current" is the fiscal year holding
the day the lists are made for.

Ranked by one of ORDERS: last year's giving (the default: whom a development director calls first), lifetime
giving, or recent engagement (clicked in the last 90 days first, then opened (a human open) in them, then by the
latest open or click). Ties fall to the other orders, then the donor id. The list splits in two: emailable contacts
(audience.reach.emailable: explicit or implicit permission, not unsubscribed since the last opt-in, not hard-bounced,
not deleted, with an address) and everyone else, to reach by phone or mail: that list carries no email address, but
the contact's phone number and postal address (Constant Contact's phone_numbers and street_addresses).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import polars as pl

from cc_data.analytics.audience.reach import EMAILABLE_PERMISSIONS, emailable
from cc_data.analytics.email.sends import per_send_source
from cc_data.analytics.rules.gifts import revenue_gift
from cc_data.store.query import frame

RECENT_DAYS = 90
# Whom to call and why first (name, giving, then how to reach them), so a laptop screen shows the answer
EMAILABLE_COLUMNS = ("rank", "first_name", "last_name", "last_year_amount", "lifetime_giving", "last_gift_date",
                     "last_gift_amount", "email", "last_open_at", "last_click_at", "clicked_last_90_days",
                     "largest_gift", "permission_to_send", "donor_id", "contact_id")
OFFLINE_COLUMNS = ("rank", "first_name", "last_name", "phone", "address", "last_year_amount", "lifetime_giving",
                   "last_gift_date", "last_gift_amount", "largest_gift", "why_not_email", "last_open_at",
                   "last_click_at", "donor_id")
LAST_YEAR, LIFETIME, ENGAGEMENT = "last_year", "lifetime", "engagement"
ORDERS = {LAST_YEAR: "Last year's giving", LIFETIME: "Lifetime giving", ENGAGEMENT: "Recent engagement"}

@dataclass(frozen=True)
class DonorList:
    emailable: pl.DataFrame   # EMAILABLE_COLUMNS, ranked
    offline: pl.DataFrame     # OFFLINE_COLUMNS, ranked: reach by phone or mail

    @property
    def total(self) -> int:
        return self.emailable.height + self.offline.height


def gift_facts(rows: pl.DataFrame) -> pl.DataFrame:
    """From donors.years.gift_rows(): donor_id, last_gift_date, last_gift_amount, largest_gift (positive gifts,
    before refunds), lifetime_giving (net of refunds)."""
    positive = (rows.filter(revenue_gift()).sort("gift_time", "gift_id")
                .group_by("donor_id").agg(pl.col("gift_day").max().alias("last_gift_date"),
                                          pl.col("amount").last().alias("last_gift_amount"),
                                          pl.col("amount").max().alias("largest_gift")))
    lifetime = rows.group_by("donor_id").agg(pl.col("amount").sum().round(2).alias("lifetime_giving"))
    return (lifetime.join(positive, on="donor_id", how="left")
            .select("donor_id", "last_gift_date", "last_gift_amount", "largest_gift", "lifetime_giving")
            .sort("donor_id"))


def engagement_facts(con: duckdb.DuckDBPyConnection, contact_ids: list[str]) -> pl.DataFrame:
    """contact_id, last_open_at (human opens), last_click_at, for the given contacts."""
    return frame(con, f"SELECT contact_id, max(first_human_open_at) AS last_open_at, max(first_click_at) AS "
                      f"last_click_at FROM {per_send_source(con)} AS p WHERE contact_id IN (SELECT unnest($ids)) "
                      "GROUP BY 1 ORDER BY 1", {"ids": contact_ids}, own_cursor=True)


def contact_details(con: duckdb.DuckDBPyConnection, contact_ids: list[str]) -> pl.DataFrame:
    """contact_id, phone, address: each contact's most recently updated phone number and postal address (one line:
    street, city, state postal code, and the country), from Constant Contact's contact child tables."""
    return frame(con, """
        WITH ids AS (SELECT unnest($ids) AS contact_id),
        phones AS (
            SELECT contact_id, arg_max(phone_number, coalesce(updated_at, created_at, TIMESTAMP '1970-01-01')) AS phone
            FROM contact_phone_numbers WHERE contact_id IN (SELECT contact_id FROM ids)
              AND nullif(trim(phone_number), '') IS NOT NULL GROUP BY 1),
        addresses AS (
            SELECT contact_id, arg_max(concat_ws(', ', nullif(trim(street), ''), nullif(trim(city), ''),
                       nullif(trim(concat_ws(' ', nullif(trim(state), ''), nullif(trim(postal_code), ''))), ''),
                       nullif(trim(country), '')),
                   coalesce(updated_at, created_at, TIMESTAMP '1970-01-01')) AS address
            FROM contact_street_addresses WHERE contact_id IN (SELECT contact_id FROM ids)
              AND nullif(trim(street), '') IS NOT NULL GROUP BY 1)
        SELECT ids.contact_id, phones.phone, addresses.address FROM ids
        LEFT JOIN phones USING (contact_id) LEFT JOIN addresses USING (contact_id)
        WHERE phones.phone IS NOT NULL OR addresses.address IS NOT NULL ORDER BY 1
        """, {"ids": contact_ids}, own_cursor=True)


def lapsing(years: pl.DataFrame, current_year: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(LYBUNT, SYBUNT): donor_id, last_year_amount (giving in the previous fiscal year; 0 for SYBUNT)."""
    gave = years.filter(pl.col("amount") > 0)
    now = gave.filter(pl.col("fiscal_year") == current_year)["donor_id"].implode()
    last = gave.filter(pl.col("fiscal_year") == current_year - 1)
    lybunt = last.filter(~pl.col("donor_id").is_in(now)).select("donor_id", pl.col("amount").alias("last_year_amount"))
    earlier = gave.filter(pl.col("fiscal_year") < current_year - 1).select("donor_id").unique()
    sybunt = earlier.filter(~pl.col("donor_id").is_in(now) & ~pl.col("donor_id").is_in(last["donor_id"].implode()))
    return lybunt.sort("donor_id"), sybunt.with_columns(last_year_amount=pl.lit(0.0)).sort("donor_id")


def _why_not(row_is_matched: pl.Expr) -> pl.Expr:
    return (pl.when(~row_is_matched).then(pl.lit("not a Constant Contact contact"))
            .when(pl.col("deleted").fill_null(False)).then(pl.lit("deleted in Constant Contact"))
            .when(pl.col("hard_bounced").fill_null(False)).then(pl.lit("email bounced"))
            .when(~pl.col("permission_to_send").is_in(list(EMAILABLE_PERMISSIONS)))
            .then(pl.lit("no permission to email: ") + pl.col("permission_to_send").fill_null("not set"))
            .otherwise(pl.lit("no email address")))


def build_list(donors: pl.DataFrame, contacts: pl.DataFrame, facts: pl.DataFrame, engagement: pl.DataFrame,
               audience: pl.DataFrame, as_of: datetime, details: pl.DataFrame | None = None,
               order: str = LAST_YEAR) -> DonorList:
    """The list of `donors` (donor_id, last_year_amount) ranked by `order` (ORDERS): contacts = attribution's
    donor_contacts() (donor_id, first_name, last_name, contact_id), facts = gift_facts(), engagement =
    engagement_facts(), audience = audience.reach.audience() (or the stored copy), details = contact_details(),
    as_of = the moment "last 90 days" ends."""
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}")
    if details is None:
        details = pl.DataFrame(schema={"contact_id": pl.Utf8, "phone": pl.Utf8, "address": pl.Utf8})
    recent = as_of - timedelta(days=RECENT_DAYS)
    reach = audience.select(pl.col("contact_id").cast(pl.Utf8), "email", "permission_to_send", "deleted",
                            "hard_bounced")
    can_email = emailable(audience).select(pl.col("contact_id").cast(pl.Utf8)).with_columns(emailable=pl.lit(True))
    rows = (donors.join(contacts.select("donor_id", "first_name", "last_name", "contact_id"), on="donor_id", how="left")
            .join(facts, on="donor_id", how="left")
            .join(engagement.with_columns(pl.col("contact_id").cast(pl.Utf8)), on="contact_id", how="left")
            .join(reach, on="contact_id", how="left")
            .join(can_email, on="contact_id", how="left")
            .join(details.with_columns(pl.col("contact_id").cast(pl.Utf8)), on="contact_id", how="left")
            .with_columns(pl.col("emailable").fill_null(False),
                          clicked_last_90_days=pl.col("last_click_at").fill_null(datetime.min) > recent,
                          _opened_recently=pl.col("last_open_at").fill_null(datetime.min) > recent,
                          _latest=pl.max_horizontal("last_open_at", "last_click_at")))
    engagement_keys = ["clicked_last_90_days", "_opened_recently", "_latest"]
    keys = {LAST_YEAR: ["last_year_amount", "lifetime_giving", *engagement_keys],
            LIFETIME: ["lifetime_giving", "last_year_amount", *engagement_keys],
            ENGAGEMENT: [*engagement_keys, "lifetime_giving", "last_year_amount"]}[order]
    rows = rows.sort([*keys, "donor_id"], descending=[True] * len(keys) + [False], nulls_last=True)
    on_email = rows.filter(pl.col("emailable")).with_row_index("rank", offset=1).select(EMAILABLE_COLUMNS)
    offline = (rows.filter(~pl.col("emailable")).with_row_index("rank", offset=1)
               .with_columns(why_not_email=_why_not(pl.col("contact_id").is_not_null())).select(OFFLINE_COLUMNS))
    return DonorList(on_email, offline)
