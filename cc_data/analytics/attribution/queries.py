"""The attribution queries (SQL text) and their window parameters; attribution.credit and attribution.stored run them.

Revenue rows and adjustments are cc_data.analytics.rules.gifts': DonorPerfect `G` gifts (split-gift children are
`G` rows) and `A` adjustments. A negative row (an `A` adjustment or a refund entered as a negative gift) reduces
revenue: it follows the gift it adjusts (its `glink`), otherwise
only its own code can attribute it, since an email does not cause a refund. It never counts as a gift.

Tiers, first match wins, one campaign per gift:
  coded: a gift code mapped in `gift_code_campaigns`, most specific first
         (sub_solicit_code, solicit_code, campaign, gl_code);
  click / open: the donor's contact clicked / opened (a person's open) the campaign's email within
         `window_hours` before the gift; the last touch wins, ties go to the lower campaign_id;
  send: the contact was only sent an email within the window: the gift is **not credited** (campaign_id NULL);
         `sent_only_campaign_id` names the email, so pages can show such gifts apart;
  unattributed.
A scheduled gift (rules.gifts: a pledge payment or an automatic debit) is credited only by its own code: no touch
is searched for it, and the baseline's gift rates leave it out (it would have come whatever was sent).
Evidence: by default an open flagged as a likely machine open (cc_data.analytics.rules.machine_opens: an open
within minutes of the send by a contact who "opens" nearly everything and never clicks) is not an open, and a
send that bounced (any code) is not a send; a click always counts. `with_evidence(..., count_machine_opens=True,
count_bounced_sends=True)` restores them (the stored tables are for the default).
A gift with a `created_date` on its gift date is timed by that timestamp (`time_basis` = "timestamp");
otherwise only its date is known and the window is in calendar days: touches on the gift date or the
floor(window_hours / 24) days before it (`time_basis` = "calendar_day"; a window under 24 h means that day only).
"""

from __future__ import annotations

import math

from cc_data.analytics.email.sends import per_send_sql
from cc_data.analytics.rules.gifts import adjustment_sql, revenue_row_sql, scheduled_gift_sql
from cc_data.analytics.rules.machine_opens import DEFAULT_RULE

TIERS: tuple[str, ...] = ("coded", "click", "open", "send", "unattributed")
CREDITED_TIERS: tuple[str, ...] = ("coded", "click", "open")   # "from email": a sent-but-not-opened email earns none
WINDOW_CHOICES: dict[str, int] = {"24 hours": 24, "48 hours": 48, "7 days": 168}

DONOR_CONTACTS = """
WITH universe AS (
    SELECT donor_id, first_name, last_name, email, cc_contact_id FROM donors
    UNION ALL BY NAME
    SELECT donor_id, max(first_name) AS first_name, max(last_name) AS last_name, max(email) AS email,
           max(cc_contact_id) AS cc_contact_id
    FROM gifts WHERE donor_id NOT IN (SELECT donor_id FROM donors) GROUP BY donor_id
),
email_contacts AS (
    SELECT email, contact_id FROM contacts WHERE email IS NOT NULL AND email <> ''
    QUALIFY row_number() OVER (PARTITION BY email ORDER BY deleted_at IS NOT NULL, contact_id) = 1
)
SELECT u.donor_id, u.first_name, u.last_name, u.email, u.cc_contact_id,
       coalesce(by_id.contact_id, by_email.contact_id) AS contact_id,
       CASE WHEN by_id.contact_id IS NOT NULL THEN 'cc_contact_id'
            WHEN by_email.contact_id IS NOT NULL THEN 'email' END AS match_method,
       CASE WHEN by_id.contact_id IS NOT NULL OR by_email.contact_id IS NOT NULL THEN NULL
            WHEN nullif(trim(u.email), '') IS NULL AND nullif(trim(u.cc_contact_id), '') IS NULL
                THEN 'no email and no cc_contact_id'
            WHEN nullif(trim(u.email), '') IS NULL THEN 'cc_contact_id not found in Constant Contact, no email'
            ELSE 'email not found in Constant Contact' END AS unmatched_reason
FROM universe u
LEFT JOIN contacts by_id ON by_id.contact_id = trim(u.cc_contact_id)
LEFT JOIN email_contacts by_email ON by_email.email = lower(trim(u.email))
"""

