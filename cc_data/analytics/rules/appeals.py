"""An appeal: whether a campaign is one, the series it belongs to, and its year and wave. One rule for every page.

**An appeal** is a campaign of Constant Contact's type Fundraiser (`type_code` 25; the type's name when a file
has no code) or a campaign a gift code is mapped to (the organisation's own word that the campaign asked for those
gifts, e.g. a gala invitation sent as an event announcement). Until 2026-12 Compare appeals read the type's name
only (Fundraiser, and the words Fundraising and Donation, which are no Constant Contact type) and the Donors page
read the code, any type containing "FUNDRAIS" or a mapped code.

The **year** of a campaign is the one its name gives, else the fiscal year of its first send (fiscal_years).

A series is the campaign name without what changes from send to send of the same appeal: the year ("2024",
"FY2025", "FY25", "2024-25"), a full date ("Mar 4, 2024"), the wave or part ("Wave 2", "Part 1", "Email 2",
"#3", "(2)", "2nd email") and resend markers ("Resend", "Reminder", "Follow-up"). Separators and brackets left
empty go too, so "Year-End Appeal 2024 – Wave 2" and "Year-End Appeal 2025 (Resend)" are both "Year-End Appeal".
Hyphens inside words ("Year-End") and everything else in the name are kept as written.
"""

from __future__ import annotations

import re

import polars as pl

from cc_data.analytics.rules.fiscal_years import fiscal_year_expr

FUNDRAISER_TYPE_CODE = 25   # Constant Contact's campaign type "Fundraiser" (the API's type_code values)
# SQL: the campaign_ids of every appeal (over the campaigns and gift_code_campaigns tables).
APPEALS_SQL = f"""SELECT campaign_id FROM campaigns
    WHERE type_code = {FUNDRAISER_TYPE_CODE} OR (type_code IS NULL AND upper(type) = 'FUNDRAISER')
    UNION SELECT campaign_id FROM gift_code_campaigns WHERE campaign_id IS NOT NULL"""


def is_appeal_sql(campaign_id: str) -> str:
    """SQL: the campaign `campaign_id` (a column) is an appeal."""
    return f"{campaign_id} IN ({APPEALS_SQL})"

SERIES_HELP = ("Campaign names without the year, date, wave or part ('Wave 2', 'Email 2', '#3') and 'Resend' or "
               "'Reminder', so this year's appeal sits with last year's.")
UNNAMED = "(unnamed)"

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_YEAR4 = r"(?:19|20)\d{2}"
_SPAN = rf"(?:\s?[-–/]\s?(?:{_YEAR4}|\d{{2}})(?!\d))?"   # 2024-25, 2024/2025
_YEAR = re.compile(rf"\bFY\s?[-']?\s?(?P<fy>{_YEAR4}|\d{{2}}){_SPAN}\b|\b(?P<year>{_YEAR4}){_SPAN}\b", re.IGNORECASE)
_DATE = re.compile(rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+{_YEAR4}\b", re.IGNORECASE)
_WAVE = re.compile(
    r"\b(?:wave|part|email|send|mailing)\s*#?\s*(?P<n>\d+)\b"
    r"|\b(?:wave|part)\s+(?P<roman>i{1,3}|iv|v)\b"
    r"|(?<!\w)#\s*(?P<hash>\d+)\b"
    r"|\(\s*(?P<paren>\d{1,2})\s*\)"
    r"|\b(?P<nth>\d+)(?:st|nd|rd|th)\s+(?:email|send|wave|mailing|ask)\b",
    re.IGNORECASE,
)
_RESEND = re.compile(r"\b(?:resend(?:\s+to\s+non[-\s]?openers)?|reminder|follow[-\s]?up)\b", re.IGNORECASE)
_SEP = "-–—:|,/~·•"
_SEP_CLASS = re.escape(_SEP)
_EMPTY_BRACKETS = re.compile(rf"[(\[{{][\s{_SEP_CLASS}]*[)\]}}]")
# A separator with a space on either side (or at either end) divides the name; "Year-End" has none.
_SPACED_SEP = re.compile(rf"(?:\s*[{_SEP_CLASS}])*(?:\s+[{_SEP_CLASS}]+|[{_SEP_CLASS}]+\s+)[\s{_SEP_CLASS}]*")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5}


def appeal_series(name: str | None) -> str:
    """'Year-End Appeal 2024 – Wave 2' -> 'Year-End Appeal'; a name that is nothing but a year stays as it is."""
    if not name or not name.strip():
        return UNNAMED
    out = _DATE.sub(" ", name)
    for pattern in (_YEAR, _WAVE, _RESEND):
        out = pattern.sub(" ", out)
    while _EMPTY_BRACKETS.search(out):   # "(Wave 2 - Resend)" leaves "( - )"
        out = _EMPTY_BRACKETS.sub(" ", out)
    out = _SPACED_SEP.sub(_one_separator, f" {out} ")
    out = re.sub(r"\s+", " ", out).strip(f" {_SEP}")
    return out or name.strip()


def _one_separator(match: re.Match[str]) -> str:
    """A run such as ' – – ' left where a year stood between two dashes becomes one ' – ' (', ' and ': ' keep
    their spacing)."""
    first = next((ch for ch in match.group(0) if ch in _SEP), "")
    return f"{first} " if first in ",:" else f" {first} "


def name_year(name: str | None) -> int | None:
    """The first year written in the name: 2024 from 'Appeal 2024', 'FY2024', 'FY24' or '2024-25'."""
    match = _YEAR.search(name or "")
    if not match:
        return None
    digits = match.group("fy") or match.group("year")
    return int(digits) if len(digits) == 4 else 2000 + int(digits)


def name_wave(name: str | None) -> int | None:
    """The wave, part or email number the name gives: 2 from 'Wave 2', 'Part II', 'Email #2', '#2', '(2)', '2nd email'."""
    match = _WAVE.search(_YEAR.sub(" ", _DATE.sub(" ", name or "")))
    if not match:
        return None
    if match.group("roman"):
        return _ROMAN[match.group("roman").lower()]
    return int(next(g for g in (match.group("n"), match.group("hash"), match.group("paren"), match.group("nth")) if g))


def with_series(campaigns: pl.DataFrame, fiscal_start: int = 1) -> pl.DataFrame:
    """campaigns (name, send_time) with series, wave and year (the name's, else the fiscal year of the first send)."""
    names = campaigns["name"].to_list()
    return campaigns.with_columns(
        pl.Series("series", [appeal_series(n) for n in names], dtype=pl.Utf8),
        pl.Series("wave", [name_wave(n) for n in names], dtype=pl.Int64),
        pl.Series("_year", [name_year(n) for n in names], dtype=pl.Int64),
    ).with_columns(pl.coalesce("_year", fiscal_year_expr("send_time", fiscal_start).cast(pl.Int64)).alias("year")
                   ).drop("_year")
