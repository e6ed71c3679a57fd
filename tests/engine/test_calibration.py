"""The calibration mechanism (bench/calibrate.py) in small: synthetic histories with known truth, and the
share of replicates whose stated 90% breach range holds the truth. Fixed seed, two cells, few replicates,
so the bounds are loose; the benchmark runs the whole grid with 100 replicates a cell."""

from __future__ import annotations

import pytest

from bench import calibrate


@pytest.mark.timeout(120)
def test_small_calibration_holds_the_truth_most_of_the_time():
    cells = [
        calibrate.Cell("one", 0.002, 4336, calibrate.truth("one", 4336, years=400_000)),
        calibrate.Cell("redundant", 0.005, 838, calibrate.truth("redundant", 838, years=200_000)),
    ]
    assert 0.0015 < cells[0].truth < 0.0026 and 0.003 < cells[1].truth < 0.007  # the tolerances set the grid
    for cell in cells:
        calibrate.run_cell(cell, 40, seed=3)
        assert cell.replicates == 40 and cell.zero_width == 0
        # 40 replicates at a true 90%: 29 or fewer covered happens about 0.3% of the time; the ranges before
        # issue 25 held the truth 43% and 53% of the time in these cells (about 17 and 21 of 40).
        assert cell.covered >= 30, (cell.structure, cell.covered, cell.below, cell.above)
