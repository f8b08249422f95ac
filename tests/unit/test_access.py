"""Who may enter, with which role, and when the dashboard refuses to open without sign-in."""

from __future__ import annotations

import pytest

from cc_data import access
from cc_data.config import load_settings
from cc_data.errors import ConfigError, UserError

TEAM = {"CC_ALLOWED_USERS": "Board.Chair@Gmail.com, treasurer@gmail.com", "CC_ALLOWED_DOMAINS": "@riverbend.org",
        "CC_ADMINS": "data@riverbend.org dev@outside.net"}


@pytest.mark.parametrize(("email", "role"), [
    ("data@riverbend.org", "admin"),
    ("DEV@outside.net", "admin"),               # an admin need not be on the allow-list too
    ("ed@riverbend.org", "viewer"),             # by domain
    ("board.chair@gmail.com", "viewer"),        # by address, case-insensitive
    ("someone@gmail.com", None),
    ("ed@sub.riverbend.org", None),             # a domain is exact, not its subdomains
    ("ed@riverbend.org.evil.com", None),
    (None, None),
])
def test_roles_follow_the_allow_lists(email: str | None, role: str | None) -> None:
    assert access.role_for(email, load_settings(env=TEAM)) == role


def test_nobody_enters_when_nothing_is_listed() -> None:
    settings = load_settings(env={})
    assert access.role_for("ed@riverbend.org", settings) is None
    assert "CC_ALLOWED_USERS" in access.refusal("ed@riverbend.org", settings)


def test_the_refusal_names_the_admins_to_ask() -> None:
    line = access.refusal("someone@gmail.com", load_settings(env=TEAM))
    assert "someone@gmail.com" in line and "data@riverbend.org" in line and "\n" not in line


@pytest.mark.parametrize(("claims", "email"), [
    ({"email": "Ed@Riverbend.org", "email_verified": True}, "ed@riverbend.org"),
    ({"email": "ed@riverbend.org", "email_verified": False}, None),   # an unverified address proves nothing
    ({"preferred_username": "ed@riverbend.org"}, "ed@riverbend.org"),  # Microsoft 365 without the email claim
    ({"sub": "123"}, None),
    ({"email": "not-an-address"}, None),
])
def test_the_email_comes_from_the_providers_claims(claims: dict, email: str | None) -> None:
    assert access.email_of(claims) == email


def test_a_viewer_is_refused_an_admin_action() -> None:
    viewer = access.Identity("ed@riverbend.org", "viewer", signed_in=True)
    with pytest.raises(access.NotAllowed, match="Only an admin can sync now") as err:
        access.require_admin(viewer, "sync now")
    assert isinstance(err.value, UserError)
    access.require_admin(access.Identity("data@riverbend.org", "admin", signed_in=True), "sync now")


@pytest.mark.parametrize(("bind", "host", "refused"), [
    ("127.0.0.1", "127.0.0.1:8501", False),
    ("localhost", "localhost:8501", False),
    ("::1", "[::1]:8501", False),
    ("127.0.0.1", None, False),
    ("0.0.0.0", "203.0.113.9:8501", True),
    ("", None, True),                           # Streamlit's default: every interface
    (None, None, True),
    ("192.168.1.20", "192.168.1.20:8501", True),
    ("127.0.0.1", "dashboard.riverbend.org", True),   # a reverse proxy in front of a loopback server
])
def test_no_sign_in_means_loopback_only(bind: str | None, host: str | None, refused: bool) -> None:
    problem = access.exposure_problem(bind, host, sign_in=False, settings=load_settings(env={}))
    assert (problem is not None) == refused
    if problem:
        assert "\n" not in problem and "secrets.toml" in problem and "CC_ALLOW_OPEN_DASHBOARD=1" in problem


def test_sign_in_or_the_explicit_override_allows_any_address() -> None:
    assert access.exposure_problem("0.0.0.0", "x.org", sign_in=True, settings=load_settings(env={})) is None
    opened = load_settings(env={"CC_ALLOW_OPEN_DASHBOARD": "1"})
    assert access.exposure_problem("0.0.0.0", "x.org", sign_in=False, settings=opened) is None


@pytest.mark.parametrize(("name", "value", "fragment"), [
    ("CC_ALLOWED_USERS", "ed@riverbend.org, riverbend.org", "'riverbend.org' is not an email address"),
    ("CC_ADMINS", "@riverbend.org", "is not an email address"),
    ("CC_ALLOWED_DOMAINS", "riverbend", "'riverbend' is not a domain"),
    ("CC_ALLOW_OPEN_DASHBOARD", "maybe", "is not 1 or 0"),
])
def test_bad_access_settings_say_how_to_write_them(name: str, value: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment) as err:
        load_settings(env={name: value})
    assert "\n" not in str(err.value)
