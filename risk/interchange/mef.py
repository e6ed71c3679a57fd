"""Open-PSA Model Exchange Format (MEF) export: each service's failure logic as a fault tree, so an auditor
can reproduce the exact unavailabilities in SCRAM or another fault-tree tool.

The catalog's compiled structure is already failure logic (risk.engine.structure): a basic dependency's own
failure is a basic event with its unavailability as probability; every requirement is a gate "at least k of
these children are down", written as `or` (k = 1), `and` (k = n) or `atleast`. Grace periods do not enter
the exact figures, so they do not appear. Each service gets its own top gate `service_<id>` (MEF tools
analyse the gates nothing else refers to); a node several parents share is defined once. Names are the
catalog's ids with a prefix, and each element carries the item's name as its label.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import quoteattr

from risk.engine.structure import Delay, Gate, Node, Var
from risk.run import Run

__all__ = ["to_mef", "event_name", "service_gate"]

_SAFE = re.compile(r"[^A-Za-z0-9_-]")


def _name(prefix: str, ident: str) -> str:
    """A MEF identifier: letters, digits, '-' and '_' (other characters become '_'), after a prefix."""
    return f"{prefix}_{_SAFE.sub('_', ident)}"


def event_name(dependency_id: str) -> str:
    return _name("dependency", dependency_id)


def service_gate(service_id: str) -> str:
    return _name("service", service_id)


def to_mef(run: Run) -> str:
    """The MEF document of the Run's catalog, with the Run's dependency unavailabilities."""
    structure, stats, catalog = run.structure, run.statistics, run.catalog
    labels = {d.id: d.name for d in catalog.dependencies} | {s.id: s.name for s in catalog.services}
    item_of = {id(node): ident for ident, node in structure.nodes.items() if isinstance(node, Gate)}
    names: dict[int, str] = {}
    gates: list[str] = []
    used_events: set[str] = set()

    def through(node: Node) -> Node:
        while isinstance(node, Delay):  # the exact structure ignores grace
            node = node.child
        return node

    def ref(node: Node) -> str:
        node = through(node)
        if isinstance(node, Var):
            used_events.add(node.name)
            return f'<basic-event name="{event_name(node.name)}"/>'
        return f'<gate name="{define(node)}"/>'

    def define(node: Gate) -> str:
        key = id(node)
        if key in names:
            return names[key]
        ident = item_of.get(key)
        name = _name("requirement", ident) if ident else f"group_{len(names) + 1}"
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
            f'    <define-gate name="{service_gate(sid)}"><label>{_text(labels[sid])}</label>'
            f'<or>{ref(structure.nodes[sid])}<constant value="false"/></or></define-gate>'
        )
    events = [
        f'    <define-basic-event name="{event_name(name)}"><label>{_text(labels.get(name, name))}</label>'
        f'<float value="{stats[name].unavailability!r}"/></define-basic-event>'
        for name in structure.basic
        if name in used_events
    ]
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            "<opsa-mef>",
            f"  <label>{_text(catalog.organisation)}: each service's failure logic, exported by Lynchpin</label>",
            f"  <define-fault-tree name={quoteattr(_SAFE.sub('_', catalog.organisation) or 'catalog')}>",
            *tops,
            *gates,
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
