"""Engagement score and tier for every contact.

Score = Σ over emails sent in the window of points × decay, divided by the decayed count of those emails:
0 (never engaged) to click_points + open_points (4 by default: clicked and opened every email).
points = click_points if clicked + open_points if opened by a person (machine_open_points if the only
opens were flagged machine opens); decay = 0.5 ** (age in days / half_life_days).
A contact sent fewer than min_emails emails in the window gets no score (null): too little to judge.
Tiers, first match wins: New (joined < new_days ago), Not emailed (no email in the window),
Lapsed (no click or human open in lapsed_days), Not enough emails (no score: fewer than min_emails in the
window), Highly engaged (score >= high), Moderately engaged (score >= moderate), Low engagement.

While the sync has not fetched every email's reports (analytics.history), a tier that rests on rows not fetched
is Not enough history yet instead: Not emailed and Not enough emails while an email of the window lacks its
per-contact sends, Lapsed while an email of the last lapsed_days lacks its opens or clicks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import polars as pl

from cc_data.analytics.history import NO_GAPS, HistoryGaps
from cc_data.analytics.rules.gifts import revenue_row_sql
from cc_data.store.query import frame, row_count

SCORE_DECIMALS = 9   # rounding keeps float noise in the sums from moving a score across a tier threshold
TOO_FEW = "Not enough emails"
HISTORY_PENDING = "Not enough history yet"
TIERS = ("Highly engaged", "Moderately engaged", "Low engagement", "Lapsed", TOO_FEW, "New", "Not emailed",
         HISTORY_PENDING)


@dataclass(frozen=True)
class ScoreSettings:
    click_points: float = 3.0
    open_points: float = 1.0
    machine_open_points: float = 0.0
    half_life_days: float = 90.0
    window_days: int = 365
    high: float = 1.0
    moderate: float = 0.3
    lapsed_days: int = 180
    new_days: int = 60
    min_emails: int = 3   # emails received in the window before a contact is scored

    @property
    def max_score(self) -> float:
        """The top of the scale: every email clicked and opened by a person."""
        return max(self.click_points, 0.0) + max(self.open_points, self.machine_open_points, 0.0)


def contact_directory(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Contacts not deleted: contact_id, email, first_name, last_name, permission_to_send, created_at."""
    return frame(con, """
        SELECT contact_id, coalesce(email, lower(trim(email_address))) AS email, first_name, last_name,
               permission_to_send, coalesce(created_at, opt_in_date, email_created_at) AS created_at
        FROM contacts WHERE deleted_at IS NULL ORDER BY contact_id""")


def score_contacts(sends: pl.DataFrame, contacts: pl.DataFrame, as_of: datetime,
                   settings: ScoreSettings = ScoreSettings(), gaps: HistoryGaps = NO_GAPS) -> pl.DataFrame:
    """contacts + received, clicks, human_opens, machine_only_opens, last_engaged_at, score, tier. score is null
    for a contact sent fewer than settings.min_emails emails in the window (tier Not enough emails, unless New,
    Not emailed or Lapsed, which need no score, match first). The points are applied to the decayed sums in one
    place, scores_from_parts."""
    return scores_from_parts(score_parts(sends, as_of, settings), contacts, as_of, settings, gaps)


def _send_terms(sends: pl.DataFrame, as_of: datetime, settings: ScoreSettings
                ) -> tuple[pl.Expr, pl.Expr, pl.Expr, pl.Expr, pl.DataFrame]:
    """(clicked, human open, machine-only open, decay weight) of a send as of `as_of`, and the sends of the window."""
    window_start = as_of - timedelta(days=settings.window_days)
    before = lambda col: pl.col(col).is_not_null() & (pl.col(col) <= as_of)  # noqa: E731
    in_window = sends.filter(pl.col("sent_at").is_not_null() & (pl.col("sent_at") <= as_of)
                             & (pl.col("sent_at") > window_start))
    clicked, human = before("first_click_at"), before("first_human_open_at")
    machine_only = before("first_open_at") & ~human
    age_days = (pl.lit(as_of) - pl.col("sent_at")).dt.total_seconds() / 86400
    # Normalised by the decayed count of emails received: a decay-weighted mean of points per email,
    # so 1.0 means "as engaged as opening every email", whatever the contact's mailing frequency.
    weight = 0.5 ** (age_days / settings.half_life_days)
    return clicked, human, machine_only, weight, in_window


