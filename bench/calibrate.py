"""Do the stated 90% breach ranges hold the truth 90% of the time?

Synthetic outage histories with known truth: each product fails as a Poisson process (rate lambda a year
at present) with lognormal durations (mu, sigma in log hours). For every cell of a grid (structure x true breach
probability) each replicate draws a fresh history of `HISTORY_YEARS` years, assesses a one-service catalog
against it (the product's rate and durations fitted from that history alone, as for a real provider), and
checks whether the true breach probability lies in `tolerance_breach_probability_interval`. A well
calibrated range holds it in about 90% of replicates; the goal is 85-95%.

Worlds. `drifting` (the default): the world the shipped recency half-life h was chosen for. Each product's
log rate has done a random walk over the history, ending at its present rate lambda (the truth); its step is
ln 2 / (h sqrt(lambda)) per sqrt(year), the drift for which exponential weights of half-life h are the best
(Kalman) estimate of the present rate (docs/methodology.md, "Uncertainty"). `stationary`: one rate for the
whole history. Durations are stationary in both (the half-life weights rates only).

Structures: `one` (a single dependency), `two` (two products of different providers, both needed) and
`redundant` (`any_of` two products of different providers, which fail independently). The truth is the engine's own simulation at the true parameters over
many years (so caps, merging of overlapping outages and year boundaries are the same as in the model).

    python bench/calibrate.py [--replicates 400] [--seed 1] [--cells one:0.0005,...] [--set SETTING=VALUE]
        [--world drifting|stationary] [--world-half-life YEARS]

The test suite runs a small fixed-seed version (tests/engine/test_calibration.py).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from risk.catalog import catalog_from_dict  # noqa: E402
from risk.engine.simulate import SimulationOptions, simulate  # noqa: E402
from risk.engine.statistics import DependencyStats, capped_mean  # noqa: E402
from risk.engine.structure import compile_catalog  # noqa: E402
from risk.history.model import OutageRecord  # noqa: E402
from risk.run import Run  # noqa: E402
from risk.settings import DEFAULT_SETTINGS  # noqa: E402

HISTORY_YEARS = 10.0
START = datetime(2015, 1, 1, tzinfo=UTC)
#: (rate a year, median hours, sigma) of each product, by structure.
PRODUCTS = {
    "one": [(1.5, 2.0, 1.2)],
    "two": [(1.5, 2.0, 1.2), (0.8, 4.0, 1.0)],
    "redundant": [(4.0, 8.0, 1.0), (4.0, 8.0, 1.0)],
}
#: The grid: target breach probabilities per structure (the tolerance is solved for each).
GRID = {
    "one": [0.0005, 0.002, 0.01, 0.05, 0.2, 0.5],
    "two": [0.002, 0.05, 0.3],
    "redundant": [0.0005, 0.005, 0.05],
}
#: Reduced simulation settings for the replicates (the real default is 20,000 years in 100 blocks).
SETTINGS = {"simulated_years": 5000, "uncertainty_draws": 25, "max_rare_event_years": 60_000}
CAP = 168.0
#: The drifting world's rates change week by week (piecewise constant).
STEP_YEARS = 1 / 52
#: The half-life the drifting world is built for: the shipped default, chosen by the backtest.
WORLD_HALF_LIFE = DEFAULT_SETTINGS.recency_half_life_years or 3.0


@dataclass
class Cell:
    structure: str
    target: float
    tolerance_minutes: int
    truth: float
    covered: int = 0
    zero_width: int = 0
    replicates: int = 0
    below: int = 0  # truth below the range
    above: int = 0

    @property
    def coverage(self) -> float:
        return self.covered / self.replicates if self.replicates else float("nan")


def _document(structure: str, tolerance_minutes: int) -> dict:
    names = ["alpha", "beta"][: len(PRODUCTS[structure])]
    deps = [
        {"id": n, "name": n, "provider": f"Synth {n}", "product": n.title(), "capability": "dns", "kind": "saas"}
        for n in names
    ]
    requires = [{"any_of": names}] if structure == "redundant" else names
    service = {"id": "svc", "name": "Service", "tier": 1, "impact_tolerance": f"{tolerance_minutes}m"}
    return {"organisation": "Calibration", "services": [{**service, "requires": requires}], "dependencies": deps}


def truth(structure: str, tolerance_minutes: int, years: int = 2_000_000, seed: int = 12345) -> float:
    """The true breach probability: the engine's simulation at the true parameters (no uncertainty)."""
    cat = catalog_from_dict(_document(structure, tolerance_minutes))
    nodes = compile_catalog(cat).nodes
    stats = {}
    for dep, (rate, median, sigma) in zip(("alpha", "beta"), PRODUCTS[structure], strict=False):
        mu = math.log(median)
        mean = capped_mean(mu, sigma, CAP)
        q = 1 - math.exp(-rate * mean / 8760)
        stats[dep] = DependencyStats(dep, rate, mean, mu, sigma, q, 0, [], 0.0, "estimate", "C")
    options = SimulationOptions(years=years, seed=seed, max_outage_hours=CAP, threads=1)
    sim = simulate({"svc": nodes["svc"]}, stats, {"svc": tolerance_minutes / 60}, options)
    return sim.services["svc"].breach_probability


