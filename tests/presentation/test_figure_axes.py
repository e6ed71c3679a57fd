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


def test_the_bar_labels_keep_one_readable_size_from_one_percent():
    """plotly shrinks an outside label to its bar's width (7 px at half a 1280 px page): the labels keep 11 px,
    may pass the plot's top edge, and are shown from a 1% share (0.99% gets none)."""
    service = _service([0.0, 1, 2, 3])
    service.downtime_histogram[1] = HistogramBin(lower_hours=0.0, upper_hours=1.0, share=0.01)
    service.downtime_histogram[2] = HistogramBin(lower_hours=1.0, upper_hours=2.0, share=0.0099)
    bar = downtime_histogram(service).data[0]
    assert bar.textfont.size == 11 and bar.constraintext == "none" and bar.cliponaxis is False
    assert list(bar.text) == ["20%", "1%", "", "10%"]


def test_the_risk_matrix_names_all_five_impacts_level_number_above_word():
    """At half a 1280 px page the one-line labels were turned on their side and '5 catastrophic' dropped."""
    import risk
    from risk.catalog import catalog_from_dict
    from risk.presentation.figures import risk_matrix
    from risk.presentation.theme import IMPACT_LABELS, LIKELIHOOD_LABELS

    catalog = catalog_from_dict(
        {
            "organisation": "Axis",
            "services": [{"id": "s", "name": "S", "tier": 1, "impact_tolerance": "4h", "requires": ["d"]}],
            "dependencies": [
                {
                    "id": "d",
                    "name": "D",
                    "provider": "P",
                    "product": "Q",
                    "capability": "dns",
                    "annual_outages": 1,
                    "mean_outage": "1h",
                }
            ],
        }
    )
    a = risk.assess(catalog, [], simulated_years=200, uncertainty_draws=5)
    full, compact = risk_matrix(a).layout.yaxis, risk_matrix(a, compact=True).layout.yaxis
    assert list(full.ticktext) == list(LIKELIHOOD_LABELS) and "rare" not in full.title.text
    # side by side (Recommendations): levels by number, their words in the axis title, cells keep their room
    assert list(compact.ticktext) == ["1", "2", "3", "4", "5"]
    assert "(1 rare to 5 almost certain)" in compact.title.text
    axis = risk_matrix(a).layout.xaxis
    assert axis.tickangle == 0
    assert [t.replace("<br>", " ") for t in axis.ticktext] == list(IMPACT_LABELS)
    assert all(t.count("<br>") == 1 for t in axis.ticktext)  # "5<br>catastrophic": two short lines