def _last_engaged(sends: pl.DataFrame, as_of: datetime) -> pl.DataFrame:
    """contact_id, last_engaged_at: the latest click or human open known at `as_of`."""
    before = lambda col: pl.col(col).is_not_null() & (pl.col(col) <= as_of)  # noqa: E731
    clicked, human = before("first_click_at"), before("first_human_open_at")
    engaged_at = pl.max_horizontal(pl.when(clicked).then(pl.col("first_click_at")),
                                   pl.when(human).then(pl.col("first_human_open_at")))
    return sends.filter(pl.col("sent_at").is_null() | (pl.col("sent_at") <= as_of)).group_by(
        "contact_id").agg(engaged_at.max().alias("last_engaged_at"))


def _scored(contacts: pl.DataFrame, per_contact: pl.DataFrame, last_engaged: pl.DataFrame, as_of: datetime,
            settings: ScoreSettings, gaps: HistoryGaps) -> pl.DataFrame:
    """score_contacts' frame from the per-contact sums (received, clicks, human_opens, machine_only_opens,
    _points, _weight) and last_engaged_at."""
    scored = (contacts.join(per_contact, on="contact_id", how="left").join(last_engaged, on="contact_id", how="left")
              .with_columns(pl.col("received", "clicks", "human_opens", "machine_only_opens").fill_null(0))
              .with_columns(pl.when((pl.col("received") > 0) & (pl.col("received") >= settings.min_emails))
                            .then((pl.col("_points") / pl.col("_weight")).round(SCORE_DECIMALS))
                            .otherwise(None).alias("score")).drop("_points", "_weight"))
    recent = pl.col("last_engaged_at").is_not_null() & (
        pl.col("last_engaged_at") > as_of - timedelta(days=settings.lapsed_days))
    sends_short, engagement_short = _short(gaps, as_of, settings)
    tier = _tier(pl.col("created_at").is_not_null() & (pl.col("created_at") > as_of - timedelta(days=settings.new_days)),
                 pl.col("received"), recent, pl.col("score"), pl.lit(sends_short), pl.lit(engagement_short), settings)
    return scored.with_columns(tier.alias("tier")).sort(
        pl.col("score"), pl.col("contact_id").cast(pl.Utf8), descending=[True, False], nulls_last=True)


# What a score is a linear combination of, for any points per click, open and machine open: the decayed sums of
# the sends clicked, opened by a person and opened only by a machine (score_parts, history_parts). The decay, the
# window and the lapsed period shape these sums; every other setting is applied to them.
PART_SHAPE = ("half_life_days", "window_days", "lapsed_days")


def parts_answer(settings: ScoreSettings, built_with: ScoreSettings = ScoreSettings()) -> bool:
    """Whether parts built with `built_with` answer `settings` (the same decay, window and lapsed period)."""
    return all(getattr(settings, name) == getattr(built_with, name) for name in PART_SHAPE)


