"""Sign-in on every page (Streamlit's OpenID Connect: st.login / st.user), the role check behind every admin
action, and the audit calls that record who did what.

With `[auth]` in .streamlit/secrets.toml everyone signs in and cc_data.access decides who enters and with which
role. Without it the dashboard is one person's, on loopback only: that person is the admin. The role is worked out
again from st.user (Streamlit's signed identity cookie) and the settings at every check, never kept in state a
browser could set.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import streamlit as st

from cc_data import access, audit
from cc_data.access import Identity
from cc_data.config import Settings
from cc_data.errors import UserError

log = logging.getLogger(__name__)
NOT_ADMIN = "Only an admin can"
_RECORDED = "_cc_signin_recorded"   # session key: the address whose sign-in (or refusal) this session recorded


def providers() -> list[str | None]:
    """The identity providers in `[auth]`: None for one configured directly in [auth], else each [auth.NAME]."""
    try:
        section = st.secrets.get("auth")
    except Exception:   # noqa: BLE001 - Streamlit raises its own error for a missing or unreadable secrets.toml
        return []
    if not hasattr(section, "keys"):
        return []
    named = [name for name in section if hasattr(section[name], "keys") and "client_id" in section[name]]
    return [None] if "client_id" in section else sorted(named)


def sign_in_configured() -> bool:
    return bool(providers())


def _claims() -> dict[str, Any]:
    try:
        return dict(st.user.to_dict())
    except Exception:   # noqa: BLE001 - outside a script run (a deferred download's thread) there is no st.user
        return {}


def current(cfg: Settings | None = None) -> Identity | None:
    """Who is using this session and their role; None when signed in but not allowed, or not signed in yet."""
    cfg = cfg or _session_settings()
    if not sign_in_configured():
        return Identity(access.OPEN_USER if cfg.allow_open_dashboard else access.LOCAL_USER, "admin", False)
    claims = _claims()
    if not claims.get("is_logged_in"):
        return None
    email = access.email_of(claims)
    role = access.role_for(email, cfg)
    return Identity(email, role, True) if email and role else None


def _session_settings() -> Settings:
    """The session's account's settings (its admins, its audit log) on an install with several accounts."""
    from pages.components.accounts import for_this_session

    return for_this_session()


def is_admin() -> bool:
    identity = current()
    return identity is not None and identity.is_admin


def require_admin(action: str) -> Identity:
    """The server-side check at the start of every admin action: raises NotAllowed (a UserError) otherwise."""
    identity = current()
    if identity is None:
        raise access.NotAllowed(f"Sign in as an admin to {action}.")
    access.require_admin(identity, action)
    return identity


def record(action: str, *, who: str | None = None, cfg: Settings | None = None, **fields: Any) -> None:
    """One audit row for this session's user. Raises AuditUnavailable when the audit file cannot be written."""
    cfg = cfg or _session_settings()
    if who is None:
        identity = current(cfg)
        who = identity.who if identity else (access.email_of(_claims()) or "unknown")
    audit.record(cfg.db_path, who, action, **fields)


@dataclass
class Entry:
    """What an audited action reports: set `outcome`, `detail` or `rows` inside the block."""

    outcome: str = "ok"
    detail: str | None = None
    rows: int | None = None


@contextmanager
def audited(action: str, what: str | None = None, *, cfg: Settings, started: bool = False) -> Iterator[Entry]:
    """Record `action` in the audit log of `cfg`'s database (the one the action changes) when the block ends: its
    outcome, or `failed` with the one-line reason of a UserError."""
    entry = Entry()
    if started:
        record(action, cfg=cfg, what=what, outcome="started")
    try:
        yield entry
    except UserError as err:
        _safe_record(action, cfg, what=what, outcome="failed", detail=str(err), rows=entry.rows)
        raise
    except Exception as err:
        _safe_record(action, cfg, what=what, outcome="failed", detail=f"unexpected error ({type(err).__name__})")
        raise
    _safe_record(action, cfg, what=what, outcome=entry.outcome, detail=entry.detail, rows=entry.rows)


