"""Which emails raised money: donors matched to contacts, gifts attributed to campaigns. SQL in, polars out.

Revenue rows are DonorPerfect `G` gifts (split-gift children are `G` rows) and `A` adjustments; pledges
(`P`), split-gift main records (`M`) and soft credits (`S`) never count. A negative row (an `A` adjustment or
a refund entered as a negative gift) reduces revenue: it follows the gift it adjusts (its `glink`), otherwise
only its own code can attribute it, since an email does not cause a refund. It never counts as a gift.

Tiers, first match wins, one campaign per gift:
  coded: a gift code mapped in `gift_code_campaigns`, most specific first
         (sub_solicit_code, solicit_code, campaign, gl_code);
  click / open / send: the donor's contact clicked / opened / was sent the campaign's email within
         `window_hours` before the gift; the last touch wins, ties go to the lower campaign_id;
  unattributed.
A gift with a `created_date` on its gift date is timed by that timestamp (`time_basis` = "timestamp");
otherwise only its date is known and the window is in calendar days: touches on the gift date or the
floor(window_hours / 24) days before it (`time_basis` = "calendar_day"; a window under 24 h means that day only).

Stored at publish: at large scale one attribution takes seconds (4-13 s for the gifts, 11-22 s for the baseline
rates at 21M tracking rows), so `refresh_stored(con)` (called by cc_data.analytics.derived at every publish) stores
the gift_attribution() rows and the baseline counts behind campaign_revenue()'s gift rates for each standard
window (WINDOW_CHOICES), in the tables `attribution_gifts` and `attribution_rates` (one row set per
`window_hours`). `meta.attribution_store` records the windows and a digest of the SQL that built them;
gift_attribution() and campaign_revenue() read the stored rows when that record matches and the window is a
standard one, and compute them otherwise (custom windows, in-memory databases, files published by an older
version). Either way the result is the same frame.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass

import duckdb
import polars as pl

from cc_data.analytics.query import table_exists
from cc_data.analytics.series import appeal_series

TIERS: tuple[str, ...] = ("coded", "click", "open", "send", "unattributed")
WINDOW_CHOICES: dict[str, int] = {"24 hours": 24, "48 hours": 48, "7 days": 168}
CODE_FIELDS: tuple[str, ...] = ("sub_solicit_code", "solicit_code", "campaign", "gl_code")

_DONOR_CONTACTS = """
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

_REVENUE_GIFTS = f"""
WITH donor_contacts AS ({_DONOR_CONTACTS})
SELECT g.gift_id, g.donor_id, dc.contact_id, CAST(g.amount AS DOUBLE) AS amount, g.record_type, g.glink,
       g.split_gift, g.sub_solicit_code, g.solicit_code, g.campaign, g.gl_code,
       coalesce(g.gift_date, CAST(g.created_date AS DATE)) AS gift_day,
       g.created_date IS NOT NULL AND (g.gift_date IS NULL OR CAST(g.created_date AS DATE) = g.gift_date) AS timed,
       CASE WHEN timed THEN g.created_date ELSE CAST(gift_day AS TIMESTAMP) END AS gift_time,
       CASE WHEN timed THEN 'timestamp' ELSE 'calendar_day' END AS time_basis,
       g.record_type = 'A' OR g.amount < 0 AS is_adjustment,
       CASE WHEN g.record_type = 'G' AND g.split_gift IN ('Y', 'y', 'S', 'TRUE', 'true', '1') AND g.glink IS NOT NULL
            THEN g.glink ELSE g.gift_id END AS transaction_id
FROM gifts g LEFT JOIN donor_contacts dc ON dc.donor_id = g.donor_id
WHERE g.record_type IN ('G', 'A') AND gift_day IS NOT NULL
"""

