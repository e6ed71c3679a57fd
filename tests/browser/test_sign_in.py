"""Real OpenID Connect sign-in in a real browser: the dashboard (LYNCHPIN_AUTH=1, Streamlit's st.login)
against a local test provider (oidc-provider-mock), with a team workspace whose owner has added a viewer
and an editor. Each signs in through the provider's form and sees what their role allows; someone who is
not a member sees no catalog at all."""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager

import pytest
import yaml

from tests.browser.serving import BROWSER_ARGS, CHROMIUM, free_port, need_browser, streamlit
from tests.paths import DEFAULT_CATALOG

pytestmark = pytest.mark.browser

OWNER, EDITOR, VIEWER, STRANGER = "olu@trust.example", "eve@trust.example", "vic@trust.example", "sam@else.example"


@pytest.fixture(scope="module")
def signed_server(tmp_path_factory):
    need_browser()
    from risk.catalog import catalog_from_dict
    from risk.catalog.load import catalog_sha256
    from risk.store import Store

    folder = tmp_path_factory.mktemp("signin")
    database = f"sqlite:///{folder / 'team.sqlite'}"
    owner = Store(database).workspace("default", OWNER, owners=(OWNER,))
    doc = yaml.safe_load(DEFAULT_CATALOG.read_text())
    doc["organisation"] = "Signed-in Trust"
    doc["settings"] = {"simulated_years": 500, "uncertainty_draws": 5}
    owner.save_catalog("trust", yaml.safe_dump(doc, sort_keys=False), "upload", catalog_sha256(catalog_from_dict(doc)))
    owner.set_member(EDITOR, "editor")
    owner.set_member(VIEWER, "viewer")
    port, provider_port = free_port(), free_port()
    with oidc_provider(provider_port):
        secrets_file = folder / "secrets.toml"
        secrets_file.write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_hex(16)}"\n'
            'client_id = "lynchpin-test"\n'
            'client_secret = "not-a-secret"\n'
            f'server_metadata_url = "http://localhost:{provider_port}/.well-known/openid-configuration"\n'
        )
        env = {"LYNCHPIN_AUTH": "1", "LYNCHPIN_DATABASE_URL": database, "LYNCHPIN_OWNERS": OWNER}
        with streamlit(port, env, "--secrets.files", str(secrets_file)) as base:
            yield base


@contextmanager
def oidc_provider(port: int):
    """The test provider in its own process (it uses deprecated parts of Authlib, whose warnings this test
    suite turns into errors), stopped at the end; ready once its discovery document answers."""
    proc = subprocess.Popen(
        [sys.executable, "-W", "ignore", "-m", "oidc_provider_mock", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://localhost:{port}/.well-known/openid-configuration"
        for _ in range(300):  # bounded: at most 30 s
            try:
                with urllib.request.urlopen(url, timeout=1):
                    break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail("the OIDC test provider exited")
                time.sleep(0.1)
        else:
            pytest.fail("the OIDC test provider did not answer within 30 s")
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture()
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield b
        b.close()


def sign_in(browser, base: str, who: str):
    from playwright.sync_api import expect

    page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    page.goto(base + "/?catalog=saved:trust")
    page.get_by_role("button", name="Sign in").click()
    page.locator("input[name=sub]").fill(who)  # the test provider's form: who to sign in as
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_test_id("stSidebar").get_by_text(f"Signed in as {who}")).to_be_visible(timeout=60_000)
    return page


def open_page(page, base: str, name: str, title: str, ready: str) -> str:
    """The page's text once `ready` shows (the page has rendered that far)."""
    from playwright.sync_api import expect

    page.goto(f"{base}/{name}?catalog=saved:trust")
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible(timeout=60_000)
    expect(page.locator("[data-testid='stMain']")).to_contain_text(ready, timeout=60_000)
    expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0, timeout=60_000)
    expect(page.locator("[data-testid='stSpinner']")).to_have_count(0, timeout=120_000)
    return page.locator("[data-testid='stMain']").inner_text()


def test_nobody_sees_anything_before_signing_in(signed_server, browser):
    from playwright.sync_api import expect

    page = browser.new_page()
    page.goto(signed_server)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=60_000)
    assert "Signed-in Trust" not in page.content() and "Clinical email" not in page.content()


def test_a_viewer_reads_but_cannot_change(signed_server, browser):
    page = sign_in(browser, signed_server, VIEWER)
    text = open_page(page, signed_server, "", "Overview", "Top risks")
    assert "Clinical email" in text
    open_page(page, signed_server, "catalog", "Catalog", "Uploading a catalog needs the editor role")
    open_page(page, signed_server, "settings", "Settings", f"You are {VIEWER}, viewer in workspace default")


def test_an_editor_may_upload(signed_server, browser):
    from playwright.sync_api import expect

    page = sign_in(browser, signed_server, EDITOR)
    text = open_page(page, signed_server, "catalog", "Catalog", "Catalog file")
    assert "needs the editor role" not in text
    expect(page.locator("[data-testid='stFileUploader']").first).to_be_visible(timeout=60_000)
    open_page(page, signed_server, "settings", "Settings", f"You are {EDITOR}, editor in workspace default")


def test_someone_from_another_team_sees_no_catalog(signed_server, browser):
    from playwright.sync_api import expect

    page = sign_in(browser, signed_server, STRANGER)
    expect(page.get_by_text("no workspace has you as a member")).to_be_visible(timeout=60_000)
    assert "Signed-in Trust" not in page.content()
