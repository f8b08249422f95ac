"""A stored result, declared once as data: how it is built, which changes make it stale, and a stamp computed
from its build.

What readers would otherwise compute (per-send rows, campaign counts, attribution, scores...) is stored on a
writer's working copy before it publishes (cc_data.analytics.stored.refresh). Each result is a `StoredResult`,
declared next to its query:

- `tables`: the tables it writes;
- `build(con, changes)`: writes them, from scratch (`changes` None) or for what `changes` touched;
- `stale_on`: the changes that make its rows stale (TRACKING, CONTACTS, GIFTS, MAPPING, as writers record them);
- `recipe`: what its rows are made by (query text, rule objects with their settings, the functions that build
  them); the stamp is a digest of these and of the stamps of the results it `needs`, so a changed query, rule or
  builder changes the stamp: nothing is bumped by hand.

`meta` holds each result's stamp under `stored:<name>` once its tables are written. A reader serves the stored
rows only when that stamp equals the code's (`current`), and computes them otherwise (an in-memory database, a
file built by other code, a result without its tables); the next publish rebuilds a result whose stamp differs.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass, field, is_dataclass
from functools import cached_property

import duckdb

from cc_data.store.query import table_exists

TRACKING, CONTACTS, GIFTS, MAPPING = "tracking", "contacts", "gifts", "mapping"
CHANGES = (TRACKING, CONTACTS, GIFTS, MAPPING)


@dataclass(frozen=True)
class Changes:
    """What a write changed: kinds (CHANGES), and the campaign activities whose tracking rows changed."""

    kinds: frozenset[str]
    activities: tuple[str, ...] = ()


Build = Callable[[duckdb.DuckDBPyConnection, "Changes | None"], None]


def _text(part: object) -> str:
    if isinstance(part, str):
        return part
    if is_dataclass(part) and not isinstance(part, type):
        return repr(part)   # a rule or settings object: its class and every value
    if inspect.isfunction(part) or inspect.ismodule(part) or inspect.isclass(part):
        return inspect.getsource(part)
    if isinstance(part, int | float | tuple):
        return repr(part)
    raise TypeError(f"a recipe holds text, rule objects, numbers, functions or modules, not {type(part).__name__}")


@dataclass(frozen=True, eq=False)
class StoredResult:
    name: str
    tables: tuple[str, ...]
    build: Build
    stale_on: frozenset[str]
    recipe: tuple[object, ...]
    needs: tuple[StoredResult, ...] = ()
    facts: Callable[[duckdb.DuckDBPyConnection], dict[str, str | None]] | None = field(default=None)

    def __post_init__(self) -> None:
        unknown = set(self.stale_on) - set(CHANGES)
        if unknown:
            raise ValueError(f"{self.name}: unknown change(s) {sorted(unknown)}")

    @property
    def meta_key(self) -> str:
        return f"stored:{self.name}"

    @cached_property
    def stamp(self) -> str:
        """A digest of the build: the recipe, the tables and the stamps of the results it reads."""
        digest = hashlib.sha256(self.name.encode())
        for part in (*self.tables, *self.recipe, self.build, *(n.stamp for n in self.needs)):
            digest.update(b"\0" + _text(part).encode())
        return digest.hexdigest()[:16]

    def record(self, con: duckdb.DuckDBPyConnection) -> str:
        """What meta holds once the tables are written: the stamp, and the facts the rows are for (e.g. "as of")."""
        return json.dumps({"stamp": self.stamp, **(self.facts(con) if self.facts else {})}, sort_keys=True)

    def built(self, con: duckdb.DuckDBPyConnection) -> bool:
        """The tables exist and were built by this code (on the connection itself: a writer's transaction)."""
        if not all(table_exists(con, t) for t in self.tables):
            return False
        rows = con.execute("SELECT value FROM meta WHERE key = ?", [self.meta_key]).fetchall()
        if not rows:
            return False
        try:
            return json.loads(rows[0][0]).get("stamp") == self.stamp
        except (ValueError, AttributeError):
            return False

    def current(self, con: duckdb.DuckDBPyConnection, *, own_cursor: bool = False, **facts: str | None) -> bool:
        """Serve the stored rows? Built by this code, and (when given) for these facts. `own_cursor`: ask on a
        cursor of its own, for a caller whose connection may hold a result it has not fully fetched (never inside a
        writer's transaction: a cursor would not see it)."""
        runner = con.cursor() if own_cursor else con
        try:
            if not self.built(runner):
                return False
            recorded = json.loads(runner.execute("SELECT value FROM meta WHERE key = ?",
                                                 [self.meta_key]).fetchall()[0][0])
        finally:
            if own_cursor:
                runner.close()
        return all(recorded.get(k) == v for k, v in facts.items())

    def source(self, con: duckdb.DuckDBPyConnection, live_sql: str, table: str | None = None, *,
               own_cursor: bool = False) -> str:
        """A FROM item: the stored table when current, else the live query as a subquery."""
        return (table or self.tables[0]) if self.current(con, own_cursor=own_cursor) else f"({live_sql})"

    def refresh(self, con: duckdb.DuckDBPyConnection, changes: Changes | None) -> None:
        """Build, then record the stamp when every table was written (forget it otherwise)."""
        con.execute("DELETE FROM meta WHERE key = ?", [self.meta_key])
        self.build(con, changes)
        if all(table_exists(con, t) for t in self.tables):
            con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [self.meta_key, self.record(con)])
