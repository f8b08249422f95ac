"""A local DonorPerfect XML API on loopback, serving a synthetic account's donors (DP) and gifts (DPGIFT).

It answers as DonorPerfect does: `GET /prod/xmlrequest.asp?apikey=KEY&action=SELECT ...`, XML
`<result><record><field name=".." value=".."/>...</record></result>`, at most 500 rows per query, a small
SELECT dialect (TOP n, WHERE with =, >, >=, <, <= joined by AND, ORDER BY), `MM/DD/YYYY` date filters,
and errors as XML with HTTP 200 (bad key, bad SQL).
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote_plus, urlsplit
from xml.sax.saxutils import quoteattr

import polars as pl

ROW_CAP = 500
PATH = "/prod/xmlrequest.asp"
_SELECT = re.compile(
    r"^\s*SELECT\s+(?:TOP\s+(?P<top>\d+)\s+)?(?P<cols>.+?)\s+FROM\s+(?P<table>\w+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?(?:\s+ORDER\s+BY\s+(?P<order>\w+)(?:\s+(?P<dir>ASC|DESC))?)?\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_CONDITION = re.compile(r"^\s*(\w+)\s*(>=|<=|=|>|<)\s*('(?:[^']*)'|-?\d+(?:\.\d+)?)\s*$")
_OPS = {
    "=": lambda c, v: c == v, ">": lambda c, v: c > v, ">=": lambda c, v: c >= v,
    "<": lambda c, v: c < v, "<=": lambda c, v: c <= v,
}


class SqlError(ValueError):
    pass


class DonorPerfectSandbox:
    """`with DonorPerfectSandbox(account) as dp: dp.url` -> the xmlrequest.asp URL to use as DP_API_URL."""

    def __init__(self, account: Any, host: str = "127.0.0.1", port: int = 0, api_key: str = "sandbox-dp-key") -> None:
        self.account = account
        self._tables: dict[str, pl.DataFrame] = {}
        self._served: tuple[Any, Any] = (None, None)   # the frames _tables was built from
        self.api_key = api_key
        self.request_log: list[dict[str, str]] = []
        self.fail_next: list[int] = []  # HTTP statuses to answer with before serving normally (retry tests)
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{PATH}"

    def start(self) -> DonorPerfectSandbox:
        self._thread = threading.Thread(target=self._server.serve_forever, name="dp-sandbox", daemon=True)
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
            self._tables = {"DP": _with_numeric_ids(donors, "donor_id"),
                            "DPGIFT": _with_numeric_ids(gifts, "gift_id")}
            self._served = (donors, self.account.gifts)
        return self._tables

    def answer(self, query: dict[str, str]) -> str:
        """The XML body for one request's query parameters."""
        if query.get("apikey") != self.api_key:
            return _error("Invalid API key. Check the apikey parameter.")
        action = query.get("action", "")
        try:
            return _records(self.select(action))
        except SqlError as err:
            return _error(str(err))

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
    column, op, literal = match.groups()
    column = column.lower()
    if column not in table.columns:
        raise SqlError(f"Invalid column name '{column}'.")
    dtype = table.schema[column]
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
    return _OPS[op](pl.col(column), value)


def _format(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%m/%d/%Y %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%m/%d/%Y")
    return str(value)


def _records(frame: pl.DataFrame) -> str:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', "<result>"]
    for row in frame.iter_rows(named=True):
        fields = "".join(
            f"<field name={quoteattr(name)} id={quoteattr(name)} value={quoteattr(_format(value))}/>"
            for name, value in row.items()
        )
        parts.append(f"<record>{fields}</record>")
    parts.append("</result>")
    return "".join(parts)


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
            if sandbox.fail_next:
                self._send(sandbox.fail_next.pop(0), "<html><body>Server error</body></html>", "text/html")
                return
            self._send(200, sandbox.answer(query), "text/xml")

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

