"""A local DonorPerfect XML API on loopback, serving a synthetic account's donors (DP) and gifts (DPGIFT).

It answers as DonorPerfect does: `GET /prod/xmlrequest.asp?apikey=KEY&action=SELECT ...`, XML
`<result><record><field name=".." value=".."/>...</record></result>`, at most 500 rows per query, a small
SELECT dialect (TOP n, WHERE with =, >, >=, <, <= joined by AND, ORDER BY), `MM/DD/YYYY` date filters,
and errors as XML with HTTP 200 (bad key, bad SQL). Answers take the plain form unless `forms` fixes some of
the documented alternatives or `variants` picks among them per request (cc_data/sandbox/dp_forms.py).
"""

from __future__ import annotations

import itertools
import re
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote_plus, urlsplit

import polars as pl

from cc_data.sandbox import dp_forms
from cc_data.sandbox.server import POLL_S

ROW_CAP = 500
PATH = "/prod/xmlrequest.asp"
_SELECT = re.compile(
    r"^\s*SELECT\s+(?:TOP\s+(?P<top>\d+)\s+)?(?P<cols>.+?)\s+FROM\s+(?P<table>\w+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?(?:\s+ORDER\s+BY\s+(?P<order>\w+)(?:\s+(?P<dir>ASC|DESC))?)?\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_CONDITION = re.compile(
    r"^\s*(COALESCE\(\s*\w+(?:\s*,\s*\w+)+\s*\)|\w+)\s*(>=|<=|=|>|<)\s*('(?:[^']*)'|-?\d+(?:\.\d+)?)\s*$",
    re.IGNORECASE,
)
_OPS = {
    "=": lambda c, v: c == v, ">": lambda c, v: c > v, ">=": lambda c, v: c >= v,
    "<": lambda c, v: c < v, "<=": lambda c, v: c <= v,
}


class SqlError(ValueError):
    pass


class DonorPerfectSandbox:
    """`with DonorPerfectSandbox(account) as dp: dp.url` -> the xmlrequest.asp URL to use as DP_API_URL."""

    def __init__(self, account: Any, host: str = "127.0.0.1", port: int = 0, api_key: str = "sandbox-dp-key", *,
                 forms: dict[str, str] | None = None, variants: int | None = None,
                 blank_unmodified: bool | None = None) -> None:
        self.account = account
        self.choice = dp_forms.Choice(forms, variants)
        # DonorPerfect leaves modified_date NULL until a record is edited (v7.1 p. 73); on with variants
        self.blank_unmodified = variants is not None if blank_unmodified is None else blank_unmodified
        self._requests = itertools.count(1)
        self._tables: dict[str, pl.DataFrame] = {}
        self._served: tuple[Any, Any] = (None, None)   # the frames _tables was built from
        self.api_key = api_key
        self.request_log: list[dict[str, str]] = []
        # the next answers, before serving normally: HTTP statuses, refusals named in dp_forms.ERROR_FORMS,
        # or None for a normal answer (so a refusal can land on a later page)
        self.fail_next: list[int | str | None] = []
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{PATH}"

    def start(self) -> DonorPerfectSandbox:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": POLL_S},
                                        name="dp-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> DonorPerfectSandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def tables(self) -> dict[str, pl.DataFrame]:
        """The account's donors (DP) and gifts (DPGIFT) as they are now: an advance() replaces the frames."""
        donors, gifts = self.account.donors, self.account.gifts
        if self._served[0] is not donors or self._served[1] is not gifts:
            now = getattr(self.account, "now", None)
            if now is not None:   # nothing entered after the sandbox clock exists yet
                cutoff = datetime.fromtimestamp(now, UTC).replace(tzinfo=None)
                gifts = gifts.filter(pl.col("created_date").is_null() | (pl.col("created_date") <= cutoff))
            self._tables = {"DP": self._as_stored(_with_numeric_ids(donors, "donor_id")),
                            "DPGIFT": self._as_stored(_with_numeric_ids(gifts, "gift_id"))}
            self._served = (donors, self.account.gifts)
        return self._tables

    def _as_stored(self, table: pl.DataFrame) -> pl.DataFrame:
        if not self.blank_unmodified or "modified_date" not in table.columns:
            return table
        edited = pl.col("modified_date") != pl.col("created_date")
        return table.with_columns(modified_date=pl.when(edited | pl.col("created_date").is_null())
                                  .then(pl.col("modified_date")))

    def answer(self, query: dict[str, str], refusal: str | None = None) -> str:
        """The XML body for one request's query parameters (`refusal`: answer with that error form)."""
        form = self.choice.options(next(self._requests))
        if refusal is not None and refusal != "truncated":
            return dp_forms.error_answer(refusal, "Incorrect syntax near the keyword 'ORDER'.")
        if query.get("apikey") != self.api_key:
            return _error("Invalid API key. Check the apikey parameter.")
        action = query.get("action", "")
        try:
            body = dp_forms.render(self.select(action).iter_rows(named=True), form)
        except SqlError as err:
            return _error(str(err))
        return dp_forms.cut(body) if refusal == "truncated" else body

    def select(self, sql: str) -> pl.DataFrame:
        match = _SELECT.match(sql)
        if not match:
            raise SqlError(f"Incorrect syntax near '{sql[:40]}'.")
        table = self.tables.get(match["table"].upper())
        if table is None:
            raise SqlError(f"Invalid object name '{match['table']}'.")
        if match["where"]:
            for condition in re.split(r"\s+AND\s+", match["where"], flags=re.IGNORECASE):
                table = table.filter(_predicate(table, condition))
        if match["order"]:
            order = match["order"].lower()
            if order not in table.columns:
                raise SqlError(f"Invalid column name '{match['order']}'.")
            table = table.sort(order, descending=(match["dir"] or "").upper() == "DESC", nulls_last=True)
        limit = min(int(match["top"]) if match["top"] else ROW_CAP, ROW_CAP)
        cols = match["cols"].strip()
        if cols != "*":
            names = [name.strip().lower() for name in cols.split(",")]
            unknown = [name for name in names if name not in table.columns]
            if unknown:
                raise SqlError(f"Invalid column name '{unknown[0]}'.")
            table = table.select(names)
        return table.head(limit)


