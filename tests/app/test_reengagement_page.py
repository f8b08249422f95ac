"""Re-engagement: the list and its downloads follow exactly the criteria on screen, and the sentence on who can be
listed says who is left out."""

from __future__ import annotations

from pathlib import Path

import duckdb

from cc_data.analytics.audience import reach, segments
from cc_data.analytics.email import sends
from tests.app.harness import app_test, open_page
from tests.segment_oracle import expected_segment


def metric(at, label: str) -> str | None:
    return next((m.value for m in at.metric if m.label == label), None)


def downloads(at) -> list:
    return [b for b in at.get("download_button")]


def expected(db: Path, **criteria) -> str:
    with duckdb.connect(str(db), read_only=True) as con:
        per, people = sends.per_send(con), reach.audience(con)
        as_of = sends.latest_activity_at(con)
    return f"{expected_segment(people, per, segments.SegmentCriteria(**criteria), as_of).height:,}"


def test_an_entry_beyond_the_old_limits_is_the_list_shown_and_downloaded(app_env: Path) -> None:
    """999 days was above the input's maximum: the browser refused it (a red box) and the page kept building and
    offering the list for the previous value."""
    at = open_page(app_test().run(), "pages/reengagement.py")
    at.number_input(key="seg_tenure").set_value(999).run()
    assert not at.exception
    assert at.number_input(key="seg_tenure").value == 999
    assert metric(at, "Contacts in this segment") == expected(app_env, min_tenure_days=999)


def test_an_impossible_entry_is_refused_and_nothing_is_offered(app_env: Path) -> None:
    at = open_page(app_test().run(), "pages/reengagement.py")
    assert downloads(at) and not any(b.proto.disabled for b in downloads(at))
    at.number_input(key="seg_min_emails").set_value(0).run()
    assert not at.exception
    assert at.error and "at least 1" in at.error[0].value
    assert metric(at, "Contacts in this segment") is None
    assert not downloads(at) or all(b.proto.disabled for b in downloads(at))
    at.number_input(key="seg_min_emails").set_value(-5).run()
    at.number_input(key="seg_tenure").set_value(-1).run()
    assert len(at.error) >= 1 and metric(at, "Contacts in this segment") is None


def test_the_eligibility_sentence_says_who_is_left_out(app_env: Path) -> None:
    """It read "...listed: permission explicit or implicit, not unsubscribed, on temporary hold, awaiting
    confirmation, hard-bounced or deleted", as if on-hold, unconfirmed, bounced and deleted contacts were listed."""
    at = open_page(app_test().run(), "pages/reengagement.py")
    sentence = next(c.value for c in at.caption if "permission" in c.value)
    listed, said, left_out = sentence.partition("Left out:")
    assert said, sentence
    for excluded in ("unsubscribed", "temporary hold", "confirmation", "bounced", "deleted"):
        assert excluded in left_out and excluded not in listed, sentence