def solve_tolerance(structure: str, target: float) -> int:
    """The tolerance (whole minutes) whose true breach probability is nearest the target (bisection on log T
    with a quick simulation)."""
    lo, hi = math.log(5.0), math.log(CAP * 60 - 1)
    for _ in range(14):
        mid = (lo + hi) / 2
        p = truth(structure, round(math.exp(mid)), years=200_000, seed=7)
        lo, hi = (mid, hi) if p > target else (lo, mid)
    return round(math.exp((lo + hi) / 2))


def drift_step(rate: float, half_life: float) -> float:
    """The random walk's step (sd of ln rate per sqrt(year)) in the world where recency weights of half-life h
    are the best estimate of a present rate lambda: s = ln 2 / (h sqrt(lambda)). (Counts at rate lambda carry
    Fisher information lambda a year about ln lambda; the steady-state Kalman-Bucy filter of a random walk
    of step s then forgets at the rate s sqrt(lambda), so its half-life is ln 2 / (s sqrt(lambda)).)"""
    return math.log(2) / (half_life * math.sqrt(rate))


def rate_path(rate: float, step: float, rng: np.random.Generator, years: float = HISTORY_YEARS) -> np.ndarray:
    """Weekly rates over `years`, oldest first, ending at `rate` (the present): ln rate walks back from the
    present with independent N(0, step^2 STEP_YEARS) steps. step 0: the same rate throughout."""
    weeks = round(years / STEP_YEARS)
    back = np.concatenate([[0.0], np.cumsum(rng.normal(0.0, step * math.sqrt(STEP_YEARS), weeks - 1))])
    return rate * np.exp(back[::-1])


def outage_starts(
    rate: float, rng: np.random.Generator, world: str = "drifting", half_life: float = WORLD_HALF_LIFE
) -> np.ndarray:
    """Sorted outage starts (years from the history's start) of a product whose present rate is `rate`."""
    if world == "stationary":
        return np.sort(rng.random(rng.poisson(rate * HISTORY_YEARS))) * HISTORY_YEARS
    if world != "drifting":
        raise ValueError(f"world must be drifting or stationary, not {world!r}")
    rates = rate_path(rate, drift_step(rate, half_life), rng)
    counts = rng.poisson(rates * STEP_YEARS)
    weeks = np.repeat(np.arange(rates.size), counts)
    return np.sort((weeks + rng.random(weeks.size)) * STEP_YEARS)


def history(
    structure: str, rng: np.random.Generator, world: str = "drifting", half_life: float = WORLD_HALF_LIFE
) -> list[OutageRecord]:
    """A fresh synthetic history: each product's outages over HISTORY_YEARS, plus two records of another
    provider (no duration) that pin the data window to the whole span, as a real multi-provider history does."""
    out = []
    span = HISTORY_YEARS * 365.25 * 86400
    for name, (rate, median, sigma) in zip(("Alpha", "Beta"), PRODUCTS[structure], strict=False):
        starts = outage_starts(rate, rng, world, half_life) / HISTORY_YEARS * span
        hours = np.minimum(rng.lognormal(math.log(median), sigma, starts.size), 24 * 365)
        for i, (s, h) in enumerate(zip(starts, hours, strict=True)):
            out.append(
                _record(f"{name}-{i}", f"Synth {name.lower()}", name, START + timedelta(seconds=float(s)), h * 60)
            )
    out.append(_record("anchor-start", "Elsewhere", "Other", START, None))
    out.append(_record("anchor-end", "Elsewhere", "Other", START + timedelta(seconds=span), None))
    return out


