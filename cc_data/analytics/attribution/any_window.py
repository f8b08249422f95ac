"""Attribution for any window from two small tables stored at publish, so a custom window is a filter.

The touch a gift is credited to, for a window W, is the latest click within W before the gift, else the latest open,
else the latest send (attribution.queries). The latest touch of a kind before a gift does not depend on W: W only
decides whether it is near enough. So `attribution_nearest` keeps, per gift and kind (click, open, send), the latest
touch at or before the gift (timed gifts: at or before its time; date-only gifts: on or before its date; ties: the
lower campaign_id, then campaign_activity_id), found by an ASOF join rather than by pairing every gift with every
touch of a window; `WINDOWED_FROM_NEAREST` picks the first kind whose latest touch lies within W.

Likewise, the baseline's gift rates ask whether a contact sent a campaign gave within W after the send: the first
gift at or after the send decides it. `attribution_giver_hours` keeps, per campaign and engagement group (clicked,
opened), how many contacts' first gift came within each whole number of hours (`hours`: the smallest whole-hour
window that contains it; a date-only gift counts in a window of days, floor(W / 24)), up to MAX_WINDOW_HOURS; the
givers of a whole-hour window W are the sum over hours <= W. Sends, clickers and openers do not depend on the window.

Both follow the default evidence (no likely machine open, no bounced send); other evidence, a fractional window or
one past MAX_WINDOW_HOURS are computed by the full queries. tests/unit/test_attribution_any_window.py checks both
against them.
"""

from __future__ import annotations

from cc_data.analytics.attribution.queries import ATTRIBUTION, BASELINE

NEAREST_TABLE = "attribution_nearest"
GIVER_HOURS_TABLE = "attribution_giver_hours"
MAX_WINDOW_HOURS = 24 * 90   # the longest window Donation attribution offers
HOUR_US = 3_600_000_000

_STEPS, _TAIL = ATTRIBUTION.split("direct AS (", 1)
_BEFORE_TOUCHES = _STEPS.split("touches AS (", 1)[0]
_TOUCHES = "touches AS (" + _STEPS.split("touches AS (", 1)[1].split("in_reach AS (", 1)[0].rstrip().rstrip(",")

# Per gift and kind, the latest touch at or before the gift: `bound` is the first moment past what may count.
NEAREST = (_BEFORE_TOUCHES + _TOUCHES.replace("touches AS (", "touches AS MATERIALIZED (", 1) + """,
bounds AS (
    SELECT gift_id, contact_id,
           CASE WHEN timed THEN gift_time + INTERVAL 1 MICROSECOND ELSE CAST(gift_day + 1 AS TIMESTAMP) END AS bound
    FROM rev WHERE NOT is_adjustment AND NOT scheduled AND contact_id IS NOT NULL
),
kinds(tier) AS (VALUES ('click'), ('open'), ('send')),
latest AS (
    SELECT b.gift_id, b.contact_id, b.tier, t.created_time
    FROM (SELECT * FROM bounds CROSS JOIN kinds) b
    ASOF JOIN touches t ON t.contact_id = b.contact_id AND t.tier = b.tier AND b.bound > t.created_time
)
SELECT l.gift_id, l.tier, t.campaign_id, t.campaign_activity_id, t.created_time AS touch_time
FROM latest l JOIN touches t ON t.contact_id = l.contact_id AND t.tier = l.tier AND t.created_time = l.created_time
QUALIFY row_number() OVER (PARTITION BY l.gift_id, l.tier ORDER BY t.campaign_id, t.campaign_activity_id) = 1
""")

# `windowed` (ATTRIBUTION's best touch per gift and window) from the stored nearest touches.
_WINDOWED = f"""windowed AS (
    SELECT w.window_hours, n.gift_id, n.campaign_id, n.campaign_activity_id, n.touch_time, n.tier
    FROM {NEAREST_TABLE} n JOIN rev r USING (gift_id) CROSS JOIN windows w
    WHERE (r.timed AND n.touch_time >= r.gift_time - to_microseconds(w.window_us))
       OR (NOT r.timed AND CAST(n.touch_time AS DATE) >= r.gift_day - w.window_days)
    QUALIFY row_number() OVER (
        PARTITION BY w.window_hours, n.gift_id ORDER BY CASE n.tier WHEN 'click' THEN 1 WHEN 'open' THEN 2 ELSE 3 END) = 1
)"""
WINDOWED_FROM_NEAREST = _BEFORE_TOUCHES + _WINDOWED + "\nSELECT * FROM windowed\n"
ATTRIBUTION_FROM_NEAREST = _BEFORE_TOUCHES + _WINDOWED + ",\ndirect AS (" + _TAIL