def _safe_record(action: str, cfg: Settings, **fields: Any) -> None:
    try:
        record(action, cfg=cfg, **fields)
    except UserError as err:   # the action itself is done; say so in the server log rather than hide the result
        log.error("audit log: could not record %s: %s", action, err)


def gate(cfg: Settings) -> Identity:
    """Run first on every page: stops the run unless this person may see the dashboard."""
    problem = access.exposure_problem(_bind_address(), _host(), sign_in_configured(), cfg)
    if problem:
        log.error("%s", problem)
        st.error(problem)
        st.stop()
    if not sign_in_configured():
        if cfg.allow_open_dashboard:
            st.sidebar.warning("**Open dashboard:** no sign-in (CC_ALLOW_OPEN_DASHBOARD=1). Anyone who can reach "
                               "this address can see and download every contact and donor, and sync or import.")
        return current(cfg) or Identity(access.LOCAL_USER, "admin", False)
    claims = _claims()
    if not claims.get("is_logged_in"):
        if not _authlib_installed():
            st.error("Sign-in is configured ([auth] in .streamlit/secrets.toml) but needs the Authlib package: "
                     "run `.venv/bin/pip install Authlib` and restart the dashboard.")
            st.stop()
        _sign_in_screen()
        st.stop()
    email = access.email_of(claims)
    identity = current(cfg)
    if identity is None:
        _once(email or "unverified", claims,
              lambda: record("refused", who=email or "unverified address", cfg=cfg, outcome=None))
        st.warning(access.refusal(email, cfg))
        _sign_out_button(st, cfg, email or "unverified address")
        st.stop()
        raise AssertionError("st.stop() returned")
    _once(identity.who, claims, lambda: record("sign_in", who=identity.who, cfg=cfg, what=identity.role, outcome=None))
    st.sidebar.caption(f"Signed in as **{identity.who}** ({identity.role})")
    _sign_out_button(st.sidebar, cfg, identity.who)
    return identity


def _authlib_installed() -> bool:
    from streamlit.auth_util import is_authlib_installed

    return is_authlib_installed()


def _bind_address() -> str | None:
    return st.get_option("server.address")


def _host() -> str | None:
    try:
        return st.context.headers.get("Host")
    except Exception:   # noqa: BLE001 - no request headers outside a browser session (AppTest)
        return None


@st.cache_resource
def _recorded_sign_ins() -> tuple[set[tuple[str, str]], threading.Lock]:
    return set(), threading.Lock()


def _once(who: str, claims: dict[str, Any], write: Any) -> None:
    """Record a sign-in once: once per session, and once per sign-in at the provider (its ID token's `iat`) across
    the sessions it opens, since every new tab or reload is a new session with the same identity cookie."""
    if st.session_state.get(_RECORDED) == who:
        return
    seen, lock = _recorded_sign_ins()
    key = (who, str(claims.get("iat") or st.session_state.setdefault("_cc_session_id", uuid.uuid4().hex)))
    with lock:
        if key in seen:
            st.session_state[_RECORDED] = who
            return
        try:
            write()
        except UserError as err:
            log.error("audit log: could not record the sign-in of %s: %s", who, err)
            return
        seen.add(key)
    st.session_state[_RECORDED] = who


def _sign_in_screen() -> None:
    st.title("cc-data")
    st.markdown("This dashboard shows your organisation's contacts and donors: sign in with your work account.")
    for provider in providers():
        label = "Sign in" if provider is None else f"Sign in with {provider.replace('_', ' ').title()}"
        if st.button(label, type="primary", key=f"signin_{provider or 'default'}"):
            if provider is None:
                st.login()
            else:
                st.login(provider)


def _sign_out_button(where: Any, cfg: Settings, who: str) -> None:
    if where.button("Sign out", key="signin_sign_out"):
        _safe_record("sign_out", who=who, cfg=cfg, outcome=None)
        st.session_state.pop(_RECORDED, None)
        st.logout()   # queues the browser's redirect to the provider's sign-out
        st.stop()     # end the run so the redirect is sent: a rerun here could drop it (seen as a flaky e2e sign-out)
