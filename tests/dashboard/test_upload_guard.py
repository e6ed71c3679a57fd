"""The upload route cannot fill the server's memory (risk.dashboard.uploads): a file of a session that has not
signed in is refused when sign-in is on; a session holds at most LYNCHPIN_UPLOAD_SESSION_MB and everyone
together at most LYNCHPIN_UPLOAD_TOTAL_MB (each checked exactly at the budget and one byte either side);
files of sessions that have gone are released; the guard still applies to the Streamlit installed."""

from __future__ import annotations

import inspect
import os

import pytest
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.uploaded_file_manager import UploadedFileRec

from risk.config import ServerConfig, config_problems
from risk.dashboard import uploads
from risk.dashboard.uploads import UploadGuard, UploadRefused, wrap

pytestmark = pytest.mark.timeout(30)

MIB = 1024 * 1024
SESSION = MIB  # LYNCHPIN_UPLOAD_SESSION_MB=1
TOTAL = 3 * MIB  # LYNCHPIN_UPLOAD_TOTAL_MB=3


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    for name in list(os.environ):
        if name.upper().startswith("LYNCHPIN_"):
            monkeypatch.delenv(name)


def _config(auth: bool = False) -> ServerConfig:
    return ServerConfig(max_input_mb=1, upload_session_mb=1, upload_total_mb=3, auth=auth)


def _rec(file_id: str, size: int) -> UploadedFileRec:
    return UploadedFileRec(file_id=file_id, name=f"{file_id}.yaml", type="text/yaml", data=b"x" * size)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _store(auth: bool = False, active=lambda s: True, clock=None, rerun=None):
    """A real Streamlit store with the guard on it."""
    manager = MemoryUploadedFileManager("/_stcore/upload_file")
    guard = UploadGuard(
        manager.file_storage,
        config=lambda: _config(auth),
        is_active=active,
        keep_disconnected=120.0,
        clock=clock or Clock(),
        rerun=rerun,
    )
    wrap(manager, guard)
    return manager, guard


def _stored(manager, session: str) -> int:
    return sum(len(r.data) for r in manager.file_storage.get(session, {}).values())


# Per-session budget ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("size", "kept"), [(SESSION - 1, True), (SESSION, True), (SESSION + 1, False)])
def test_one_file_at_the_session_budget_and_one_byte_either_side(size, kept):
    manager, _ = _store()
    if kept:
        manager.add_file("s1", _rec("a", size))
        assert _stored(manager, "s1") == size
    else:
        with pytest.raises(UploadRefused) as refused:
            manager.add_file("s1", _rec("a", size))
        assert refused.value.status == 413 and "LYNCHPIN_UPLOAD_SESSION_MB" in refused.value.reason
        assert _stored(manager, "s1") == 0 and "s1" not in manager.file_storage
        assert manager._total_bytes == 0  # the store's own count: nothing was stored


@pytest.mark.parametrize(("size", "kept"), [(SESSION - 1000 - 1, True), (SESSION - 1000, True), (SESSION - 999, False)])
def test_a_session_that_already_holds_files_gets_only_the_rest_of_its_budget(size, kept):
    manager, _ = _store()
    manager.add_file("s1", _rec("a", 1000))
    if kept:
        manager.add_file("s1", _rec("b", size))
        assert _stored(manager, "s1") == 1000 + size
    else:
        with pytest.raises(UploadRefused):
            manager.add_file("s1", _rec("b", size))
        assert _stored(manager, "s1") == 1000


def test_a_file_uploaded_again_under_its_id_replaces_itself_in_the_count():
    manager, _ = _store()
    manager.add_file("s1", _rec("a", SESSION))
    manager.add_file("s1", _rec("a", SESSION))  # the same file id: not twice the budget
    assert _stored(manager, "s1") == SESSION


