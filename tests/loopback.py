"""A scripted HTTP server on a free loopback port, and an ApiClient pointed at it with a stored token: what the
client's unit tests drive (each file scripts its own answers in a request handler)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cc_data.api.auth import TokenManager, TokenSet, TokenStore
from cc_data.api.client import ApiClient, CallBudget
from cc_data.api.ratelimit import TokenBucket
from cc_data.config import Settings


@contextlib.contextmanager
def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """`handler` on a free loopback port; yields the base URL and stops the server afterwards (a 10 ms poll: a
    stop waits for it)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def api_client(base: str, token_dir: Path, *, client_secret: str = "sekrit-value", access_token: str = "good",
               refresh_token: str = "refresh-0", backoff_base_s: float = 0.01, max_attempts: int = 3) -> ApiClient:
    """An ApiClient for the server at `base` (/v3 and /oauth), with a valid access token stored under `token_dir`
    (read on the tests' clock, tests/clock.py) and limits no test reaches."""
    settings = Settings(client_id="cid", client_secret=client_secret, api_base_url=f"{base}/v3",
                        oauth_base_url=f"{base}/oauth", token_file=token_dir / "tokens.json")
    TokenStore(settings.token_file).save(TokenSet(access_token, refresh_token, time.time() + 3600, time.time()))
    return ApiClient(settings, TokenManager(settings), bucket=TokenBucket(1000, burst=1000),
                     budget=CallBudget(quota=1000), backoff_base_s=backoff_base_s, max_attempts=max_attempts)
