"""A small reader for Open-PSA MEF fault trees (and/or/atleast gates over basic events with probabilities),
turning one into a Lynchpin catalog: a fault tree is the dual of a catalog. Used by bench/bench_scram.py to
compare with SCRAM on its public benchmark trees, read from ../shared at run time (never copied here)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405 - trusted benchmark files from ../shared, not user input
from pathlib import Path
from typing import Any

__all__ = ["read_mef", "catalog_document"]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-") or "x"


def read_mef(tree: Path, events: Path) -> tuple[dict[str, tuple[str, int, list[str]]], dict[str, float], str]:
    """(gates: name -> (kind, k, children), basic-event probabilities, top gate name)."""
    gates: dict[str, tuple[str, int, list[str]]] = {}
    for gate in ET.parse(tree).getroot().iter("define-gate"):  # noqa: S314
        formula = next(iter(gate))
        kind = formula.tag
        k = int(formula.get("min", "0"))
        children = [child.get("name") for child in formula]
        if kind in ("basic-event", "gate", "event"):  # a gate that passes one event or gate through
            kind, children = "or", [formula.get("name")]
        gates[gate.get("name")] = (kind, k, children)
    probabilities = {
        e.get("name"): float(e.find("float").get("value"))
        for e in ET.parse(events).getroot().iter("define-basic-event")  # noqa: S314
    }
    referenced = {c for _, _, cs in gates.values() for c in cs}
    top = next(name for name in gates if name not in referenced)
    return gates, probabilities, top


def catalog_document(tree: Path, events: Path) -> dict[str, Any]:
    """The catalog: each basic event a dependency with its probability as unavailability; an OR gate (fails
    if any child fails) a list, all needed; an AND gate any_of; 'atleast k' failing is at_least n - k + 1
    working. The top gate is the one service."""
    gates, probabilities, top = read_mef(tree, events)

    def ref(name: str) -> str:
        return ("g-" if name in gates else "e-") + _slug(name)

    deps: list[dict[str, Any]] = [
        {
            "id": ref(name),
            "name": name,
            "provider": "Benchmark",
            "product": name,
            "capability": "other",
            "unavailability": p,
        }
        for name, p in sorted(probabilities.items())
    ]
    for name, (kind, k, children) in sorted(gates.items()):
        items = [ref(c) for c in children]
        if kind == "or":
            requires: list[Any] = items
        elif kind == "and":
            requires = [{"any_of": items}]
        elif kind == "atleast":
            requires = [{"at_least": len(items) - k + 1, "of": items}]
        else:
            raise ValueError(f"gate {name}: '{kind}' is not supported")
        deps.append({"id": ref(name), "name": name, "kind": "logical", "requires": requires})
    return {
        "organisation": f"SCRAM benchmark {tree.stem}",
        # Its events are unavailable up to 1.5% of the time (hundreds of 4-hour outages a year): within the
        # work limits only for a short simulation, which is all the comparison needs.
        "settings": {"simulated_years": 1000, "cut_set_order": 3},
        "services": [{"id": "top", "name": top, "tier": 1, "impact_tolerance": "1h", "requires": [ref(top)]}],
        "dependencies": deps,
    }
