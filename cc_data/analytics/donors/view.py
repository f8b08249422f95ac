"""Are we keeping our donors, and does email help? The Donors page's numbers, from the store.

The rules live in three modules: years (the Fundraising Effectiveness Project's gain/loss categories and rates over
fiscal years), email (donors joined to their email engagement, first gifts after an email, conversion of
subscribers who never gave) and lists (LYBUNT and SYBUNT); stored keeps their inputs at publish. This module loads what they share
once (`load`) and puts a fiscal year's view together (`year_view`, `lapsing_lists`). Soft credits and households
are out of scope: a donor is a DonorPerfect donor_id. Everything here reads DuckDB; nothing calls an API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import duckdb
import polars as pl

from cc_data.analytics.attribution.match import donor_contacts
from cc_data.analytics.audience import precomputed
from cc_data.analytics.audience.scoring import TIERS
from cc_data.analytics.donors import stored
from cc_data.analytics.donors.email import (
    EMAIL_GROUPS,
    NOT_ON_EMAIL,
    conversion,
    email_year,
    first_gifts,
    first_gifts_by_year,
    retention_by,
    with_email,
)
from cc_data.analytics.donors.lists import (
    LAST_YEAR,
    DonorList,
    build_list,
    contact_details,
    engagement_facts,
    gift_facts,
    lapsing,
)
from cc_data.analytics.donors.years import (
    TREND_YEARS,
    Summary,
    gain_loss,
    gift_rows,
    summarise,
    trend,
    years_from_rows,
)
from cc_data.analytics.rules.fiscal_years import fiscal_year, fiscal_year_span


@dataclass(frozen=True)
class DonorFile:
    start_month: int
    current_year: int          # the fiscal year holding `today`
    years: pl.DataFrame        # donor_years(): donor_id, fiscal_year, amount, gifts
    contacts: pl.DataFrame     # attribution's donor_contacts(): donor_id, names, email, contact_id, ...
    facts: pl.DataFrame        # gift_facts(): last gift, largest gift, lifetime giving
    firsts: pl.DataFrame       # first_gifts(): each donor's first gift and the email touch before it
    stored: bool = False       # the donors.stored tables hold this database's rows
    first_email: date | None = None   # the day of the first email sent on record (None: no email data)

    @property
    def fiscal_years(self) -> list[int]:
        """From the current fiscal year (or the latest with gifts) back to the first with gifts, latest first (in the
        first, every donor is new)."""
        if self.years.is_empty():
            return []
        first = int(self.years["fiscal_year"].min())
        last = max(int(self.years["fiscal_year"].max()), self.current_year)
        return list(range(last, first - 1, -1))


def load(con: duckdb.DuckDBPyConnection, start_month: int, today: date) -> DonorFile:
    """What every figure on the page shares, read once per database and fiscal year start."""
    from_store = stored.is_stored(con)
    rows = stored.stored_gift_rows(con) if from_store else gift_rows(con)
    touches = stored.stored_first_touch(con) if from_store else None
    first_send = con.execute("SELECT min(created_time) FROM tracking_events "
                             "WHERE tracking_activity_type = 'em_sends'").fetchone()
    return DonorFile(start_month, fiscal_year(today, start_month), years_from_rows(rows, start_month),
                     donor_contacts(con), gift_facts(rows), first_gifts(con, rows, start_month, touches), from_store,
                     first_send[0].date() if first_send and first_send[0] else None)


@dataclass(frozen=True)
class YearView:
    year: int
    summary: Summary
    per_donor: pl.DataFrame    # gain_loss() + names, contact_id, email_group, tier
    trend: pl.DataFrame        # trend() of the TREND_YEARS years ending with `year`
    by_email: pl.DataFrame     # retention_by(per_donor, "email_group")
    by_tier: pl.DataFrame      # retention_by(per_donor, "tier")
    first_gifts: pl.DataFrame  # first_gifts_by_year() over the trend's years
    conversion: pl.DataFrame   # conversion() of never-donor subscribers in `year`


def year_view(con: duckdb.DuckDBPyConnection, donor_file: DonorFile, year: int,
              tiers: pl.DataFrame | None) -> YearView:
    """Gain/loss of fiscal year `year` against the one before, split by email engagement in `year`; `tiers` is
    contact_id, tier (the engagement scores as of the latest activity), or None."""
    per_donor = gain_loss(donor_file.years, year)
    matched = donor_file.contacts.filter(pl.col("contact_id").is_not_null())
    if donor_file.stored:
        first, last = fiscal_year_span(year, donor_file.start_month)
        emails = stored.stored_email_year(con, first, last + timedelta(days=1))
    else:
        emails = email_year(con, year, donor_file.start_month)
    per_donor = with_email(per_donor, matched, emails, tiers).join(
        donor_file.contacts.select("donor_id", "first_name", "last_name"), on="donor_id", how="left")
    trend_years = list(range(year - TREND_YEARS + 1, year + 1))
    return YearView(year, summarise(per_donor, year), per_donor, trend(donor_file.years, year),
                    retention_by(per_donor, "email_group", tuple(EMAIL_GROUPS.values())),
                    retention_by(per_donor, "tier", (*TIERS, NOT_ON_EMAIL)),
                    first_gifts_by_year(donor_file.firsts, trend_years, donor_file.first_email,
                                        donor_file.start_month),
                    conversion(emails, donor_file.firsts, year, donor_file.start_month, tiers))


def lapsing_lists(con: duckdb.DuckDBPyConnection, donor_file: DonorFile, as_of: datetime,
                  audience: pl.DataFrame | None = None, order: str = LAST_YEAR) -> tuple[DonorList, DonorList]:
    """(LYBUNT, SYBUNT) for the current fiscal year ranked by `order` (lists.ORDERS), each split into emailable and
    phone-or-mail rows (with phone and address). `audience`: audience.reach.audience() (read from the store when
    not given)."""
    lybunt, sybunt = lapsing(donor_file.years, donor_file.current_year)
    lapsed_contacts = (pl.concat([lybunt, sybunt]).join(donor_file.contacts, on="donor_id")
                       .filter(pl.col("contact_id").is_not_null())["contact_id"].unique().to_list())
    details = contact_details(con, lapsed_contacts)
    if donor_file.stored and audience is None:
        facts = stored.stored_contact_facts(con)
        engagement, audience = facts.select("contact_id", "last_open_at", "last_click_at"), facts
    else:
        engagement = engagement_facts(con, lapsed_contacts)
        audience = precomputed.stored_audience(con) if audience is None else audience
    return tuple(build_list(d, donor_file.contacts, donor_file.facts, engagement, audience, as_of,  # type: ignore[return-value]
                            details, order) for d in (lybunt, sybunt))