def _record(ident: str, provider: str, product: str, start: datetime, minutes: float | None) -> OutageRecord:
    return OutageRecord.model_validate(
        {
            "id": ident,
            "provider": provider,
            "product": product,
            "capability": "dns",
            "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration_minutes": None if minutes is None else round(max(minutes, 1.0), 1),
            "severity": "major",
            "confidence": "high",
        }
    )


def run_cell(
    cell: Cell,
    replicates: int,
    seed: int,
    settings: dict | None = None,
    world: str = "drifting",
    half_life: float = WORLD_HALF_LIFE,
) -> Cell:
    cat = catalog_from_dict(_document(cell.structure, cell.tolerance_minutes))
    rng = np.random.default_rng([seed, int(cell.target * 1e6), len(cell.structure)])
    for r in range(replicates):
        records = history(cell.structure, rng, world, half_life)
        overrides = {**SETTINGS, **(settings or {}), "seed": seed * 100_003 + r}
        service = Run.build(cat, records, overrides).assessment.service("svc")
        low, high = service.tolerance_breach_probability_interval
        cell.replicates += 1
        cell.covered += low <= cell.truth <= high
        cell.below += cell.truth < low
        cell.above += cell.truth > high
        cell.zero_width += high <= low
    return cell


def cells(selection: list[tuple[str, float]] | None = None) -> list[Cell]:
    chosen = selection or [(s, p) for s, targets in GRID.items() for p in targets]
    out = []
    for structure, target in chosen:
        minutes = solve_tolerance(structure, target)
        out.append(Cell(structure, target, minutes, truth(structure, minutes)))
    return out


def _value(text: str) -> float | None:
    """A --set value: a number, or none / null (e.g. recency_half_life_years=none: no recency weighting)."""
    return None if text.strip().lower() in ("none", "null") else float(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicates", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cells", default="", help="structure:target,... (default: the whole grid)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SETTING=VALUE",
        help="a setting for every replicate, e.g. recency_half_life_years=none (the model's; the world is --world)",
    )
    parser.add_argument(
        "--world",
        choices=("drifting", "stationary"),
        default="drifting",
        help="drifting (default): rates have drifted as the shipped half-life assumes; stationary: one rate throughout",
    )
    parser.add_argument(
        "--world-half-life",
        type=float,
        default=WORLD_HALF_LIFE,
        help=f"the half-life the drifting world is built for (default: the shipped {WORLD_HALF_LIFE:g} years)",
    )
    args = parser.parse_args()
    if args.world_half_life <= 0:
        parser.error(f"--world-half-life must be a positive number of years, not {args.world_half_life:g}")
    try:
        chosen = {k.strip(): _value(v) for k, v in (item.split("=", 1) for item in args.set)}
    except ValueError:
        parser.error(f"--set takes SETTING=NUMBER or SETTING=none, e.g. recency_half_life_years=2; got {args.set}")
    selection = None
    if args.cells:
        selection = [(c.split(":")[0], float(c.split(":")[1])) for c in args.cells.split(",")]
    print(f"Calibration of the 90% breach ranges: {args.replicates} replicates a cell, {HISTORY_YEARS:g} years of")
    print(f"history each, {SETTINGS['simulated_years']:,} simulated years in {SETTINGS['uncertainty_draws']} blocks")
    print(f"settings: {chosen or 'the shipped defaults'}")
    if args.world == "drifting":
        print(
            f"world: drifting (ln rate a random walk of step ln 2 / ({args.world_half_life:g} sqrt(rate)) per sqrt(year), "
            "ending at the true present rate)"
        )
    else:
        print("world: stationary (one rate for the whole history)")
    print("| structure | tolerance | true p | coverage | goal | truth below | truth above | zero-width | time |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    worst = 0
    for cell in cells(selection):
        started = time.perf_counter()
        run_cell(cell, args.replicates, args.seed, chosen or None, args.world, args.world_half_life)
        ok = 0.85 <= cell.coverage <= 0.95
        worst += not ok
        print(
            f"| {cell.structure} | {cell.tolerance_minutes / 60:.2f} h | {cell.truth:.4%} | {cell.coverage:.0%} | "
            f"85-95% {'ok' if ok else 'MISSED'} | {cell.below} | {cell.above} | {cell.zero_width} | "
            f"{time.perf_counter() - started:.0f} s |",
            flush=True,
        )
    print(f"{worst} cell(s) outside 85-95%")


if __name__ == "__main__":
    main()