def _with_numeric_ids(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """DonorPerfect ids are integers; keyset paging compares them as numbers."""
    frame = frame.rename({name: name.lower() for name in frame.columns})
    return frame.with_columns(pl.col(key).cast(pl.Int64))


def _predicate(table: pl.DataFrame, condition: str) -> pl.Expr:
    match = _CONDITION.match(condition)
    if not match:
        raise SqlError(f"Incorrect syntax near '{condition.strip()[:40]}'.")
    expression, op, literal = match.groups()
    columns = [name.strip().lower() for name in re.findall(r"\w+", expression) if name.upper() != "COALESCE"]
    for column in columns:
        if column not in table.columns:
            raise SqlError(f"Invalid column name '{column}'.")
    dtype = table.schema[columns[0]]
    value: Any
    if literal.startswith("'"):
        value = literal[1:-1]
        if dtype == pl.Date or isinstance(dtype, pl.Datetime):
            try:
                day = datetime.strptime(value, "%m/%d/%Y").date()
            except ValueError:
                raise SqlError(
                    f"Conversion failed when converting date and/or time from character string '{value}'."
                ) from None
            value = day if dtype == pl.Date else datetime(day.year, day.month, day.day)
    else:
        value = float(literal) if "." in literal else int(literal)
        if not dtype.is_numeric():
            value = str(value)
    return _OPS[op](pl.coalesce(*columns) if len(columns) > 1 else pl.col(columns[0]), value)


def _error(message: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><result><error>{_escape(message)}</error></result>'


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _handler_for(sandbox: DonorPerfectSandbox) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            parts = urlsplit(self.path)
            if parts.path != PATH:
                self._send(404, "<html><body>Not found</body></html>", "text/html")
                return
            query = _parse_query(parts.query)
            sandbox.request_log.append({"action": query.get("action", ""), "path": parts.path})
            failure = sandbox.fail_next.pop(0) if sandbox.fail_next else None
            if isinstance(failure, int):
                self._send(failure, "<html><body>Server error</body></html>", "text/html")
                return
            self._send(200, sandbox.answer(query, failure), "text/xml")

        def date_time_string(self, timestamp: float | None = None) -> str:
            # a synthetic account's answers are dated by its clock, as the Constant Contact sandbox's are
            clock = getattr(sandbox.account, "now", None)
            return super().date_time_string(clock if timestamp is None and clock is not None else timestamp)

        def _send(self, status: int, body: str, content_type: str) -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keep the sandbox quiet
            return

    return Handler


def _parse_query(query: str) -> dict[str, str]:
    """DonorPerfect reads the apikey raw (unencoded); other parameters are URL-decoded."""
    values: dict[str, str] = {}
    for part in query.split("&"):
        name, _, value = part.partition("=")
        values[name] = value if name == "apikey" else unquote_plus(value)
    return values