# The attribution and baseline queries take their windows from a relation `windows(window_hours, window_us,
# window_days)` (the __WINDOWS__ placeholder): one row from parameters for a live query, every standard window
# when they are stored at publish, so the scans of the tracking rows are shared by all windows.
_LIVE_WINDOW = ("SELECT 0 AS window_hours, CAST($window_us AS BIGINT) AS window_us, "
                "CAST($window_days AS INTEGER) AS window_days")

_ATTRIBUTION = f"""
WITH windows AS (__WINDOWS__),
reach AS (SELECT max(window_us) AS window_us, max(window_days) AS window_days FROM windows),
rev AS ({_REVENUE_GIFTS}),
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
touches AS (
    SELECT t.contact_id, a.campaign_id, t.campaign_activity_id, t.created_time,
           CASE t.tracking_activity_type WHEN 'em_clicks' THEN 'click' WHEN 'em_opens' THEN 'open' ELSE 'send' END
               AS tier
    FROM tracking_events t JOIN campaign_activities a USING (campaign_activity_id)
    WHERE t.tracking_activity_type IN ('em_sends', 'em_opens', 'em_clicks')
      AND t.contact_id IN (SELECT contact_id FROM rev WHERE contact_id IS NOT NULL AND NOT is_adjustment)
),
in_reach AS (   -- touches within the widest window, then within each window
    SELECT r.gift_id, r.timed, r.gift_time, r.gift_day, t.campaign_id, t.campaign_activity_id, t.created_time,
           t.tier
    FROM rev r JOIN touches t ON t.contact_id = r.contact_id CROSS JOIN reach x
    WHERE NOT r.is_adjustment AND (
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
           coalesce(c.campaign_id, wd.campaign_id) AS campaign_id,
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
       CASE WHEN inherit THEN parent.campaign_activity_id ELSE d.campaign_activity_id END AS campaign_activity_id,
       CASE WHEN inherit THEN parent.touch_time ELSE d.touch_time END AS touch_time,
       d.record_type, d.is_adjustment, d.transaction_id, d.gift_day AS gift_date,
       CASE WHEN inherit THEN 'follows gift ' || parent.gift_id ELSE d.code_field END AS attribution_note,
       cmp.name AS campaign_name
FROM (SELECT d.*, d.is_adjustment AND d.code_field IS NULL AND parent.gift_id IS NOT NULL AS inherit,
             parent.gift_id AS parent_id
      FROM direct d LEFT JOIN direct parent
          ON parent.gift_id = d.glink AND parent.window_hours = d.window_hours AND NOT parent.is_adjustment) d
LEFT JOIN direct parent ON parent.gift_id = d.parent_id AND parent.window_hours = d.window_hours
LEFT JOIN campaigns cmp ON cmp.campaign_id = (CASE WHEN d.inherit THEN parent.campaign_id ELSE d.campaign_id END)
ORDER BY d.window_hours, d.gift_day, d.gift_id
"""

