"""Team workspaces on SQLite and PostgreSQL: versions, refused stale saves, isolation, roles, snapshots,
the audit trail, and the import of a one-machine 0.1 workspace."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from risk.store import PermissionDenied, Store


def test_every_save_is_a_version_with_its_author_and_message(store):
    ws = store.workspace("trust", "alice@nhs.example", owners=("alice@nhs.example",))
    assert ws.save_catalog("main", "v1", "upload.yaml", "sha1", "first cut") == 1
    assert ws.save_catalog_if("main", "v2", "edit", "sha2", "sha1", "added EPR") is True
    versions = ws.versions("main")
    assert [(v.version, v.text, v.author, v.message) for v in versions] == [
        (2, "v2", "alice@nhs.example", "added EPR"),
        (1, "v1", "alice@nhs.example", "first cut"),
    ]
    assert ws.catalog("main").version == 2 and ws.catalog("main", 1).text == "v1"
    assert ws.restore("main", 1, "sha2") == 3  # restoring adds a version; history is never rewritten
    assert ws.catalog("main").text == "v1" and len(ws.versions("main")) == 3
    when, who, what, detail = ws.audit_log()[0]
    assert (who, what, detail) == ("alice@nhs.example", "save", "main version 3: restored version 1")
    assert when.endswith("Z")


def test_a_stale_save_is_refused_and_nothing_is_overwritten(store):
    ws = store.workspace("trust")
    assert ws.save_catalog_if("main", "v1", "upload", "sha1", None)
    assert ws.save_catalog_if("main", "v2", "edit", "sha2", "sha1")
    assert not ws.save_catalog_if("main", "v3", "edit", "sha3", "sha1")  # someone saved sha2 in between
    assert ws.catalog("main").text == "v2"
    assert ws.save_catalog_if("main", "v2", "edit", "sha2", "sha1")  # the same content is no conflict
    assert len(ws.versions("main")) == 2
    assert not ws.save_catalog_if("main", "other", "upload", "sha9", None)  # a new name must be free


@pytest.mark.timeout(60)
def test_two_people_saving_at_once_cannot_both_win(store):
    ws = store.workspace("trust")
    ws.save_catalog("main", "v1", "upload", "sha1")
    results: list[bool] = []
    start = threading.Barrier(4)

    def save(n: int) -> None:
        start.wait()
        results.append(ws.save_catalog_if("main", f"edit {n}", "edit", f"sha-{n}", "sha1"))

    threads = [threading.Thread(target=save, args=(n,)) for n in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(results) == [False, False, False, True]
    assert [v.version for v in ws.versions("main")] == [2, 1]


def test_teams_never_see_each_others_catalogs(store):
    nhs = store.workspace("nhs-trust", "alice@nhs.example", owners=("alice@nhs.example", "bob@council.example"))
    council = store.workspace("council", "bob@council.example", owners=("alice@nhs.example", "bob@council.example"))
    nhs.save_catalog("clinical", "nhs text", "upload", "a")
    council.save_catalog("services", "council text", "upload", "b")
    assert [c.name for c in nhs.catalogs()] == ["clinical"]
    assert [c.name for c in council.catalogs()] == ["services"]
    assert council.catalog("clinical") is None
    outsider = store.workspace("nhs-trust", "bob@council.example")  # not a member there
    assert outsider.role is None and outsider.catalogs() == []
    with pytest.raises(PermissionDenied, match="not a member"):
        outsider.catalog("clinical")
    assert store.workspaces_of("alice@nhs.example") == ["nhs-trust"]


def test_roles_decide_who_may_do_what(store):
    owner = store.workspace("trust", "olu@nhs.example", owners=("olu@nhs.example",))
    owner.set_member("vic@nhs.example", "viewer")
    owner.set_member("eve@nhs.example", "editor")
    owner.save_catalog("main", "v1", "upload", "sha1")
    viewer = store.workspace("trust", "Vic@NHS.example")  # addresses are compared case-blind
    editor = store.workspace("trust", "eve@nhs.example")
    assert viewer.catalog("main").text == "v1"
    with pytest.raises(PermissionDenied, match="needs the editor role"):
        viewer.save_catalog("main", "v2", "edit", "sha2")
    assert editor.save_catalog("main", "v2", "edit", "sha2") == 2
    with pytest.raises(PermissionDenied, match="needs the owner role"):
        editor.delete_catalog("main")
    with pytest.raises(PermissionDenied, match="needs the owner role"):
        editor.set_member("eve@nhs.example", "owner")
    with pytest.raises(PermissionDenied, match="at least one owner"):
        owner.set_member("olu@nhs.example", "editor")
    owner.delete_catalog("main")
    assert owner.catalogs() == [] and owner.catalog("main") is None
    assert [v.version for v in owner.versions("main")] == [2, 1]  # deleted, but its history is kept
    assert ("olu@nhs.example", "member", "vic@nhs.example: viewer") in [x[1:] for x in owner.audit_log()]


def test_an_assessment_is_kept_once_per_run(store):
    ws = store.workspace("trust")
    ws.save_catalog("main", "v1", "upload", "sha1")
    assert ws.save_snapshot("main", 1, "fp1", '{"services": []}', "{}", "hist")
    assert not ws.save_snapshot("main", 1, "fp1", '{"services": []}', "{}", "hist")  # the same Run
    assert ws.save_snapshot("main", 2, "fp2", '{"services": [1]}', "{}", "hist")
    assert [(s.catalog_version, s.fingerprint) for s in ws.snapshots("main")] == [(1, "fp1"), (2, "fp2")]


def test_a_one_machine_workspace_is_imported_into_the_default_one(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE catalogs (name TEXT PRIMARY KEY, text TEXT NOT NULL, source TEXT NOT NULL,
                               sha256 TEXT NOT NULL, saved_at TEXT NOT NULL);
        CREATE TABLE drafts (name TEXT PRIMARY KEY, payload TEXT NOT NULL, saved_at TEXT NOT NULL);
        CREATE TABLE incident_logs (name TEXT PRIMARY KEY, data BLOB NOT NULL, saved_at TEXT NOT NULL);
        CREATE TABLE prefs (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO catalogs VALUES ('trust', 'organisation: T', 'upload.yaml', 'abc', '2026-01-01T00:00:00Z');
        INSERT INTO drafts VALUES ('trust', '{"a": 1}', '2026-01-01T00:00:00Z');
        INSERT INTO incident_logs VALUES ('ours.csv', X'6964', '2026-01-01T00:00:00Z');
        INSERT INTO prefs VALUES ('settings_overrides', '{"seed": 3}');
        """
    )
    db.commit()
    db.close()
    ws = Store(f"sqlite:///{path}").workspace("default")
    assert ws.catalog("trust").text == "organisation: T" and ws.catalog("trust").version == 1
    assert ws.draft("trust") == {"a": 1}
    assert ws.incident_logs() == [("ours.csv", b"id")]
    assert ws.pref("settings_overrides") == {"seed": 3}
    assert ws.role == "owner"  # the local user owns what they had
    tables = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert not {t for t in tables if t.startswith("legacy_")}


