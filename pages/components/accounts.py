"""Which account this session reads, on an install with several (cc_data.accounts): the sidebar's picker, the
`?account=` address, and the refusal of an account the signed-in person may not see.

A single-account install never gets here: its settings are returned unchanged. The session's account is checked
again on every run (never trusted from state): the network's people may pick any account, an account's own viewers
and admins only theirs.
"""

from __future__ import annotations

import streamlit as st

from cc_data import access, accounts
from cc_data.config import Settings, load_settings

KEY = "cc_account"
PARAM = "account"


def _email() -> str | None:
    try:
        return access.email_of(dict(st.user.to_dict()))
    except Exception:   # noqa: BLE001 - outside a script run there is no st.user
        return None


def may_see(base: Settings) -> list[accounts.Account]:
    """The accounts this session's person may see: every one without sign-in (the dashboard is one person's tool
    on loopback, or opened on purpose), else those whose people include the signed-in address."""
    from pages.components.signin import sign_in_configured

    every = accounts.all_accounts(base)
    if not sign_in_configured():
        return every
    names = accounts.visible(_email(), every)
    return [a for a in every if a.name in names]


def session_settings(base: Settings) -> Settings:
    """The settings this session's pages read: the install's own on a single account, else the chosen account's
    (from ?account=, then the sidebar's choice, then the first the person may see). Asking for an account the
    person may not see stops the page with a refusal; with none visible, the install's own settings go on to the
    sign-in gate, which refuses or asks to sign in."""
    if not accounts.is_multi(base):
        return base
    mine = may_see(base)
    if not mine:
        return base
    asked = st.query_params.get(PARAM) or st.session_state.get(KEY)
    by_name = {a.name: a for a in mine}
    if asked and asked not in by_name:
        st.error(f"Your sign-in does not include the account {asked!r}: you can see "
                 f"{', '.join(by_name)}. Ask the network's admins if you need it.")
        st.stop()
    chosen = by_name.get(asked) or mine[0]
    st.session_state[KEY] = chosen.name
    return chosen.settings


def for_this_session() -> Settings:
    """The settings of this session's account, never stopping the run: for the role checks and audit rows made
    after the page's own check (a deferred download's thread, outside a script run, gets the install's own)."""
    base = load_settings()
    if not accounts.is_multi(base):
        return base
    try:
        name = st.session_state.get(KEY)
    except Exception:   # noqa: BLE001 - no session outside a script run
        return base
    return next((a.settings for a in may_see(base) if a.name == name), base)


def picker(base: Settings | None = None) -> None:
    """The sidebar's account picker, when the person may see more than one account."""
    base = base or load_settings()
    if not accounts.is_multi(base):
        return
    names = [a.name for a in may_see(base)]
    if len(names) < 2:
        if names:
            st.sidebar.caption(f"Account: **{names[0]}**")
        return
    current = st.session_state.get(KEY, names[0])
    choice = st.sidebar.selectbox("Account", names, index=names.index(current) if current in names else 0,
                                  help="Every page but All accounts shows one account's data.")
    if choice != current:
        st.session_state[KEY] = choice
        st.query_params[PARAM] = choice
        st.rerun()


def sees_rollup(base: Settings) -> bool:
    """All accounts is the network's: everyone without sign-in, else the shared settings' people only."""
    from pages.components.signin import sign_in_configured

    return accounts.is_multi(base) and (not sign_in_configured() or accounts.sees_rollup(_email(), base))
