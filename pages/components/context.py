"""What every page needs: settings, the shared sidebar filters, and an explained empty state."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from pathlib import Path

import streamlit as st

from cc_data import demo
from cc_data.analytics.email.campaigns import Filters
from cc_data.config import Settings, load_settings
from cc_data.errors import DatabaseUnreadable, UserError
from cc_data.store.db import data_version, verify

_IN_APP: ContextVar[bool] = ContextVar("cc_data_inside_app", default=False)
_REROUTED = "_cc_rerouted_to_app"   # session key: this session's last run was sent on to app.py


@contextmanager
def inside_app() -> Iterator[None]:
    """app.py runs the chosen page inside this, so the page knows the sidebar and banner are around it. A
    ContextVar: each session's script run has its own thread, so concurrent sessions never see each other's."""
    st.session_state.pop(_REROUTED, None)
    token = _IN_APP.set(True)
    try:
        yield
    finally:
        _IN_APP.reset(token)


def in_app() -> bool:
    """True while app.py runs this page (its sign-in gate, sidebar and banner ran first)."""
    return _IN_APP.get()


def run_through_app() -> None:
    """Until some session has called st.navigation, Streamlit runs a file in pages/ on its own (its older
    multipage mode): a bookmarked /reengagement opened first after a restart would lose the sidebar filters, the
    banner and the page groups. Calling st.navigation ends that mode for every session (documented: "your app
    will ignore the pages/ directory"), so the rerun goes through app.py, which routes to the same page (same URL
    path, same page hash). When even the rerun did not reach app.py, this page is the entry point itself
    (`streamlit run pages/overview.py`): it runs on its own rather than rerunning forever."""
    if _IN_APP.get() or st.session_state.pop(_REROUTED, False):
        return
    from pages.components.navigation import app_pages

    st.session_state[_REROUTED] = True
    st.navigation(app_pages())
    st.rerun()


def settings() -> Settings:
    """The settings this session reads: on an install with several accounts, the chosen account's."""
    from pages.components.accounts import session_settings

    try:
        return session_settings(load_settings())
    except UserError as err:
        st.error(str(err))
        st.stop()
        raise


def has_data(cfg: Settings) -> bool:
    return data_version(cfg.db_path) != "missing"


def database_problem(cfg: Settings) -> str | None:
    """One line saying what is wrong with the database file and how to recover, or None when it opens."""
    if not has_data(cfg):
        return None
    return _problem(str(cfg.db_path), data_version(cfg.db_path))


@st.cache_data(show_spinner=False, max_entries=4)
def _problem(db_path: str, version: str) -> str | None:  # noqa: ARG001 - version is the cache key
    try:
        verify(Path(db_path))
    except DatabaseUnreadable as err:
        return str(err)
    return None


def empty_state(cfg: Settings, what: str = "this page") -> None:
    """Explain how to get data instead of showing a traceback; while the demo is being built (`make run` serves
    the dashboard meanwhile), show its progress and open the data as soon as it is published."""
    _wait_for_data(str(cfg.db_path))
    if demo.building_status(cfg.db_path) is not None:
        return
    st.info(
        f"There is no data for {what} yet (looked for `{cfg.db_path}`).\n\n"
        "- **Try the demo:** run `make run` (it builds a demo database from the built-in sandbox), or\n"
        "- **Use your account:** open **Data & sync**, connect Constant Contact and press *Sync now* "
        "(or run `cc-data sync`)."
    )


@st.fragment(run_every=2)
def _wait_for_data(db_path: str) -> None:
    if data_version(db_path) != "missing":
        st.rerun(scope="app")
    status = demo.building_status(Path(db_path))
    if status is not None:
        st.progress(float(status["fraction"]),
                    text=f"Building the demo data from the built-in sandbox: {status['text']}. "
                         "The dashboard opens by itself when it is ready (about a minute).")


BUILDING_NOTE = ("The demo data is being built: syncing, importing gifts and sending lists to Constant Contact "
                 "are off until it is ready.")


def build_under_way(cfg: Settings) -> bool:
    """A demo build is writing the database: the writers (Sync now, uploads, pushes) wait for it."""
    return demo.building_status(cfg.db_path) is not None


def current_filters() -> Filters:
    dates = st.session_state.get("f_dates") or ()
    start: date | None = dates[0] if len(dates) > 0 else None
    end: date | None = dates[1] if len(dates) > 1 else start
    return Filters(start=start, end=end, types=tuple(st.session_state.get("f_types") or ()),
                   name_contains=st.session_state.get("f_name") or "",
                   list_ids=tuple(st.session_state.get("f_lists") or ()))


def human_opens_only() -> bool:
    return bool(st.session_state.get("f_human_only", False))
