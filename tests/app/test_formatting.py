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


def test_one_formatter_for_the_pages_and_the_board_report() -> None:
    """The PDF kept its own copy of the formatter (cc_data cannot import pages/); both now write through
    cc_data/format.py, and a negative amount reads -$20 with its sign before the dollar, never $-20."""
    from cc_data import format as numbers
    from cc_data.report import format as report

    assert formats.money is numbers.money and formats.percent is numbers.percent
    for value in (371.364, -20.0, 0.0, None, 1_434_942.0):
        assert report.fmt("revenue", value) == formats.metric("revenue", value)
        assert report.fmt("revenue_per_1000", value) == formats.metric("revenue_per_1000", value)
    assert formats.money(-20) == "-$20.00" and formats.money(-20, cents=False) == "-$20"
    assert formats.money(-0.001) == "$0.00"
    assert report.fmt("open_rate", 0.0041) == formats.metric("open_rate", 0.0041) == "0.41%"


def test_a_money_change_keeps_its_figures_cents() -> None:
    """Revenue per 1,000 emails read "$371.36" with the change "-$20" under it."""
    assert formats.metric("revenue_per_1000", 371.36) == "$371.36"
    assert formats.change("revenue_per_1000", -20.13) == "-$20.13"
    assert formats.change("revenue", -1234.4) == "-$1,234"
