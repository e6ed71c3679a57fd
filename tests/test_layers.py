"""The architecture, enforced: data flows catalog -> history -> engine -> advice -> run -> presentation ->
report, and the user interfaces (CLI, dashboard) sit on top. A module may import only from its own layer or
layers below it; the CLI and the dashboard never import each other, and reports never import either."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "risk"

#: Layer of each part of the package, lowest first. Shared base modules have no risk imports of substance.
LAYERS = {
    "problems": 0,
    "durations": 0,
    "settings": 0,
    "data": 0,
    "version": 0,
    "limits": 0,
    "regions": 0,
    "config": 0,
    "untrusted": 0,
    "cache": 0,
    "catalog": 1,
    "history": 2,
    "engine": 3,
    "advice": 4,
    "run": 5,
    "schema": 5,
    "presentation": 6,
    "compare": 6,
    "report": 7,
    "jobs": 7,
    "precomputed": 7,
    "cluster": 7,
    "interchange": 7,
    "store": 7,
    "cli": 8,
    "dashboard": 8,
}
#: Pairs that may never meet even though their layers would allow it.
FORBIDDEN = {("cli", "dashboard"), ("dashboard", "cli")}


def part(module: str) -> str:
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else "__init__"


def imports(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, node.lineno))
        elif isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names]
    return [(m, line) for m, line in out if m == "risk" or m.startswith("risk.")]


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


def test_every_part_of_the_package_has_a_layer():
    parts = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in modules()}
    assert parts <= set(LAYERS), f"give these a layer in tests/test_layers.py: {parts - set(LAYERS)}"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_down_the_layers(path):
    own = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    wrong = []
    for module, line in imports(path):
        if module == "risk":
            if LAYERS[own] < LAYERS["run"]:
                wrong.append(f"line {line}: the top-level risk package (it imports everything)")
            continue
        other = part(module)
        if other not in LAYERS:
            continue
        if LAYERS[other] > LAYERS[own] or (own, other) in FORBIDDEN:
            wrong.append(f"line {line}: {module} ({other}, layer {LAYERS[other]}) from {own} (layer {LAYERS[own]})")
    assert not wrong, "\n".join(wrong)


def test_the_layer_test_can_fail(tmp_path):
    """The checker itself: an engine module importing the dashboard is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("from risk.dashboard import state\nimport risk.report.pdf\n")
    found = [part(m) for m, _ in imports(bad)]
    assert found == ["dashboard", "report"]
    assert all(LAYERS[f] > LAYERS["engine"] for f in found)
