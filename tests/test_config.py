"""One configuration for every LYNCHPIN_ variable (risk.config): read in one place, a bad value refused with one
line naming the variable, the value and what is allowed (exit 2 from every command), its bounds exact, and
the generated table in docs/deployment.md complete and current."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from risk.cli import app
from risk.config import ServerConfig, allowed, check_config, config_or_defaults, config_problems
from risk.problems import InputError
from tests.paths import DEFAULT_CATALOG, PROJECT_ROOT, load_tool

runner = CliRunner()
PACKAGE = PROJECT_ROOT / "risk"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    for name in list(os.environ):
        if name.upper().startswith("LYNCHPIN_"):
            monkeypatch.delenv(name)


BAD = [
    ("LYNCHPIN_MAX_INPUT_MB", "ten", "a number above 0"),
    ("LYNCHPIN_MAX_INPUT_MB", "0", "a number above 0"),
    ("LYNCHPIN_MAX_INPUT_MB", "nan", "a number above 0"),
    ("LYNCHPIN_MAX_INPUT_MB", "inf", "a number above 0"),
    ("LYNCHPIN_MAX_SIMULATED_OUTAGES", "-5", "a number above 0"),
    ("LYNCHPIN_UPLOAD_SECONDS", "soon", "a number above 0"),
    ("LYNCHPIN_BDD", "cud", "one of auto, python, modular, fast, cudd"),
    ("LYNCHPIN_BDD", "Python ", "one of auto, python, modular, fast, cudd"),
    ("LYNCHPIN_THREADS", "two", "a whole number at least 1 and at most 256"),
    ("LYNCHPIN_THREADS", "0", "a whole number at least 1 and at most 256"),
    ("LYNCHPIN_THREADS", "257", "a whole number at least 1 and at most 256"),
    ("LYNCHPIN_SIMULATION_MEMORY_MB", "0", "a whole number at least 1"),
    ("LYNCHPIN_JOBS", "dusk", "one of dask, inline"),
    ("LYNCHPIN_AUTH", "maybe", "true or false"),
    ("LYNCHPIN_CACHE_MB", "15", "at least 16"),
]


@pytest.mark.parametrize(("name", "value", "accepts"), BAD)
def test_a_bad_value_stops_every_command_with_one_line_naming_it(monkeypatch, name, value, accepts):
    monkeypatch.setenv(name, value)
    for command in (["validate", str(DEFAULT_CATALOG)], ["assess", str(DEFAULT_CATALOG), "--exact"], ["outages"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, (command, result.output)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, lines
        assert lines[0].startswith(f"{name}: {value!r} is not allowed"), lines[0]
        assert accepts in lines[0] and "unset it for the default" in lines[0]
        assert "Traceback" not in result.output


def test_several_bad_values_are_each_named(monkeypatch):
    monkeypatch.setenv("LYNCHPIN_BDD", "cud")
    monkeypatch.setenv("LYNCHPIN_THREADS", "two")
    result = runner.invoke(app, ["validate", str(DEFAULT_CATALOG)])
    assert result.exit_code == 2
    assert [line.split(":")[0] for line in result.stderr.strip().splitlines()] == ["LYNCHPIN_BDD", "LYNCHPIN_THREADS"]


@pytest.mark.timeout(60)
def test_the_real_command_refuses_a_bad_input_size_without_a_traceback():
    """The case the issue found: the input size was read while modules were imported, so every catalog command
    ended in a traceback."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("LYNCHPIN_")}
    env["LYNCHPIN_MAX_INPUT_MB"] = "ten"
    done = subprocess.run(
        [sys.executable, "-m", "risk.cli", "validate", str(DEFAULT_CATALOG)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == (
        "LYNCHPIN_MAX_INPUT_MB: 'ten' is not allowed (input should be a valid number, unable to parse string as a "
        "number); set it to a number above 0, or unset it for the default (10)"
    )


@pytest.mark.parametrize(
    ("name", "value", "field", "expected"),
    [
        ("LYNCHPIN_THREADS", "1", "threads", 1),
        ("LYNCHPIN_THREADS", "256", "threads", 256),
        ("LYNCHPIN_MAX_INPUT_MB", "0.5", "max_input_mb", 0.5),
        ("LYNCHPIN_SIMULATION_MEMORY_MB", "1", "simulation_memory_mb", 1),
        ("LYNCHPIN_CACHE_MB", "16", "cache_mb", 16),
        ("LYNCHPIN_BDD", "cudd", "bdd", "cudd"),
        ("LYNCHPIN_BDD", "", "bdd", "auto"),  # set but empty: the default
    ],
)
def test_values_on_the_bounds_are_accepted(monkeypatch, name, value, field, expected):
    monkeypatch.setenv(name, value)
    assert config_problems() == []
    assert getattr(check_config(), field) == expected


def test_the_engines_read_their_choices_from_the_configuration(monkeypatch):
    from risk.engine.simulate import kept_bytes, threads

    monkeypatch.setenv("LYNCHPIN_THREADS", "3")
    monkeypatch.setenv("LYNCHPIN_SIMULATION_MEMORY_MB", "7")
    assert threads() == 3 and kept_bytes() == 7 * 2**20
    monkeypatch.setenv("LYNCHPIN_THREADS", "three")  # was silently one per core
    with pytest.raises(InputError) as caught:
        threads()
    assert caught.value.problems[0].location.file == "LYNCHPIN_THREADS"


def test_python_callers_get_a_located_error_for_a_typo_in_the_exact_engine(monkeypatch):
    from risk.catalog import load_catalog
    from risk.engine.bdd import compile_services
    from risk.run import Run

    structure = Run.build(load_catalog(DEFAULT_CATALOG)).structure
    monkeypatch.setenv("LYNCHPIN_BDD", "pyhton")  # was silently the automatic choice
    with pytest.raises(InputError) as caught:
        compile_services(structure)
    assert "LYNCHPIN_BDD" in str(caught.value) and "pyhton" in str(caught.value)


def test_what_is_read_at_import_falls_back_to_the_defaults_so_the_interfaces_can_report(monkeypatch):
    monkeypatch.setenv("LYNCHPIN_MAX_INPUT_MB", "ten")
    assert config_or_defaults().max_input_mb == ServerConfig.model_fields["max_input_mb"].default == 10


def _environment_reads(path) -> list[str]:
    """os.environ.get / os.getenv / os.environ[...] of a LYNCHPIN_ name in one module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        key = None
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            text = ast.unparse(node.func)
            if text in ("os.environ.get", "os.getenv", "environ.get", "getenv"):
                key = node.args[0].value
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) in ("os.environ", "environ"):
            key = node.slice.value if isinstance(node.slice, ast.Constant) else None
        if isinstance(key, str) and key.startswith("LYNCHPIN_"):
            found.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} {key}")
    return found


def test_no_module_but_config_reads_a_lynchpin_variable():
    reads = [r for p in sorted(PACKAGE.rglob("*.py")) if p.name != "config.py" for r in _environment_reads(p)]
    assert reads == [], "read these through risk.config.server_config(): " + ", ".join(reads)


def test_every_lynchpin_variable_named_anywhere_is_in_the_configuration():
    """A variable the code or the docs name but the configuration does not declare would be silently ignored."""
    declared = {f"LYNCHPIN_{name.upper()}" for name in ServerConfig.model_fields}
    texts = [*PACKAGE.rglob("*.py"), *(PROJECT_ROOT / "docs").glob("*.md"), PROJECT_ROOT / "README.md"]
    named = {}
    for path in texts:
        for name in re.findall(r"LYNCHPIN_[A-Z][A-Z0-9_]*[A-Z0-9]", path.read_text(encoding="utf-8")):
            named.setdefault(name, path.name)
    assert {n: f for n, f in named.items() if n not in declared} == {}


def test_the_configuration_table_in_the_docs_is_generated_and_complete():
    gen = load_tool("gen_docs")
    text = (PROJECT_ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    assert text == gen.deployment(), "docs/deployment.md is stale: run python tools/gen_docs.py"
    for name in ServerConfig.model_fields:
        assert re.search(rf"^\| `LYNCHPIN_{name.upper()}` \| [^|]+ \| {re.escape(allowed(name))} \|", text, re.M), name


@pytest.mark.timeout(120)
def test_the_dashboard_serves_nothing_but_the_bad_value(monkeypatch, tmp_path):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("LYNCHPIN_WORKSPACE", str(tmp_path / "workspace.sqlite"))
    monkeypatch.setenv("LYNCHPIN_THREADS", "two")
    st.cache_resource.clear()
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    [error] = at.error
    assert "LYNCHPIN\\_THREADS: 'two' is not allowed" in error.value and "at least 1 and at most 256" in error.value
