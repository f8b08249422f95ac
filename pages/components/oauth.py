"""'Connect Constant Contact': OAuth authorization code + PKCE, redirecting back to this page."""

from __future__ import annotations

import streamlit as st

from cc_data.config import Settings
from cc_data.errors import UserError


@st.cache_resource
def _pending() -> dict[str, str]:
    """state -> PKCE verifier, kept server-side so the secret never reaches the browser and survives the redirect."""
    return {}


def _redirect_uri() -> str:
    url = getattr(st.context, "url", None) or "http://localhost:8501/data_sync"
    return url.split("?")[0]


def connect_section(cfg: Settings) -> None:
    try:
        from cc_data.api import auth
    except ImportError:
        st.caption("Connecting from the app is not available in this build; run `cc-data auth`.")
        return
    params = st.query_params
    code, state = params.get("code"), params.get("state")
    if code and state:
        verifier = _pending().pop(state, None)
        st.query_params.clear()
        if verifier is None:
            st.error("That sign-in link has expired or was already used; press Connect Constant Contact again.")
        else:
            try:
                auth.exchange_code(cfg, code, verifier, _redirect_uri())
            except UserError as err:
                st.error(str(err))
            else:
                st.success("Connected to Constant Contact. Press Sync now to fetch your data.")
    with st.expander("Connect Constant Contact"):
        redirect = _redirect_uri()
        st.markdown(f"Add `{redirect}` as a redirect URI of your app in Constant Contact's developer portal, then:")
        if st.button("Prepare sign-in link"):
            verifier, challenge = auth.new_pkce()
            state = auth.new_state()
            _pending()[state] = verifier
            try:
                st.link_button("Sign in to Constant Contact", auth.authorization_url(cfg, redirect, state, challenge))
            except UserError as err:
                st.error(str(err))
