"""CLI: `cc-data auth [--device]`, `cc-data sync [--full] [--only STREAM ...] [--quiet] [--json] [--wait N]`,
`cc-data status`."""

from __future__ import annotations

import argparse
import http.server
import json
import sys
import threading
import webbrowser
from dataclasses import asdict
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cc_data import datasource
from cc_data.api import auth
from cc_data.config import Settings
from cc_data.errors import AuthError, UserError
from cc_data.store.db import lock_wait
from cc_data.store.dbfile import verify
from cc_data.sync.engine import ProgressEvent
from cc_data.sync.runner import STREAMS


def register(sub: argparse._SubParsersAction) -> None:
    """Add this area's subcommands to `cc-data`. Each sets `func(args, settings) -> int`."""
    p = sub.add_parser("auth", help="log in to Constant Contact (stores a refresh token)")
    p.add_argument("--device", action="store_true", help="device flow, for machines without a browser")
    p.add_argument("--no-browser", action="store_true", help="print the URL instead of opening a browser")
    p.set_defaults(func=cmd_auth)
    p = sub.add_parser("sync", help="sync Constant Contact into the DuckDB file")
    p.add_argument("--full", action="store_true", help="also reconcile every contact now")
    p.add_argument("--only", nargs="+", metavar="STREAM", choices=STREAMS, help="run only these streams")
    p.add_argument("--quiet", action="store_true", help="print nothing unless something goes wrong")
    p.add_argument("--json", action="store_true", help="print the run's result as JSON")
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="wait up to this long for another sync or import to finish (default: do not wait)")
    p.set_defaults(func=cmd_sync)
    p = sub.add_parser("status", help="last runs, freshness per stream, calls used today, login expiry")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)


# --- auth ---------------------------------------------------------------------------------------

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
            threading.Thread(target=server.serve_forever, daemon=True).start()
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


# --- sync ---------------------------------------------------------------------------------------

class ProgressPrinter:
    """One live line per stream on a terminal (rows, calls, rate, ETA); one line per finished stream otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last_line = ""

    def __call__(self, event: ProgressEvent) -> None:
        eta = "" if event.eta_s is None else f"  ETA {event.eta_s:,.0f}s"
        line = (f"{event.stream:<20} {event.rows:>10,} rows {event.calls:>7,} calls "
                f"{event.rate:5.1f}/s{eta}")
        if self.tty:
            sys.stderr.write("\r" + line.ljust(len(self.last_line)) + ("\n" if event.done else ""))
            sys.stderr.flush()
            self.last_line = line
        elif event.done:
            print(line, file=sys.stderr)


def cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    progress = None if (args.quiet or args.json) else ProgressPrinter()
    if datasource.is_demo(settings) and not args.quiet:
        print("No Constant Contact credentials: syncing the built-in demo sandbox.", file=sys.stderr)
    with lock_wait(args.wait):
        result = datasource.sync_now(settings, progress, full=args.full, only=args.only)
    if args.json:
        print(json.dumps(asdict(result), default=str))
    elif not args.quiet:
        print(f"\n{'table':<28}{'rows written':>14}")
        for table, rows in sorted(result.rows.items()):
            print(f"{table:<28}{rows:>14,}")
        print(f"\n{'endpoint':<60}{'calls':>8}")
        for endpoint, calls in sorted(result.calls.items()):
            print(f"{endpoint:<60}{calls:>8,}")
        print(f"\n{result.outcome}: {result.total_calls:,} calls in {result.elapsed_s:,.1f} s")
    if not args.json:
        for stream, n in sorted(result.skipped.items()):
            print(f"cc-data: {stream}: skipped {n:,} record(s) that came without their id (see docs/operations.md).",
                  file=sys.stderr)
        for note in result.notes:
            print(f"cc-data: {note}", file=sys.stderr)
    codes = {"quota_exceeded": 3, "partial": 4}
    if result.outcome in codes:
        print(f"cc-data: {result.message}", file=sys.stderr)
        return codes[result.outcome]
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from cc_data.sync import status

    demo = datasource.is_demo(settings)
    token = {"logged_in": None} if demo else auth.token_status(settings)
    if not Path(settings.db_path).exists():
        raise UserError(f"No data at {settings.db_path} yet: run `cc-data sync` (or `make run` for the demo).")
    verify(Path(settings.db_path), every_block=True)   # a damaged file is reported, not summarised
    frame = status.status_frame(settings.db_path)
    runs = status.last_runs(settings.db_path, 5)
    calls = status.calls_today(settings.db_path)
    if args.json:
        print(json.dumps({"token": token, "calls_today": calls, "daily_quota": settings.daily_quota,
                          "streams": frame.to_dicts(), "runs": runs.to_dicts()}, default=str))
        return 0
    if demo:
        print("Source: the built-in demo sandbox (no Constant Contact credentials configured).")
    elif token.get("logged_in"):
        print(f"Login: ok; access token expires {token.get('expires_at') or 'at next use'}; refresh token last used "
              f"{token.get('refresh_last_used') or 'never'} (expires after 180 days unused).")
    else:
        print(f"Login: missing ({token.get('message', 'run `cc-data auth`')}).")
    print(f"API calls today (UTC): {calls:,} of {settings.daily_quota:,}\n")
    print(_table(frame))
    print()
    print(_table(runs.select("started_at", "finished_at", "outcome", "mode", "message")))
    return 0


def _table(frame) -> str:
    """A plain text table: every row, times to the second, blanks for missing values."""
    def cell(value: object) -> str:
        if value is None:
            return ""
        if hasattr(value, "strftime"):
            return value.strftime("%Y-%m-%d %H:%M:%S")
        return f"{value:,}" if isinstance(value, int) else str(value)

    rows = [[cell(v) for v in row] for row in frame.iter_rows()]
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(frame.columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(frame.columns, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)