_BASELINE = f"""
WITH windows AS (__WINDOWS__),
reach AS (SELECT max(window_us) AS window_us, max(window_days) AS window_days FROM windows),
rev AS ({_REVENUE_GIFTS}),
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
    WHERE contact_id IN (SELECT contact_id FROM rev WHERE contact_id IS NOT NULL AND NOT is_adjustment)
    GROUP BY ALL
),
gifts_in_reach AS (   -- gifts within the widest window after the send, then within each window
    SELECT s.campaign_id, s.contact_id, s.clicked, s.opened, s.sent_at, g.timed, g.gift_time, g.gift_day
    FROM giver_touches s JOIN rev g ON g.contact_id = s.contact_id AND NOT g.is_adjustment CROSS JOIN reach x
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


def query_frame(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, int] | None = None) -> pl.DataFrame:
    # A cursor of its own: the caller's connection may hold a result it has not fully fetched.
    cursor = con.cursor()
    try:
        out = pl.from_arrow(cursor.sql(sql, params=params or None).to_arrow_table())
    finally:
        cursor.close()
    assert isinstance(out, pl.DataFrame)
    return out


def _window_params(window_hours: float) -> dict[str, int]:
    if window_hours <= 0:
        raise ValueError(f"window_hours must be positive, not {window_hours}")
    return {"window_us": int(round(window_hours * 3_600_000_000)), "window_days": math.floor(window_hours / 24)}


GIFTS_TABLE = "attribution_gifts"
RATES_TABLE = "attribution_rates"
STORE_META_KEY = "attribution_store"
STORED_WINDOWS: tuple[int, ...] = tuple(sorted(set(WINDOW_CHOICES.values())))
GIFT_ORDER = "gift_date, gift_id"   # gift_attribution()'s row order (gift_id is unique)
RATES_ORDER = "campaign_id"


def _store_stamp() -> str:
    """What the stored tables hold: the windows, and a digest of the queries (a changed query invalidates them)."""
    digest = hashlib.sha256((_ATTRIBUTION + _BASELINE).encode()).hexdigest()[:16]
    return json.dumps({"windows": list(STORED_WINDOWS), "sql": digest}, sort_keys=True)


def _with_windows(template: str, windows: str) -> str:
    return template.replace("__WINDOWS__", windows)


def _standard_windows() -> str:
    """The `windows` relation of every standard window, written in (CREATE TABLE AS takes no parameters)."""
    rows = ", ".join(
        f"({hours}, CAST({params['window_us']} AS BIGINT), CAST({params['window_days']} AS INTEGER))"
        for hours, params in ((hours, _window_params(hours)) for hours in STORED_WINDOWS)
    )
    return f"SELECT * FROM (VALUES {rows}) AS v(window_hours, window_us, window_days)"


def _live(con: duckdb.DuckDBPyConnection, template: str, window_hours: float, order: str) -> pl.DataFrame:
    """The query computed for one window (any number of hours), without its window_hours column."""
    return query_frame(con, f"SELECT * EXCLUDE (window_hours) FROM ({_with_windows(template, _LIVE_WINDOW)}) "
                            f"ORDER BY {order}", _window_params(window_hours))


def refresh_stored(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)build the stored attribution for every standard window from the source tables; drop it without gifts.
    Runs on the writer's connection inside cc_data.analytics.derived's transaction (so no cursors here: a
    cursor is another connection and would not see that transaction)."""
    for table in (GIFTS_TABLE, RATES_TABLE):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute("DELETE FROM meta WHERE key = ?", [STORE_META_KEY])
    if not con.execute("SELECT count(*) FROM gifts").fetchall()[0][0]:
        return   # nothing to attribute: no page asks for attribution without gifts
    for table, template, order in ((GIFTS_TABLE, _ATTRIBUTION, GIFT_ORDER), (RATES_TABLE, _BASELINE, RATES_ORDER)):
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM ({_with_windows(template, _standard_windows())}) "
                    f"ORDER BY window_hours, {order}")
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [STORE_META_KEY, _store_stamp()])


def stored_windows(con: duckdb.DuckDBPyConnection) -> tuple[int, ...]:
    """The windows (hours) whose attribution is stored in this database and valid for this code; () if none."""
    cursor = con.cursor()   # the caller's connection may hold a result it has not fully fetched
    try:
        if not (table_exists(cursor, GIFTS_TABLE) and table_exists(cursor, RATES_TABLE)):
            return ()
        stamp = cursor.execute("SELECT value FROM meta WHERE key = ?", [STORE_META_KEY]).fetchall()
    finally:
        cursor.close()
    return STORED_WINDOWS if stamp and stamp[0][0] == _store_stamp() else ()


