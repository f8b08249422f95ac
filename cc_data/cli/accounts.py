"""`cc-data accounts list|add|remove` and the many-account side of `cc-data sync --account NAME | --all`."""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from cc_data import accounts, audit, datasource
from cc_data.cli.output import record_command, text_table
from cc_data.config import Settings
from cc_data.errors import UserError
from cc_data.store.db import lock_wait

# Accounts synced at once: each has its own rate limit and quota (Constant Contact counts them per account), so the
# limit is this machine's, not the API's.
PARALLEL = 4
OUTCOME_CODES = {"success": 0, "quota_exceeded": 3, "partial": 4}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("accounts", help="the Constant Contact accounts on this install (chapters, clients)")
    inner = p.add_subparsers(dest="accounts_command", required=True, metavar="list|add|remove")
    q = inner.add_parser("list", help="each account: its source, data and who may see it")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_list)
    q = inner.add_parser("add", help="add an account (a folder under CC_ACCOUNTS_DIR)")
    q.add_argument("name", help="lower-case letters, digits and -, e.g. north-chapter")
    q.add_argument("--set", nargs="+", default=[], metavar="NAME=VALUE",
                   help="its own settings, e.g. CC_ALLOWED_USERS=ann@north.example CONSTANT_CONTACT_CLIENT_ID=...")
    q.set_defaults(func=cmd_add)
    q = inner.add_parser("remove", help="take an account off (its folder is moved aside, not deleted)")
    q.add_argument("name")
    q.set_defaults(func=cmd_remove)


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    rows = []
    for account in accounts.all_accounts(settings):
        last = audit.last_sync(account.db_path) if account.db_path.exists() else None
        rows.append({"account": account.name, "source": _source(account),
                     "database": str(account.db_path) if account.db_path.exists() else "none yet",
                     "last_sync": f"{last['at_utc']:%Y-%m-%d %H:%M} UTC {last['outcome']}" if last else "never",
                     "viewers": ", ".join(sorted(account.own.allowed_users | account.own.admins)) or "network only"})
    if args.json:
        print(json.dumps(rows))
    elif not rows:
        print(f"One account (CC_DB_PATH={settings.db_path}); add more with `cc-data accounts add NAME`.")
    else:
        import polars as pl

        print(text_table(pl.DataFrame(rows)))
    return 0


def _source(account: accounts.Account) -> str:
    try:
        return "demo sandbox" if datasource.is_demo(account.settings) else "Constant Contact"
    except UserError as err:
        return f"problem: {err}"


def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    values = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UserError(f"--set {item!r}: write NAME=VALUE, e.g. CC_ALLOWED_USERS=ann@north.example.")
        values[key.strip()] = value.strip()
    account = accounts.add(settings, args.name, values)
    print(f"Added {account.name} in {account.folder}. Log it in with `cc-data auth` after setting its client id "
          f"(or sync the demo sandbox): `cc-data sync --account {account.name}`.")
    return 0


def cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    moved = accounts.remove(settings, args.name)
    print(f"Removed {args.name}: its folder was moved to {moved} (delete it there when you no longer need it).")
    return 0


# The demo network: accounts of different sizes (the sandbox's scales) and habits (each seed is another
# organisation's people, campaigns and giving). Beyond these, the list repeats with new seeds.
DEMO_ACCOUNTS = (("riverbend", "demo", 7), ("hillside", "small", 11), ("lakeshore", "demo", 23))


def demo_recipes(count: int) -> list[tuple[str, str, int]]:
    """(name, scale, seed) of `count` demo accounts."""
    out = []
    for i in range(count):
        name, scale, seed = DEMO_ACCOUNTS[i % len(DEMO_ACCOUNTS)]
        rounds = i // len(DEMO_ACCOUNTS)
        out.append((f"{name}-{rounds + 1}" if rounds else name, scale, seed + 100 * rounds))
    return out


def build_demo_accounts(settings: Settings, count: int, *, if_missing: bool = False) -> int:
    """`cc-data demo --accounts N`: N demo accounts, each its own sandbox synced into its own folder (an account
    whose database was not made by the demo is refused, as for one demo)."""
    from cc_data import demo

    if count < 1:
        raise UserError(f"--accounts {count}: build at least 1 demo account.")
    for name, scale, seed in demo_recipes(count):
        account = (accounts.load(settings, name) if name in accounts.names(settings)
                   else accounts.add(settings, name))
        if if_missing and account.db_path.exists():
            continue
        datasource.is_demo(account.settings)   # an account with a real login is never replaced
        print(f"Building demo account {name} ({scale} scale, seed {seed})...", flush=True)
        result = demo.build(account.settings, scale=scale, seed=seed)
        print(f"  {name}: {result.total_calls:,} API calls, {sum(result.rows.values()):,} rows in "
              f"{result.elapsed_s:.0f} s -> {account.db_path}", flush=True)
    print(f"{count} demo accounts ready: `make run` and open All accounts.")
    return 0


@dataclass
class AccountRun:
    account: str
    exit_code: int
    outcome: str
    message: str
    total_calls: int = 0
    elapsed_s: float = 0.0


def sync_accounts(args: argparse.Namespace, settings: Settings) -> int:
    """Sync the named account or all of them, at once (PARALLEL at most), each in its own folder with its own rate
    limit, quota and lock. One account's failure is reported and never stops the others. Exit 0 when every account
    finished; otherwise 2 if any had a problem, else 3 if any ran out of quota, else 4 (partial)."""
    chosen = accounts.all_accounts(settings) if args.all else [accounts.load(settings, args.account)]
    with ThreadPoolExecutor(max_workers=min(PARALLEL, len(chosen))) as pool:
        runs = list(pool.map(lambda a: _sync_one(a, args), chosen))
    if args.json:
        print(json.dumps({"accounts": [vars(r) for r in runs], "exit_code": overall(runs)}))
    elif not args.quiet:
        import polars as pl

        print(text_table(pl.DataFrame([vars(r) for r in runs])))
    for run in runs:
        if run.exit_code:
            print(f"cc-data: [{run.account}] {run.message}", file=sys.stderr)
    return overall(runs)


def overall(runs: list[AccountRun]) -> int:
    codes = {r.exit_code for r in runs}
    return next((code for code in (2, 1, 3, 4) if code in codes), 0)


def _sync_one(account: accounts.Account, args: argparse.Namespace) -> AccountRun:
    what = f"Constant Contact (cc-data sync, account {account.name})"
    try:
        with lock_wait(args.wait):
            result: Any = datasource.sync_now(account.settings, None, full=args.full, only=args.only)
    except UserError as err:
        record_command(account.settings, "sync", what, "failed", str(err))
        return AccountRun(account.name, 2, "failed", str(err))
    except Exception as err:   # a bug in one account's run is reported; the others go on  # noqa: BLE001
        record_command(account.settings, "sync", what, "failed", repr(err))
        return AccountRun(account.name, 1, "error", f"unexpected error (a bug, please report it): {err!r}")
    record_command(account.settings, "sync", what, result.outcome, result.message)
    return AccountRun(account.name, OUTCOME_CODES.get(result.outcome, 0), result.outcome, result.message or "",
                      result.total_calls, round(result.elapsed_s, 1))
