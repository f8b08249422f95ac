"""A sync against a sandbox that answers in every documented form (and with the API's transient faults) ends
with exactly the database of a sync against the plain sandbox, for a full and an incremental run."""

from __future__ import annotations

import pytest

from cc_data.store.db import read
from cc_data.sync.runner import run_sync
from tests.integration.conftest import settings_for

BOOKKEEPING = {"api_calls_daily", "sync_runs", "sync_state"}   # when and how, not what
FORCED = {0, 202, 401, 429, 500, 503}                          # answers that a retry must follow


def _tables(db_path) -> dict[str, list[tuple]]:
    with read(db_path) as con:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        return {name: con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall()
                for name in names if name not in BOOKKEEPING}


def _forced(sandbox, since: int) -> int:
    return sum(1 for _, path, status in sandbox.request_log[since:] if path.startswith("/v3/") and status in FORCED)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_variants_sync_equals_the_plain_sync(start_sandbox, tmp_path, seed):
    plain = start_sandbox()
    varied = start_sandbox(variants=seed)
    plain_settings = settings_for(plain, tmp_path / "plain")
    varied_settings = settings_for(varied, tmp_path / "varied")
    for step in ("full", "incremental"):
        if step == "incremental":
            plain.advance(3.5)
            varied.advance(3.5)
        marks = len(plain.request_log), len(varied.request_log)
        expected = run_sync(plain_settings)
        got = run_sync(varied_settings)
        assert (expected.outcome, got.outcome) == ("success", "success"), got.message
        assert got.skipped == {} and got.failed == {}
        # the same calls, plus one retry for each transient fault the variants added (an access token that the
        # advanced clock expired is refused by both)
        extra = _forced(varied, marks[1]) - _forced(plain, marks[0])
        assert got.total_calls - extra == expected.total_calls, (step, got.calls, expected.calls)
        plain_tables, varied_tables = _tables(plain_settings.db_path), _tables(varied_settings.db_path)
        assert plain_tables.keys() == varied_tables.keys()
        for name, rows in plain_tables.items():
            assert varied_tables[name] == rows, f"{step}: table {name} differs"
