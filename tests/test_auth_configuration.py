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
