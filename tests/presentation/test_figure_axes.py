"""The downtime histogram's axis: no two labels drawn over each other (the walk at 1280 px saw "none" and
"0 min" on top of one another)."""

import itertools
from types import SimpleNamespace

from risk.engine.assessment import HistogramBin
from risk.presentation.figures import downtime_histogram


def _service(edges: list[float]) -> SimpleNamespace:
    bins = [HistogramBin(lower_hours=0.0, upper_hours=0.0, share=0.2)]  # the years with no downtime
    bins += [HistogramBin(lower_hours=lo, upper_hours=hi, share=0.1) for lo, hi in itertools.pairwise(edges)]
    return SimpleNamespace(downtime_histogram=bins)


def test_the_labels_are_none_then_every_fourth_bin_never_the_zero_edge_beside_none():
    fig = downtime_histogram(_service([0.0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]))  # bins 0..12
    axis = fig.layout.xaxis
    assert list(axis.tickvals) == [0, 4, 8, 12]
    assert list(axis.ticktext) == ["none", "3.0 h", "7.0 h", "11.0 h"]
    assert "0 min" not in axis.ticktext
    assert min(b - a for a, b in itertools.pairwise(axis.tickvals)) >= 4  # room for each label


def test_a_short_histogram_keeps_its_none_label():
    axis = downtime_histogram(_service([0.0, 1, 2, 3])).layout.xaxis  # bins 0..3: only "none" labelled
    assert list(axis.tickvals) == [0] and list(axis.ticktext) == ["none"]
