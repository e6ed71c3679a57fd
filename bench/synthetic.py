"""Synthetic catalogs of a given size, for benchmarks (seeded, so every run measures the same catalog)."""

from __future__ import annotations

import math
import random
from typing import Any

from risk.catalog.vocabulary import CAPABILITIES

__all__ = ["synthetic_document"]


def synthetic_document(services: int, dependencies: int, edges: int, seed: int = 42) -> dict[str, Any]:
    """A valid catalog document with about `edges` requirement references in total.

    Like real catalogs, a tenth of the dependencies are shared platforms (a front door, a network, an
    identity provider) that other dependencies require; services require a mix of plain ids, any_of
    pairs, at_least groups and grace periods.
    """
    if services < 1 or dependencies < 1:
        raise ValueError(
            f"synthetic_document: services={services}, dependencies={dependencies}; a catalog needs at least one"
            " of each (give services >= 1 and dependencies >= 1)"
        )
    rng = random.Random(seed)
    providers = [f"Provider {i}" for i in range(25)]
    deps: list[dict[str, Any]] = []
    platforms = max(1, dependencies // 10)
    # Each other dependency requires up to two distinct platforms, so no more than min(2, platforms) each: with
    # a single platform (fewer than 20 dependencies) a cap of two each could never be reached, and the loop
    # below drew forever.
    dep_edges = min(edges // 10, (dependencies - platforms) * min(2, platforms))
    for i in range(dependencies):
        d: dict[str, Any] = {
            "id": f"dep-{i}",
            "name": f"Dependency {i}",
            "provider": rng.choice(providers),
            "product": f"Product {i % 60}",
            "capability": rng.choice(CAPABILITIES),
            "kind": "platform",
        }
        # Rates spread log-uniformly over 0.1 to 3 outages a year (median about 0.55), like the mix of cloud
        # services (0.1-0.6 from public history) and internal systems (0.5-4 from expert estimates).
        d.update(
            annual_outages=round(math.exp(rng.uniform(math.log(0.1), math.log(3))), 3),
            mean_outage=f"{rng.randint(20, 480)}m",
        )
        deps.append(d)
    placed = 0
    while placed < dep_edges:
        user, platform = rng.randrange(platforms, dependencies), rng.randrange(platforms)
        needs = deps[user].setdefault("requires", [])
        if f"dep-{platform}" not in needs:
            needs.append(f"dep-{platform}")
            placed += 1
    remaining = max(services, edges - dep_edges)
    svcs = []
    for i in range(services):
        share = remaining // (services - i)
        remaining -= share
        picks = [f"dep-{j}" for j in rng.sample(range(dependencies), min(share, dependencies))]
        req: list[Any] = []
        while picks:
            roll = rng.random()
            if roll < 0.2 and len(picks) >= 2:
                req.append({"any_of": [picks.pop(), picks.pop()]})
            elif roll < 0.3 and len(picks) >= 3:
                req.append({"at_least": 2, "of": [picks.pop(), picks.pop(), picks.pop()]})
            elif roll < 0.4:
                req.append({"id": picks.pop(), "grace": "1h"})
            else:
                req.append(picks.pop())
        svcs.append(
            {
                "id": f"svc-{i}",
                "name": f"Service {i}",
                "tier": rng.randint(1, 4),
                "impact_tolerance": f"{rng.choice([1, 2, 4, 8, 24])}h",
                "users": rng.randint(10, 5000),
                "requires": req,
            }
        )
    return {"organisation": "Synthetic", "services": svcs, "dependencies": deps}