def score_parts(sends: pl.DataFrame, as_of: datetime, settings: ScoreSettings = ScoreSettings()) -> pl.DataFrame:
    """contact_id, received, clicks, human_opens, machine_only_opens, weight, w_click, w_human, w_machine (decayed
    sums of the window's sends: all, clicked, opened by a person, opened only by a machine) and last_engaged_at,
    for every contact with a send: what scores_from_parts needs for any points and thresholds."""
    clicked, human, machine_only, weight, in_window = _send_terms(sends, as_of, settings)
    per_contact = in_window.group_by("contact_id").agg(
        pl.len().alias("received"), clicked.sum().alias("clicks"), human.sum().alias("human_opens"),
        machine_only.sum().alias("machine_only_opens"), weight.sum().alias("weight"),
        (clicked.cast(pl.Float64) * weight).sum().alias("w_click"),
        (human.cast(pl.Float64) * weight).sum().alias("w_human"),
        (machine_only.cast(pl.Float64) * weight).sum().alias("w_machine"))
    return per_contact.join(_last_engaged(sends, as_of), on="contact_id", how="full", coalesce=True)


def scores_from_parts(parts: pl.DataFrame, contacts: pl.DataFrame, as_of: datetime,
                      settings: ScoreSettings = ScoreSettings(), gaps: HistoryGaps = NO_GAPS) -> pl.DataFrame:
    """score_contacts' frame from score_parts(sends, as_of) built with the same PART_SHAPE settings: the score is
    the points per click, open and machine-only open times their decayed sums, over the decayed count of emails."""
    per_contact = parts.filter(pl.col("received").is_not_null()).select(
        "contact_id", "received", "clicks", "human_opens", "machine_only_opens",
        (settings.click_points * pl.col("w_click") + settings.open_points * pl.col("w_human")
         + settings.machine_open_points * pl.col("w_machine")).alias("_points"),
        pl.col("weight").alias("_weight"))
    return _scored(contacts, per_contact, parts.select("contact_id", "last_engaged_at"), as_of, settings, gaps)


def _short(gaps: HistoryGaps, as_of: datetime, settings: ScoreSettings) -> tuple[bool, bool]:
    """(an email of the window lacks its sends, an email of the last lapsed_days lacks its opens or clicks)."""
    return (gaps.sends_missing(as_of - timedelta(days=settings.window_days), as_of),
            gaps.engagement_missing(as_of - timedelta(days=settings.lapsed_days), as_of))


def _tier(new: pl.Expr, received: pl.Expr, recent: pl.Expr, score: pl.Expr, sends_short: pl.Expr,
          engagement_short: pl.Expr, settings: ScoreSettings) -> pl.Expr:
    """The tier rule, first match wins; a tier resting on rows not fetched yet is HISTORY_PENDING."""
    too_few = received < settings.min_emails
    return (
        pl.when(new).then(pl.lit("New"))
        .when(sends_short & too_few).then(pl.lit(HISTORY_PENDING))
        .when(received == 0).then(pl.lit("Not emailed"))
        .when(~recent & engagement_short).then(pl.lit(HISTORY_PENDING))
        .when(~recent).then(pl.lit("Lapsed"))
        .when(too_few).then(pl.lit(TOO_FEW))
        .when(score >= settings.high).then(pl.lit("Highly engaged"))
        .when(score >= settings.moderate).then(pl.lit("Moderately engaged"))
        .otherwise(pl.lit("Low engagement"))
    )


def tier_counts(scored: pl.DataFrame) -> pl.DataFrame:
    """tier, contacts, share, in TIERS order (tiers with no contacts included with 0)."""
    counts = pl.DataFrame({"tier": list(TIERS)}).join(scored.group_by("tier").agg(pl.len().alias("contacts")),
                                                      on="tier", how="left").with_columns(pl.col("contacts").fill_null(0))
    total = counts["contacts"].sum()
    return counts.with_columns((pl.col("contacts") / total if total else pl.lit(0.0)).alias("share"))


def month_ends(as_of: datetime, months: int) -> list[datetime]:
    """The last `months` month boundaries up to as_of, oldest first; the newest is as_of itself."""
    ends = [as_of]
    cursor = as_of.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while len(ends) < months:
        ends.append(cursor)
        cursor = (cursor - timedelta(days=1)).replace(day=1)
    return sorted(ends)


