"""Dashboard tests run the heavy work in-process (LYNCHPIN_JOBS=inline) unless a test asks for Dask: the
AppTest harness runs the page script in this process, and one Dask cluster per test would cost seconds.
tests/dashboard/test_jobs.py runs the pages with their work on Dask."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _inline_jobs(monkeypatch):
    monkeypatch.setenv("LYNCHPIN_JOBS", "inline")
