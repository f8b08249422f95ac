"""The DonorPerfect key is in the query string: a redirect must not carry it elsewhere, and no error shows it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, quote_plus, unquote_plus, urlsplit

import pytest

from cc_data.donations.dp_client import DonorPerfectClient, DonorPerfectError

KEY = "Sup3r/Secret+Key=="
# Every way a server or a library might write the key back: raw, decoded ('+' as space), encoded.
KEY_FORMS = (KEY, unquote_plus(KEY), quote(KEY, safe=""), quote(KEY), quote_plus(KEY), "Secret")
RESULT_XML = b'<?xml version="1.0"?><result><record><field name="gift_id" value="1"/></record></result>'

Answer = Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]


class LoopbackServer:
    """http.server on 127.0.0.1 (port 0) that records every request path and answers with `answer`."""

    def __init__(self, answer: Answer) -> None:
        self.paths: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                server.paths.append(self.path)
                status, headers, body = answer(self)
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.httpd.server_address[1]}"
        self.url = f"http://{self.address}/prod/xmlrequest.asp"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def servers() -> Iterator[Callable[[Answer], LoopbackServer]]:
    started: list[LoopbackServer] = []

    def start(answer: Answer) -> LoopbackServer:
        started.append(LoopbackServer(answer))
        return started[-1]

    yield start
    for server in started:
        server.close()


def client(url: str) -> DonorPerfectClient:
    return DonorPerfectClient(url, KEY, retries=1, backoff=0, timeout=5)


def assert_no_key(err: BaseException) -> None:
    """Neither the message, nor its repr, nor any exception chained to it shows the key in any form."""
    chain: list[BaseException] = []
    current: BaseException | None = err
    while current is not None and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    for exc in chain:
        for form in KEY_FORMS:
            assert form not in str(exc) and form not in repr(exc), f"{type(exc).__name__} shows the key: {exc}"


def test_a_redirect_is_not_followed_and_the_target_never_sees_the_key(servers):
    target = servers(lambda handler: (200, {"Content-Type": "text/xml"}, RESULT_XML))

    def redirect(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        return 302, {"Location": f"http://{target.address}/moved{handler.path[len('/prod/xmlrequest.asp'):]}"}, b""

    origin = servers(redirect)
    with pytest.raises(DonorPerfectError) as err:
        client(origin.url).query("SELECT TOP 1 gift_id FROM DPGIFT")
    message = str(err.value)
    assert target.paths == []                      # the key went nowhere else
    assert len(origin.paths) == 1 and "apikey=" in origin.paths[0]
    assert "redirect" in message and target.address in message and origin.address in message
    assert "\n" not in message
    assert_no_key(err.value)


def echo_path(status: int, template: bytes, content_type: str = "text/xml") -> Answer:
    """An answer that writes the request back (XML-escaped): the path, and the key as a server decodes it."""

    def answer(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        decoded = parse_qs(urlsplit(handler.path).query).get("apikey", [""])[0]
        text = template.replace(b"PATH", escape(handler.path).encode()).replace(b"DECODED", escape(decoded).encode())
        return status, {"Content-Type": content_type}, text

    return answer


@pytest.mark.parametrize(
    "answer",
    [echo_path(500, b"Internal error for PATH (key DECODED)", "text/plain"),
     echo_path(200, b"<html>Moved: PATH key DECODED</html", "text/html"),
     echo_path(200, b'<?xml version="1.0"?><result><error>Invalid key DECODED in PATH</error></result>'),
     echo_path(200, b'<?xml version="1.0"?><result><record><field name="error" value="bad key DECODED"/>'
                    b"</record></result>"),
     echo_path(307, b"")],
    ids=["http-500", "not-xml", "xml-error", "record-error", "redirect-without-location"],
)
def test_errors_from_the_client_never_show_the_key(servers, answer):
    server = servers(answer)
    with pytest.raises(DonorPerfectError) as err:
        client(server.url).query("SELECT TOP 1 gift_id FROM DPGIFT")
    assert_no_key(err.value)


def test_an_unreachable_server_error_chains_nothing_that_shows_the_key():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DonorPerfectError, match="could not be reached") as err:
        client(f"http://127.0.0.1:{port}/prod/xmlrequest.asp").query("SELECT TOP 1 gift_id FROM DPGIFT")
    assert_no_key(err.value)
