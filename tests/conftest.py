"""Shared fixtures: the bundled examples and small hand-written catalogs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.paths import EXAMPLES

DATA = Path(__file__).parent / "data"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))


@pytest.fixture(autouse=True)
def _inline_jobs(monkeypatch):
    """Heavy work in-process (LYNCHPIN_JOBS=inline) unless a test asks for Dask: AppTest runs page scripts in
    this process, and a Dask cluster per test would cost seconds. tests/dashboard/test_jobs.py, tests/test_jobs.py
    and the browser test of the dashboard run the work on Dask."""
    monkeypatch.setenv("LYNCHPIN_JOBS", "inline")


@pytest.fixture(params=EXAMPLE_FILES, ids=lambda p: p.stem)
def example_path(request) -> Path:
    return request.param


def timeless(doc: dict) -> dict:
    """An assessment's (or a report's) JSON without what differs between two runs of the same inputs: when
    it was made and how long each stage took (Assessment.without_timings, for the parsed JSON)."""
    doc = {k: v for k, v in doc.items() if k != "generated_at"}
    if "stages" in doc:
        doc["stages"] = [{**s, "wall_seconds": 0.0, "cpu_seconds": 0.0} for s in doc["stages"]]
    return doc
