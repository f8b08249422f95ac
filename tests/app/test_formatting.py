"""KPI numbers and changes as the Overview shows them."""

from pages.components import formats


def test_rate_changes_in_points_with_enough_decimals_to_be_true() -> None:
    assert formats.change("open_rate", 0.0123) == "+1.2 pts"
    assert formats.change("click_rate", -0.0003) == "-0.03 pts"      # not "-0.0 pts"
    assert formats.change("unsubscribe_rate", 0.00004) == formats.NO_CHANGE
    assert formats.change("bounce_rate", -0.00001) == formats.NO_CHANGE


def test_money_counts_and_missing_changes() -> None:
    assert formats.change("revenue", -1234.4) == "-$1,234"
    assert formats.change("delivered", 75253) == "+75,253"
    assert formats.change("open_rate", None) is None
    assert formats.metric("unsubscribe_rate", 0.0019) == "0.19%"
    assert formats.metric("open_rate", 0.298) == "29.8%"


def test_money_counts_and_percentages_read_one_way() -> None:
    assert formats.money(15036.789) == "$15,036.79" and formats.money(15036.789, cents=False) == "$15,037"
    assert formats.count(1234567) == "1,234,567" and formats.percent(0.4291) == "42.9%"
    assert formats.money(None) == formats.count(None) == formats.percent(None) == "–"
    assert formats.metric("open_rate_per_person", 0.005) == "0.50%"   # every rate by its own key