def tier_history(sends: pl.DataFrame, contacts: pl.DataFrame, as_of: datetime, months: int = 12,
                 settings: ScoreSettings = ScoreSettings(), gaps: HistoryGaps = NO_GAPS) -> pl.DataFrame:
    """as_of, tier, contacts: the tier distribution at each month boundary (contacts who existed then), each
    moment scored as score_contacts(sends, contacts existing then, moment) would, in one pass over `sends`."""
    moments = month_ends(as_of, months)
    keys = contacts.select("contact_id").with_row_index("key")   # integer keys: cheaper to group and sort
    coefficients = {"first_click_at": settings.click_points,
                    "first_human_open_at": settings.open_points - settings.machine_open_points,
                    "first_open_at": settings.machine_open_points}
    state = _moment_state(sends.join(keys, on="contact_id", how="inner").drop("contact_id"), moments, settings,
                          {"points": coefficients})
    return _history_counts(state, contacts, moments, settings, gaps)


# history_parts' decayed sums: from the click, the first human open and the first open of each send on
HISTORY_PARTS = {"w_click": "first_click_at", "w_human": "first_human_open_at", "w_open": "first_open_at"}


def history_parts(sends: pl.DataFrame, contacts: pl.DataFrame, as_of: datetime, months: int = 12,
                  settings: ScoreSettings = ScoreSettings()) -> pl.DataFrame:
    """contact_id, j (index into month_ends(as_of, months)), received, weight, recent and the decayed sums of
    HISTORY_PARTS at each moment, for the contacts with a send: what history_from_parts needs for any points and
    thresholds (the PART_SHAPE settings are these)."""
    keys = contacts.select("contact_id").with_row_index("key")
    state = _moment_state(sends.join(keys, on="contact_id", how="inner").drop("contact_id"),
                          month_ends(as_of, months), settings,
                          {part: {column: 1.0} for part, column in HISTORY_PARTS.items()})
    return state.join(keys, on="key").select("contact_id", "j", "received", "weight", "recent", *HISTORY_PARTS)


def history_from_parts(parts: pl.DataFrame, contacts: pl.DataFrame, as_of: datetime, months: int = 12,
                       settings: ScoreSettings = ScoreSettings(), gaps: HistoryGaps = NO_GAPS,
                       only: int | None = None) -> pl.DataFrame:
    """tier_history(sends, contacts, as_of, months, settings, gaps) from history_parts() built with the same
    PART_SHAPE settings: the points are a linear combination of the parts. `only` (an index j into the moments):
    that moment's rows alone, from that moment's parts, so a caller can go one moment at a time."""
    keys = contacts.select("contact_id").with_row_index("key")
    points = (settings.click_points * pl.col("w_click")
              + (settings.open_points - settings.machine_open_points) * pl.col("w_human")
              + settings.machine_open_points * pl.col("w_open"))
    state = parts.join(keys, on="contact_id").select("key", pl.col("j").cast(pl.UInt32), "received",
                                                     points.alias("points"), "weight", "recent")
    return _history_counts(state, contacts, month_ends(as_of, months), settings, gaps, only)


