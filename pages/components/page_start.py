"""How every page opens: through app.py, its title, the settings, and (for pages that need it) the data or an
explained empty state."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from cc_data.analytics.email.campaigns import Filters
from cc_data.config import Settings
from pages.components import context, data, signin


@dataclass(frozen=True)
class PageStart:
    cfg: Settings
    db: str                  # str(cfg.db_path): the loaders' first argument
    version: str             # the database's data version: the loaders' cache key ("missing" without one)
    core: data.Core | None   # None while there is no database


@dataclass(frozen=True)
class DataPage:
    cfg: Settings
    db: str
    version: str
    core: data.Core

    @property
    def filters(self) -> Filters:
        return context.current_filters()

    @property
    def human_opens_only(self) -> bool:
        return context.human_opens_only()


def open_page(title: str) -> PageStart:
    """Title and settings; the data when there is a database (a page that can work without one)."""
    context.run_through_app()
    if not context.in_app():   # a page run as the entry script itself: app.py's sign-in gate did not run
        signin.gate(context.settings())
    st.title(title)
    return current(context.settings())


def current(cfg: Settings) -> PageStart:
    """The database as it is now (again after this run published a new one, e.g. Sync now)."""
    version = data.version(cfg.db_path)
    core = data.core(str(cfg.db_path), version) if context.has_data(cfg) else None
    return PageStart(cfg, str(cfg.db_path), version, core)


def open_data_page(title: str, what: str) -> DataPage:
    """open_page, then stop with the empty state ("There is no data for {what} yet") while there is no database."""
    start = open_page(title)
    if start.core is None:
        context.empty_state(start.cfg, what)
        st.stop()
        raise AssertionError("st.stop() returned")   # for type checkers: st.stop ends the run
    return DataPage(start.cfg, start.db, start.version, start.core)
