"""What the store does to keep a writer's process small: polars frames in and out of DuckDB without pyarrow, a
fresh connection for the refresh before publishing, and (on the command line) polars giving freed memory back."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cc_data.store.db import connect, writer
from cc_data.store.frames import Scan
from cc_data.store.query import frame


def _in_fresh_python(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_rows_written_and_read_back_without_importing_pyarrow(tmp_path):
    out = _in_fresh_python(f"""
import json, sys
from datetime import datetime
from cc_data.store import upserts
from cc_data.store.db import writer
from cc_data.store.query import frame
with writer({str(tmp_path / "cc.duckdb")!r}) as w:
    upserts.upsert(w.con, "segments", [{{"segment_id": 1, "name": "a"}}, {{"segment_id": 2, "name": None}}],
                   ("segment_id",))
    upserts.insert_tracking(w.con, "A1", [{{"campaign_activity_id": "A1", "contact_id": "c1",
        "tracking_activity_type": "em_opens", "created_time": datetime(2026, 1, 2, 3, 4), "ordinal": 0}}])
    upserts.set_states(w.con, "contacts", {{"cursor": "x"}})
    names = frame(w.con, "SELECT segment_id, name FROM segments ORDER BY 1").rows()
    opened = frame(w.con, "SELECT created_time FROM tracking_events").rows()
print(json.dumps({{"names": names, "opened": str(opened[0][0]), "pyarrow": "pyarrow" in sys.modules}}))
""")
    assert out == {"names": [[1, "a"], [2, None]], "opened": "2026-01-02 03:04:00", "pyarrow": False}


def test_frames_read_as_pyarrow_read_them():
    pytest.importorskip("pyarrow")
    con = connect(":memory:", read_only=False)
    sql = """SELECT i, i::DOUBLE / 3 AS d, 'x' || i AS s, NULL::VARCHAR AS n, TIMESTAMP '2026-01-02 03:04' AS t,
                    DATE '2026-01-02' AS day, 1.50::DECIMAL(12, 2) AS money, [i, i + 1] AS l, i % 2 = 0 AS even,
                    {'a': i} AS st, 'a'::ENUM ('a', 'b') AS e
             FROM range(5) r(i)"""
    for query in (sql, sql + " WHERE false"):
        assert_frame_equal(frame(con, query), pl.from_arrow(con.sql(query).to_arrow_table()))


def test_a_frame_duckdb_scans_keeps_its_rows_all_null_columns_included():
    con = connect(":memory:", read_only=False)
    rows = pl.DataFrame({"k": [1, 2], "nothing": [None, None], "at": [datetime(2026, 1, 2), None],
                         "who": pl.Series(["a", "b"], dtype=pl.Categorical), "tags": [["x"], []]})
    con.register("rows_in", Scan(rows))
    got = frame(con, "SELECT * FROM rows_in ORDER BY k")
    assert got["k"].to_list() == [1, 2] and got["nothing"].to_list() == [None, None]
    assert got["at"].to_list() == [datetime(2026, 1, 2), None]
    assert got["who"].cast(pl.Utf8).to_list() == ["a", "b"] and got["tags"].to_list() == [["x"], []]
    page = Scan(rows.head(0))  # noqa: F841 - read by DuckDB's replacement scan
    assert con.execute("SELECT count(*) FROM page").fetchone() == (0,)


def test_the_refresh_runs_on_a_connection_that_gave_back_what_the_writes_held(tmp_path):
    seen = {}

    def index_mb(con) -> float:
        return con.execute("SELECT coalesce(sum(memory_usage_bytes), 0) / 2^20 FROM duckdb_memory() "
                           "WHERE tag = 'ART_INDEX'").fetchone()[0]

    def refresh(con):
        seen["refresh"] = (con, index_mb(con), con.execute("SELECT count(*) FROM keyed").fetchone()[0])

    with writer(tmp_path / "cc.duckdb", before_publish=refresh) as w:
        w.con.execute("CREATE TABLE keyed (id INTEGER PRIMARY KEY)")
        w.con.execute("INSERT INTO keyed SELECT range FROM range(300000)")
        seen["writes"] = (w.con, index_mb(w.con))
    writes_con, held = seen["writes"]
    refresh_con, left, rows = seen["refresh"]
    assert held > 1 and left < 0.5 * held   # the primary key's index was in memory; it is not any more
    assert refresh_con is not writes_con and rows == 300000


POLARS_FREES = """
import json, sys
{setup}
import polars as pl
def rss_mb():
    return int(next(x for x in open("/proc/self/status") if x.startswith("VmRSS")).split()[1]) // 1024
big = pl.DataFrame({{"x": pl.int_range(0, 20_000_000, eager=True)}}).with_columns(y=pl.col("x") * 2)
held = rss_mb()
del big
print(json.dumps({{"held": held, "after": rss_mb()}}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="polars uses jemalloc on Linux; RSS from /proc")
def test_the_command_line_polars_gives_freed_memory_back():
    plain = _in_fresh_python(POLARS_FREES.format(setup="import os; os.environ.pop('_RJEM_MALLOC_CONF', None)"))
    cli = _in_fresh_python(POLARS_FREES.format(
        setup="import os; os.environ.pop('_RJEM_MALLOC_CONF', None)\nfrom cc_data.cli import build_parser\n"
              "build_parser()"))
    assert plain["held"] - plain["after"] < 100   # polars' default: 300 MB freed and kept by its allocator
    assert cli["held"] - cli["after"] > 250       # the command line's: given back at once
