"""Who may open the dashboard and what they may do: the allow-list, the two roles, and the bind-address rule.

Pure decisions over settings and the claims an identity provider sent; pages/components/signin.py applies them.
Without sign-in the dashboard is one person's tool on loopback: that person is the admin.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from cc_data.config import Settings
from cc_data.errors import UserError

Role = Literal["viewer", "admin"]
LOCAL_USER = "local user (no sign-in)"
OPEN_USER = "anyone (open dashboard, no sign-in)"
SIGN_IN_HOWTO = ("set up sign-in ([auth] in .streamlit/secrets.toml and CC_ADMINS, see docs/operations.md "
                 "'Sharing the dashboard'), or set CC_ALLOW_OPEN_DASHBOARD=1 to serve it open to anyone")


class NotAllowed(UserError):
    """An action the signed-in person's role does not include (checked on the server, whatever the page showed)."""


@dataclass(frozen=True)
class Identity:
    who: str            # the email address, or LOCAL_USER / OPEN_USER without sign-in
    role: Role
    signed_in: bool     # through the identity provider

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def email_of(claims: Mapping[str, object]) -> str | None:
    """The address the identity provider vouches for, lower-case; None when it sent none or says it is unverified.
    Microsoft 365 sends `email` only when the optional claim is added, else the sign-in name `preferred_username`."""
    if claims.get("email_verified") in (False, "false"):
        return None
    for key in ("email", "preferred_username"):
        value = claims.get(key)
        if isinstance(value, str) and value.count("@") == 1 and not value.startswith("@"):
            return value.strip().lower()
    return None


def role_for(email: str | None, settings: Settings) -> Role | None:
    """admin for CC_ADMINS, viewer for CC_ALLOWED_USERS and addresses at CC_ALLOWED_DOMAINS, otherwise None."""
    if not email:
        return None
    email = email.lower()
    if email in settings.admins:
        return "admin"
    if email in settings.allowed_users or email.rpartition("@")[2] in settings.allowed_domains:
        return "viewer"
    return None


def refusal(email: str | None, settings: Settings) -> str:
    """The polite line a signed-in person who may not enter sees: who to ask."""
    admins = sorted(settings.admins)
    ask = (f"ask {', '.join(admins[:3])} to add you" if admins
           else "ask whoever set it up to add you (CC_ALLOWED_USERS, CC_ALLOWED_DOMAINS or CC_ADMINS in its settings)")
    if email is None:
        return ("Your sign-in did not include a verified email address, so this dashboard cannot tell whether you "
                f"may see it; {ask}.")
    return f"Sorry, {email} is not on this dashboard's list of people who may see it: {ask}."


def require_admin(identity: Identity, action: str) -> None:
    """Raise NotAllowed unless `identity` may do `action` (e.g. "sync now")."""
    if not identity.is_admin:
        raise NotAllowed(f"Only an admin can {action}; you are signed in as {identity.who} (viewer).")


def is_loopback(address: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost; an empty address means every interface."""
    if not address:
        return False
    host = address.strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_of(host_header: str | None) -> str | None:
    """The host part of an HTTP Host header ("example.org:443", "[::1]:8501")."""
    if not host_header:
        return None
    text = host_header.strip()
    if text.startswith("["):
        return text[1:].partition("]")[0]
    return text.rpartition(":")[0] if text.count(":") == 1 else text


def exposure_problem(bind_address: str | None, host_header: str | None, sign_in: bool,
                     settings: Settings) -> str | None:
    """One line when the dashboard is reachable beyond this machine with no sign-in and no explicit opt-in: bound
    to a non-loopback address, or reached under a non-loopback name (a reverse proxy in front of it)."""
    if sign_in or settings.allow_open_dashboard:
        return None
    if not is_loopback(bind_address):
        where = f"address {bind_address!r}" if bind_address else "every network interface"
        return f"This dashboard has no sign-in and is served on {where}, so it will not open: {SIGN_IN_HOWTO}."
    host = host_of(host_header)
    if host is not None and not is_loopback(host):
        return (f"This dashboard has no sign-in and was reached as {host} (through a proxy?), so it will not open: "
                f"{SIGN_IN_HOWTO}.")
    return None
