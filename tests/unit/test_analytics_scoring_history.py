"""The one-pass tier history against its definition: score_contacts at every month boundary."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import polars as pl
import pytest

from cc_data.analytics.audience import scoring

AS_OF = datetime(2025, 12, 15, 15, 0)


def looped_history(sends: pl.DataFrame, contacts: pl.DataFrame, as_of: datetime, months: int,
                   settings: scoring.ScoreSettings) -> pl.DataFrame:
    """The definition: re-score the contacts who existed at each moment with what was known then."""
    frames = []
    for moment in scoring.month_ends(as_of, months):
        existing = contacts.filter(pl.col("created_at").is_null() | (pl.col("created_at") <= moment))
        counts = scoring.tier_counts(scoring.score_contacts(sends, existing, moment, settings))
        frames.append(counts.select(pl.lit(moment).alias("as_of"), "tier", "contacts"))
    return pl.concat(frames)


def random_account(seed: int, n_contacts: int = 300, n_sends: int = 6000) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = [f"c{i:04d}" for i in range(n_contacts)]
    created = [None if rng.random() < 0.05 else AS_OF - timedelta(days=int(d))
               for d in rng.integers(0, 900, n_contacts)]
    contacts = pl.DataFrame({"contact_id": ids, "created_at": created}, schema={"contact_id": pl.Utf8,
                                                                                "created_at": pl.Datetime("us")})
    who = rng.integers(0, n_contacts, n_sends)
    sent = [AS_OF - timedelta(seconds=int(s)) for s in rng.integers(-5 * 86400, 800 * 86400, n_sends)]

    def after(p: float, max_hours: float) -> list[datetime | None]:
        return [s + timedelta(seconds=int(rng.uniform(-600, max_hours * 3600))) if rng.random() < p else None
                for s in sent]

    opens = after(0.5, 24 * 40)
    human = [o if o is not None and rng.random() < 0.8 else (o + timedelta(hours=2) if o and rng.random() < 0.3
                                                            else None) for o in opens]
    clicks = after(0.15, 24 * 60)
    sends = pl.DataFrame({
        "contact_id": [ids[i] for i in who],
        "sent_at": [None if rng.random() < 0.02 else s for s in sent],
        "first_open_at": opens, "first_human_open_at": human, "first_click_at": clicks,
    }, schema={"contact_id": pl.Utf8, "sent_at": pl.Datetime("us"), "first_open_at": pl.Datetime("us"),
               "first_human_open_at": pl.Datetime("us"), "first_click_at": pl.Datetime("us")})
    return sends, contacts


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("settings", [
    scoring.ScoreSettings(),
    scoring.ScoreSettings(click_points=2, open_points=0.5, machine_open_points=0.25, half_life_days=30,
                          window_days=120, high=0.6, moderate=0.2, lapsed_days=45, new_days=20),
])
def test_one_pass_history_equals_rescoring_at_every_month_end(seed: int, settings: scoring.ScoreSettings) -> None:
    sends, contacts = random_account(seed)
    expected = looped_history(sends, contacts, AS_OF, 12, settings)
    got = scoring.tier_history(sends, contacts, AS_OF, 12, settings)
    assert got.equals(expected), (got, expected)
    assert expected.filter(pl.col("tier") == "Highly engaged")["contacts"].sum() > 0


def test_history_on_a_month_start_and_with_a_contact_opening_every_email() -> None:
    """as_of exactly on the 1st repeats that moment; a score of exactly 1.0 stays Highly engaged."""
    as_of = datetime(2025, 12, 1)
    sent = [as_of - timedelta(days=d) for d in (3, 17, 40, 71)]
    sends = pl.DataFrame({"contact_id": ["a"] * 4, "sent_at": sent,
                          "first_open_at": [s + timedelta(hours=1) for s in sent],
                          "first_human_open_at": [s + timedelta(hours=1) for s in sent],
                          "first_click_at": [None] * 4},
                         schema_overrides={"first_click_at": pl.Datetime("us")})
    contacts = pl.DataFrame({"contact_id": ["a"], "created_at": [datetime(2020, 1, 1)]})
    got = scoring.tier_history(sends, contacts, as_of, 3)
    assert got.equals(looped_history(sends, contacts, as_of, 3, scoring.ScoreSettings()))
    assert got.filter(pl.col("as_of") == as_of, pl.col("tier") == "Highly engaged")["contacts"].to_list() == [1, 1]
