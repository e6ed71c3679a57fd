"""The workspace keeps catalogs, drafts, incident logs and preferences across restarts."""

from __future__ import annotations

from risk.dashboard.workspace import Workspace


def test_everything_survives_a_new_connection(tmp_path):
    ws = Workspace(tmp_path / "w.sqlite")
    ws.save_catalog("trust", "organisation: T\n", "upload.yaml", "abc")
    ws.save_draft("trust", {"services": [["id"], ["x"]]})
    ws.save_incident_log("ours.csv", b"id,provider\n")
    ws.set_pref("current", "trust")
    again = Workspace(tmp_path / "w.sqlite")
    assert again.catalog("trust").text == "organisation: T\n"
    assert again.draft("trust") == {"services": [["id"], ["x"]]}
    assert again.incident_logs() == [("ours.csv", b"id,provider\n")]
    assert again.pref("current") == "trust" and again.pref("missing", 3) == 3
    again.delete_catalog("trust")
    assert again.catalog("trust") is None and again.draft("trust") is None


def test_location_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LYNCHPIN_WORKSPACE", str(tmp_path / "x" / "ws.sqlite"))
    Workspace().save_catalog("trust", "organisation: T\n", "upload.yaml", "abc")
    assert (tmp_path / "x" / "ws.sqlite").is_file()
    assert Workspace(tmp_path / "x" / "ws.sqlite").catalog("trust").text == "organisation: T\n"


def test_a_save_from_a_stale_version_is_refused(tmp_path):
    ws = Workspace(tmp_path / "w.sqlite")
    assert ws.save_catalog_if("trust", "v1", "upload", "sha1", None)
    assert ws.save_catalog_if("trust", "v2", "edit", "sha2", "sha1")  # saved from the version it loaded
    assert not ws.save_catalog_if("trust", "v3", "edit", "sha3", "sha1")  # someone saved sha2 in between
    assert ws.catalog("trust").text == "v2"
    assert ws.save_catalog_if("trust", "v2", "edit", "sha2", "sha1")  # the same content is no conflict
    assert not ws.save_catalog_if("trust", "new", "upload", "sha9", None)  # a new name must be free
    assert ws.free_name("trust") == "trust (2)"
