"""'Connect Constant Contact': OAuth authorization code + PKCE, redirecting back to this page.

A sign-in belongs to the browser session that prepared it: its PKCE verifier lives only in that session's
st.session_state and expires after FLOW_SECONDS. Constant Contact's redirect opens a new page load, which is a
new Streamlit session without the verifier: it cannot finish the login, so it hands the code to the session
that owns the state (which polls while its sign-in is pending). A state no live sign-in owns is refused.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from types import ModuleType

import streamlit as st

from cc_data.config import Settings
from cc_data.errors import UserError
from pages.components import signin

FLOW_SECONDS = 600
POLL_SECONDS = 2.0
PENDING_KEY = "cc_oauth_pending"
RESULT_KEY = "cc_oauth_result"
REFUSED = ("That sign-in link does not belong to a sign-in started in this browser session in the last "
           f"{FLOW_SECONDS // 60} minutes; press Prepare sign-in link again.")


@dataclass
class Inbox:
    """state -> (expires_at, code or None): where a redirect leaves its code for the owning session."""

    slots: dict[str, tuple[float, str | None]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def open(self, state: str, expires_at: float) -> None:
        with self.lock:
            now = time.time()
            self.slots = {s: v for s, v in self.slots.items() if v[0] > now}
            self.slots[state] = (expires_at, None)

    def deliver(self, state: str, code: str) -> bool:
        """Leave `code` for the session that owns `state`; False if no live sign-in has that state."""
        with self.lock:
            slot = self.slots.get(state)
            if slot is None or slot[0] <= time.time() or slot[1] is not None:
                return False
            self.slots[state] = (slot[0], code)
            return True

    def take(self, state: str) -> str | None:
        with self.lock:
            slot = self.slots.get(state)
            if slot is None or slot[1] is None:
                return None
            del self.slots[state]
            return slot[1]

    def close(self, state: str) -> None:
        with self.lock:
            self.slots.pop(state, None)


@st.cache_resource
def _inbox() -> Inbox:
    return Inbox()


def _redirect_uri() -> str:
    url = getattr(st.context, "url", None) or "http://localhost:8501/data_sync"
    return url.split("?")[0]


def _pending() -> dict | None:
    """This session's live sign-in {state, verifier, expires_at, url}, or None (an expired one is dropped)."""
    pending = st.session_state.get(PENDING_KEY)
    if pending and pending["expires_at"] <= time.time():
        _inbox().close(pending["state"])
        st.session_state.pop(PENDING_KEY, None)
        return None
    return pending


def _finish(cfg: Settings, auth: ModuleType, pending: dict, code: str) -> None:
    st.session_state.pop(PENDING_KEY, None)
    _inbox().close(pending["state"])
    try:
        signin.require_admin("connect Constant Contact")
        with signin.audited("connect", "Constant Contact", cfg=cfg):
            auth.exchange_code(cfg, code, pending["verifier"], _redirect_uri())
    except UserError as err:
        st.session_state[RESULT_KEY] = ("error", str(err))
    else:
        st.session_state[RESULT_KEY] = ("success", "Connected to Constant Contact. Press Sync now to fetch your data.")


def _handle_redirect(cfg: Settings, auth: ModuleType) -> None:
    params = st.query_params
    code, state, error = params.get("code"), params.get("state"), params.get("error")
    if not (state and (code or error)):
        return
    st.query_params.clear()
    pending = _pending()
    mine = pending is not None and pending["state"] == state
    if error:
        if mine:
            st.session_state.pop(PENDING_KEY, None)
            _inbox().close(state)
        code_ = re.match(r"[a-z_]{1,40}", str(error))   # an OAuth error code; it comes from the address bar
        reason = code_.group(0) if code_ else "no reason given"
        st.error(f"Constant Contact did not grant access ({reason}); press Prepare sign-in link to try again.")
    elif mine:
        _finish(cfg, auth, pending, code)
    elif _inbox().deliver(state, code):
        st.info("Sign-in received: go back to the tab where you pressed Prepare sign-in link; it connects there.")
    else:
        st.error(REFUSED)


@st.fragment(run_every=POLL_SECONDS)
def _await_redirect(cfg: Settings, auth: ModuleType) -> None:
    pending = _pending()
    if pending is None:
        return
    code = _inbox().take(pending["state"])
    if code is None:
        st.caption("Waiting for you to approve access in Constant Contact…")
        return
    _finish(cfg, auth, pending, code)
    st.rerun()


def connect_section(cfg: Settings) -> None:
    from cc_data.api import auth

    if not signin.is_admin():   # the page shows this section to admins only; a direct call is refused too
        st.error(f"{signin.NOT_ADMIN} connect Constant Contact.")
        return
    _handle_redirect(cfg, auth)
    with st.expander("Connect Constant Contact"):
        redirect = _redirect_uri()
        st.markdown(f"Add `{redirect}` as a redirect URI of your app in Constant Contact's developer portal, then:")
        if st.button("Prepare sign-in link"):
            old = _pending()
            if old is not None:
                _inbox().close(old["state"])
            verifier, challenge = auth.new_pkce()
            state = auth.new_state()
            try:
                url = auth.authorization_url(cfg, redirect, state, challenge)
            except UserError as err:
                st.error(str(err))
            else:
                expires_at = time.time() + FLOW_SECONDS
                st.session_state[PENDING_KEY] = {"state": state, "verifier": verifier, "expires_at": expires_at,
                                                 "url": url}
                _inbox().open(state, expires_at)
        pending = _pending()
        if pending is not None:
            st.link_button("Sign in to Constant Contact", pending["url"])
            _await_redirect(cfg, auth)
    result = st.session_state.pop(RESULT_KEY, None)
    if result is not None:
        (st.success if result[0] == "success" else st.error)(result[1])
