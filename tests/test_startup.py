"""The import budget of the command line (issue 29 point 2): each command loads what it uses and nothing
else, so `lynchpin assess` of the bundled example stays within half a second and `validate` within 0.3 s.
Each test runs a command in a fresh interpreter and lists the modules it loaded; a heavy module turning up
on a path that does not need it (an eager import somewhere below the CLI) fails here, long before anyone
times it. bench/bench_cli.py measures the times themselves."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.paths import DEFAULT_CATALOG, PROJECT_ROOT

#: Never needed by a command that reads, checks or assesses a catalog and prints the result: the dashboard
#: and its server (streamlit, plotly, SQL, Dask), the report writers (PDF, workbooks, charts), the
#: compiled sweeps (numba: a small simulation finishes before they load), numpy's masked arrays (loaded by
#: np.unique, which numpy.quantile calls), and pydantic-settings with the asyncio and ssl it imports.
HEAVY = (
    "numba",
    "llvmlite",
    "numpy.ma",
    "pandas",
    "scipy",
    "streamlit",
    "plotly",
    "matplotlib",
    "openpyxl",
    "fpdf",
    "reportlab",
    "weasyprint",
    "jinja2",
    "sqlalchemy",
    "alembic",
    "distributed",
    "dask",
    "pydantic_settings",
    "asyncio",
    "ssl",
    "risk.engine.sweep_kernels",
    "risk.engine.fastbdd",
    "risk.dashboard",
    "risk.report",
    "risk.store",
    "risk.jobs",
    "risk.cluster",
)
#: Only the advice commands (recommend, scenario, incident...) need the advice layer.
ADVICE = ("risk.advice", "risk.advice.recommend", "risk.advice.scenarios", "risk.advice.incident")

#: Runs one command as `lynchpin` would (argv[2:]) and writes the names of the loaded modules to argv[1].
PROBE = """
import json, sys
out, args = sys.argv[1], sys.argv[2:]
sys.argv = ["lynchpin", *args]
from risk.cli import app
try:
    app()
except SystemExit as done:
    code = done.code
else:
    code = 0
with open(out, "w") as f:
    json.dump({"code": code, "modules": sorted(sys.modules)}, f)
"""


def loaded(tmp_path, *args: str) -> set[str]:
    """The modules a fresh interpreter has loaded once `lynchpin ARGS` is done (which must succeed)."""
    out = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(out.read_text())
    assert found["code"] in (0, None), (found["code"], done.stderr)
    return set(found["modules"])


def _present(modules: set[str], names) -> list[str]:
    return [name for name in names if name in modules]


@pytest.mark.timeout(120)
def test_help_loads_neither_the_models_nor_numpy(tmp_path):
    modules = loaded(tmp_path, "--help")
    assert _present(modules, [*HEAVY, *ADVICE, "numpy", "pydantic", "yaml", "risk.catalog", "risk.engine"]) == []


@pytest.mark.timeout(120)
def test_validate_loads_no_engine(tmp_path):
    modules = loaded(tmp_path, "validate", str(DEFAULT_CATALOG))
    assert "risk.catalog.model" in modules  # the probe ran the command
    assert _present(modules, [*HEAVY, *ADVICE, "numpy", "risk.engine", "risk.run"]) == []


@pytest.mark.timeout(120)
def test_assess_of_the_example_loads_only_what_it_uses(tmp_path):
    modules = loaded(tmp_path, "assess", str(DEFAULT_CATALOG))
    assert {"risk.engine.simulate", "risk.presentation.terminal", "rich.table"} <= modules  # it ran and printed
    assert _present(modules, [*HEAVY, *ADVICE]) == []


@pytest.mark.timeout(120)
def test_assess_as_json_loads_no_terminal_tables(tmp_path):
    modules = loaded(tmp_path, "assess", str(DEFAULT_CATALOG), "--format", "json")
    assert "risk.engine.simulate" in modules
    assert _present(modules, [*HEAVY, *ADVICE, "rich", "risk.presentation.terminal"]) == []


@pytest.mark.timeout(120)
def test_the_budget_can_fail(tmp_path):
    """The probe sees what a command loads: `recommend` needs the advice layer, and it is there."""
    modules = loaded(tmp_path, "recommend", str(DEFAULT_CATALOG), "--format", "json")
    assert _present(modules, ADVICE[:2]) == list(ADVICE[:2])


@pytest.mark.timeout(120)
def test_an_exact_only_assessment_without_history_loads_neither_numpy_nor_the_simulation(tmp_path):
    """`assess --exact` of a catalog the pure-Python diagrams answer, with no outage history, needs no array:
    numpy (about 0.08 s of the process) and the simulation are imported only by what simulates or fits
    recorded durations (risk.engine.assess, risk.engine.statistics)."""
    modules = loaded(tmp_path, "assess", str(DEFAULT_CATALOG), "--exact", "--no-history", "--format", "json")
    assert "risk.engine.bdd" in modules  # it ran the exact engine
    assert _present(modules, [*HEAVY, *ADVICE, "numpy", "risk.engine.simulate", "risk.engine.uncertainty"]) == []
