"""Where a push goes: the real account, or (without credentials) the demo's sandbox.

For the demo, the same sandbox `cc_data.demo` syncs from is started in this process (its seed, scale, clock
and advances from `meta`), the list writes of earlier pushes are replayed into it (`meta.demo_list_writes`,
the sandbox's journal), and after the push the journal is stored back, so the demo's account stays
reproducible: a demo sync that replays the journal the same way sees the new lists and memberships.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from cc_data import datasource, demo
from cc_data.config import Settings
from cc_data.errors import UserError

PRESYNC = ["lists", "contacts"]          # the lists (new ones, ids) and the incremental contact passes


@dataclass
class Link:
    settings: Settings                            # what the API client uses
    presync: Callable[[], Any]                    # the incremental contacts sync right before a push (publishes)
    journal: Callable[[], list[dict]] | None = None   # the demo sandbox's list writes, to store after the push


@contextmanager
def connect(settings: Settings, progress: Callable[[Any], None] | None = None) -> Iterator[Link]:
    if not datasource.is_demo(settings):
        from cc_data.analytics.stored.refresh import refresh_changed
        from cc_data.sync.runner import run_sync

        yield Link(settings, lambda: run_sync(settings, only=PRESYNC, progress=progress,
                                              before_publish=refresh_changed))
        return
    if not demo.demo_meta(settings.db_path):
        raise UserError("There is no demo data to push from yet: run `cc-data demo` (or `make run`) first.")
    with demo.current_sandboxes(settings, progress) as (cc, _dp, sync):
        token_file = settings.db_path.parent / "demo-push-tokens.json"
        token_file.unlink(missing_ok=True)   # a restarted sandbox does not know earlier tokens
        api = settings.with_(client_id=cc.client_id, client_secret=cc.client_secret,
                             refresh_token=cc.mint_refresh_token(), api_base_url=cc.api_base_url,
                             oauth_base_url=cc.oauth_base_url, token_file=token_file,
                             rate_limit_rps=demo.DEMO_RATE_LIMIT_RPS, daily_quota=demo.DEMO_QUOTA)
        try:
            yield Link(api, lambda: sync(only=PRESYNC), lambda: list(cc.lists_api.journal))
        finally:
            token_file.unlink(missing_ok=True)


def store_journal(con: Any, journal: list[dict]) -> None:
    demo.store_list_writes(con, journal)
