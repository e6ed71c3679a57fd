"""Docs stay true: generated files are current, every field and capability is documented, examples run."""

from __future__ import annotations

import re

import pytest

from risk.catalog.model import Catalog, Dependency, Provider, Service, Workaround
from risk.catalog.vocabulary import CAPABILITIES
from tests.paths import PROJECT_ROOT, load_tool

DOCS = PROJECT_ROOT / "docs"


def _gen_docs():
    return load_tool("gen_docs")


def test_generated_docs_are_current():
    for path, text in _gen_docs().outputs().items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: run python tools/gen_docs.py"


def test_catalog_page_documents_every_field_and_capability():
    text = (DOCS / "catalog.md").read_text()
    for model in (Catalog, Service, Workaround, Dependency, Provider):
        for field in model.model_fields:
            assert re.search(rf"\b{field}\b", text), f"docs/catalog.md does not mention {model.__name__}.{field}"
    for capability in CAPABILITIES:
        assert f"`{capability}`" in text


@pytest.mark.parametrize("page", ["catalog.md"])
def test_python_examples_in_docs_run(page, monkeypatch, capsys):
    monkeypatch.chdir(PROJECT_ROOT)
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, f"{page}:example", "exec"), {})


def test_readme_opens_with_the_two_commands():
    head = (PROJECT_ROOT / "README.md").read_text().split("\n## ")[0]
    assert "make run" in head and "make test" in head
