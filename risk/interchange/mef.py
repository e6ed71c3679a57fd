"""Open-PSA Model Exchange Format (MEF) export: each service's failure logic as a fault tree, so an auditor
can reproduce the exact unavailabilities in SCRAM or another fault-tree tool.

The catalog's compiled structure is already failure logic (risk.engine.structure): a basic dependency's own
failure is a basic event with its unavailability as probability; every requirement is a gate "at least k of
these children are down", written as `or` (k = 1), `and` (k = n) or `atleast`. Grace periods do not enter
the exact figures, so they do not appear. Each service gets its own top gate `service_<id>` (MEF tools
analyse the gates nothing else refers to); a node several parents share is defined once. Names are the
catalog's ids with a prefix, and each element carries the item's name as its label.

Beta-factor common-cause groups (risk.engine.common_cause) are `define-CCF-group` elements with
model="beta-factor": the members (basic events, defined by the group and nowhere else), the distribution
(each member's whole unavailability p) and the factor beta at the group's size. A MEF tool then splits each
member into its independent event (1 - beta) p and the group's common event beta p, as Lynchpin does
(SCRAM: `--ccf true`).

Names are unique: an id whose characters MEF does not allow ('.' in `db.primary`) is written with '_', and
when that name is already another id's (`db_primary`), the id that needed the change gets a suffix from a
hash of its id (`dependency_db_primary_1a2b3c4d`), the same for the same catalog.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from risk.engine.common_cause import PREFIX, common_cause_groups
from risk.engine.structure import Delay, Gate, Node, Var
from risk.run import Run

__all__ = ["to_mef", "MefNames", "mef_names"]

_SAFE = re.compile(r"[^A-Za-z0-9_-]")


def _unique(prefix: str, idents: Iterable[str]) -> dict[str, str]:
    """id -> a MEF identifier (letters, digits, '-' and '_' after the prefix), no two alike. Ids MEF allows
    as they are keep their names; an id that needed a change takes its hash as a suffix when its name is
    taken (and a counter in the unlikely case that is taken too)."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for ident in sorted(set(idents), key=lambda i: (_SAFE.search(i) is not None, i)):
        base = name = f"{prefix}_{_SAFE.sub('_', ident)}"
        if name in taken:
            name = f"{base}_{hashlib.sha256(ident.encode()).hexdigest()[:8]}"
            n = 2
            while name in taken:
                name, n = f"{base}_{n}", n + 1
        taken.add(name)
        out[ident] = name
    return out


@dataclass(frozen=True)
class MefNames:
    """The MEF identifiers of one catalog's items: basic events, service gates, requirement gates and
    common-cause groups (each kind has its own prefix, so kinds never clash)."""

    events: dict[str, str]
    services: dict[str, str]
    requirements: dict[str, str]
    groups: dict[str, str]

    def event(self, dependency_id: str) -> str:
        return self.events[dependency_id]

    def service(self, service_id: str) -> str:
        return self.services[service_id]

    def group(self, group_id: str) -> str:
        return self.groups[group_id]


def mef_names(run: Run) -> MefNames:
    """The identifiers `to_mef` gives the Run's catalog."""
    catalog = run.catalog
    deps = [d.id for d in catalog.dependencies]
    services = [s.id for s in catalog.services]
    groups = common_cause_groups(run.statistics, run.settings.common_cause_beta)
    ccf = _unique("ccf", [g.id.removeprefix(PREFIX) for g in groups])  # ccf_ and the members
    return MefNames(
        events=_unique("dependency", deps),
        services=_unique("service", services),
        requirements=_unique("requirement", deps + services),
        groups={g.id: ccf[g.id.removeprefix(PREFIX)] for g in groups},
    )


def to_mef(run: Run) -> str:
    """The MEF document of the Run's catalog, with the Run's dependency unavailabilities and its beta-factor
    common-cause groups."""
    structure, stats, catalog = run.structure, run.statistics, run.catalog
    names_of = mef_names(run)
    groups = common_cause_groups(stats, run.settings.common_cause_beta)
    in_group = {m for g in groups for m in g.members}
    labels = {d.id: d.name for d in catalog.dependencies} | {s.id: s.name for s in catalog.services}
    item_of = {id(node): ident for ident, node in structure.nodes.items() if isinstance(node, Gate)}
    names: dict[int, str] = {}
    gates: list[str] = []
    used_events: set[str] = set()

    def through(node: Node) -> Var | Gate:
        while isinstance(node, Delay):  # the exact structure ignores grace
            node = node.child
        return node

    def ref(node: Node) -> str:
        node = through(node)
        if isinstance(node, Var):
            used_events.add(node.name)
            return f'<basic-event name="{names_of.event(node.name)}"/>'
        return f'<gate name="{define(node)}"/>'

    def define(node: Gate) -> str:
        key = id(node)
        if key in names:
            return names[key]
        ident = item_of.get(key)
        name = names_of.requirements[ident] if ident else f"group_{len(names) + 1}"
        names[key] = name
        children = [ref(c) for c in node.children]
        n, k = len(children), node.k
        if n == 0:
            body = '<constant value="false"/>'
        elif n == 1:
            body = f'<or>{children[0]}<constant value="false"/></or>'
        elif k == 1:
            body = f"<or>{''.join(children)}</or>"
        elif k == n:
            body = f"<and>{''.join(children)}</and>"
        else:
            body = f'<atleast min="{k}">{"".join(children)}</atleast>'
        label = f"<label>{_text(labels[ident])}</label>" if ident else ""
        gates.append(f'    <define-gate name="{name}">{label}{body}</define-gate>')
        return name

    tops = []
    for sid in structure.services:
        tops.append(
            f'    <define-gate name="{names_of.service(sid)}"><label>{_text(labels[sid])}</label>'
            f'<or>{ref(structure.nodes[sid])}<constant value="false"/></or></define-gate>'
        )
    events = [
        f'    <define-basic-event name="{names_of.event(name)}"><label>{_text(labels.get(name, name))}</label>'
        f'<float value="{stats[name].unavailability!r}"/></define-basic-event>'
        for name in structure.basic
        if name in used_events and name not in in_group
    ]
    ccf = []  # in the fault tree: MEF's model-data holds no CCF groups
    for g in groups:
        if not used_events.intersection(g.members):
            continue
        members = "".join(f'<basic-event name="{names_of.event(m)}"/>' for m in g.members)
        label = "Common cause of " + ", ".join(labels.get(m, m) for m in g.members)
        ccf.append(
            f'    <define-CCF-group name="{names_of.group(g.id)}" model="beta-factor"><label>{_text(label)}</label>'
            f"<members>{members}</members>"
            f'<distribution><float value="{g.member_unavailability!r}"/></distribution>'
            f'<factor level="{len(g.members)}"><float value="{g.beta!r}"/></factor></define-CCF-group>'
        )
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            "<opsa-mef>",
            f"  <label>{_text(catalog.organisation)}: each service's failure logic, exported by Lynchpin</label>",
            f"  <define-fault-tree name={quoteattr(_SAFE.sub('_', catalog.organisation) or 'catalog')}>",
            *tops,
            *gates,
            *ccf,
            "  </define-fault-tree>",
            "  <model-data>",
            *events,
            "  </model-data>",
            "</opsa-mef>",
            "",
        ]
    )


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
