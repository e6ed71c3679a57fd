"""What Streamlit's upload route may keep in the server's memory.

Streamlit stores every file PUT to `/_stcore/upload_file/<session>/<file>` in the server process
(`MemoryUploadedFileManager`), with no total or per-session cap, before any page script runs, so
`risk.dashboard.access.gate` never sees it: anyone who can open a websocket (signed in or not) could fill the
process's memory. Streamlit has no hook to replace or limit that store under `streamlit run`, so the server
installs, once, a guard over the store instance's own `add_file` and `remove_session_files` (wrapped on the
instance, not on the class; tests/dashboard/test_upload_guard.py fails if a Streamlit upgrade renames what the
guard relies on). A file is refused, not stored, when

(a) sign-in is on and its session has not signed in (the gate records signed-in sessions; a session that
    signs out or ends is dropped),
(b) its session would hold more than LYNCHPIN_UPLOAD_SESSION_MB, or
(c) all sessions together would hold more than LYNCHPIN_UPLOAD_TOTAL_MB.

A refusal answers the PUT with an HTTP error (403 for (a), 413 for (b) and (c)), so the uploader marks the
file as failed; a signed-in person over a budget also gets the reason on the page (the gate shows it, and
the page is re-run at once). Files of sessions that have gone (ended, or disconnected for longer than
Streamlit keeps them for a reconnect, server.disconnectedSessionTTL) are released.

With sign-in on, Streamlit's `/_stcore/metrics` (open to anyone: session counts, cache names, store sizes)
is emptied as well: it has no setting to turn it off or to require sign-in.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from pydantic import ValidationError

from risk.config import ServerConfig, config_or_defaults, server_config

__all__ = ["UploadGuard", "UploadRefused", "install", "installed", "signed_in", "signed_out", "refusals"]

_MB = 1024 * 1024

#: The attribute that marks a store as guarded (and holds its guard).
MARK = "_lynchpin_upload_guard"


def _http_error() -> type[Exception]:
    """Starlette's HTTPException (what Streamlit's route turns into a status), or a plain Exception base."""
    try:
        from starlette.exceptions import HTTPException
    except ImportError:  # pragma: no cover - Streamlit's server is Starlette
        return Exception
    return HTTPException


class UploadRefused(_http_error()):  # type: ignore[misc]
    """An upload the guard would not store: the route answers `status` with `detail`."""

    def __init__(self, status: int, detail: str) -> None:
        try:
            super().__init__(status_code=status, detail=detail)
        except TypeError:  # pragma: no cover - a plain Exception base
            super().__init__(detail)
        self.status = status
        self.reason = detail


def _mib(n: int) -> str:
    """A size for people: bytes, KiB or MiB."""
    if n < 1024:
        return f"{n:,} bytes"
    if n < _MB:
        return f"{n / 1024:,.1f} KiB"
    return f"{n / _MB:,.1f} MiB"


class UploadGuard:
    """The refusals and releases over one uploaded-file store (`files`: session id -> file id -> record with
    `.data`, Streamlit's `MemoryUploadedFileManager.file_storage`). Pure bookkeeping: the clock, whether a
    session is connected and how long a disconnected one is kept are given, so tests run it without a
    server."""

    def __init__(
        self,
        files: dict,
        config: Callable[[], ServerConfig] = server_config,
        is_active: Callable[[str], bool] = lambda session: True,
        keep_disconnected: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
        rerun: Callable[[str], None] | None = None,
    ) -> None:
        self.files = files
        self.config = config
        self.is_active = is_active
        self.keep_disconnected = keep_disconnected
        self.clock = clock
        self.rerun = rerun
        self.signed: set[str] = set()
        self.gone_since: dict[str, float] = {}
        self.notes: dict[str, list[str]] = {}
        self.lock = threading.RLock()
        #: How the store releases a session's files once the guard is in front of it (wrap): the store's
        #: own removal, which keeps its counters right; None: the guard's own bookkeeping alone.
        self.releaser: Callable[[str], None] | None = None

    # -- what the store holds ----------------------------------------------------------------------------
    def held(self, session: str, leaving: str | None = None) -> int:
        """Bytes `session` holds, leaving out file `leaving` (a file uploaded again under its id replaces it)."""
        return sum(len(r.data) for fid, r in dict(self.files.get(session, {})).items() if fid != leaving)

    def total(self, session: str | None = None, leaving: str | None = None) -> int:
        """Bytes all sessions hold, leaving out `session`'s file `leaving`."""
        return sum(self.held(s, leaving if s == session else None) for s in list(self.files))

    # -- the decision ----------------------------------------------------------------------------------
    def refusal(self, session: str, file_id: str, size: int) -> UploadRefused | None:
        """Why a file of `size` bytes for `session` (under `file_id`) must not be stored, or None."""
        try:
            config = self.config()
        except ValidationError:  # a bad LYNCHPIN_ value: no page is served either (the gate says which)
            return UploadRefused(
                503, "The server's configuration has a bad value: no upload is kept until it is fixed."
            )
        if config.auth and session not in self.signed:
            return UploadRefused(403, "Sign in before uploading files.")
        per_session, overall = config.upload_session_bytes, config.upload_total_bytes
        mine = self.held(session, file_id)
        if mine + size > per_session:
            return UploadRefused(
                413,
                f"The file ({_mib(size)}) was not kept: this session already holds {_mib(mine)} of uploaded files "
                f"and may hold {_mib(per_session)} (LYNCHPIN_UPLOAD_SESSION_MB). Remove files you no longer need "
                "from the uploaders (the x next to each file), or reload the page to start afresh, then upload "
                "it again.",
            )
        everyone = self.total(session, file_id)
        if everyone + size > overall:
            return UploadRefused(
                413,
                f"The file ({_mib(size)}) was not kept: the server already holds {_mib(everyone)} of uploaded "
                f"files for everyone and may hold {_mib(overall)} (LYNCHPIN_UPLOAD_TOTAL_MB). Try again in a few "
                "minutes, when others' uploads have been read, or ask whoever runs the server to raise the budget.",
            )
        return None

    def admit(self, session: str, file_id: str, size: int) -> None:
        """Raise UploadRefused if the file must not be stored; note why for a signed-in person's page."""
        self.sweep()
        refused = self.refusal(session, file_id, size)
        if refused is None:
            return
        if refused.status == 413:  # a real (signed-in or local) user over a budget: tell them on the page
            self.notes.setdefault(session, []).append(refused.reason)
            if self.rerun is not None:
                try:
                    self.rerun(session)
                except Exception:  # noqa: BLE001 - the message then shows at the next interaction
                    pass
        raise refused

    # -- sessions ---------------------------------------------------------------------------------------
    def signed_in(self, session: str) -> None:
        with self.lock:
            self.signed.add(session)

    def forget(self, session: str) -> None:
        """A session that signed out or ended: no longer signed in, no notes kept."""
        with self.lock:
            self.signed.discard(session)
            self.notes.pop(session, None)
            self.gone_since.pop(session, None)

    def take_notes(self, session: str) -> list[str]:
        with self.lock:
            return self.notes.pop(session, [])

    def sweep(self, release: Callable[[str], None] | None = None) -> list[str]:
        """Release the files of sessions that have gone: not connected for longer than `keep_disconnected`
        seconds (Streamlit keeps a disconnected session that long for a reconnect, then drops it without
        releasing its files). Returns the sessions released."""
        now = self.clock()
        released = []
        with self.lock:
            for session in list(self.files):
                if self.is_active(session):
                    self.gone_since.pop(session, None)
                    continue
                since = self.gone_since.setdefault(session, now)
                if now - since > self.keep_disconnected:
                    released.append(session)
            for session in list(self.signed):
                if session not in self.files and not self.is_active(session):
                    since = self.gone_since.setdefault(session, now)
                    if now - since > self.keep_disconnected:
                        self.signed.discard(session)
                        self.gone_since.pop(session, None)
        for session in released:
            (release or self.release)(session)
        return released

    def release(self, session: str) -> None:
        if self.releaser is not None:
            self.releaser(session)
            return
        self.files.pop(session, None)
        self.forget(session)

    def drop_unsigned(self, release: Callable[[str], None]) -> None:
        """With sign-in on, release what sessions that have not signed in hold (uploads that came before the
        guard was installed)."""
        try:
            auth = self.config().auth
        except ValidationError:
            auth = True
        if auth:
            for session in list(self.files):
                if session not in self.signed:
                    release(session)


def wrap(manager, guard: UploadGuard) -> None:
    """Put `guard` in front of `manager` (a MemoryUploadedFileManager): its add_file refuses what the guard
    refuses; its remove_session_files (called when a session ends) also forgets the session."""
    add_file = manager.add_file
    remove_session_files = manager.remove_session_files

    def guarded_add_file(session_id: str, file) -> None:
        with guard.lock:
            guard.admit(session_id, file.file_id, len(file.data))
            add_file(session_id=session_id, file=file)

    def guarded_remove_session_files(session_id: str) -> None:
        remove_session_files(session_id)
        guard.forget(session_id)

    guard.releaser = guarded_remove_session_files  # releasing keeps the store's own counters right
    manager.add_file = guarded_add_file
    manager.remove_session_files = guarded_remove_session_files
    setattr(manager, MARK, guard)


def _runtime():
    from streamlit import runtime

    return runtime.get_instance() if runtime.exists() else None


def installed() -> UploadGuard | None:
    rt = _runtime()
    return getattr(rt.uploaded_file_mgr, MARK, None) if rt is not None else None


_install_lock = threading.Lock()


def install() -> UploadGuard | None:
    """Guard this server's upload store (once per process; later calls return the same guard), and with
    sign-in on empty the metrics endpoint. None when no Streamlit server runs (a test's script run)."""
    rt = _runtime()
    if rt is None:
        return None
    manager = rt.uploaded_file_mgr
    with _install_lock:
        guard = getattr(manager, MARK, None)
        if guard is not None:
            return guard
        from streamlit import config as st_config

        def rerun(session: str) -> None:  # Streamlit's own: the page then shows why the file was refused
            info = rt._session_mgr.get_active_session_info(session)  # noqa: SLF001 - no public way to rerun
            if info is not None:  # the page the person is on, with its widgets as they were (as Streamlit does
                info.session.request_rerun(info.session._client_state)  # noqa: SLF001 - when a source changes)

        guard = UploadGuard(
            getattr(manager, "file_storage", {}),
            is_active=rt.is_active_session,
            keep_disconnected=float(st_config.get_option("server.disconnectedSessionTTL")),
            rerun=rerun,
        )
        wrap(manager, guard)
        guard.drop_unsigned(manager.remove_session_files)
        st_config.set_option("server.maxUploadSize", upload_size_mb(), "LYNCHPIN_MAX_INPUT_MB")
        try:
            auth = server_config().auth
        except ValidationError:  # a bad value: the gate serves nothing; keep the metrics quiet meanwhile
            auth = True
        if auth:
            quiet_metrics(rt.stats_mgr)
        return guard


def upload_size_mb() -> int:
    """Streamlit's server.maxUploadSize (whole MiB) for the largest input Lynchpin reads
    (LYNCHPIN_MAX_INPUT_MB): one MiB more than its whole MiB, since Streamlit compares the request's
    Content-Length, the file plus its multipart framing, with it. A file of exactly the largest size then
    reaches the reader (which says if it is too big); a larger one is refused by the route unread."""
    return config_or_defaults().max_input_bytes // _MB + 1


def quiet_metrics(stats) -> None:
    """Streamlit's `/_stcore/metrics` answers anyone, signed in or not, and cannot be turned off: with
    sign-in on, its statistics manager reports nothing (nothing else in Streamlit reads it)."""
    stats.get_stats = lambda family_names=None: {}
    stats.registered_families = lambda: []


def _session_id() -> str | None:
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id if ctx is not None else None


def signed_in() -> None:
    """The gate: this script run's session has signed in, so it may upload."""
    guard, session = installed(), _session_id()
    if guard is not None and session:
        guard.signed_in(session)
        guard.sweep()


def signed_out() -> None:
    """The gate: this script run's session is not signed in (never was, or signed out)."""
    guard, session = installed(), _session_id()
    if guard is not None and session:
        guard.forget(session)


def refusals() -> list[str]:
    """Why files of this session were refused since the last page run (shown once)."""
    guard, session = installed(), _session_id()
    return guard.take_notes(session) if guard is not None and session else []