def _stored_or_live(con: duckdb.DuckDBPyConnection, table: str, template: str, window_hours: float,
                    order: str) -> pl.DataFrame:
    """The rows stored at publish for this window if there are, else the query computed (the same frame)."""
    if window_hours not in stored_windows(con):
        return _live(con, template, window_hours, order)
    return query_frame(con, f"SELECT * EXCLUDE (window_hours) FROM {table} WHERE window_hours = $window "
                            f"ORDER BY {order}", {"window": int(window_hours)})


def _baseline_counts(con: duckdb.DuckDBPyConnection, window_hours: float) -> pl.DataFrame:
    """Per campaign with sends: sends, clickers, openers, not_engaged and the givers of each group (the _BASELINE
    query), stored or computed."""
    return _stored_or_live(con, RATES_TABLE, _BASELINE, window_hours, RATES_ORDER)


def donor_contacts(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per donor: contact_id and how it was found (cc_contact_id first, then email), or why not."""
    return query_frame(con, _DONOR_CONTACTS + " ORDER BY u.donor_id")


@dataclass(frozen=True)
class MatchReport:
    donors: pl.DataFrame   # donor_contacts(): one row per donor

    @property
    def total(self) -> int:
        return self.donors.height

    @property
    def matched(self) -> int:
        return self.donors.filter(pl.col("contact_id").is_not_null()).height

    @property
    def rate(self) -> float | None:
        return self.matched / self.total if self.total else None

    @property
    def by_method(self) -> dict[str, int]:
        counts = self.donors.group_by("match_method").len()
        return {row["match_method"] or "unmatched": row["len"] for row in counts.iter_rows(named=True)}

    @property
    def unmatched(self) -> pl.DataFrame:
        return self.donors.filter(pl.col("contact_id").is_null()).drop("contact_id", "match_method")


def match_report(con: duckdb.DuckDBPyConnection) -> MatchReport:
    return MatchReport(donor_contacts(con))


def gift_attribution(con: duckdb.DuckDBPyConnection, window_hours: float = 48) -> pl.DataFrame:
    """One row per revenue gift: gift_id, donor_id, contact_id, amount, gift_time, time_basis, tier,
    campaign_id, campaign_activity_id, touch_time (+ record_type, is_adjustment, transaction_id,
    gift_date, attribution_note, campaign_name), ordered by gift_date, gift_id. Read from the rows stored at
    publish for a standard window."""
    return _stored_or_live(con, GIFTS_TABLE, _ATTRIBUTION, window_hours, GIFT_ORDER)


def revenue_by_campaign(gifts: pl.DataFrame) -> pl.DataFrame:
    """Per attributed campaign, from gift_attribution() alone: gifts, donors, revenue and revenue by tier.
    (campaign_revenue adds sends and the gift rates, which need the tracking rows.)"""
    positive = ~pl.col("is_adjustment") & (pl.col("amount") > 0)
    return gifts.filter(pl.col("campaign_id").is_not_null()).group_by("campaign_id").agg(
        gifts=pl.col("transaction_id").filter(positive).n_unique(),
        donors=pl.col("donor_id").filter(positive).n_unique(),
        revenue=pl.col("amount").sum().round(2),
        **{f"{tier}_revenue": pl.col("amount").filter(pl.col("tier") == tier).sum().round(2)
           for tier in TIERS[:4]},
    )


def campaign_revenue(con: duckdb.DuckDBPyConnection, window_hours: float = 48,
                     gifts: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per campaign: attributed gifts, donors, revenue (and by tier), sends, revenue per 1,000 sends, and the
    gift rates (a gift within the window after the send) of clickers, openers who did not click, and the
    baseline: contacts sent the email who neither opened nor clicked. Pass `gifts` (gift_attribution() for the
    same window) to avoid computing it twice. The gift rates' counts are read from the rows stored at publish for
    a standard window."""
    by_campaign = revenue_by_campaign(gift_attribution(con, window_hours) if gifts is None else gifts)
    rates = _baseline_counts(con, window_hours)
    names = query_frame(
        con, "SELECT c.campaign_id, c.name, s.sends AS summary_sends FROM campaigns c "
        "LEFT JOIN campaign_summaries s USING (campaign_id)"
    )
    out = (
        names.join(rates, on="campaign_id", how="full", coalesce=True)
        .join(by_campaign, on="campaign_id", how="full", coalesce=True)
        .with_columns(sends=pl.coalesce("sends", "summary_sends"))
        .filter((pl.col("sends").fill_null(0) > 0) | pl.col("revenue").is_not_null())
    )
    zero_fill = ["gifts", "donors", "revenue", *[f"{tier}_revenue" for tier in TIERS[:4]]]
    return out.with_columns(
        [pl.col(name).fill_null(0) for name in zero_fill],
    ).with_columns(
        revenue_per_1000=pl.when(pl.col("sends") > 0).then(pl.col("revenue") / pl.col("sends") * 1000),
        clicker_gift_rate=_rate("clicker_givers", "clickers"),
        opener_gift_rate=_rate("opener_givers", "openers"),
        baseline_gift_rate=_rate("not_engaged_givers", "not_engaged"),
    ).drop("summary_sends").sort(["revenue", "campaign_id"], descending=[True, False])


def _rate(numerator: str, denominator: str) -> pl.Expr:
    return pl.when(pl.col(denominator) > 0).then(pl.col(numerator) / pl.col(denominator))


def series_revenue(con: duckdb.DuckDBPyConnection, window_hours: float = 48, gifts: pl.DataFrame | None = None,
                   campaigns: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per appeal series (cc_data.analytics.series.appeal_series): campaigns, gifts, donors, revenue, sends.
    Pass `gifts` and `campaigns` (gift_attribution() and campaign_revenue() for the same window) to reuse them."""
    gifts = gift_attribution(con, window_hours) if gifts is None else gifts
    campaigns = campaign_revenue(con, window_hours, gifts) if campaigns is None else campaigns
    gifts = gifts.filter(pl.col("campaign_id").is_not_null())
    per_campaign = campaigns.select("campaign_id", "name", "sends")
    series_of = per_campaign.with_columns(
        series=pl.col("name").map_elements(appeal_series, return_dtype=pl.Utf8, skip_nulls=False)
    ).select("campaign_id", "series", "sends")
    positive_gift = ~pl.col("is_adjustment") & (pl.col("amount") > 0)
    gift_side = gifts.join(series_of.select("campaign_id", "series"), on="campaign_id", how="left").group_by(
        "series"
    ).agg(
        gifts=pl.col("transaction_id").filter(positive_gift).n_unique(),
        donors=pl.col("donor_id").filter(positive_gift).n_unique(),
        revenue=pl.col("amount").sum().round(2),
    )
    send_side = series_of.group_by("series").agg(campaigns=pl.len(), sends=pl.col("sends").sum())
    return (
        send_side.join(gift_side, on="series", how="full", coalesce=True)
        .with_columns(pl.col("gifts", "donors", "revenue").fill_null(0))
        .with_columns(revenue_per_1000=pl.when(pl.col("sends") > 0).then(pl.col("revenue") / pl.col("sends") * 1000))
        .sort(["revenue", "series"], descending=[True, False])
    )


def tier_breakdown(gifts: pl.DataFrame) -> pl.DataFrame:
    """gift_attribution() summed by tier, in tier order, every tier present."""
    positive_gift = ~pl.col("is_adjustment") & (pl.col("amount") > 0)
    summed = gifts.group_by("tier").agg(
        gifts=pl.col("transaction_id").filter(positive_gift).n_unique(), revenue=pl.col("amount").sum().round(2)
    )
    order = pl.DataFrame({"tier": list(TIERS), "order": list(range(len(TIERS)))})
    return order.join(summed, on="tier", how="left").with_columns(
        pl.col("gifts").fill_null(0), pl.col("revenue").fill_null(0.0)
    ).sort("order").drop("order")