def _history_counts(state: pl.DataFrame, contacts: pl.DataFrame, moments: list[datetime], settings: ScoreSettings,
                    gaps: HistoryGaps, only: int | None = None) -> pl.DataFrame:
    """as_of, tier, contacts from _moment_state's rows (key: the contact's row in `contacts`), at every moment or
    at moments[only]."""
    short = [_short(gaps, moment, settings) for moment in moments]
    at = pl.DataFrame({"j": pl.Series(range(len(moments)), dtype=pl.UInt32),
                       "as_of": pl.Series(moments, dtype=pl.Datetime("us")),
                       "sends_short": [s for s, _ in short], "engagement_short": [e for _, e in short]})
    if only is not None:
        at = at.slice(only, 1)
    # lazy: polars joins and counts the contacts × moments rows without materialising each step (0.2 s of 1 s at
    # 200,000 contacts)
    people = contacts.lazy().select("created_at").with_row_index("key").join(at.lazy(), how="cross")
    scored = people.join(state.lazy(), on=["key", "j"], how="left").with_columns(
        pl.col("received", "recent").fill_null(0)).filter(
        pl.col("created_at").is_null() | (pl.col("created_at") <= pl.col("as_of")))
    score = (pl.col("points") / pl.col("weight")).round(SCORE_DECIMALS)
    tier = _tier(pl.col("created_at").is_not_null()
                 & (pl.col("created_at") > pl.col("as_of") - timedelta(days=settings.new_days)),
                 pl.col("received"), pl.col("recent") > 0, score, pl.col("sends_short"), pl.col("engagement_short"),
                 settings)
    counts = scored.group_by("j", tier.alias("tier")).agg(pl.len().alias("contacts")).collect()
    every = at.join(pl.DataFrame({"tier": list(TIERS), "order": range(len(TIERS))}), how="cross")
    return (every.join(counts, on=["j", "tier"], how="left").with_columns(pl.col("contacts").fill_null(0))
            .sort("j", "order").select("as_of", "tier", "contacts"))


def _moment_state(sends: pl.DataFrame, moments: list[datetime], settings: ScoreSettings,
                  points: dict[str, dict[str, float]]) -> pl.DataFrame:
    """key (contact), j (index into moments), received, weight, recent and each of `points` (a name: the
    coefficients of the timestamps it counts from) at each moment, as running sums.

    A send counts at moment m while m is in [sent_at, sent_at + window); its click (or open) adds points from
    max(sent_at, clicked_at) on. Each such interval becomes +value at its first moment and -value at the first
    moment past it, so one cumulative sum per contact gives every moment. The decay 0.5^((m - sent_at) / h)
    is 0.5^((m - as_of) / h) × 2^((sent_at - as_of) / h); the first factor is shared by the numerator and the
    denominator of the score, so only the second is kept. `recent` counts clicks and human opens in
    (m - lapsed_days, m] of emails sent by m.
    """
    grid = pl.Series(moments, dtype=pl.Datetime("us"))
    size = len(moments)
    never = datetime(9999, 1, 1)

    def first_moment_from(expr: pl.Expr) -> pl.Expr:
        return pl.lit(grid).search_sorted(expr.fill_null(never), side="left")

    sent, window = pl.col("sent_at"), timedelta(days=settings.window_days)
    rows = sends.filter(sent.is_not_null() | pl.col("first_click_at").is_not_null()
                        | pl.col("first_human_open_at").is_not_null())
    seconds = (sent - pl.lit(moments[-1])).dt.total_seconds()
    rows = rows.select(
        "key",
        first_moment_from(sent).alias("j_in"), first_moment_from(sent + window).alias("j_out"),
        (2.0 ** (seconds / 86400 / settings.half_life_days)).alias("w"),
        *[first_moment_from(pl.max_horizontal(sent, pl.col(c))).alias(f"j_{c}")   # max ignores a null sent_at
          for c in ("first_click_at", "first_human_open_at", "first_open_at")],
        *[first_moment_from(pl.col(c) + timedelta(days=settings.lapsed_days)).alias(f"rout_{c}")
          for c in ("first_click_at", "first_human_open_at")],
        *[pl.col(c).is_not_null().alias(f"has_{c}") for c in ("first_click_at", "first_human_open_at",
                                                              "first_open_at")],
    )
    zero_f, zero_i = pl.lit(0.0), pl.lit(0, dtype=pl.Int64)
    in_window = pl.col("j_in") < pl.col("j_out")
    sums = ("received", *points, "weight", "recent")

    def entries(j: str, keep: pl.Expr, received: pl.Expr, weight: pl.Expr, recent: pl.Expr,
                **point_values: pl.Expr) -> pl.DataFrame:
        # Summed per (contact, moment) right away: at most contacts × moments rows each, instead of one row per
        # send, so memory stays near the size of `rows` (a 14M-send account: 2 GB rather than 6).
        return rows.filter(keep & (pl.col(j) < size)).select(
            "key", pl.col(j).alias("j"), received.alias("received"),
            *[point_values.get(name, zero_f).alias(name) for name in points],
            weight.alias("weight"), recent.alias("recent")).group_by("key", "j").agg(pl.all().sum())

    w = pl.col("w")
    parts = [entries("j_in", in_window, pl.lit(1, dtype=pl.Int64), w, zero_i),
             entries("j_out", in_window, pl.lit(-1, dtype=pl.Int64), -w, zero_i)]
    for name, coefficient in points.items():
        for column, factor in coefficient.items():
            if factor == 0:
                continue
            counted = pl.col(f"has_{column}") & (pl.col(f"j_{column}") < pl.col("j_out")) & in_window
            parts += [entries(f"j_{column}", counted, zero_i, zero_f, zero_i, **{name: w * factor}),
                      entries("j_out", counted, zero_i, zero_f, zero_i, **{name: -w * factor})]
    for column in ("first_click_at", "first_human_open_at"):
        counted = pl.col(f"has_{column}") & (pl.col(f"j_{column}") < pl.col(f"rout_{column}"))
        parts += [entries(f"j_{column}", counted, zero_i, zero_f, pl.lit(1, dtype=pl.Int64)),
                  entries(f"rout_{column}", counted, zero_i, zero_f, pl.lit(-1, dtype=pl.Int64))]
    deltas = pl.concat(parts).group_by("key", "j").agg(pl.col(*sums).sum())
    grid_j = pl.DataFrame({"j": pl.Series(range(size), dtype=pl.UInt32)})
    return (deltas.select("key").unique().join(grid_j, how="cross")
            .join(deltas, on=["key", "j"], how="left")
            .with_columns(pl.col(*sums).fill_null(0))
            .sort("key", "j")
            .with_columns(pl.col(*sums).cum_sum().over("key")))


