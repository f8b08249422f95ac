"""Each business rule is written once, in cc_data/analytics/rules/: a revenue gift and an appeal are named
everywhere else, never written again (two copies drift apart: Compare appeals and the Donors page once disagreed on
which campaigns were appeals)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "cc_data/analytics/rules"
# Where the dashboard's figures are computed or shown. The sandbox simulates Constant Contact and DonorPerfect (it
# writes campaign types and gift records; it applies no rule of ours).
SCANNED = [*(ROOT / "cc_data").rglob("*.py"), *(ROOT / "pages").rglob("*.py"), ROOT / "app.py"]
SKIPPED = (ROOT / "cc_data/sandbox",)

PREDICATES = {
    "a revenue gift (polars)": re.compile(r"is_adjustment\"\)\s*\)?\s*&\s*\(?\s*pl\.col\(\"amount\"\)\s*>\s*0"),
    "a revenue gift (SQL over revenue rows)": re.compile(r"NOT\s+(\w+\.)?is_adjustment\s+AND\s+(\w+\.)?amount\s*>\s*0",
                                                          re.IGNORECASE),
    "a revenue gift (SQL over the gifts table)": re.compile(r"record_type\b[^\n]*\bIN\s*\([^)]*'G'[^\n]*amount\s*>\s*0",
                                                             re.IGNORECASE),
    "an appeal (Constant Contact's Fundraiser type)": re.compile(
        r"type_code\s*(=|IN)\s*\(?\s*25|['\"%]FUNDRAIS|['\"](Fundraiser|Fundraising|Donation)['\"]"),
    # Campaign trends counted the donate page of five appeals as five links (raw addresses) while the per-email
    # report counted one: a link is its address without tracking tags, written once
    "a link without its tracking tags": re.compile(r"utm_\[|link_url\s*,\s*'\(unknown link\)'"),
}


def _written(path: Path) -> list[str]:
    text = path.read_text()
    return [name for name, pattern in PREDICATES.items() if pattern.search(text)]


def test_revenue_gift_and_appeal_are_written_only_in_the_rules() -> None:
    found = {str(p.relative_to(ROOT)): names for p in SCANNED
             if RULES not in p.parents and not any(s in p.parents for s in SKIPPED) and (names := _written(p))}
    assert found == {}, f"write these through cc_data.analytics.rules instead: {found}"


def test_the_rules_hold_each_predicate() -> None:
    text = "\n".join(p.read_text() for p in RULES.glob("*.py"))
    from cc_data.analytics.rules import appeals, gifts, links

    assert PREDICATES["an appeal (Constant Contact's Fundraiser type)"].search(appeals.APPEALS_SQL)
    assert PREDICATES["a revenue gift (SQL over revenue rows)"].search(gifts.revenue_gift_sql())
    assert PREDICATES["a link without its tracking tags"].search(links.LINK_SQL)
    assert "revenue_gift" in text


def test_the_scan_finds_a_copy() -> None:
    """The check can fail: each way of writing the predicates is caught."""
    copies = ['~pl.col("is_adjustment") & (pl.col("amount") > 0)', "WHERE NOT r.is_adjustment AND r.amount > 0",
              "WHERE g.record_type IN ('G', 'S') AND g.amount > 0", "type_code = 25",
              "upper(type) LIKE '%FUNDRAIS%'", 'FUNDRAISING = ("Fundraiser", "Donation")']
    for copy in copies:
        assert any(p.search(copy) for p in PREDICATES.values()), copy
    assert not any(p.search("as the Fundraising Effectiveness Project counts") for p in PREDICATES.values())
