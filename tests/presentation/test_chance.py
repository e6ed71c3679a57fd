"""How a probability and its range read: a range wholly below 0.1% is shown as a bound."""

from __future__ import annotations

from risk.presentation.format import chance


def test_a_range_below_a_tenth_of_a_percent_reads_as_a_bound():
    assert chance(0.0, [0.0, 0.00004]) == "below 0.005%"  # the top rounded up to 1, 2 or 5
    assert chance(0.0002, [0.00001, 0.0000999]) == "below 0.01%"
    assert chance(0.0002, [0.00001, 0.0002]) == "below 0.02%"  # exactly on a 1-2-5 step: kept
    assert chance(0.0005, [0.0002, 0.000999]) == "below 0.1%"  # one step under the threshold
    assert chance(0.0005, [0.0002, 0.001]).startswith("<0.1% (")  # on the threshold: a range again
    assert chance(0.0005, [0.0002, 0.0011]) == "<0.1% (<0.1–0.1%)"  # one step over


def test_nothing_possible_and_ordinary_ranges_are_unchanged():
    assert chance(0.0, [0.0, 0.0]) == "0%"
    assert chance(0.3, [0.2, 0.4]) == "30% (20–40%)"
    assert chance(0.05, None) == "5.0%"
