"""All accounts: each account's published database attached read-only, the single-account figures computed in
each, side by side with the account as a column, and the network's total pooled from them.

Each account's figures are computed by the same functions (and so the same SQL) a single account's pages use, run
in that account's database opened read-only, so a chapter's numbers are never mixed with another's contacts:
the same person in two chapters is two contacts, counted once in each. The network's row is built only from the
accounts' numerators and denominators: counts and revenue are summed, rates pooled (sum of numerators ÷ sum of
denominators), never a mean of the accounts' rates.

The databases are local files, or MotherDuck databases (`md:`) when CC_ROLLUP_PATH says so: the ATTACH and every
query are the same text either way; only the location differs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from cc_data.analytics.attribution import credit
from cc_data.analytics.audience.list_growth import ACCOUNT, ADDED, LEFT, monthly, stored_growth
from cc_data.analytics.donors import stored as donor_store
from cc_data.analytics.donors.years import gain_loss, gift_rows, summarise, years_from_rows
from cc_data.analytics.email.campaigns import Filters, apply_filters, campaign_counts_in_db
from cc_data.analytics.email.overview import period_kpis
from cc_data.analytics.rules.fiscal_years import fiscal_year, fiscal_year_label
from cc_data.analytics.rules.rates import pooled, ratio
from cc_data.analytics.status import source_info
from cc_data.errors import ConfigError
from cc_data.store.db import connect, read
from cc_data.store.query import row_count

ALL_ACCOUNTS = "All accounts"
MOTHERDUCK = "md:"
PARALLEL = 4          # accounts read at once
WINDOW_HOURS = 48.0   # the attribution window every page starts with
# (numerator, denominator) of each pooled figure; revenue per 1,000 emails is revenue ÷ sends × 1,000.
POOLED = {"open_rate": ("opens", "delivered"), "click_rate": ("clicks", "delivered"),
          "donor_retention": ("retained_donors", "previous_donors"),
          "list_growth_rate": ("net_growth", "emailable_at_start")}
SUMMED = ("campaigns", "sends", "delivered", "opens", "clicks", "revenue", "previous_donors", "retained_donors",
          "emailable_at_start", "added", "left", "net_growth", "emailable_at_end")
COLUMNS = ("account", "as_of", *SUMMED, "open_rate", "click_rate", "revenue_per_1000", "donor_retention",
           "list_growth_rate")


@dataclass(frozen=True)
class Period:
    """One calendar span for every account: the 12 months through `through` (whole months, the last one so far),
    and the last complete fiscal year before it for donor retention."""

    start: date
    through: date
    fiscal_year: int
    fiscal_start: int

    @classmethod
    def ending(cls, through: date, fiscal_start: int = 1) -> Period:
        month = through.year * 12 + through.month - 1 - 11
        return cls(date(month // 12, month % 12 + 1, 1), through, fiscal_year(through, fiscal_start) - 1,
                   fiscal_start)

    @property
    def label(self) -> str:
        return f"{self.start:%-d %b %Y} – {self.through:%-d %b %Y}"

    @property
    def fiscal_label(self) -> str:
        return fiscal_year_label(self.fiscal_year, self.fiscal_start)


def locations(databases: Mapping[str, Path], rollup_path: str | None) -> dict[str, str]:
    """Where each account's database is read: its published file, or `<rollup_path><account>` on MotherDuck
    (rollup_path such as md:cc_ reads md:cc_north for the account north)."""
    if not rollup_path:
        return {name: str(path) for name, path in databases.items()}
    if not rollup_path.startswith(MOTHERDUCK):
        raise ConfigError(f"CC_ROLLUP_PATH={rollup_path!r} is not a MotherDuck path; leave it empty to read each "
                          "account's own file, or write md: and a database name prefix, e.g. md:cc_.")
    return {name: f"{rollup_path}{name.replace('-', '_')}" for name in databases}


@contextmanager
def opened(location: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """One account's database, read-only, as its default database: the published file (checked as every reader
    checks it), or a MotherDuck database. Not one connection with every file ATTACHed and `USE` between them: the
    analytics open cursors of their own (`frame(..., own_cursor=True)`), and a cursor starts in the connection's
    first database, not the one `USE` chose."""
    if location.startswith(MOTHERDUCK):
        con = connect(location, read_only=True)
        try:
            yield con
        finally:
            con.close()
    else:
        with read(Path(location)) as con:
            yield con


def account_figures(con: duckdb.DuckDBPyConnection, period: Period) -> dict[str, object]:
    """One account's figures over `period`, from the connection's current database: what Overview, Donors and List
    growth show for it, with the counts each rate is pooled from."""
    filters = Filters(start=period.start, end=period.through)
    campaigns = campaign_counts_in_db(con)
    in_period = apply_filters(campaigns, filters)
    totals = pooled(in_period)
    revenue = (credit.revenue_by_campaign(credit.gift_attribution(con, window_hours=WINDOW_HOURS))
               if row_count(con, "gifts") else None)
    kpis = dict(period_kpis(campaigns, filters, revenue=revenue).select("metric", "current").iter_rows())
    rows = donor_store.stored_gift_rows(con) if donor_store.is_stored(con) else gift_rows(con)
    donors = summarise(gain_loss(years_from_rows(rows, period.fiscal_start), period.fiscal_year), period.fiscal_year)
    source = source_info(con)
    months = monthly(stored_growth(con, source.time_zone), ACCOUNT, period.through)
    before = months.filter(pl.col("month") < period.start)
    during = months.filter(pl.col("month") >= period.start)
    as_of: datetime | None = source.last_sync_finished_at
    return {
        "as_of": as_of, "campaigns": in_period.height,
        **{k: int(totals[k] or 0) for k in ("sends", "delivered", "opens", "clicks")},
        "revenue": kpis.get("revenue"), "previous_donors": donors.previous_donors, "retained_donors": donors.retained,
        "emailable_at_start": int(before["emailable"][-1]) if before.height else 0,
        "added": int(during[ADDED].sum()), "left": int(during.select(pl.sum_horizontal(*LEFT)).to_series().sum()),
        "net_growth": int(during["net"].sum()),
        "emailable_at_end": int(months["emailable"][-1]) if months.height else 0,
        "open_rate": kpis["open_rate"], "click_rate": kpis["click_rate"],
        "revenue_per_1000": kpis.get("revenue_per_1000"), "donor_retention": donors.donor_retention,
        "list_growth_rate": _share(int(during["net"].sum()), int(before["emailable"][-1]) if before.height else 0),
    }


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def by_account(cons: Mapping[str, duckdb.DuckDBPyConnection], period: Period) -> pl.DataFrame:
    """One row per account (COLUMNS), each computed in its own database (its connection used by one thread at a
    time: DuckDB works outside the GIL, so accounts overlap)."""
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        rows = list(pool.map(lambda item: {"account": item[0], **account_figures(item[1], period)}, cons.items()))
    schema = {c: pl.Utf8 if c == "account" else pl.Datetime if c == "as_of" else pl.Float64 for c in COLUMNS}
    schema.update({c: pl.Int64 for c in SUMMED if c != "revenue"})
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def network_total(per_account: pl.DataFrame) -> dict[str, object]:
    """The All accounts row: counts summed, rates pooled from the accounts' own counts. An account without gift
    data has unknown revenue, not none: revenue is summed over the accounts that have gifts, and revenue per 1,000
    emails divides it by those accounts' sends only (None when no account has gifts)."""
    total: dict[str, object] = {"account": ALL_ACCOUNTS, "as_of": per_account["as_of"].min()}
    for column in SUMMED:
        total[column] = per_account[column].sum()
    sums = pl.DataFrame({k: [v] for k, v in total.items() if k in SUMMED})
    for rate, (numerator, denominator) in POOLED.items():
        total[rate] = sums.select(ratio(numerator, denominator)).item()
    with_gifts = per_account.filter(pl.col("revenue").is_not_null())
    total["revenue"] = float(with_gifts["revenue"].sum()) if with_gifts.height else None
    sends = int(with_gifts["sends"].sum())
    total["revenue_per_1000"] = total["revenue"] / sends * 1000 if with_gifts.height and sends else None
    return total


def with_total(per_account: pl.DataFrame) -> pl.DataFrame:
    """per_account with the All accounts row first."""
    return pl.concat([pl.DataFrame([network_total(per_account)], schema=per_account.schema), per_account])


def rollup(where: Mapping[str, str], fiscal_start: int = 1,
           through: date | None = None) -> tuple[Period, pl.DataFrame] | None:
    """The All accounts table (the network's row, then each account's) and its period: the 12 months through
    `through`, by default the last day every account's data covers (the earliest of their last syncs), so every
    account is read over the same calendar dates. None when no account has finished a sync. Each database is
    opened once."""
    with ExitStack() as stack:
        cons = {name: stack.enter_context(opened(location)) for name, location in where.items()}
        if through is None:
            with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
                finished = [f for f in pool.map(lambda con: source_info(con).last_sync_finished_at, cons.values())
                            if f is not None]
            if not finished:
                return None
            through = min(finished).date()
        period = Period.ending(through, fiscal_start)
        return period, with_total(by_account(cons, period))
