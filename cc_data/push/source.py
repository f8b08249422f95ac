"""Where a push goes: the real account, or (without credentials) the demo's sandbox.

For the demo, the same sandbox `cc_data.demo` syncs from is started in this process (its seed, scale, clock
and advances from `meta`), the list writes of earlier pushes are replayed into it (`meta.demo_list_writes`,
the sandbox's journal), and after the push the journal is stored back, so the demo's account stays
reproducible: a demo sync that replays the journal the same way sees the new lists and memberships.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cc_data import datasource, demo
from cc_data.config import Settings
from cc_data.errors import UserError

PRESYNC = ["lists", "contacts"]          # the lists (new ones, ids) and the incremental contact passes
JOURNAL_KEY = "demo_list_writes"


@dataclass
class Link:
    settings: Settings                            # what the API client uses
    presync: Callable[[], Any]                    # the incremental contacts sync right before a push (publishes)
    journal: Callable[[], list[dict]] | None = None   # the demo sandbox's list writes, to store after the push


@contextmanager
def connect(settings: Settings, progress: Callable[[Any], None] | None = None) -> Iterator[Link]:
    if not datasource.is_demo(settings):
        from cc_data.analytics.derived import refresh_changed
        from cc_data.sync.runner import run_sync

        yield Link(settings, lambda: run_sync(settings, only=PRESYNC, progress=progress,
                                              before_publish=refresh_changed))
        return
    meta = demo.demo_meta(settings.db_path)
    if not meta:
        raise UserError("There is no demo data to push from yet: run `cc-data demo` (or `make run`) first.")
    start = datetime.fromisoformat(meta["demo_now"])
    advances = [float(d) for d in json.loads(meta.get("demo_advances", "[]"))]
    behind = (demo._now_hour() - start).total_seconds() / 86_400 - sum(advances)
    if behind >= 1 / 24:
        advances.append(round(behind, 4))
    with demo._sandboxes(int(meta["demo_seed"]), meta["demo_scale"], start, advances) as (cc, dp):
        if not cc.lists_api.journal:   # unless the demo's own start already replayed them
            cc.replay_list_writes(json.loads(meta.get(JOURNAL_KEY, "[]")))
        token_file = settings.db_path.parent / "demo-push-tokens.json"
        token_file.unlink(missing_ok=True)   # a restarted sandbox does not know earlier tokens
        api = settings.with_(client_id=cc.client_id, client_secret=cc.client_secret,
                             refresh_token=cc.mint_refresh_token(), api_base_url=cc.api_base_url,
                             oauth_base_url=cc.oauth_base_url, token_file=token_file,
                             rate_limit_rps=demo.DEMO_RATE_LIMIT_RPS, daily_quota=demo.DEMO_QUOTA)

        def presync() -> Any:
            return demo._sync_from(settings, cc, dp, progress, only=PRESYNC,
                                   also=lambda con: demo._write_meta(con, {"demo_advances": json.dumps(advances)}))

        try:
            yield Link(api, presync, lambda: list(cc.lists_api.journal))
        finally:
            token_file.unlink(missing_ok=True)


def store_journal(con: Any, journal: list[dict]) -> None:
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [JOURNAL_KEY, json.dumps(journal)])