def test_a_file_removed_from_its_uploader_frees_the_budget():
    manager, _ = _store()
    manager.add_file("s1", _rec("a", SESSION))
    with pytest.raises(UploadRefused):
        manager.add_file("s1", _rec("b", 1))
    manager.remove_file("s1", "a")  # the x next to the file (DELETE on the route)
    manager.add_file("s1", _rec("b", SESSION))
    assert _stored(manager, "s1") == SESSION


# Server-wide budget ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("size", "kept"), [(9, True), (10, True), (11, False)])
def test_the_whole_store_at_the_total_budget_and_one_byte_either_side(size, kept):
    manager, _ = _store()
    manager.add_file("s1", _rec("a", SESSION))
    manager.add_file("s2", _rec("a", SESSION))
    manager.add_file("s3", _rec("a", SESSION - 10))  # the store: TOTAL - 10; s4 then ends at TOTAL -1, 0, +1
    if kept:
        manager.add_file("s4", _rec("a", size))
        assert manager._total_bytes == TOTAL - 10 + size
    else:
        with pytest.raises(UploadRefused) as refused:
            manager.add_file("s4", _rec("a", size))
        assert refused.value.status == 413 and "LYNCHPIN_UPLOAD_TOTAL_MB" in refused.value.reason
        assert "s4" not in manager.file_storage and manager._total_bytes == TOTAL - 10


def test_total_budget_exactly_with_every_session_within_its_own():
    manager, _ = _store()
    manager.add_file("s1", _rec("a", SESSION))
    manager.add_file("s2", _rec("a", SESSION))
    manager.add_file("s3", _rec("a", SESSION - 1))
    manager.add_file("s3", _rec("b", 1))  # exactly TOTAL
    assert manager._total_bytes == TOTAL
    with pytest.raises(UploadRefused) as refused:
        manager.add_file("s4", _rec("a", 1))  # one byte past it, though s4 holds nothing
    assert "LYNCHPIN_UPLOAD_TOTAL_MB" in refused.value.reason
    assert manager._total_bytes == TOTAL


# Sign-in --------------------------------------------------------------------------------------------------
def test_with_sign_in_on_a_session_that_has_not_signed_in_stores_nothing():
    manager, guard = _store(auth=True)
    with pytest.raises(UploadRefused) as refused:
        manager.add_file("visitor", _rec("a", 1))
    assert refused.value.status == 403
    assert "visitor" not in manager.file_storage and not guard.notes  # nothing to show a visitor
    guard.signed_in("alice")
    manager.add_file("alice", _rec("a", 1))
    assert _stored(manager, "alice") == 1


def test_a_session_that_signs_out_or_ends_is_no_longer_signed_in():
    manager, guard = _store(auth=True)
    guard.signed_in("alice")
    guard.forget("alice")  # the gate: signed out
    with pytest.raises(UploadRefused):
        manager.add_file("alice", _rec("a", 1))
    guard.signed_in("bob")
    manager.add_file("bob", _rec("a", 5))
    manager.remove_session_files("bob")  # Streamlit: the session ended
    assert "bob" not in guard.signed and "bob" not in manager.file_storage and manager._total_bytes == 0
    with pytest.raises(UploadRefused):
        manager.add_file("bob", _rec("a", 1))


def test_without_sign_in_the_local_user_uploads_within_the_budgets():
    manager, _ = _store(auth=False)
    manager.add_file("local", _rec("a", SESSION))
    assert _stored(manager, "local") == SESSION


def test_uploads_from_before_the_guard_of_sessions_not_signed_in_are_dropped():
    manager = MemoryUploadedFileManager("/_stcore/upload_file")
    manager.add_file("early", _rec("a", 10))  # stored before the guard was installed
    guard = UploadGuard(manager.file_storage, config=lambda: _config(auth=True))
    wrap(manager, guard)
    guard.drop_unsigned(manager.remove_session_files)
    assert "early" not in manager.file_storage and manager._total_bytes == 0