_BASE_STEPS, _BASE_TAIL = BASELINE.split("gifts_in_reach AS (", 1)
_COUNTS_END = _BASE_STEPS.index("giver_touches AS (")
_GIVERS_SELECT = "count(g.contact_id) FILTER (WHERE g.clicked) AS clicker_givers"
assert _GIVERS_SELECT in _BASE_TAIL   # the tail below restates BASELINE's groups

# Per campaign, group and whole hours, how many contacts' first gift after the send came within that window.
GIVER_HOURS = _BASE_STEPS.rstrip().rstrip(",") + f""",
giver_gifts AS (SELECT contact_id, timed, gift_time, gift_day FROM rev
                WHERE contact_id IS NOT NULL AND NOT is_adjustment AND NOT scheduled),
sent AS (SELECT campaign_id, contact_id, clicked, opened, sent_at, CAST(sent_at AS DATE) AS sent_day
         FROM giver_touches WHERE sent_at IS NOT NULL),
next_timed AS (
    SELECT s.campaign_id, s.contact_id, g.gift_time - s.sent_at AS after
    FROM sent s ASOF JOIN (SELECT contact_id, gift_time FROM giver_gifts WHERE timed) g
        ON g.contact_id = s.contact_id AND s.sent_at <= g.gift_time
),
next_day AS (
    SELECT s.campaign_id, s.contact_id, g.gift_day - s.sent_day AS days
    FROM sent s ASOF JOIN (SELECT contact_id, gift_day FROM giver_gifts WHERE NOT timed) g
        ON g.contact_id = s.contact_id AND s.sent_day <= g.gift_day
),
first_hours AS (
    SELECT s.campaign_id, s.clicked, s.opened,
           least(CAST(ceil(epoch_us(t.after) / {HOUR_US}) AS BIGINT), 24 * CAST(d.days AS BIGINT)) AS hours
    FROM sent s LEFT JOIN next_timed t USING (campaign_id, contact_id) LEFT JOIN next_day d USING (campaign_id, contact_id)
)
SELECT campaign_id, clicked, opened, hours, count(*) AS givers
FROM first_hours WHERE hours <= {MAX_WINDOW_HOURS}
GROUP BY ALL
"""

# The window-free counts of BASELINE: per campaign with sends, sends, clickers, openers who did not click, and the rest.
SEND_COUNTS = _BASE_STEPS[:_COUNTS_END].rstrip().rstrip(",") + """
SELECT campaign_id, sends, clickers, engaged - clickers AS openers, sends - engaged AS not_engaged
FROM counts WHERE sends > 0
"""
# BASELINE's rows for whole-hour windows from send counts (__COUNTS__) and the stored hours.
RATES_FROM_HOURS = f"""
WITH windows AS (__WINDOWS__)
SELECT w.window_hours, c.campaign_id, c.sends, c.clickers, c.openers, c.not_engaged,
       CAST(coalesce(sum(g.givers) FILTER (WHERE g.clicked), 0) AS BIGINT) AS clicker_givers,
       CAST(coalesce(sum(g.givers) FILTER (WHERE g.opened AND NOT g.clicked), 0) AS BIGINT) AS opener_givers,
       CAST(coalesce(sum(g.givers) FILTER (WHERE NOT g.opened AND NOT g.clicked), 0) AS BIGINT) AS not_engaged_givers
FROM __COUNTS__ c CROSS JOIN windows w
LEFT JOIN {GIVER_HOURS_TABLE} g ON g.campaign_id = c.campaign_id AND g.hours * {HOUR_US} <= w.window_us
GROUP BY ALL
"""


def with_counts(template: str, counts: str) -> str:
    """RATES_FROM_HOURS with its send counts filled in (a FROM item)."""
    return template.replace("__COUNTS__", counts)


def answers(window_hours: float) -> bool:
    """Whether the stored tables answer this window: a whole number of hours up to MAX_WINDOW_HOURS."""
    return float(window_hours).is_integer() and 0 < window_hours <= MAX_WINDOW_HOURS
