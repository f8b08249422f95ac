"""Talk to a sandbox like a client would: get a token, GET a path, follow `_links.next.href`."""

from __future__ import annotations

import requests

from cc_data.sandbox.server import SandboxServer


def token(server: SandboxServer, scopes: tuple[str, ...] = ("contact_data", "campaign_data", "account_read",
                                                            "offline_access")) -> str:
    refresh = server.mint_refresh_token(scopes)
    answer = requests.post(f"{server.oauth_base_url}/token", auth=(server.client_id, server.client_secret),
                           data={"grant_type": "refresh_token", "refresh_token": refresh}, timeout=10)
    answer.raise_for_status()
    return answer.json()["access_token"]


def get(server: SandboxServer, path_or_href: str, access: str, **params: object) -> requests.Response:
    url = server.url + path_or_href if path_or_href.startswith("/v3/") else f"{server.api_base_url}/{path_or_href}"
    return requests.get(url, params=params or None, headers={"Authorization": f"Bearer {access}"}, timeout=10)


def all_pages(server: SandboxServer, path: str, access: str, key: str, **params: object) -> tuple[list[dict], int]:
    """Every item across pages, and how many pages it took."""
    answer = get(server, path, access, **params)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    items, pages = list(body[key]), 1
    while body.get("_links", {}).get("next"):
        href = body["_links"]["next"]["href"]
        assert href.startswith("/v3/"), href
        answer = get(server, href, access)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        items += body[key]
        pages += 1
    return items, pages
