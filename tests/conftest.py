"""Shared fixtures: the bundled examples and small hand-written catalogs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.paths import EXAMPLES

DATA = Path(__file__).parent / "data"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))


@pytest.fixture(params=EXAMPLE_FILES, ids=lambda p: p.stem)
def example_path(request) -> Path:
    return request.param
