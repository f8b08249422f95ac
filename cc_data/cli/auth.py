"""`cc-data auth [--device] [--no-browser]`: log in to Constant Contact and store the tokens."""

from __future__ import annotations

import argparse
import http.server
import threading
import webbrowser
from urllib.parse import parse_qs, urlsplit

from cc_data.api import auth
from cc_data.config import Settings
from cc_data.errors import AuthError


def register(sub: argparse._SubParsersAction) -> None:
    """Add `auth` to `cc-data`."""
    p = sub.add_parser("auth", help="log in to Constant Contact (stores a refresh token)")
    p.add_argument("--device", action="store_true", help="device flow, for machines without a browser")
    p.add_argument("--no-browser", action="store_true", help="print the URL instead of opening a browser")
    p.set_defaults(func=cmd_auth)


def cmd_auth(args: argparse.Namespace, settings: Settings) -> int:
    if args.device:
        device = auth.start_device_flow(settings)
        print(f"Open {device.get('verification_uri_complete') or device.get('verification_uri')} "
              f"and enter the code {device.get('user_code')}.")
        auth.poll_device_flow(settings, device)
    else:
        verifier, challenge = auth.new_pkce()
        state = auth.new_state()
        url = auth.authorization_url(settings, settings.redirect_uri, state, challenge)
        code = _catch_redirect(settings.redirect_uri, url, state, open_browser=not args.no_browser)
        auth.exchange_code(settings, code, verifier, settings.redirect_uri)
    print(f"Logged in. Tokens saved to {settings.token_file} (readable only by you).")
    return 0


def _code_from(redirect: str, state: str) -> str:
    query = parse_qs(urlsplit(redirect.strip()).query)
    if query.get("error"):
        raise AuthError(f"Constant Contact refused the login ({query['error'][0]}); run `cc-data auth` again.")
    if query.get("state", [""])[0] != state:
        raise AuthError("The redirect does not belong to this login attempt (state mismatch); run `cc-data auth` again.")
    if not query.get("code"):
        raise AuthError("The redirect URL holds no code; paste the whole address the browser ended on.")
    return query["code"][0]


def _catch_redirect(redirect_uri: str, url: str, state: str, *, open_browser: bool) -> str:
    """Listen on the loopback redirect_uri; the user may also paste the redirect URL instead."""
    parts = urlsplit(redirect_uri)
    caught: dict[str, str] = {}
    done = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if urlsplit(self.path).path != parts.path:
                self.send_error(404)
                return
            caught["url"] = self.path
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.end_headers()
            self.wfile.write(b"cc-data: login received, you can close this tab.")
            done.set()

        def log_message(self, *args: object) -> None:
            pass

    server = None
    if parts.hostname in ("127.0.0.1", "localhost") and parts.port:
        try:
            server = http.server.HTTPServer((parts.hostname, parts.port), Handler)
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        except OSError:
            server = None
    print(f"Open this address to log in to Constant Contact:\n\n  {url}\n")
    if open_browser:
        webbrowser.open(url)
    try:
        if server is not None:
            print("Waiting for the browser to come back (or paste the redirect URL here and press Enter)...")
            reader = threading.Thread(target=lambda: (caught.setdefault("url", input()), done.set()), daemon=True)
            reader.start()
            done.wait(timeout=600)
        else:
            caught["url"] = input("Paste the address the browser ended on: ")
    finally:
        if server is not None:
            server.shutdown()
    if "url" not in caught:
        raise AuthError("No login came back within 10 minutes; run `cc-data auth` again.")
    return _code_from(caught["url"], state)