REVENUE_GIFTS = f"""
WITH donor_contacts AS ({DONOR_CONTACTS})
SELECT g.gift_id, g.donor_id, dc.contact_id, CAST(g.amount AS DOUBLE) AS amount, g.record_type, g.glink,
       g.split_gift, g.sub_solicit_code, g.solicit_code, g.campaign, g.gl_code,
       coalesce(g.gift_date, CAST(g.created_date AS DATE)) AS gift_day, CAST(g.created_date AS DATE) AS entered_date,
       g.created_date IS NOT NULL AND (g.gift_date IS NULL OR CAST(g.created_date AS DATE) = g.gift_date) AS timed,
       CASE WHEN timed THEN g.created_date ELSE CAST(gift_day AS TIMESTAMP) END AS gift_time,
       CASE WHEN timed THEN 'timestamp' ELSE 'calendar_day' END AS time_basis,
       {adjustment_sql("g")} AS is_adjustment, {scheduled_gift_sql("g")} AS scheduled,
       CASE WHEN g.record_type = 'G' AND g.split_gift IN ('Y', 'y', 'S', 'TRUE', 'true', '1') AND g.glink IS NOT NULL
            THEN g.glink ELSE g.gift_id END AS transaction_id
FROM gifts g LEFT JOIN donor_contacts dc ON dc.donor_id = g.donor_id
WHERE {revenue_row_sql("g")} AND gift_day IS NOT NULL
"""

# The attribution and baseline queries take their windows from a relation `windows(window_hours, window_us,
# window_days)` (the __WINDOWS__ placeholder): one row from parameters for a live query, every standard window
# when they are stored at publish, so the scans of the tracking rows are shared by all windows.
LIVE_WINDOW = ("SELECT 0 AS window_hours, CAST($window_us AS BIGINT) AS window_us, "
                "CAST($window_days AS INTEGER) AS window_days")

