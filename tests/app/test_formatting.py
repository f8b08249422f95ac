"""KPI numbers and changes as the Overview shows them."""

from pages.components import charts


def test_rate_changes_in_points_with_enough_decimals_to_be_true() -> None:
    assert charts.fmt_change("open_rate", 0.0123) == "+1.2 pts"
    assert charts.fmt_change("click_rate", -0.0003) == "-0.03 pts"      # not "-0.0 pts"
    assert charts.fmt_change("unsubscribe_rate", 0.00004) == charts.NO_CHANGE
    assert charts.fmt_change("bounce_rate", -0.00001) == charts.NO_CHANGE


def test_money_counts_and_missing_changes() -> None:
    assert charts.fmt_change("revenue", -1234.4) == "-$1,234"
    assert charts.fmt_change("delivered", 75253) == "+75,253"
    assert charts.fmt_change("open_rate", None) is None
    assert charts.fmt("unsubscribe_rate", 0.0019) == "0.19%"
    assert charts.fmt("open_rate", 0.298) == "29.8%"
