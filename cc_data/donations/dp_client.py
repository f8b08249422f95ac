"""The DonorPerfect XML API: one GET endpoint, SELECTs over DP and DPGIFT, 500 rows per answer.

The API key has full read access to the donor database: it is never logged and is redacted from any
message (DonorPerfect wants it in the URL, unencoded). 5xx answers and timeouts are retried politely.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import date
from urllib.parse import quote, quote_plus, unquote_plus, urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from cc_data.donations.dp_answer import NotXml, RefusedAnswer, UnreadableAnswer, read_records
from cc_data.errors import ApiError, ConfigError

PAGE_SIZE = 500
GIFT_FIELDS: tuple[str, ...] = (
    "gift_id", "donor_id", "record_type", "gift_date", "created_date", "modified_date", "amount", "currency",
    "solicit_code", "sub_solicit_code", "campaign", "gl_code", "gift_type", "split_gift", "glink", "plink",
)
DONOR_FIELDS: tuple[str, ...] = (
    "donor_id", "first_name", "last_name", "email", "cc_contact_id", "org_rec", "donor_type",
    "created_date", "modified_date",
)


_APIKEY_IN_URL = re.compile(r"(apikey=)[^&\s'\"]+", re.IGNORECASE)


class _RedactApiKey(logging.Filter):
    """urllib3 logs request URLs (retries at WARNING, requests at DEBUG); DonorPerfect's key is in the URL."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "apikey=" in record.getMessage().lower():
            record.msg = _APIKEY_IN_URL.sub(r"\1***", record.getMessage())
            record.args = None
        return True


for _name in ("urllib3.connectionpool", "urllib3.util.retry"):
    logging.getLogger(_name).addFilter(_RedactApiKey())


class DonorPerfectError(ApiError):
    """DonorPerfect answered with an error (bad key, bad query) or could not be reached."""


class DonorPerfectClient:
    def __init__(self, api_url: str, api_key: str | None, *, timeout: float = 30.0, retries: int = 3,
                 backoff: float = 0.5) -> None:
        if not api_key:
            raise ConfigError("DP_API_KEY is not set; add your DonorPerfect API key to .env to sync donations.")
        self.api_url = api_url
        self._key = api_key
        self.timeout = timeout
        self.calls = 0
        self.session = requests.Session()
        retry = Retry(total=retries, connect=retries, read=retries, status=retries, backoff_factor=backoff,
                      status_forcelist=(500, 502, 503, 504), allowed_methods=("GET",), raise_on_status=False)
        self.session.mount("http://", HTTPAdapter(max_retries=retry))
        self.session.mount("https://", HTTPAdapter(max_retries=retry))

    def redact(self, text: str) -> str:
        """The text without the key in any form a server or library may write it: raw, decoded or encoded."""
        forms = {self._key, unquote_plus(self._key), quote(self._key, safe=""), quote(self._key), quote_plus(self._key)}
        for form in sorted(forms, key=len, reverse=True):
            text = text.replace(form, "***")
        return text

    def query(self, action: str) -> list[dict[str, str]]:
        """Run one action (a SELECT or a stored procedure call); the records as {field: value} (empty -> "")."""
        url = f"{self.api_url}?apikey={self._key}&action={quote(action, safe='')}"
        self.calls += 1
        failure: str | None = None
        try:
            # Never follow a redirect: requests would send the key, which is in the URL, on to the new address.
            response = self.session.get(url, timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as err:
            failure = type(err).__name__
        if failure is not None:  # raised outside the except block, so no chained exception carries the URL
            raise DonorPerfectError(
                f"DonorPerfect at {self._host(self.api_url)} could not be reached ({failure}); "
                "check DP_API_URL and your connection, then try again."
            )
        if response.is_redirect or 300 <= response.status_code < 400:
            raise self._redirect_error(response)
        if response.status_code >= 400:
            raise DonorPerfectError(
                f"DonorPerfect answered HTTP {response.status_code} for {self.redact(action)[:80]!r}; "
                "it may be down, so try again later."
            )
        return self._parse(response.content, action)

    def _redirect_error(self, response: requests.Response) -> DonorPerfectError:
        location = response.headers.get("Location")
        target = f" to {self._host(urljoin(self.api_url, location))}" if location else ""
        return DonorPerfectError(
            f"DonorPerfect at {self._host(self.api_url)} answered with a redirect (HTTP {response.status_code}){target}; "
            "it was not followed, so the API key was not sent there. If DonorPerfect moved, set DP_API_URL to the "
            "new xmlrequest.asp address."
        )

    def _host(self, url: str) -> str:
        """host[:port] of a URL, for messages (never its query, which may hold the key)."""
        return self.redact(urlsplit(url).netloc.rsplit("@", 1)[-1]) or "(no host)"

    def _parse(self, body: bytes, action: str) -> list[dict[str, str]]:
        try:
            return read_records(body)
        except (RefusedAnswer, UnreadableAnswer) as err:
            problem = err
        # raised outside the except block, so the error chains nothing (the answer may echo the key)
        what, words = repr(self.redact(action)[:80]), self.redact(str(problem))
        if isinstance(problem, RefusedAnswer):
            raise DonorPerfectError(f"DonorPerfect refused {what}: {words}")
        if isinstance(problem, NotXml):
            raise DonorPerfectError(
                f"DonorPerfect's answer to {what} is not XML ({words}); check DP_API_URL (it should end in "
                "xmlrequest.asp)."
            )
        raise DonorPerfectError(f"DonorPerfect's answer to {what} could not be read: {words}.")

    def keyset(self, table: str, key: str, fields: tuple[str, ...], since: date | None = None,
               after: int = 0) -> Iterator[list[dict[str, str]]]:
        """Pages of a table in key order: `SELECT TOP 500 ... WHERE key > last ORDER BY key`."""
        last = after
        while True:
            where = f"{key} > {last}"
            if since is not None:
                # a record never edited has no modified_date: its entry date counts (the manual's own example)
                where += f" AND COALESCE(modified_date, created_date) >= '{since.strftime('%m/%d/%Y')}'"
            action = f"SELECT TOP {PAGE_SIZE} {', '.join(fields)} FROM {table} WHERE {where} ORDER BY {key}"
            page = self.query(action)
            if not page:
                return
            last = self._checked(page, fields, key, last, action)
            yield page
            if len(page) < PAGE_SIZE:
                return

    def _checked(self, page: list[dict[str, str]], fields: tuple[str, ...], key: str, last: int,
                 action: str) -> int:
        """The page's highest key, once every record carries every field asked for and a key above `last`:
        a field left out is not an empty one, and a page that is not what was asked for ends the sync."""
        highest = last
        for n, row in enumerate(page, start=1):
            missing = [name for name in fields if name not in row]
            try:
                number = float(row.get(key, ""))
            except ValueError:
                number = float("nan")
            if missing or not (number > last and number.is_integer()):
                problem = f"lacks {', '.join(missing)}" if missing else f"has {key} {row.get(key)!r}"
                raise DonorPerfectError(
                    f"DonorPerfect's answer to {self.redact(action)[:80]!r} could not be read: record {n} {problem}."
                )
            highest = max(highest, int(number))
        return highest

    def gifts(self, since: date | None = None) -> Iterator[list[dict[str, str]]]:
        return self.keyset("DPGIFT", "gift_id", GIFT_FIELDS, since)

    def donors(self, since: date | None = None) -> Iterator[list[dict[str, str]]]:
        return self.keyset("DP", "donor_id", DONOR_FIELDS, since)