def test_tracked_recommendations_say_who_decided_what_and_what_is_late(store):
    from datetime import date

    from risk.store import Tracking, achieved_cut

    owner = store.workspace("trust", "olu@nhs.example", owners=("olu@nhs.example",))
    owner.set_member("vic@nhs.example", "viewer")
    owner.track("main", Tracking("GEN-43", "planned", owner="Identity team", due="2027-01-31"))
    owner.track("main", Tracking("GEN-44", "risk accepted", reason="paper process exists", until="2026-12-31"))
    owner.track("main", Tracking("ENTRA-CAE-18", "done", expected_cut=0.3, risk_before=5.0))
    tracked = owner.tracked("main")
    assert tracked["GEN-43"].owner == "Identity team" and tracked["GEN-43"].updated_by == "olu@nhs.example"
    # Due dates are exact: due on the day is not late, the day after is.
    assert not tracked["GEN-43"].overdue(date(2027, 1, 31)) and tracked["GEN-43"].overdue(date(2027, 2, 1))
    assert not tracked["GEN-44"].overdue(date(2026, 12, 31)) and tracked["GEN-44"].overdue(date(2027, 1, 1))
    assert tracked["GEN-43"].describe(date(2027, 2, 1)) == "planned: Identity team, due 2027-01-31 (OVERDUE)"
    assert achieved_cut(tracked["ENTRA-CAE-18"], 4.0) == pytest.approx(0.2)  # expected 0.3, achieved 0.2
    assert achieved_cut(tracked["GEN-43"], 4.0) is None
    with pytest.raises(ValueError, match="needs an owner and a due date"):
        owner.track("main", Tracking("GEN-38", "planned"))
    with pytest.raises(ValueError, match="needs a reason and an end date"):
        owner.track("main", Tracking("GEN-38", "risk accepted"))
    with pytest.raises(PermissionDenied):
        store.workspace("trust", "vic@nhs.example").track("main", Tracking("GEN-38", "accepted"))
    assert store.workspace("other", "vic@nhs.example").tracked("main") == {}  # another team sees none of it