def test_a_bad_configuration_keeps_no_upload(monkeypatch):
    monkeypatch.setenv("LYNCHPIN_UPLOAD_TOTAL_MB", "lots")
    manager = MemoryUploadedFileManager("/_stcore/upload_file")
    wrap(manager, UploadGuard(manager.file_storage))
    with pytest.raises(UploadRefused) as refused:
        manager.add_file("s1", _rec("a", 1))
    assert refused.value.status == 503 and manager._total_bytes == 0


# Gone sessions -------------------------------------------------------------------------------------------
def test_files_of_a_session_gone_longer_than_streamlit_keeps_it_are_released():
    clock, connected = Clock(), {"s1", "gone"}
    manager, guard = _store(active=lambda s: s in connected, clock=clock)
    manager.add_file("gone", _rec("a", 100))
    connected.discard("gone")  # the browser closed: Streamlit keeps the session 120 s for a reconnect
    manager.add_file("s1", _rec("a", 1))  # every upload sweeps
    clock.now += 120.0
    manager.add_file("s1", _rec("b", 1))
    assert _stored(manager, "gone") == 100  # exactly at the time kept: still there
    clock.now += 0.001
    assert guard.sweep() == ["gone"]
    assert "gone" not in manager.file_storage and manager._total_bytes == 2


def test_a_session_that_reconnects_in_time_keeps_its_files():
    clock, connected = Clock(), {"s1"}
    manager, guard = _store(active=lambda s: s in connected, clock=clock)
    manager.add_file("s1", _rec("a", 100))
    connected.discard("s1")
    guard.sweep()
    clock.now += 60
    connected.add("s1")
    guard.sweep()
    connected.discard("s1")
    clock.now += 100  # 160 s since the first disconnect, 100 s since the second
    assert guard.sweep() == [] and _stored(manager, "s1") == 100


# What the person is told ------------------------------------------------------------------------------------
def test_a_signed_in_person_over_budget_is_told_what_why_and_what_to_do():
    reruns = []
    manager, guard = _store(auth=True, rerun=reruns.append)
    guard.signed_in("alice")
    manager.add_file("alice", _rec("a", SESSION))
    with pytest.raises(UploadRefused):
        manager.add_file("alice", _rec("b", 10))
    assert reruns == ["alice"]  # the page runs again at once to show it
    (note,) = guard.take_notes("alice")
    assert "was not kept" in note and "1.0 MiB" in note and "Remove files you no longer need" in note
    assert guard.take_notes("alice") == []  # shown once


# Configuration ---------------------------------------------------------------------------------------------
def test_the_default_budgets_fit_every_uploader_holding_the_largest_input():
    config = ServerConfig()
    uploaders = 7  # catalog, Backstage, ServiceNow (2 + mapping), outage log, incident export
    assert config.upload_session_bytes >= uploaders * config.max_input_bytes
    assert config.upload_session_bytes == 80 * MIB and config.upload_total_bytes == 320 * MIB
    raised = ServerConfig(max_input_mb=50)  # the defaults follow LYNCHPIN_MAX_INPUT_MB
    assert raised.upload_session_bytes == 400 * MIB and raised.upload_total_bytes == 1600 * MIB


@pytest.mark.parametrize(
    ("env", "where", "says"),
    [
        ({"LYNCHPIN_UPLOAD_SESSION_MB": "9.99"}, "LYNCHPIN_UPLOAD_SESSION_MB", "below LYNCHPIN_MAX_INPUT_MB (10)"),
        ({"LYNCHPIN_UPLOAD_SESSION_MB": "0"}, "LYNCHPIN_UPLOAD_SESSION_MB", "greater than 0"),
        ({"LYNCHPIN_UPLOAD_TOTAL_MB": "79.9"}, "LYNCHPIN_UPLOAD_TOTAL_MB", "below the per-session budget (80 MiB"),
        (
            {"LYNCHPIN_UPLOAD_SESSION_MB": "20", "LYNCHPIN_UPLOAD_TOTAL_MB": "19"},
            "LYNCHPIN_UPLOAD_TOTAL_MB",
            "below the per-session budget (20 MiB",
        ),
        ({"LYNCHPIN_UPLOAD_TOTAL_MB": "lots"}, "LYNCHPIN_UPLOAD_TOTAL_MB", "valid number"),
    ],
)
def test_a_bad_budget_is_located_and_says_what_is_allowed(monkeypatch, env, where, says):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    (problem,) = config_problems()
    assert problem.location.file == where and says in problem.message
    assert "unset it for the default" in problem.hint