ATTRIBUTION = f"""
WITH windows AS (__WINDOWS__),
reach AS (SELECT max(window_us) AS window_us, max(window_days) AS window_days FROM windows),
rev AS ({REVENUE_GIFTS}),
code_fields(code_field, priority) AS (VALUES
    ('sub_solicit_code', 1), ('solicit_code', 2), ('campaign', 3), ('gl_code', 4)),
primary_activity AS (
    SELECT campaign_id, coalesce(min(campaign_activity_id) FILTER (WHERE role = 'primary_email'),
                                 min(campaign_activity_id)) AS campaign_activity_id
    FROM campaign_activities GROUP BY campaign_id
),
coded AS (
    SELECT r.gift_id, m.campaign_id, f.code_field
    FROM rev r CROSS JOIN code_fields f
    JOIN gift_code_campaigns m ON m.code_field = f.code_field AND upper(trim(m.code)) = upper(trim(
        CASE f.code_field WHEN 'sub_solicit_code' THEN r.sub_solicit_code WHEN 'solicit_code' THEN r.solicit_code
                          WHEN 'campaign' THEN r.campaign ELSE r.gl_code END))
    WHERE m.campaign_id IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY r.gift_id ORDER BY f.priority) = 1
),
giver_contacts AS (SELECT DISTINCT contact_id FROM rev
                   WHERE contact_id IS NOT NULL AND NOT is_adjustment AND NOT scheduled),
touches AS (   -- joined to the per-send rows for the machine-open flag and the bounce
    SELECT t.contact_id, a.campaign_id, t.campaign_activity_id, t.created_time,
           CASE t.tracking_activity_type WHEN 'em_clicks' THEN 'click' WHEN 'em_opens' THEN 'open' ELSE 'send' END
               AS tier
    FROM tracking_events t JOIN campaign_activities a USING (campaign_activity_id)
    LEFT JOIN __PER_SEND__ p ON p.campaign_activity_id = t.campaign_activity_id AND p.contact_id = t.contact_id
    WHERE t.tracking_activity_type IN ('em_sends', 'em_opens', 'em_clicks')
      AND t.contact_id IN (SELECT contact_id FROM giver_contacts) AND __EVIDENCE__
),
in_reach AS (   -- touches within the widest window, then within each window
    SELECT r.gift_id, r.timed, r.gift_time, r.gift_day, t.campaign_id, t.campaign_activity_id, t.created_time,
           t.tier
    FROM rev r JOIN touches t ON t.contact_id = r.contact_id CROSS JOIN reach x
    WHERE NOT r.is_adjustment AND NOT r.scheduled AND (
        (r.timed AND t.created_time BETWEEN r.gift_time - to_microseconds(x.window_us) AND r.gift_time)
        OR (NOT r.timed AND CAST(t.created_time AS DATE) BETWEEN r.gift_day - x.window_days AND r.gift_day))
),
windowed AS (
    SELECT w.window_hours, t.gift_id, t.campaign_id, t.campaign_activity_id, t.created_time AS touch_time, t.tier
    FROM in_reach t CROSS JOIN windows w
    WHERE (t.timed AND t.created_time >= t.gift_time - to_microseconds(w.window_us))
       OR (NOT t.timed AND CAST(t.created_time AS DATE) >= t.gift_day - w.window_days)
    QUALIFY row_number() OVER (
        PARTITION BY w.window_hours, t.gift_id
        ORDER BY CASE t.tier WHEN 'click' THEN 1 WHEN 'open' THEN 2 ELSE 3 END, t.created_time DESC,
                 t.campaign_id, t.campaign_activity_id) = 1
),
direct AS (
    SELECT w.window_hours, r.*,
           CASE WHEN c.campaign_id IS NOT NULL THEN 'coded' ELSE coalesce(wd.tier, 'unattributed') END AS tier,
           coalesce(c.campaign_id, CASE WHEN wd.tier <> 'send' THEN wd.campaign_id END) AS campaign_id,
           CASE WHEN c.campaign_id IS NULL AND wd.tier = 'send' THEN wd.campaign_id END AS sent_only_campaign_id,
           CASE WHEN c.campaign_id IS NOT NULL THEN p.campaign_activity_id ELSE wd.campaign_activity_id END
               AS campaign_activity_id,
           CASE WHEN c.campaign_id IS NULL THEN wd.touch_time END AS touch_time, c.code_field
    FROM rev r CROSS JOIN windows w LEFT JOIN coded c ON c.gift_id = r.gift_id
    LEFT JOIN windowed wd ON wd.gift_id = r.gift_id AND wd.window_hours = w.window_hours
    LEFT JOIN primary_activity p ON p.campaign_id = c.campaign_id
)
SELECT d.window_hours, d.gift_id, d.donor_id, d.contact_id, d.amount, d.gift_time, d.time_basis,
       CASE WHEN inherit THEN parent.tier ELSE d.tier END AS tier,
       CASE WHEN inherit THEN parent.campaign_id ELSE d.campaign_id END AS campaign_id,
       CASE WHEN inherit THEN parent.sent_only_campaign_id ELSE d.sent_only_campaign_id END AS sent_only_campaign_id,
       CASE WHEN inherit THEN parent.campaign_activity_id ELSE d.campaign_activity_id END AS campaign_activity_id,
       CASE WHEN inherit THEN parent.touch_time ELSE d.touch_time END AS touch_time,
       d.record_type, d.is_adjustment, d.transaction_id, d.gift_day AS gift_date,
       CASE WHEN inherit THEN 'follows gift ' || parent.gift_id ELSE d.code_field END AS attribution_note,
       cmp.name AS campaign_name, d.scheduled, d.entered_date
FROM (SELECT d.*, d.is_adjustment AND d.code_field IS NULL AND parent.gift_id IS NOT NULL AS inherit,
             parent.gift_id AS parent_id
      FROM direct d LEFT JOIN direct parent
          ON parent.gift_id = d.glink AND parent.window_hours = d.window_hours AND NOT parent.is_adjustment) d
LEFT JOIN direct parent ON parent.gift_id = d.parent_id AND parent.window_hours = d.window_hours
LEFT JOIN campaigns cmp ON cmp.campaign_id = (CASE WHEN d.inherit THEN coalesce(parent.campaign_id, parent.sent_only_campaign_id)
                                                  ELSE coalesce(d.campaign_id, d.sent_only_campaign_id) END)
ORDER BY d.window_hours, d.gift_day, d.gift_id
"""

