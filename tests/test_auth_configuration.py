"""Sign-in switched on without its configuration refuses to serve (issue 24, finding 6): LYNCHPIN_AUTH=1
without an [auth] section in .streamlit/secrets.toml used to start and fail only when someone clicked
Sign in. The check is risk.config.auth_problem; the dashboard's gate shows its message and stops."""

from __future__ import annotations

import tomllib

import pytest
from streamlit.testing.v1 import AppTest

from risk.config import ServerConfig, auth_problem
from tests.paths import PROJECT_ROOT

ON, OFF = ServerConfig(auth=True), ServerConfig(auth=False)
DEMO = tomllib.loads((PROJECT_ROOT / "deploy" / "demo-secrets.toml").read_text())
PROVIDER = {
    "client_id": "id",
    "client_secret": "s",
    "server_metadata_url": "https://idp/.well-known/openid-configuration",
}
BASE = {"redirect_uri": "https://lynchpin/oauth2callback", "cookie_secret": "0123456789abcdef"}


def test_without_sign_in_nothing_is_asked_of_the_secrets():
    assert auth_problem(OFF, None) is None and auth_problem(OFF, {}) is None


@pytest.mark.parametrize("secrets", [None, {}, {"auth": {}}, {"auth": "yes"}, {"other": {"auth": BASE | PROVIDER}}])
def test_sign_in_without_an_auth_section_is_refused_with_the_fix(secrets):
    problem = auth_problem(ON, secrets)
    assert problem and "no [auth] section" in problem and "docs/deployment.md" in problem and "LYNCHPIN_AUTH" in problem


@pytest.mark.parametrize(
    ("auth", "lacks"),
    [
        ({**PROVIDER, "cookie_secret": "x"}, ["redirect_uri"]),
        ({**PROVIDER, "redirect_uri": "https://x/cb"}, ["cookie_secret"]),
        ({**PROVIDER, **BASE, "cookie_secret": "  "}, ["cookie_secret"]),
        (BASE, ["client_id", "client_secret", "server_metadata_url"]),
        ({**BASE, "client_id": "id", "client_secret": "s"}, ["server_metadata_url"]),
        ({**BASE, "google": {"client_id": "id"}}, ["client_id", "client_secret", "server_metadata_url"]),
    ],
)
def test_an_incomplete_auth_section_names_what_it_lacks(auth, lacks):
    problem = auth_problem(ON, {"auth": auth})
    assert problem and all(key in problem for key in lacks), problem
    assert not [k for k in ("redirect_uri", "cookie_secret") if k not in lacks and f"lacks {k}" in problem]


@pytest.mark.parametrize("auth", [BASE | PROVIDER, BASE | {"microsoft": PROVIDER}, DEMO["auth"]])
def test_a_complete_auth_section_passes(auth):
    assert auth_problem(ON, {"auth": auth}) is None


@pytest.mark.timeout(180)
def test_the_dashboard_refuses_to_serve_with_sign_in_on_and_no_auth_section(monkeypatch, tmp_path):
    monkeypatch.setenv("LYNCHPIN_AUTH", "1")
    monkeypatch.setenv("LYNCHPIN_WORKSPACE", str(tmp_path / "w.sqlite"))
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    assert [e.value for e in at.error] and "no [auth] section" in at.error[0].value
    assert not at.button  # no Sign in button, no page


# The server refuses to START, not only to serve: `make run` and the container run the preflight first.
def _preflight(tmp_path, env: dict, *args: str):
    import os
    import subprocess
    import sys

    environment = {k: v for k, v in os.environ.items() if not k.startswith(("LYNCHPIN_", "STREAMLIT_"))}
    environment |= {"HOME": str(tmp_path), "LYNCHPIN_WORKSPACE": str(tmp_path / "w.sqlite"), **env}
    return subprocess.run(
        [sys.executable, "-m", "risk.dashboard.preflight", *args],
        cwd=tmp_path,  # Streamlit's default secrets files: ~/.streamlit and ./.streamlit, both empty here
        env=environment | {"PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.timeout(120)
def test_sign_in_on_without_an_auth_section_refuses_to_start(tmp_path):
    done = _preflight(tmp_path, {"LYNCHPIN_AUTH": "1"})
    assert done.returncode == 2, done
    assert "will not start" in done.stderr and "no [auth] section" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


@pytest.mark.timeout(120)
def test_the_preflight_reads_the_secrets_files_streamlit_would(tmp_path):
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text((PROJECT_ROOT / "deploy" / "demo-secrets.toml").read_text())
    assert _preflight(tmp_path, {"LYNCHPIN_AUTH": "1"}).returncode == 0  # ./.streamlit/secrets.toml
    mounted = tmp_path / "mounted.toml"
    mounted.write_text("[other]\nx = 1\n")
    refused = _preflight(tmp_path, {"LYNCHPIN_AUTH": "1"}, f"--secrets.files={mounted}")  # the container's form
    assert refused.returncode == 2 and "no [auth] section" in refused.stderr
    mounted.write_text("[auth\n")
    broken = _preflight(tmp_path, {"LYNCHPIN_AUTH": "1"}, "--secrets.files", str(mounted))
    assert broken.returncode == 2 and str(mounted) in broken.stderr and "Traceback" not in broken.stderr
    assert _preflight(tmp_path, {}, f"--secrets.files={mounted}").returncode == 0  # no sign-in: nothing asked


def test_make_run_and_the_container_run_the_preflight_before_streamlit():
    make = (PROJECT_ROOT / "Makefile").read_text().split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert make.index("-m risk.dashboard.preflight") < make.index("-m risk.dashboard.serve app.py")
    docker = (PROJECT_ROOT / "Dockerfile").read_text().split("FROM python:3.11-slim AS dashboard", 1)[1]
    command = docker.split("\nCMD ", 1)[1].split("\n", 1)[0]
    assert command.index("risk.dashboard.preflight --secrets.files=/run/secrets/lynchpin_auth &&") < command.index(
        "exec python -m risk.dashboard.serve app.py"
    )