def contact_timeline(con: duckdb.DuckDBPyConnection, contact_id: str) -> pl.DataFrame:
    """time, event (sent/opened/clicked/bounced/unsubscribed/forwarded/gift), campaign, detail; newest first."""
    events = frame(con, """
        SELECT e.created_time AS time,
               CASE e.tracking_activity_type WHEN 'em_sends' THEN 'sent' WHEN 'em_opens' THEN 'opened'
                    WHEN 'em_clicks' THEN 'clicked' WHEN 'em_bounces' THEN 'bounced'
                    WHEN 'em_optouts' THEN 'unsubscribed' WHEN 'em_forwards' THEN 'forwarded'
                    ELSE e.tracking_activity_type END AS event,
               coalesce(c.name, a.campaign_id, e.campaign_activity_id) AS campaign,
               coalesce(e.link_url, e.device_type, e.bounce_code, e.opt_out_reason, '') AS detail
        FROM tracking_events e
        LEFT JOIN campaign_activities a USING (campaign_activity_id)
        LEFT JOIN campaigns c ON c.campaign_id = a.campaign_id
        WHERE e.contact_id = $id""", {"id": contact_id})
    if row_count(con, "gifts"):
        gifts = frame(con, f"""
            SELECT coalesce(g.created_date, g.gift_date::TIMESTAMP) AS time, 'gift' AS event,
                   coalesce(g.campaign, g.solicit_code, '') AS campaign,
                   '$' || format('{{:,.2f}}', g.amount::DOUBLE) AS detail
            FROM gifts g LEFT JOIN donors d USING (donor_id)
            JOIN contacts k ON k.contact_id = $id
            WHERE {revenue_row_sql("g")} AND (g.cc_contact_id = k.contact_id OR d.cc_contact_id = k.contact_id
                  OR lower(trim(g.email)) = k.email OR lower(trim(d.email)) = k.email)""", {"id": contact_id})
        events = pl.concat([events, gifts], how="vertical_relaxed")
    return events.sort("time", descending=True)