# ATTRIBUTION in two steps, for the tables stored at publish: each gift's best touch per window (`windowed`,
# which reads the gifts and the tracking but not the gift-code mapping), then the gifts with their tiers. A
# changed mapping reruns only the second step.
_STEPS, _TAIL = ATTRIBUTION.split("direct AS (", 1)
TOUCHES_TABLE = "attribution_touches"
ATTRIBUTION_TOUCHES = _STEPS.rstrip().rstrip(",") + "\nSELECT * FROM windowed\n"
ATTRIBUTION_FROM_TOUCHES = (_STEPS.split("touches AS (", 1)[0]
                            + f"windowed AS (SELECT * FROM {TOUCHES_TABLE}),\ndirect AS (" + _TAIL)


BASELINE = f"""
WITH windows AS (__WINDOWS__),
reach AS (SELECT max(window_us) AS window_us, max(window_days) AS window_days FROM windows),
rev AS ({REVENUE_GIFTS}),
touch_rows AS (
    SELECT a.campaign_id, t.contact_id, t.tracking_activity_type AS kind, t.created_time
    FROM tracking_events t JOIN campaign_activities a USING (campaign_activity_id)
    WHERE t.tracking_activity_type IN ('em_sends', 'em_opens', 'em_clicks')
),
send_rows AS (
    SELECT campaign_activity_id, contact_id FROM tracking_events WHERE tracking_activity_type = 'em_sends'
),
per_activity AS (   -- Constant Contact sends a contact one em_sends row per activity
    SELECT a.campaign_id, s.campaign_activity_id, count(*) AS n
    FROM send_rows s JOIN campaign_activities a USING (campaign_activity_id) GROUP BY ALL
),
multi_activity_sends AS (   -- a resend reaches people the first send did: count each contact once
    SELECT a.campaign_id, count(DISTINCT s.contact_id) AS sends
    FROM send_rows s JOIN campaign_activities a USING (campaign_activity_id)
    WHERE a.campaign_id IN (SELECT campaign_id FROM per_activity GROUP BY 1 HAVING count(*) > 1)
    GROUP BY 1
),
sends AS (
    SELECT p.campaign_id, CAST(coalesce(any_value(m.sends), sum(p.n)) AS BIGINT) AS sends
    FROM per_activity p LEFT JOIN multi_activity_sends m USING (campaign_id) GROUP BY 1
),
engaged_counts AS (
    SELECT campaign_id, count(DISTINCT contact_id) FILTER (WHERE kind = 'em_clicks') AS clickers,
           count(DISTINCT contact_id) AS engaged
    FROM touch_rows WHERE kind <> 'em_sends' GROUP BY 1
),
counts AS (
    SELECT s.campaign_id, s.sends, coalesce(e.clickers, 0) AS clickers, coalesce(e.engaged, 0) AS engaged
    FROM sends s LEFT JOIN engaged_counts e USING (campaign_id)
),
giver_touches AS (   -- only contacts who gave at some point can be givers in a group
    SELECT campaign_id, contact_id, min(created_time) FILTER (WHERE kind = 'em_sends') AS sent_at,
           bool_or(kind = 'em_clicks') AS clicked, bool_or(kind = 'em_opens') AS opened
    FROM touch_rows
    WHERE contact_id IN (SELECT contact_id FROM rev WHERE contact_id IS NOT NULL AND NOT is_adjustment AND NOT scheduled)
    GROUP BY ALL
),
gifts_in_reach AS (   -- gifts within the widest window after the send, then within each window
    SELECT s.campaign_id, s.contact_id, s.clicked, s.opened, s.sent_at, g.timed, g.gift_time, g.gift_day
    FROM giver_touches s JOIN rev g ON g.contact_id = s.contact_id AND NOT g.is_adjustment AND NOT g.scheduled
    CROSS JOIN reach x
    WHERE s.sent_at IS NOT NULL AND (
        (g.timed AND g.gift_time BETWEEN s.sent_at AND s.sent_at + to_microseconds(x.window_us))
        OR (NOT g.timed AND g.gift_day BETWEEN CAST(s.sent_at AS DATE) AND CAST(s.sent_at AS DATE) + x.window_days))
),
gave AS (
    SELECT DISTINCT w.window_hours, s.campaign_id, s.contact_id, s.clicked, s.opened
    FROM gifts_in_reach s CROSS JOIN windows w
    WHERE (s.timed AND s.gift_time <= s.sent_at + to_microseconds(w.window_us))
       OR (NOT s.timed AND s.gift_day <= CAST(s.sent_at AS DATE) + w.window_days)
)
SELECT w.window_hours, c.campaign_id, c.sends, c.clickers, c.engaged - c.clickers AS openers,
       c.sends - c.engaged AS not_engaged,
       count(g.contact_id) FILTER (WHERE g.clicked) AS clicker_givers,
       count(g.contact_id) FILTER (WHERE g.opened AND NOT g.clicked) AS opener_givers,
       count(g.contact_id) FILTER (WHERE NOT g.opened AND NOT g.clicked) AS not_engaged_givers
FROM counts c CROSS JOIN windows w LEFT JOIN gave g ON g.campaign_id = c.campaign_id AND g.window_hours = w.window_hours
WHERE c.sends > 0
GROUP BY ALL
"""


