"""Every answer's HTTP Date header reads the sandbox clock, so clients that take it as "now" move with it."""

from __future__ import annotations

from datetime import timedelta
from email.utils import parsedate_to_datetime

import requests

from tests.conftest import SANDBOX_NOW
from tests.sandbox.helpers import get, token


def _date(answer: requests.Response):
    return parsedate_to_datetime(answer.headers["Date"])


def test_date_header_follows_the_sandbox_clock_on_api_oauth_and_admin_answers(sandbox):
    access = token(sandbox)
    assert _date(get(sandbox, "contact_lists", access)) == SANDBOX_NOW
    sandbox.advance(40)
    later = SANDBOX_NOW + timedelta(days=40)
    assert _date(get(sandbox, "contact_lists", access)) == later
    assert _date(get(sandbox, "contact_lists", "not-a-token")) == later          # errors too
    refreshed = requests.post(f"{sandbox.oauth_base_url}/token", auth=(sandbox.client_id, sandbox.client_secret),
                              data={"grant_type": "refresh_token", "refresh_token": sandbox.mint_refresh_token()},
                              timeout=10)
    assert refreshed.status_code == 200 and _date(refreshed) == later
    assert _date(requests.get(f"{sandbox.url}/__sandbox__/state", timeout=10)) == later
