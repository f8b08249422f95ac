"""All accounts: each account's figures computed inside its attached database equal the same account read alone,
the network's row is the sum or the pooled rate of the accounts' rows, and a person in two chapters is two
contacts."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from cc_data import accounts, demo
from cc_data.analytics import rollup
from cc_data.config import Settings
from cc_data.errors import ConfigError
from cc_data.store.db import read

SEEDS = {"north": 7, "south": 11}


@pytest.fixture(scope="session")
def network(tmp_path_factory) -> Settings:
    """Two small demo accounts of different seeds (different people and habits), and `twin`: a copy of north, as
    if the same people were also a second chapter's."""
    root = tmp_path_factory.mktemp("network")
    shared = Settings(accounts_dir=root / "accounts", db_path=root / "single.duckdb")
    for name, seed in SEEDS.items():
        account = accounts.add(shared, name)
        assert demo.build(account.settings, scale="small", seed=seed).outcome == "success"
    twin = accounts.add(shared, "twin")
    shutil.copy2(accounts.load(shared, "north").db_path, twin.db_path)
    return shared


def _where(shared: Settings) -> dict[str, str]:
    return rollup.locations({a.name: a.db_path for a in accounts.all_accounts(shared)}, shared.rollup_path)


def _rollup(shared: Settings):
    return rollup.rollup(_where(shared), fiscal_start=7)


def test_each_accounts_row_is_what_the_account_shows_alone(network):
    period, table = _rollup(network)
    assert period.fiscal_start == 7 and period.start.day == 1 and (period.through - period.start).days > 330
    assert table["account"].to_list() == [rollup.ALL_ACCOUNTS, "north", "south", "twin"]
    for name in ("north", "south"):
        with read(accounts.load(network, name).db_path) as con:
            alone = rollup.account_figures(con, period)
        row = table.filter(table["account"] == name).row(0, named=True)
        assert {k: row[k] for k in alone} == alone
        assert row["sends"] > 0 and row["previous_donors"] > 0 and row["emailable_at_end"] > 0
    north, south = (table.filter(table["account"] == n).row(0, named=True) for n in ("north", "south"))
    assert north["sends"] != south["sends"]   # two accounts, two sets of figures


def test_the_network_row_is_the_sum_or_the_pooled_rate(network):
    _period, table = _rollup(network)
    total, rows = table.row(0, named=True), table.slice(1)
    for column in rollup.SUMMED:
        assert total[column] == pytest.approx(rows[column].sum()), column
    for rate, (numerator, denominator) in rollup.POOLED.items():
        assert total[rate] == pytest.approx(rows[numerator].sum() / rows[denominator].sum()), rate
        assert rows[rate].min() <= total[rate] <= rows[rate].max()
    assert total["revenue_per_1000"] == pytest.approx(rows["revenue"].sum() / rows["sends"].sum() * 1000)


def test_the_same_person_in_two_chapters_is_two_contacts(network):
    _period, table = _rollup(network)
    by = {r["account"]: r for r in table.iter_rows(named=True)}
    assert by["twin"]["emailable_at_end"] == by["north"]["emailable_at_end"]
    assert by[rollup.ALL_ACCOUNTS]["emailable_at_end"] == (2 * by["north"]["emailable_at_end"]
                                                           + by["south"]["emailable_at_end"])
    assert by[rollup.ALL_ACCOUNTS]["previous_donors"] == 2 * by["north"]["previous_donors"] + by["south"]["previous_donors"]


def test_an_account_without_gifts_leaves_revenue_unknown_not_zero():
    rows = rollup.pl.DataFrame({"account": ["a", "b"], "as_of": [None, None], **{c: [10, 20] for c in rollup.SUMMED}})
    rows = rows.with_columns(rollup.pl.Series("revenue", [50.0, None]))
    total = rollup.network_total(rows)
    assert total["revenue"] == 50.0 and total["revenue_per_1000"] == pytest.approx(50.0 / 10 * 1000)


def test_motherduck_reads_the_same_way(network):
    md = rollup.locations({a.name: a.db_path for a in accounts.all_accounts(network)}, "md:cc_")
    assert md == {"north": "md:cc_north", "south": "md:cc_south", "twin": "md:cc_twin"}
    # MotherDuck cannot be reached from here: opening gets as far as DuckDB asking for its motherduck extension,
    # which this project never downloads by itself (autoinstall off), and it says so without touching the network.
    with pytest.raises(duckdb.Error, match="(?i)motherduck"), rollup.opened(md["north"]):
        pass
    with pytest.raises(ConfigError, match="CC_ROLLUP_PATH"):
        rollup.locations({"north": "x.duckdb"}, "s3://bucket/")


def test_the_accounts_databases_are_opened_read_only(network):
    with rollup.opened(_where(network)["north"]) as con, pytest.raises(duckdb.Error, match="(?i)read.only"):
        con.execute("DELETE FROM contacts")