def window_params(window_hours: float) -> dict[str, int]:
    """The live queries' parameters for a window of `window_hours` (positive)."""
    if window_hours <= 0:
        raise ValueError(f"window_hours must be positive, not {window_hours}")
    return {"window_us": int(round(window_hours * 3_600_000_000)), "window_days": math.floor(window_hours / 24)}


def with_windows(template: str, windows: str) -> str:
    """The query with its `windows` relation filled in (LIVE_WINDOW, or every stored window written out)."""
    return template.replace("__WINDOWS__", windows)


# A machine open: the per-send row's first open not flagged as a machine open (first_human_open_at) is the first
# open past the rule's minutes, so an open at or after it is a human one, and none is when it is null.
HUMAN_OPEN = "t.created_time >= p.first_human_open_at"
DELIVERED_SEND = "NOT coalesce(p.bounced, false)"


def with_evidence(template: str, per_send: str | None = None, *, count_machine_opens: bool = False,
                  count_bounced_sends: bool = False) -> str:
    """The query with what counts as a touch filled in. `per_send`: a FROM item holding the default rule's per-send
    rows of (at least) the givers, e.g. the stored table; None computes them for the givers only."""
    source = per_send or f"({per_send_sql(DEFAULT_RULE, contacts='giver_contacts')})"
    opens = "true" if count_machine_opens else HUMAN_OPEN
    sends = "true" if count_bounced_sends else DELIVERED_SEND
    evidence = (f"(t.tracking_activity_type = 'em_clicks' OR (t.tracking_activity_type = 'em_opens' AND {opens}) "
                f"OR (t.tracking_activity_type = 'em_sends' AND {sends}))")
    return template.replace("__PER_SEND__", source).replace("__EVIDENCE__", evidence)
