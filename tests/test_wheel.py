"""An installed Lynchpin carries its data: the wheel, installed in a fresh virtual environment, lists the
whole shipped history and assesses with it (not with defaults)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile

import pytest

from risk.run import load_shipped_history
from tests.paths import DEFAULT_CATALOG, PROJECT_ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv with only the built wheel in it; the third-party dependencies come from this
    environment's site-packages on PYTHONPATH (whose .pth files, including the editable install's, are not
    run), so `risk` can only come from the wheel."""
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            dist,
            PROJECT_ROOT,
        ],
        check=True,
        timeout=300,
    )
    wheel = next(dist.glob("lynchpin-*.whl"))
    env_dir = root / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", str(wheel)],
        check=True,
        timeout=300,
    )
    env = {**os.environ, "PYTHONPATH": sysconfig.get_paths()["purelib"]}
    return wheel, env_dir, env, root


def run_in(installed, *args: str) -> subprocess.CompletedProcess:
    _, env_dir, env, root = installed
    return subprocess.run(
        [str(env_dir / "bin" / "lynchpin"), *args], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_wheel_holds_the_data(installed):
    names = set(zipfile.ZipFile(installed[0]).namelist())
    for required in (
        "risk/data/history.csv",
        "risk/data/aliases.yaml",
        "risk/data/examples/nhs-acute-trust.yaml",
        "risk/data/docs/methodology.md",
        "risk/advice/recommend/rules.yaml",
        "risk/report/templates/report.html.j2",
        "risk/store/migrations/env.py",
        "risk/dashboard/pages/overview.py",
        "risk/store/migrations/versions/0001_workspaces.py",
    ):
        assert required in names, required


def test_the_installed_store_migrates_a_new_workspace(installed, tmp_path):
    """The migrations travel in the wheel: a new workspace opens, saves and reads back."""
    _, env_dir, env, root = installed
    code = (
        "from risk.store import Store; import sys; "
        f"w = Store('sqlite:///{tmp_path / 'w.sqlite'}').workspace('default'); "
        "w.save_catalog('c', 'text', 'test', 'sha'); print(w.catalog('c').version)"
    )
    done = subprocess.run(
        [str(env_dir / "bin" / "python"), "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"


def test_installed_lynchpin_lists_and_uses_the_whole_history(installed):
    _, env_dir, env, root = installed
    where = subprocess.run(
        [str(env_dir / "bin" / "python"), "-c", "import risk; print(risk.__file__)"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(env_dir) in where, f"risk was imported from {where}, not the installed wheel"

    listed = run_in(installed, "outages", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == len(load_shipped_history())

    assessed = run_in(installed, "assess", str(DEFAULT_CATALOG), "--format", "json", "--years", "500")
    assert assessed.returncode == 0, assessed.stderr
    doc = json.loads(assessed.stdout)
    assert doc["history"]["records"] == len(load_shipped_history())
    signin = next(d for d in doc["dependencies"] if d["id"] == "entra-signin")
    assert signin["source"] == "history" and signin["records"] > 0


def test_the_dashboard_runs_from_the_installed_package_as_in_the_image(installed, tmp_path):
    """The container holds app.py and the installed wheel only (Dockerfile): the pages come from the
    package, and the Overview renders."""
    import shutil

    _, env_dir, env, root = installed
    shutil.copy(PROJECT_ROOT / "app.py", tmp_path / "app.py")
    (tmp_path / ".streamlit").mkdir()
    shutil.copy(PROJECT_ROOT / ".streamlit" / "config.toml", tmp_path / ".streamlit" / "config.toml")
    code = (
        "from streamlit.testing.v1 import AppTest; "
        "at = AppTest.from_file('app.py', default_timeout=300); at.run(); "
        "assert not at.exception, at.exception; print([t.value for t in at.title])"
    )
    done = subprocess.run(
        [str(env_dir / "bin" / "python"), "-c", code],
        cwd=tmp_path,
        env={**env, "LYNCHPIN_WORKSPACE": str(tmp_path / "ws.sqlite")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Overview" in done.stdout