@pytest.mark.parametrize(
    ("env", "ok"),
    [
        ({"LYNCHPIN_UPLOAD_SESSION_MB": "10"}, True),  # exactly one largest input
        ({"LYNCHPIN_UPLOAD_SESSION_MB": "20", "LYNCHPIN_UPLOAD_TOTAL_MB": "20"}, True),
        ({"LYNCHPIN_UPLOAD_TOTAL_MB": "80"}, True),  # exactly the default per-session budget
    ],
)
def test_budgets_exactly_at_their_floor_are_allowed(monkeypatch, env, ok):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert (config_problems() == []) is ok


def test_the_route_takes_a_file_of_the_largest_input_size_with_its_framing(monkeypatch):
    assert uploads.upload_size_mb() == 11  # the default LYNCHPIN_MAX_INPUT_MB (10) and room for the framing
    monkeypatch.setenv("LYNCHPIN_MAX_INPUT_MB", "10.5")
    assert uploads.upload_size_mb() == 11
    monkeypatch.setenv("LYNCHPIN_MAX_INPUT_MB", "1")
    assert uploads.upload_size_mb() == 2
    from tests.paths import PROJECT_ROOT

    toml = (PROJECT_ROOT / ".streamlit" / "config.toml").read_text()
    assert "\nmaxUploadSize = 11\n" in toml  # what the route uses before the guard sets it


# The Streamlit installed still has what the guard wraps ----------------------------------------------------
def test_streamlit_still_stores_uploads_the_way_the_guard_wraps():
    """If a Streamlit upgrade renames these, the guard would silently stop applying: this fails first."""
    from streamlit.runtime.app_session import AppSession
    from streamlit.runtime.runtime import Runtime
    from streamlit.web.server.starlette import starlette_app, starlette_routes

    params = list(inspect.signature(MemoryUploadedFileManager.add_file).parameters)
    assert params == ["self", "session_id", "file"]
    assert list(inspect.signature(MemoryUploadedFileManager.remove_session_files).parameters) == [
        "self",
        "session_id",
    ]
    assert isinstance(MemoryUploadedFileManager("/x").file_storage, dict)
    assert set(UploadedFileRec._fields) >= {"file_id", "data"}
    route = inspect.getsource(starlette_routes.create_upload_routes)
    assert "upload_mgr.add_file(" in route and "runtime.is_active_session(session_id)" in route
    app = inspect.getsource(starlette_app)
    assert "upload_mgr: MemoryUploadedFileManager = runtime.uploaded_file_mgr" in app
    assert "MemoryUploadedFileManager(" in app  # the store Streamlit makes is the one the guard knows
    assert "self._uploaded_file_mgr.remove_session_files(self.id)" in inspect.getsource(AppSession.shutdown)
    for name in ("uploaded_file_mgr", "stats_mgr", "is_active_session", "_session_mgr"):
        assert hasattr(Runtime, name) or name in inspect.getsource(Runtime.__init__), name
    metrics = inspect.getsource(starlette_routes.create_metrics_routes)
    assert "runtime.stats_mgr" in metrics
    from streamlit.runtime.websocket_session_manager import WebsocketSessionManager

    assert hasattr(WebsocketSessionManager, "get_active_session_info")  # the page is re-run after a refusal,
    shutdown = inspect.getsource(AppSession)  # on the page the person is on
    assert "self.request_rerun(self._client_state)" in shutdown and "self._client_state = ClientState()" in shutdown