def test_an_owner_creates_a_workspace_for_another_team(store):
    team = store.create_workspace("it-resilience", "Olu@NHS.example")
    assert team.role == "owner" and team.person == "olu@nhs.example"
    assert store.workspaces_of("olu@nhs.example") == ["it-resilience"]
    with pytest.raises(ValueError, match="exists already"):
        store.create_workspace("it-resilience", "sam@else.example")  # nobody joins a team this way
    with pytest.raises(ValueError, match="lower-case letters"):
        store.create_workspace("IT Resilience!", "olu@nhs.example")


def test_a_result_is_kept_once_for_everyone_in_the_workspace_and_no_other(store):
    ws = store.workspace("team-a", "ann@example.org", owners=("ann@example.org",))
    ws.set_member("bob@example.org", "viewer")
    viewer = store.workspace("team-a", "bob@example.org")
    viewer.keep_result("fp1", "assessment", '{"first": 1}')  # a viewer's page computes it: everyone reuses it
    ws.keep_result("fp1", "assessment", '{"second": 2}')  # the same inputs give the same result: the first stays
    assert ws.result("fp1", "assessment") == '{"first": 1}'
    assert ws.result("fp1", "recommendations") is None and ws.result("fp2", "assessment") is None
    other = store.workspace("team-b", "cat@example.org", owners=("cat@example.org",))
    assert other.result("fp1", "assessment") is None  # another team never sees it


def test_the_incident_log_stamp_changes_with_a_log_and_not_otherwise(store):
    ws = store.workspace("team-a", "ann@example.org", owners=("ann@example.org",))
    empty = ws.incident_log_stamp()
    ws.save_incident_log("m365.csv", b"id,provider\n")
    once = ws.incident_log_stamp()
    assert empty == () and once != empty and once == ws.incident_log_stamp()
    assert once[0][0] == "m365.csv" and once[0][2] == len(b"id,provider\n")


def test_two_saves_of_a_log_in_the_same_second_with_the_same_size_give_different_stamps(store, monkeypatch):
    """The save time has one-second resolution: the content digest must tell such saves apart, or another
    server's cached outage history would keep the first version."""
    from risk.store import workspace as module

    monkeypatch.setattr(module, "_now", lambda: "2026-11-30T07:00:00Z")
    ws = store.workspace("team-a", "ann@example.org", owners=("ann@example.org",))
    ws.save_incident_log("m365.csv", b"id,provider\nA")
    first = ws.incident_log_stamp()
    ws.save_incident_log("m365.csv", b"id,provider\nB")
    second = store.workspace("team-a", "ann@example.org").incident_log_stamp()
    assert first[0][:3] == second[0][:3]  # same name, second and size
    assert first != second


def test_the_digest_migration_fills_in_logs_saved_before_it(tmp_path):
    import hashlib

    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config

    from risk.store import Store
    from risk.store import schema as t

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    store = Store(url)
    ws = store.workspace("team-a")
    ws.save_incident_log("m365.csv", b"id,provider\nA")
    config = Config()
    config.set_main_option("script_location", str(Path(t.__file__).parent / "migrations"))
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")  # as a workspace saved before the digest existed
    with store.engine.connect() as connection:
        assert "digest" not in {c["name"] for c in sa.inspect(connection).get_columns("incident_logs")}
    stamp = Store(url).workspace("team-a").incident_log_stamp()  # opening migrates to the head again
    assert stamp[0][3] == hashlib.sha256(b"id,provider\nA").hexdigest()
