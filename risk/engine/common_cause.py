"""Beta-factor common-cause groups in the exact calculation, as Open-PSA MEF's `define-CCF-group` with
model="beta-factor" defines them.

The statistics (risk.engine.statistics) give identical redundant parts without history a common-cause
stream: a share beta of each one's outages hits all of them at once. The simulation plays that stream; here
the exact calculation gets it as one more basic event per group. Each member m of a group G with
unavailability p is then

    m down  =  m's independent failure (probability (1 - beta) p)  OR  G's common failure (probability beta p),

all basic events independent. The structure (risk.engine.structure) is rewritten so: every member's variable
becomes the OR of its own variable and the group's. The group's variable is placed just before its first
member in the variable order, so the diagram stays small. docs/methodology.md ("Common causes in the exact
figures") gives the formula and the MEF mapping.

A group is a single point of failure when its common event alone takes a service down (three hosts of
which two are needed: the group's event takes all three): it then appears in the service's cut sets under
its id, `common-cause:` followed by its members joined by '+'.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from risk.engine.statistics import DependencyStats
from risk.engine.structure import Delay, Gate, Node, Structure, Var

__all__ = [
    "PREFIX",
    "CommonCauseGroup",
    "common_cause_groups",
    "with_common_causes",
    "basic_probabilities",
    "is_group",
]

#: What a common-cause group's id starts with (catalog ids cannot hold ':', so no id is both).
PREFIX = "common-cause:"
#: The statistics' beta-factor streams are keyed so (risk.engine.statistics._beta_factor).
_STREAM_PREFIX = "common-cause:"


def is_group(ident: str) -> bool:
    """Whether a basic event's id is a common-cause group's (not a dependency's)."""
    return ident.startswith(PREFIX)


@dataclass(frozen=True)
class CommonCauseGroup:
    """A beta-factor group: identical parts of which a share beta of outages hit all at once."""

    id: str
    members: tuple[str, ...]
    beta: float
    member_unavailability: float  # p: each member's whole unavailability, its own and the common part
    annual_outages: float  # the common events a year (beta x each member's rate)
    mean_outage_hours: float

    @property
    def unavailability(self) -> float:
        """The common event's probability: beta x p."""
        return self.beta * self.member_unavailability

    def independent(self, p: float) -> float:
        """A member's own failure probability, given its whole unavailability p: (1 - beta) x p."""
        return (1.0 - self.beta) * p


def common_cause_groups(stats: Mapping[str, DependencyStats], beta: float) -> list[CommonCauseGroup]:
    """The beta-factor groups of the statistics' common-cause streams (none when beta is 0 or the
    statistics were worked out without common causes), sorted by id."""
    if beta <= 0:
        return []
    found: dict[str, CommonCauseGroup] = {}
    for st in stats.values():
        for stream in st.shared:
            if not stream.key.startswith(_STREAM_PREFIX):
                continue
            members = tuple(sorted(stream.members))
            ident = PREFIX + "+".join(members)
            if ident not in found:
                first = stats[members[0]]
                found[ident] = CommonCauseGroup(
                    id=ident,
                    members=members,
                    beta=beta,
                    member_unavailability=first.unavailability,
                    annual_outages=stream.rate,
                    mean_outage_hours=first.mean_outage_hours,
                )
    return [found[k] for k in sorted(found)]


def with_common_causes(structure: Structure, groups: Sequence[CommonCauseGroup]) -> Structure:
    """The structure with every group member's variable replaced by (own OR group): the exact
    calculation's structure. Without groups, the structure itself. Shared nodes stay shared."""
    if not groups:
        return structure
    group_of = {m: g for g in groups for m in g.members}
    variable = {g.id: Var(g.id) for g in groups}
    memo: dict[int, Node] = {}
    if sys.getrecursionlimit() < 20_000:
        sys.setrecursionlimit(20_000)

    def rebuild(node: Node) -> Node:
        hit = memo.get(id(node))
        if hit is not None:
            return hit
        out: Node
        if isinstance(node, Var):
            g = group_of.get(node.name)
            out = Gate(1, (node, variable[g.id])) if g is not None else node
        elif isinstance(node, Delay):
            child = rebuild(node.child)
            out = node if child is node.child else Delay(node.hours, child)
        else:
            kids = tuple(rebuild(c) for c in node.children)
            out = node if all(a is b for a, b in zip(kids, node.children, strict=True)) else Gate(node.k, kids)
        memo[id(node)] = out
        return out

    nodes = {ident: rebuild(node) for ident, node in structure.nodes.items()}
    basic: list[str] = []
    placed: set[str] = set()
    for name in structure.basic:
        g = group_of.get(name)
        if g is not None and g.id not in placed:
            placed.add(g.id)
            basic.append(g.id)
        basic.append(name)
    return Structure(nodes, list(structure.services), basic)


def basic_probabilities(
    exact: Structure, stats: Mapping[str, DependencyStats], groups: Sequence[CommonCauseGroup]
) -> list[float]:
    """Each basic event's probability, in the exact structure's order: a group's beta x p, a member's
    (1 - beta) x p, any other dependency its unavailability."""
    by_id = {g.id: g for g in groups}
    group_of = {m: g for g in groups for m in g.members}
    out = []
    for name in exact.basic:
        if name in by_id:
            out.append(by_id[name].unavailability)
        elif name in group_of:
            out.append(group_of[name].independent(stats[name].unavailability))
        else:
            out.append(stats[name].unavailability)
    return out
