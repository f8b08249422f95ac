"""`cc-data sandbox serve`: run the local Constant Contact and DonorPerfect sandboxes until Ctrl-C."""

from __future__ import annotations

import argparse
import time

from cc_data.config import Settings
from cc_data.errors import ConfigError


def register(sub: argparse._SubParsersAction) -> None:
    """Add `sandbox serve` to `cc-data`."""
    sandbox = sub.add_parser("sandbox", help="a local Constant Contact V3 API with a synthetic nonprofit account")
    actions = sandbox.add_subparsers(dest="sandbox_command", required=True, metavar="ACTION")
    serve = actions.add_parser("serve", help="serve the sandbox on loopback until Ctrl-C")
    serve.add_argument("--port", type=int, default=8900, help="port on 127.0.0.1 (0 picks a free one)")
    serve.add_argument("--seed", type=int, default=7)
    serve.add_argument("--scale", choices=("small", "demo", "large"), default="demo")
    serve.add_argument("--rate-limit", type=float, default=4.0, dest="rate_limit", help="requests per second")
    serve.add_argument("--quota", type=int, default=10_000, help="requests per UTC day")
    serve.add_argument("--dp-port", type=int, default=8901, dest="dp_port",
                       help="port of the DonorPerfect sandbox on 127.0.0.1 (0 picks a free one)")
    serve.add_argument("--variants", nargs="?", const="", default=None, metavar="SEED",
                       help="answer in every form the API documents (same content; rare transient faults); "
                            "SEED picks the forms, default the --seed value (docs/sandbox.md)")
    serve.set_defaults(func=serve_command)


def variants_seed(args: argparse.Namespace) -> int | None:
    """None (plain answers), or the seed that picks the variant forms."""
    if args.variants is None:
        return None
    if args.variants == "":
        return args.seed
    try:
        return int(args.variants)
    except ValueError:
        raise ConfigError(f"--variants takes a whole number seed, not {args.variants!r}.") from None


def serve_command(args: argparse.Namespace, settings: Settings) -> int:
    from cc_data.sandbox.donorperfect import DonorPerfectSandbox
    from cc_data.sandbox.server import SandboxServer

    if args.rate_limit <= 0 or args.quota <= 0:
        raise ConfigError("--rate-limit and --quota must be positive numbers.")
    variants = variants_seed(args)
    print(f"Generating the {args.scale} account (seed {args.seed})...", flush=True)
    server = SandboxServer(seed=args.seed, scale=args.scale, port=args.port, rate_limit_rps=args.rate_limit,
                           daily_quota=args.quota, variants=variants)
    try:
        server.start()
    except OSError as err:
        raise ConfigError(f"cannot listen on 127.0.0.1:{args.port} ({err.strerror}); pick another --port.") from None
    try:
        dp = DonorPerfectSandbox(server.account, port=args.dp_port, variants=variants).start()
    except OSError as err:
        server.stop()
        raise ConfigError(f"cannot listen on 127.0.0.1:{args.dp_port} ({err.strerror}); pick another --dp-port.") from None
    refresh = server.mint_refresh_token()
    print(f"""Constant Contact sandbox for {server.account.summary['organization_name']} is running.
  API base URL:    {server.api_base_url}
  OAuth base URL:  {server.oauth_base_url}
  client id:       {server.client_id}
  client secret:   {server.client_secret}   (sandbox only, not a real secret)
  refresh token:   {refresh}
  clock:           {server.now.isoformat()}   (POST {server.url}/__sandbox__/advance?days=N moves it)
  variants:        {"off (plain answers)" if variants is None else f"seed {variants} (documented forms, rare faults)"}
Use it from cc-data with:
  CONSTANT_CONTACT_CLIENT_ID={server.client_id} CONSTANT_CONTACT_CLIENT_SECRET={server.client_secret} \\
  CONSTANT_CONTACT_REFRESH_TOKEN={refresh} CC_API_BASE_URL={server.api_base_url} \\
  CC_OAUTH_BASE_URL={server.oauth_base_url}
DonorPerfect sandbox (same account; advancing the clock adds gifts):
  DP_API_URL={dp.url}
  DP_API_KEY={dp.api_key}   (sandbox only, not a real key)
Press Ctrl-C to stop.""", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("Stopping the sandbox.")
    finally:
        dp.stop()
        server.stop()
    return 0
