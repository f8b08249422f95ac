"""What an import must show before it stores anything: amounts to confirm, and donors the file names differently.

Amounts to confirm (docs/donations.md, "Amounts to confirm"):
- a row of $0 or less that is not an adjustment (record type A): a refund should be an adjustment naming its gift;
- a positive amount far outside the usual range of gifts, the file's and those already stored together: above a
  thousand times their median gift or below a hundredth of it (the median, because one wrong amount cannot move
  it; with fewer than MIN_FOR_RANGE gifts the range is unknown and only the first check runs), unless the donor's
  own earlier gifts reach that far (ten times their largest gift, a tenth of their smallest).

A donor whose name or email in the file differs from the stored donor with the same id is reported; the stored
donor is kept (an import fills a donor's empty fields, never overwrites them).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from cc_data.format import money
from cc_data.store.query import frame, table_exists

MIN_FOR_RANGE = 20          # gift amounts needed before a percentile means anything
ABOVE_MEDIAN, BELOW_MEDIAN = 1000, 100   # "far outside" the gifts' usual range
FAR = 10                    # ... and beyond the donor's own: ten times their largest (a tenth of their smallest)
SHOWN_IN_ONE_LINE = 3


@dataclass(frozen=True)
class AmountToConfirm:
    row: int | None            # the spreadsheet row (header = 1), when the file has one
    gift_id: str
    donor_id: str | None
    amount: float
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else f"gift {self.gift_id}"
        return f"{where}: {money(self.amount)} ({self.reason})"


@dataclass(frozen=True)
class DonorDifference:
    donor_id: str
    field: str                 # "first name", "last name" or "email"
    in_file: str
    stored: str

    def __str__(self) -> str:
        return (f"donor {self.donor_id}: the file's {self.field} {self.in_file!r} differs from the stored "
                f"{self.stored!r}; the stored donor was kept")


@dataclass(frozen=True)
class UsualRange:
    low: float | None          # None: too few gifts to say
    high: float | None
    gifts: int

    def describe(self) -> str:
        if self.low is None or self.high is None:
            return f"the usual range is unknown ({self.gifts} gifts; {MIN_FOR_RANGE} are needed)"
        return (f"usual range {money(self.low)} to {money(self.high)}: a hundredth to a thousand times the median "
                f"of {self.gifts:,} gifts")


def usual_range(amounts: pl.Series) -> UsualRange:
    """From a hundredth to a thousand times the median of positive gift amounts."""
    positive = amounts.cast(pl.Float64).filter(amounts.cast(pl.Float64) > 0)
    if positive.len() < MIN_FOR_RANGE:
        return UsualRange(None, None, positive.len())
    median = float(positive.median())   # type: ignore[arg-type]
    return UsualRange(median / BELOW_MEDIAN, median * ABOVE_MEDIAN, positive.len())


def amounts_to_confirm(con: duckdb.DuckDBPyConnection | None, gifts: pl.DataFrame,
                       row_numbers: pl.Series | None = None) -> tuple[list[AmountToConfirm], UsualRange]:
    """The rows of an import (GIFT_COLUMNS) whose amount must be confirmed, with the range they were judged by.
    `con` reads the gifts already stored (None: the file alone)."""
    rows = gifts.select("gift_id", "donor_id", "record_type", pl.col("amount").cast(pl.Float64)).with_columns(
        _row=row_numbers if row_numbers is not None else pl.lit(None, pl.Int64))
    stored = _stored_gifts(con).join(rows.select("gift_id"), on="gift_id", how="anti")   # not those replaced
    usual = usual_range(pl.concat([rows.filter(pl.col("record_type") == "G")["amount"], stored["amount"]]))
    donors = (stored.group_by("donor_id")
              .agg(pl.col("amount").max().alias("_largest"), pl.col("amount").min().alias("_smallest")))
    amount, inf = pl.col("amount"), float("inf")
    high = amount > (usual.high if usual.high is not None else inf)
    low = amount < (usual.low if usual.low is not None else -inf)
    flagged = rows.join(donors, on="donor_id", how="left").with_columns(
        _non_positive=(amount <= 0) & (pl.col("record_type").fill_null("") != "A"),
        _high=high & (pl.col("_largest").is_null() | (amount > FAR * pl.col("_largest"))),
        _low=(amount > 0) & low & (pl.col("_smallest").is_null() | (amount < pl.col("_smallest") / FAR)),
    ).filter(pl.col("_non_positive") | pl.col("_high") | pl.col("_low"))
    found: list[AmountToConfirm] = []
    for row in flagged.iter_rows(named=True):   # only the flagged rows: a few, in a file of any size
        if row["_non_positive"]:
            reason = ("a gift of $0" if row["amount"] == 0 else "a negative gift") + \
                     "; a refund is an adjustment (record type A) naming its gift"
        elif row["_high"]:
            reason = f"far above the {usual.describe()}" + _donor_note(row["_largest"], "largest")
        else:
            reason = f"far below the {usual.describe()}" + _donor_note(row["_smallest"], "smallest")
        found.append(AmountToConfirm(row["_row"], row["gift_id"], row["donor_id"], row["amount"], reason))
    return found, usual


def refusal(file_name: str, found: list[AmountToConfirm], option: str = "--accept-outliers") -> str:
    """One line: which amounts, that nothing was stored, and how to go on."""
    shown = "; ".join(str(item) for item in found[:SHOWN_IN_ONE_LINE])
    more = f"; and {len(found) - SHOWN_IN_ONE_LINE} more" if len(found) > SHOWN_IN_ONE_LINE else ""
    return (f"{file_name}: {len(found)} amount{'s' if len(found) != 1 else ''} to confirm, so nothing was imported: "
            f"{shown}{more}. Correct the file, or run again with {option} if they are right.")


def donor_differences(con: duckdb.DuckDBPyConnection | None, gifts: pl.DataFrame) -> list[DonorDifference]:
    """Donors whose first or last name or email in the file differs from the stored donor with the same id (case
    and repeated spaces aside; a value missing on either side is no difference)."""
    if con is None or gifts.is_empty() or not table_exists(con, "donors"):
        return []
    in_file = gifts.select("donor_id", "first_name", "last_name", "email").filter(
        pl.col("donor_id").is_not_null()).unique(maintain_order=True)
    con.register("incoming_donor_names", in_file.to_arrow())
    try:
        stored = frame(con, "SELECT donor_id, first_name, last_name, email FROM donors "
                            "WHERE donor_id IN (SELECT donor_id FROM incoming_donor_names)")
    finally:
        con.unregister("incoming_donor_names")
    stored_by_id = {row["donor_id"]: row for row in stored.iter_rows(named=True)}
    found: list[DonorDifference] = []
    seen: set[tuple[str, str, str]] = set()
    for row in in_file.iter_rows(named=True):
        before = stored_by_id.get(row["donor_id"])
        if before is None:
            continue
        for what, column in (("first name", "first_name"), ("last name", "last_name"), ("email", "email")):
            now, then = row[column], before[column]
            if now and then and _plain(now) != _plain(then) and (row["donor_id"], what, now) not in seen:
                seen.add((row["donor_id"], what, now))
                found.append(DonorDifference(row["donor_id"], what, now, then))
    return found


def _stored_gifts(con: duckdb.DuckDBPyConnection | None) -> pl.DataFrame:
    empty = pl.DataFrame(schema={"gift_id": pl.Utf8, "donor_id": pl.Utf8, "amount": pl.Float64})
    if con is None or not table_exists(con, "gifts"):
        return empty
    found = frame(con, "SELECT gift_id, donor_id, CAST(amount AS DOUBLE) AS amount FROM gifts "
                       "WHERE record_type = 'G' AND amount > 0")
    return found if found.height else empty


def _donor_note(amount: float | None, which: str) -> str:
    return f", the donor's {which} earlier gift {money(amount)}" if amount is not None else ", a donor with no earlier gift"


def _plain(text: str) -> str:
    return " ".join(text.split()).casefold()
