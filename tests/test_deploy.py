"""The team deployment files agree with each other and with the code (Docker itself is not run here: the
image build and `docker compose up` are checked by hand where Docker runs; see docs/deployment.md)."""

from __future__ import annotations

import tomllib

import yaml

from risk.config import ServerConfig
from tests.paths import PROJECT_ROOT


def test_compose_runs_the_dashboard_with_postgresql_and_sign_in():
    compose = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "test-provider", "dashboard"}
    dashboard = services["dashboard"]
    env = dashboard["environment"]
    assert (
        env["LYNCHPIN_DATABASE_URL"].startswith("postgresql+psycopg://") and "@db:5432/" in env["LYNCHPIN_DATABASE_URL"]
    )
    assert env["LYNCHPIN_AUTH"] == "1" and env["LYNCHPIN_OWNERS"]
    assert dashboard["depends_on"]["db"]["condition"] == "service_healthy"
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert (
        dashboard["build"]["target"] == "dashboard" and services["test-provider"]["build"]["target"] == "test-provider"
    )
    # Everything published is on this machine only.
    assert all(port.startswith("127.0.0.1:") for s in services.values() for port in s.get("ports", []))
    [secret] = dashboard["secrets"]
    auth = tomllib.loads((PROJECT_ROOT / compose["secrets"][secret]["file"]).read_text())["auth"]
    assert {"redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url"} <= set(auth)
    assert auth["redirect_uri"].endswith(":8501/oauth2callback")


def test_the_image_runs_as_a_user_with_a_health_check_and_the_compose_secret():
    text = (PROJECT_ROOT / "Dockerfile").read_text()
    dashboard = text.split("AS dashboard", 1)[1].split("AS test-provider", 1)[0]
    assert "USER lynchpin" in dashboard and "useradd" in dashboard
    assert "HEALTHCHECK" in dashboard and "/_stcore/health" in dashboard
    assert "--secrets.files=/run/secrets/lynchpin_auth" in dashboard  # compose mounts its secret there
    assert "--server.address=0.0.0.0" in dashboard and "LYNCHPIN_AUTH=1" in dashboard  # served only with sign-in
    assert "COPY app.py" in dashboard and "pip install /wheels/" in dashboard


def test_server_configuration_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("LYNCHPIN_DATABASE_URL", raising=False)
    monkeypatch.setenv("LYNCHPIN_WORKSPACE", str(tmp_path / "w.sqlite"))
    assert ServerConfig().url == f"sqlite:///{tmp_path / 'w.sqlite'}" and not ServerConfig().auth
    monkeypatch.setenv("LYNCHPIN_DATABASE_URL", "postgresql+psycopg://u:p@db/lynchpin")
    monkeypatch.setenv("LYNCHPIN_AUTH", "1")
    monkeypatch.setenv("LYNCHPIN_OWNERS", " Admin@Example.org, b@example.org ")
    config = ServerConfig()
    assert config.url == "postgresql+psycopg://u:p@db/lynchpin" and config.auth
    assert config.owner_list == ["admin@example.org", "b@example.org"]
