"""Where a structure is too hard for the exact engine: the service and the part of it whose decision diagram
does not fit, for the message an assessment stops with (risk.engine.assess).

Why: "the diagram is larger than 768 MiB" alone does not tell the owner of a catalog where to look. After
SCRAM-style preprocessing (risk.engine.preprocess: constants propagated, gates coalesced, modules found),
every module's diagram is built on its own, so the module with the most inputs of its own is where the
size is; and when it joins parts that share many inputs (an AND or an OR of groups over the same
dependencies), that sharing is what makes the diagram large whatever the variable order. nus9601 (issue
29): one module of 719 inputs, an AND of two groups sharing 503 of them; no variable order tried keeps it
within the budget (docs/methodology.md, "Exact unavailability").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from risk.engine.preprocess import PROXY, plan
from risk.engine.structure import Gate, Node, Structure, Var, support

__all__ = ["HardPart", "hardest_part"]


@dataclass(frozen=True)
class HardPart:
    """The part of a structure with the most inputs of its own after preprocessing."""

    service: str  # the first wanted service that needs the part
    inputs: int  # its own inputs: basic events and the modules under it (each one input)
    events: int  # the basic events under it, its modules' included
    k: int  # down when at least k of its n children are
    n: int
    shared: int  # the most inputs two of its children share (directly or below)

    def describe(self) -> str:
        kind = "an OR" if self.k == 1 else ("an AND" if self.k == self.n else f"an at-least-{self.k}")
        text = (
            f"after preprocessing (constants, merged gates, independent modules), one part of it still takes "
            f"{self.inputs:,} inputs at once ({self.events:,} basic events below it), {kind} of {self.n}"
        )
        if self.shared:
            text += f" whose parts share {self.shared:,} of those inputs"
        return text


def hardest_part(structure: Structure, services: Sequence[str] | None = None) -> HardPart | None:
    """The module (or service structure) with the most inputs of its own after preprocessing, or None when
    every wanted service is a constant or a single variable."""
    wanted = list(services if services is not None else structure.services)
    the_plan = plan(structure, wanted, need_module=False)
    assert the_plan is not None  # need_module=False always plans
    memo: dict[int, frozenset[str]] = {}
    content = {name: node for name, node in the_plan.modules}
    events: dict[str, int] = {}
    for name, node in the_plan.modules:  # innermost first: the modules inside are counted already
        own = support(node, memo)
        events[name] = sum(events[v] if v.startswith(PROXY) else 1 for v in own)
    # the first wanted service reaching each module, outermost first
    owner: dict[str, str] = {}
    for sid in wanted:
        root = the_plan.services[sid]
        if not isinstance(root, (Var, Gate)):
            continue
        todo = [v for v in support(root, memo) if v.startswith(PROXY)]
        while todo:
            name = todo.pop()
            if name in owner:
                continue
            owner[name] = sid
            todo += [v for v in support(content[name], memo) if v.startswith(PROXY)]
    candidates: list[tuple[str, Node]] = [(owner[name], node) for name, node in the_plan.modules if name in owner]
    candidates += [(sid, n) for sid, n in the_plan.services.items() if isinstance(n, Gate)]
    if not candidates:
        return None
    sid, node = max(candidates, key=lambda c: len(support(c[1], memo)))  # max keeps the first of equals
    if not isinstance(node, Gate):
        return None
    own = support(node, memo)
    below = [support(c, memo) for c in node.children]
    shared = max((len(a & b) for i, a in enumerate(below) for b in below[i + 1 :]), default=0)
    return HardPart(
        service=sid,
        inputs=len(own),
        events=sum(events[v] if v.startswith(PROXY) else 1 for v in own),
        k=node.k,
        n=len(node.children),
        shared=shared,
    )
