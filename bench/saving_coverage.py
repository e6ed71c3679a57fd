"""Does the stated 90% range of a recommendation's saving hold the true saving 90% of the time?

Known truth, paired as the engine pairs a recommendation's two runs (docs/methodology.md, "Range of a
saving"): a true outage rate lambda ~ Gamma(2, 1); `HISTORY_YEARS` years of history observed; the blocks
simulated with rates from the Gamma posterior; each outage costing Exp(mean 10); a fix that cuts every
outage's cost by 60%, applied to the same simulated outages, so the true expected saving is 6 lambda. For
each (blocks, years a block) the share of replicates whose range (risk.engine.uncertainty.saving_interval)
holds 6 lambda is printed beside the 90% goal.

    python bench/saving_coverage.py [--replicates 1000] [--seed 7] [--grid 100x200,20x100,40x25,100x10,100x2,10x200]

The test suite runs a small fixed-seed version (tests/advice/test_saving_range.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from risk.engine.uncertainty import block_moments, saving_interval  # noqa: E402

HISTORY_YEARS = 5.0
PRIOR_SHAPE, PRIOR_RATE = 2.0, 1.0
MEAN_COST, CUT = 10.0, 0.6


def coverage(replicates: int, blocks: int, years: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    held = 0
    for _ in range(replicates):
        true_rate = rng.gamma(PRIOR_SHAPE, 1.0 / PRIOR_RATE)
        seen = rng.poisson(true_rate * HISTORY_YEARS)
        rates = rng.gamma(PRIOR_SHAPE + seen, 1.0 / (PRIOR_RATE + HISTORY_YEARS), blocks)
        counts = rng.poisson(np.repeat(rates, years))
        owner = np.repeat(np.arange(counts.size), counts)
        before = np.bincount(owner, rng.exponential(MEAN_COST, counts.sum()), counts.size)
        saving = before - (1 - CUT) * before  # the same outages before and after: paired
        low, high = saving_interval(*block_moments(saving, np.full(blocks, years)), float(saving.mean()))
        held += low <= CUT * MEAN_COST * true_rate <= high
    return held / replicates


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--grid", default="100x200,20x100,40x25,100x10,100x2,10x200")
    args = parser.parse_args(argv)
    print(f"{'blocks x years':>16}  held  (goal 0.90, {args.replicates} replicates)")
    for cell in args.grid.split(","):
        blocks, years = (int(x) for x in cell.split("x"))
        print(f"{cell:>16}  {coverage(args.replicates, blocks, years, args.seed):.3f}")


if __name__ == "__main__":
    main()
