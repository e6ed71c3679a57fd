"""Where the dashboard's inputs come from (the chosen catalog, the outage sources, the settings), and the one
risk.Run that every page reads its figures from.

Choices live in the workspace (SQLite), so a reload or a restart comes back to the same catalog and
settings. Runs are shared between pages and sessions by their fingerprint (the content of catalog, history,
settings and aliases), so switching pages or filters never recomputes anything, and every page shows the
figures of the same Run that the reports are written from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import streamlit as st

from risk.cache import ByteCache, size_of
from risk.catalog.load import catalog_sha256, read_catalog
from risk.catalog.model import Catalog
from risk.catalog.writers import catalog_to_yaml
from risk.config import server_config
from risk.dashboard.hints import field_hint
from risk.dashboard.workspace import TeamWorkspace, Workspace, open_store
from risk.data import DEFAULT_EXAMPLE, example_paths
from risk.engine.assessment import Assessment
from risk.history.load import OutageReport, default_history_paths, read_outages
from risk.presentation.text import md_escape
from risk.problems import InputError, Location, Problem
from risk.run import Run
from risk.store import LOCAL_USER

__all__ = [
    "workspace",
    "Current",
    "current",
    "choices",
    "choose",
    "history",
    "settings_overrides",
    "run",
    "assessment",
    "recommendations",
    "severe",
    "combined",
    "report_files",
    "label",
]

EXAMPLE_PREFIX, SAVED_PREFIX = "example:", "saved:"


def person() -> str | None:
    """Who is using this session: the signed-in person's e-mail address when sign-in is on (None until they
    sign in), otherwise the local user."""
    if not server_config().auth:
        return LOCAL_USER
    user = st.user
    if not user.get("is_logged_in") or unverified_email():
        return None
    return str(user.get("email") or user.get("sub") or "").casefold() or None


def unverified_email() -> bool:
    """Whether the sign-in says its e-mail address is NOT verified (the OpenID Connect claim email_verified
    false): anyone may type any address into such an account, an owner's too, and memberships go by the
    address, so such a sign-in is no one here. A provider that sends no such claim is taken at its word."""
    verified = st.user.get("email_verified")
    return verified is False or (isinstance(verified, str) and verified.strip().lower() == "false")


def workspace() -> TeamWorkspace:
    """This session's workspace, as the signed-in person (or the local user) sees it: the one chosen on the
    Settings page among theirs, or the configured default."""
    who = person() or "nobody"
    chosen = st.session_state.get("workspace_slug")
    config = server_config()
    key = (config.url, chosen or config.default_workspace, who)
    cached = st.session_state.get("_workspace")
    if cached is not None and cached[0] == key:  # one lookup per session, not one per call
        return cached[1]
    if cached is not None:  # another workspace or person (a switch, a sign-out): drop what the last one held
        _forget_workspace()
    ws = Workspace(person=who, slug=chosen)
    st.session_state["_workspace"] = (key, ws)
    return ws


#: What a session holds of one workspace: dropped when the session's workspace or person changes.
_HELD = ("loaded_versions", "snapshots_kept", "conflict", "settings_seen", "log_notes")


def _forget_workspace() -> None:
    """Forget the last workspace's catalogs, snapshots and pending choices, so nothing opened as one person
    in one workspace is shown in another (or after signing out)."""
    for name in _HELD:
        st.session_state.pop(name, None)
    chosen = st.session_state.get("catalog_key") or st.query_params.get("catalog") or ""
    if chosen.startswith(SAVED_PREFIX):
        st.session_state.pop("catalog_key", None)
        st.query_params.pop("catalog", None)


def draft_session() -> str | None:
    """Whose drafts these are beyond the person: None with sign-in (a person's drafts follow them); without
    sign-in every tab is the same local user, so each browser session gets a token of its own (kept in the
    address, so a reload of the tab finds its draft, and another tab does not)."""
    if server_config().auth:
        return None
    token = st.session_state.get("draft_session") or st.query_params.get("tab") or ""
    if not (len(token) == 16 and all(ch in "0123456789abcdef" for ch in token)):
        import secrets

        token = secrets.token_hex(8)
    st.session_state["draft_session"] = token
    if st.query_params.get("tab") != token:
        st.query_params["tab"] = token
    return token


def workspace_choices() -> list[str]:
    """The workspaces this session's person belongs to (the configured default first when they do)."""
    who = person()
    if who is None:
        return []
    ws = workspace()
    return sorted(open_store(ws.store.url).workspaces_of(who), key=lambda x: (x != ws.slug, x))


def may(role: str) -> bool:
    """Whether this session's person has at least `role` in the workspace in use."""
    return workspace().may(role)


@dataclass
class Current:
    key: str
    label: str
    catalog: Catalog
    yaml: str
    source: str
    sha256: str | None = None  # the stored version this session loaded (None: a bundled example)
    version: int | None = None  # its version number


def choices() -> list[str]:
    """Every catalog the user can switch to: bundled examples first, then saved ones (newest first)."""
    examples = [EXAMPLE_PREFIX + p.stem for p in example_paths()]
    return examples + [SAVED_PREFIX + c.name for c in workspace().catalogs()]


def label(key: str) -> str:
    if key.startswith(EXAMPLE_PREFIX):
        return "Example: " + key.removeprefix(EXAMPLE_PREFIX).replace("-", " ")
    return key.removeprefix(SAVED_PREFIX)


def choose(key: str) -> None:
    """Switch this browser session's catalog. Each session has its own (another user's upload never changes
    what this one sees); the address bar carries it (?catalog=...), so a reload comes back to it."""
    st.session_state["catalog_key"] = key
    st.query_params["catalog"] = key


def _loaded() -> dict[str, tuple[str, str, int | None, str]]:
    """Saved catalogs as this session opened them in its current workspace, as its current person: key ->
    (SHA-256, YAML, version, source). Keyed by workspace and person too, so two teams' catalogs of one name
    never stand in for each other."""
    scope = st.session_state["_workspace"][0] if "_workspace" in st.session_state else None
    return st.session_state.setdefault("loaded_versions", {}).setdefault(scope, {})


def newer_version_saved(cur: Current) -> bool:
    """Whether someone saved the catalog in use after this session opened it."""
    if not cur.key.startswith(SAVED_PREFIX) or cur.sha256 is None:
        return False
    stored = workspace().catalog(cur.key.removeprefix(SAVED_PREFIX))
    return stored is not None and stored.sha256 != cur.sha256


def reload(cur: Current) -> None:
    """Drop this session's copy of the catalog in use, so the next run shows the latest saved version."""
    _loaded().pop(cur.key, None)


def _chosen() -> str | None:
    return st.session_state.get("catalog_key") or st.query_params.get("catalog")


def example_ids() -> dict[str, Path]:
    """The bundled examples by id (their file stem): the only examples a request can name."""
    return {p.stem: p for p in example_paths()}


def refused_reference() -> str | None:
    """A plain note when the address named a catalog this session cannot open (shown once)."""
    return st.session_state.pop("refused_reference", None)


def _refuse(default: str) -> str:
    """Drop a catalog reference that names nothing this person may open: no path, no other workspace."""
    st.session_state["refused_reference"] = (
        "The address named a catalog that is not a bundled example or a catalog of this workspace, so the "
        f"{label(default)} is shown instead. Pick a catalog in the sidebar."
    )
    st.session_state["catalog_key"] = default
    return default


@st.cache_resource(show_spinner=False, max_entries=16)
def _parse_saved(sha256: str, _text: str, name: str) -> Catalog | None:
    """A stored catalog version, parsed and validated once per process (a version never changes: its
    SHA-256 names it), not on every rerun."""
    return read_catalog(_text.encode("utf-8"), name=f"{name}.yaml").catalog


@st.cache_resource(show_spinner=False, max_entries=32)
def _load_example(path: str) -> tuple[Catalog, str]:
    """A bundled example, read and validated once per process (the Catalog is never changed in place)."""
    report = read_catalog(Path(path))
    assert report.catalog is not None, f"bundled example {path} is invalid"
    return report.catalog, Path(path).read_text(encoding="utf-8")


def current() -> Current:
    """The catalog in use: the workspace's choice, falling back to the bundled NHS example. A reference (from
    the address bar or the session) names a bundled example by its id or a stored catalog of this workspace
    that this person may read; anything else is refused with a plain note, never joined onto a path."""
    default = EXAMPLE_PREFIX + DEFAULT_EXAMPLE
    key = _chosen() or default
    ws = workspace()
    if key.startswith(SAVED_PREFIX):
        name = key.removeprefix(SAVED_PREFIX)
        if not ws.may("viewer"):  # not (or no longer) a member: nothing of the workspace, not even a kept copy
            st.session_state.pop("loaded_versions", None)
            key = _refuse(default)
        else:
            # The version this session opened stays in use until the user reloads: a save made elsewhere
            # meanwhile neither changes what this session shows nor is overwritten by this session's save. So
            # once opened, it is not read from the workspace again on every page view.
            opened = _loaded().get(key)
            if opened is None:
                stored = ws.catalog(name)
                if stored is not None:
                    opened = _loaded().setdefault(key, (stored.sha256, stored.text, stored.version, stored.source))
            catalog = _parse_saved(opened[0], opened[1], name) if opened is not None else None
            if opened is not None and catalog is not None:
                _keep_address(key)
                sha, text, version, source = opened
                return Current(key, label(key), catalog, text, source, sha, version)
            key = _refuse(default)
    path = example_ids().get(key.removeprefix(EXAMPLE_PREFIX)) if key.startswith(EXAMPLE_PREFIX) else None
    if path is None:
        key = _refuse(default)
        path = example_ids()[DEFAULT_EXAMPLE]
    _keep_address(key)
    catalog, text = _load_example(str(path))
    return Current(key, label(key), catalog, text, f"bundled example {path.name}")


def _keep_address(key: str) -> None:
    if st.query_params.get("catalog") != key:
        st.query_params["catalog"] = key  # page switches drop the address's query; keep it for reloads


def history() -> OutageReport:
    """The outage records in use: the shipped history (unless switched off) and the user's incident logs.
    Read and parsed once per change (keyed by the logs' names, times and sizes), not on every page view."""
    ws = workspace()
    return _history(*_history_key(), ws)


@st.cache_resource(show_spinner=False)
def shipped_history() -> OutageReport:
    """The shipped history alone (read once per process), for the pages that describe it."""
    return read_outages(list(default_history_paths()))


def _history_key() -> tuple:
    """What the outage history in use depends on, read cheaply: where, whether the shipped history is on,
    and each incident log's name, time and size."""
    ws = workspace()
    return (f"{ws.where}/{ws.slug}", bool(ws.pref("use_shipped_history", True)), ws.incident_log_stamp())


@st.cache_resource(show_spinner=False, max_entries=16)
def _history(where: str, shipped: bool, stamp: tuple, _ws) -> OutageReport:
    sources: list = list(default_history_paths()) if shipped else []
    sources += _ws.incident_logs()
    return read_outages(sources)


def settings_overrides() -> dict:
    return workspace().pref("settings_overrides", {}) or {}


#: Where the workspace's own aliases are named in notes (the Settings page edits them).
ALIASES_WHERE = "Settings: your aliases"

#: The most text the workspace's aliases may be, in bytes (UTF-8). A team's aliases are a few hundred lines;
#: the text is parsed in the web process on every Settings page view and Run, and YAML parses at a few
#: hundred KB a second, so a pasted megabyte would stall the team's pages for seconds each time.
ALIASES_MAX_BYTES = 64 * 1024


def _too_long(text: str) -> Problem | None:
    size = len(text.encode("utf-8"))
    if size <= ALIASES_MAX_BYTES:
        return None
    return Problem(
        f"the aliases are {size:,} bytes, over the limit of {ALIASES_MAX_BYTES:,}",
        Location(ALIASES_WHERE),
        "keep only the names your catalogs and incident logs use (a few hundred lines at most)",
    )


def aliases_text() -> str:
    """The workspace's own aliases as the Settings page saved them (YAML text; empty when none)."""
    return workspace().pref("aliases", "") or ""


def check_aliases(catalog: Catalog, text: str) -> list:
    """Every problem with aliases text before it is saved: errors (it does not read) and warnings (a name it
    moves away from what the shipped table or the catalog's own aliases block says)."""
    from risk.history.aliases import load_aliases, merge_aliases, read_alias_file

    if not text.strip():
        return []
    too_long = _too_long(text)
    if too_long:
        return [too_long]
    doc, problems = read_alias_file(text.encode("utf-8"), ALIASES_WHERE)
    if any(p.severity == "error" for p in problems):
        return problems
    layers = [("catalog", catalog.aliases.model_dump(), "aliases")] if catalog.aliases is not None else []
    _, found = merge_aliases(load_aliases(), [*layers, (ALIASES_WHERE, doc)])
    return problems + [p for p in found if p.location.file == ALIASES_WHERE]


def user_aliases(text: str | None = None) -> list[tuple[str, object]]:
    """The workspace's aliases as a layer for Run.build (after the catalog's own block); none when the saved
    text is empty or no longer reads (the Settings page shows why)."""
    from risk.history.aliases import read_alias_file

    text = aliases_text() if text is None else text
    if not text.strip() or _too_long(text):
        return []
    doc, problems = read_alias_file(text.encode("utf-8"), ALIASES_WHERE)
    return [] if any(p.severity == "error" for p in problems) else [(ALIASES_WHERE, doc)]


@st.cache_resource(show_spinner=False)
def _runs() -> ByteCache:
    """Runs by fingerprint, with everything they have computed, within LYNCHPIN_CACHE_MB (least recently used
    dropped first; their results stay in the workspace)."""
    return ByteCache(server_config().cache_mb * 2**20, measure=lambda r: size_of(r) + size_of(r.kept))


@st.cache_resource(show_spinner=False)
def _fingerprints() -> ByteCache:
    """The fingerprint of each combination of inputs seen (catalog version, history, overrides), so a page
    view finds its Run without hashing the catalog and the history again."""
    return ByteCache(4 * 2**20, measure=lambda value: 200)


def run(cur: Current | None = None) -> Run:
    """The Run of the catalog in use, with the history and settings in use. Saved overrides that no longer
    validate (e.g. against a new catalog's settings) are left out here; the Settings page shows why.
    On a page view whose inputs have not changed this is a dictionary lookup: no parsing, no hashing."""
    import json

    cur = cur or current()
    history_key = _history_key()
    overrides = settings_overrides()
    alias_text = aliases_text()
    # A saved version is named by its SHA-256; a bundled example by its key (fixed for the process).
    inputs = (cur.sha256 or cur.key, history_key, json.dumps(overrides, sort_keys=True, default=str), alias_text)
    fingerprint = _fingerprints().get(inputs)
    if fingerprint is not None:
        hit = _runs().get(fingerprint)
        if hit is not None:
            return hit
    hist = _history(*history_key, workspace())
    names = [s.rsplit("/", 1)[-1] for s in hist.sources]
    shipped, yours, where = hist.split()
    given = {
        "sources": names,
        "user_aliases": user_aliases(alias_text),
        "incident_log": yours,
        "incident_origins": [w.rsplit("/", 1)[-1] for w in where],
        "catalog_name": cur.label,
    }
    try:
        built = Run.build(cur.catalog, shipped, overrides, **given)
    except InputError:
        built = Run.build(cur.catalog, shipped, None, **given)
    key = run_key(built)
    _fingerprints().put(inputs, key)
    hit = _runs().get(key)
    if hit is not None:
        return hit
    return _runs().put(key, built)


def run_key(r: Run) -> str:
    """What the server's Run cache keys a Run by: its fingerprint (the numbers) and what it names, the
    history's file names, its notes and merges (the Overview and report packs show them). Two workspaces with
    the same figures but their own file names each get a Run naming their own files, never the other's."""
    import json

    named = json.dumps([list(r.sources), [repr(p) for p in r.notes], [repr(m) for m in r.merges]])
    return f"{r.fingerprint}:{hashlib.sha256(named.encode()).hexdigest()[:32]}"


def table(r: Run, key: tuple, build: Callable[[], object]):
    """A table the page shows, made once per Run as an Arrow table (`build` returns a DataFrame): a page
    view on the same Run neither builds the DataFrame nor converts it to Arrow again (together, most of a
    cached page's server time under load)."""
    import pyarrow as pa

    return r.remember(("table", *key), lambda: pa.Table.from_pandas(build(), preserve_index=False))


def work_problems(cur: Current, overrides: dict) -> list:
    """Why the catalog in use could not be assessed with these overrides (the work limits), before saving."""
    shipped, yours, where = history().split()
    return Run.build(
        cur.catalog, shipped, overrides, user_aliases=user_aliases(), incident_log=yours, incident_origins=where
    ).work_problems()


def _or_stop(compute):
    """The result, or the problems that prevent it shown on the page (never a traceback), and the page ends."""
    try:
        return compute()
    except InputError as exc:
        if all(p.location.file.startswith("LYNCHPIN_") for p in exc.problems):  # the server's own settings
            st.error("The server's settings stop this work (a matter for whoever runs the server):")
        else:
            st.error("This catalog cannot be assessed with the settings in use:")
        for p in exc.problems:
            extra = field_hint(p)
            st.markdown(
                f"- {md_escape(p.message)}"
                + (f" — {md_escape(p.hint)}" if p.hint else "")
                + (f" ({md_escape(extra)})" if extra else "")
            )
        st.stop()


def _jobs(r: Run | None = None):
    """The server's Dask connection (risk.jobs), or None when the heavy work runs in-process
    (LYNCHPIN_JOBS=inline, or the Run `r` is small enough: risk.jobs.runs_inline). One per server process;
    its local cluster stops with the process."""
    config = server_config()
    if config.jobs != "dask":
        return None
    if r is not None and config.inline_up_to > 0:
        from risk.jobs import runs_inline

        if runs_inline(r, config.inline_up_to):
            return None
    return _jobs_for(config.scheduler, config.workers)


def start_jobs() -> None:
    """Start the local cluster in the background (after a page is on the screen), so the first job that is
    too big for the server process finds its workers ready and no page waited for them."""
    config = server_config()
    if config.jobs == "dask":
        _jobs_for(config.scheduler, config.workers).start_in_background()


@st.cache_resource(show_spinner=False)
def _jobs_for(scheduler: str | None, workers: int | None):
    """The Dask connection; its local cluster starts in the background once the first page is on the screen
    (start_jobs, from app.py), or with the first job if that comes sooner: starting it before the first page
    made that page compete with the workers' start-up."""
    from risk.jobs import Jobs

    return Jobs(address=scheduler, workers=workers)


#: Results kept in the workspace (as JSON), by Run attribute.
_KEPT = ("assessment", "recommendations")


def _kept_model(kind: str):
    """The model a kept result is read back into."""
    if kind == "recommendations":
        from risk.advice.recommend import RecommendationReport

        return RecommendationReport
    return Assessment


def _known(r: Run, kind: str):
    """A Run's result if it is at hand without computing: in memory, kept in the workspace (computed by
    anyone, before a restart), or shipped with a bundled example; else None."""
    if r.has(kind):
        return getattr(r, kind)
    if kind in _KEPT:
        text = workspace().result(r.fingerprint, kind)
        if text is not None:
            try:
                r.keep(kind, _kept_model(kind).model_validate_json(text))
            except ValueError:  # kept by another release: compute it again
                pass
            else:
                _runs().resize(run_key(r))
                return getattr(r, kind)
        from risk.precomputed import shipped  # a bundled example's, shipped for exactly these inputs and code

        value = shipped(r, kind)
        if value is not None:
            r.keep(kind, value)
            _runs().resize(run_key(r))
            return getattr(r, kind)
    return None


def _result(r: Run, kind: str, label: str):
    """A Run's result: at hand (_known), else computed by a job on Dask while this page shows its progress
    (the job already under way for it, if one is: see pending), or in-process, with a spinner, when
    LYNCHPIN_JOBS=inline or the Run is small. Problems that prevent it are shown on the page, never a
    traceback."""
    value = _known(r, kind)
    if value is not None:
        return value
    jobs = _jobs(r)
    if jobs is None:
        with st.spinner(label):
            value = _or_stop(lambda: getattr(r, kind))
    else:
        results = _or_stop(lambda: _outcome(r, kind, lambda: _wait(_under_way().job(r, kind, jobs), label)))
        _collect(r, kind, results)
        value = getattr(r, kind)
    _keep_results(r)
    return value


def _outcome(r: Run, kind: str, get: Callable[[], dict]) -> dict:
    """A job's results; a job that failed is let go (the next page view starts it again), its error raised.
    Leaving the page while it runs (Streamlit's stop and rerun are not Exceptions) keeps it held (UnderWay)."""
    try:
        return get()
    except Exception:
        _under_way().done(r, kind)
        raise


def _collect(r: Run, kind: str, results: dict) -> None:
    """Keep what a finished job worked out with the Run, and let go of the job."""
    for name, result in results.items():
        r.keep(name, result)
    _under_way().done(r, kind)


def _keep_results(r: Run) -> None:
    """Keep the Run's results in the workspace (for everyone, and for a restart) and re-measure its size."""
    ws = workspace()
    for name in _KEPT:
        if r.has(name):
            ws.keep_result(r.fingerprint, name, getattr(r, name).model_dump_json())
    _runs().resize(run_key(r))


class UnderWay:
    """Jobs started for a Run that no page is waiting on yet (an Overview showing the exact part while the
    simulation runs; the recommendations started once the assessment is in): held here, so Dask does not
    cancel them, until a page collects their results. Keyed by the workspace, the Run's key (its fingerprint
    and names, run_key) and the kind; at most `most` held, the oldest let go first (Dask then
    cancels it if it is still running, and a later page starts it again)."""

    def __init__(self, most: int = 32):
        import threading

        self._jobs: dict[str, object] = {}
        self._lock = threading.Lock()
        self._most = most

    def job(self, r: Run, kind: str, jobs):
        """The job computing `kind` for the Run: the one held, or a new one (then held)."""
        key = self._key(r, kind)
        with self._lock:
            held = self._jobs.get(key)
            if held is not None:
                return held
        job = jobs.submit(r, kind)
        with self._lock:
            job = self._jobs.setdefault(key, job)
            while len(self._jobs) > self._most:
                self._jobs.pop(next(iter(self._jobs)))
        return job

    def held(self) -> list:
        with self._lock:
            return list(self._jobs.values())

    def done(self, r: Run, kind: str) -> None:
        with self._lock:
            self._jobs.pop(self._key(r, kind), None)

    @staticmethod
    def _key(r: Run, kind: str) -> str:
        """Per workspace (as every server-wide cache of workspace data is), Run and kind."""
        ws = workspace()
        return f"{ws.where}/{ws.slug}|{run_key(r)}|{kind}"


@st.cache_resource(show_spinner=False)
def _under_way() -> UnderWay:
    return UnderWay()


def awaits_job(r: Run, kind: str = "assessment") -> bool:
    """Whether the Run's `kind` is neither at hand nor small enough to work out in the server process: a
    Dask job will compute it (nothing is started or connected here)."""
    return _known(r, kind) is None and _jobs(r) is not None


def pending(r: Run, kind: str = "assessment"):
    """None when the Run's `kind` can be had now (at hand, or to be worked out in-process: `_result` then
    returns it); else the Dask job computing it, started now or already under way, so the page can show what
    it has meanwhile (the Overview: the exact part) and come back for the result. A job that has finished is
    collected here and None returned."""
    if _known(r, kind) is not None:
        return None
    jobs = _jobs(r)
    if jobs is None:
        return None
    job = _or_stop(lambda: _under_way().job(r, kind, jobs))
    if not job.done():
        return job
    _collect(r, kind, _or_stop(lambda: _outcome(r, kind, job.result)))
    _keep_results(r)
    return None


def prepare(r: Run, kind: str = "recommendations") -> None:
    """Start `kind` for the Run on Dask now, without waiting (the recommendations once the Overview has its
    assessment), so the page that shows it finds it done or under way. Nothing when it is at hand or would
    be worked out in-process; a failure here is left for that page to show."""
    if _known(r, kind) is not None:
        return
    jobs = _jobs(r)
    if jobs is None or server_config().scheduler:  # a remote scheduler's refusal is said on the page itself
        return
    try:
        _under_way().job(r, kind, jobs)
    except Exception:  # noqa: BLE001 - the page that needs it starts it again and shows what is wrong
        pass


STAGES = {"structure": "exact calculation", "simulation": "simulating years", "recommendations": "measuring fixes"}


def _wait(job, label: str) -> dict:
    """Wait for a job with a progress bar (stage, share done, seconds). The page thread only waits: the work
    is on a Dask worker, so other users' pages are answered meanwhile. Leaving the page drops this wait, not
    the job: it stays held (UnderWay) for the next page that needs it, until enough newer jobs push it out
    and Dask cancels it."""
    import time

    bar = st.progress(0.0, text=label)
    while not job.done():
        job.wait(0.25)
        seen = job.progress()
        seconds = time.monotonic() - job.started
        if seen:
            stage, done, of = seen
            share = done / of if of else 0.0
            bar.progress(min(share, 1.0), text=f"{label} {STAGES.get(stage, stage)}: {done} of {of} ({seconds:.0f} s)")
        else:
            bar.progress(0.0, text=f"{label} waiting for a worker ({seconds:.0f} s)")
    bar.empty()
    return job.result()


def assessment(r: Run) -> Assessment:
    result = _result(r, "assessment", "Assessing the catalog...")
    _keep_snapshot(r)
    return result


def _keep_snapshot(r: Run) -> None:
    """Keep the assessment of a saved catalog version in the workspace (once per Run), so the Overview and
    the reports can say what changed since the last one."""
    cur = current()
    kept = st.session_state.setdefault("snapshots_kept", set())
    mark = (st.session_state["_workspace"][0], cur.key, r.fingerprint)  # per workspace, person and catalog
    if not cur.key.startswith(SAVED_PREFIX) or cur.version is None or mark in kept:
        return
    if r.catalog != cur.catalog:  # a Run of something else (never a saved version's own assessment)
        return
    import hashlib
    import json

    a = r.assessment
    history_sha = hashlib.sha256("\n".join(sorted(x.id for x in r.records)).encode()).hexdigest()
    workspace().save_snapshot(
        cur.key.removeprefix(SAVED_PREFIX),
        cur.version,
        r.fingerprint,
        a.model_dump_json(),
        json.dumps(r.settings.model_dump(mode="json"), sort_keys=True),
        history_sha,
    )
    kept.add(mark)


@st.cache_resource(show_spinner=False, max_entries=32)
def _snapshot_assessment(where: str, snapshot_id: int, _ws) -> Assessment | None:
    """A kept assessment, read and parsed once per process (snapshots never change)."""
    text = _ws.snapshot_assessment(snapshot_id)
    return Assessment.model_validate_json(text) if text else None


def since_last(r: Run):
    """(the previous snapshot, its assessment) of the catalog in use: the latest kept assessment of it
    that is not this Run; None when there is none (a bundled example, or the first assessment)."""
    cur = current()
    if not cur.key.startswith(SAVED_PREFIX):
        return None
    ws = workspace()
    kept = ws.snapshots(cur.key.removeprefix(SAVED_PREFIX), with_assessment=False)
    previous = [x for x in kept if x.fingerprint != r.fingerprint]
    if not previous:
        return None
    last = previous[-1]
    before = _snapshot_assessment(f"{ws.where}/{ws.slug}", last.id, ws)
    return (last, before) if before is not None else None


def trend(r: Run, limit: int = 24) -> list:
    """The kept assessments of the catalog in use, oldest first (at most `limit`), as (snapshot, assessment)."""
    cur = current()
    if not cur.key.startswith(SAVED_PREFIX):
        return []
    ws = workspace()
    kept = ws.snapshots(cur.key.removeprefix(SAVED_PREFIX), with_assessment=False)[-limit:]
    pairs = [(x, _snapshot_assessment(f"{ws.where}/{ws.slug}", x.id, ws)) for x in kept]
    return [(x, y) for x, y in pairs if y is not None]


def recommendations(r: Run):
    assessment(r)
    return _result(r, "recommendations", "Measuring each recommendation...")


def severe(r: Run):
    """The severe-but-plausible scenario set (a job like the assessment: it replays every provider)."""
    return _result(r, "severe", "Working out the severe but plausible scenarios...")


def combined(r: Run, rule_ids: list[str]):
    with st.spinner("Measuring the combined effect..."):
        return _or_stop(lambda: r.combined(tuple(rule_ids)))


class SavedInBetween(Exception):
    """Someone saved the catalog of this name after this session loaded it."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(name)


def save_catalog(name: str, catalog: Catalog, source: str, loaded: str | None = None) -> str:
    """Store a valid catalog and make it this session's; returns its key. `loaded` is the SHA-256 of the
    stored version the edit started from (None for a new name): when someone else has saved a different
    version since, nothing is written and SavedInBetween is raised, so no save overwrites a newer one."""
    text, sha = catalog_to_yaml(catalog), catalog_sha256(catalog)
    if not workspace().save_catalog_if(name, text, source, sha, loaded):
        raise SavedInBetween(name)
    key = SAVED_PREFIX + name
    saved = workspace().catalog(name)
    _loaded()[key] = (sha, text, saved.version if saved else None, source)
    choose(key)
    return key


def save_upload(name: str, catalog: Catalog, source: str) -> str:
    """Store an uploaded catalog under `name`, or under a free variant of it when a different catalog
    already has that name (an upload never replaces another stored catalog); returns the name used."""
    ws = workspace()
    existing = ws.catalog(name)
    if existing is not None and existing.sha256 != catalog_sha256(catalog):
        name = ws.free_name(name)
    save_catalog(name, catalog, source, existing.sha256 if existing and existing.name == name else None)
    return name


def _report(r: Run, key: str, decided: dict, previous, jobs, runs: ByteCache):
    """The report pack of a Run (with these decisions and this comparison), built once, when the first file
    is asked for: as a job on Dask, or in-process for a small Run or with LYNCHPIN_JOBS=inline (jobs None);
    kept with the Run (so the byte-bounded cache counts it). Called from a download, outside the page's
    script: nothing here draws on the page."""
    name = ("report", key)
    kept = r.recalled(name)
    if kept is not None:
        return kept
    from risk.jobs import report_pack

    if jobs is None:
        pack = report_pack(r, decided, previous)
    else:
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        job_key = f"lynchpin-report-{run_key(r)}-{digest}"  # the Run's names are in the key too (run_key)
        pack = jobs.submit_call("report", job_key, report_pack, r, decided, previous, r.results).result()
    r.keep_view(name, pack)
    runs.resize(run_key(r))
    return pack


def tracked() -> dict:
    """What this workspace decided about the recommendations of the catalog in use ({} for an example)."""
    cur = current()
    if not cur.key.startswith(SAVED_PREFIX):
        return {}
    return workspace().tracked(cur.key.removeprefix(SAVED_PREFIX))


def _report_file(r: Run, version: str, fmt: str, pack: Callable[[], object]) -> bytes:
    """One report file, written when its download is clicked (the pack first, if no file was written
    before) and then kept with the Run. The pack is got outside the Run's lock (it may wait for a job), so
    other pages reading the same Run meanwhile do not wait with it."""
    from risk.report import render

    kept = r.recalled(("file", version, fmt))
    if kept is not None:
        return kept
    report = pack()
    return r.remember(("file", version, fmt), lambda: render(report, fmt))


def report_files(r: Run) -> dict[str, tuple[str, Callable[[], bytes]]]:
    """Every report format of the Run: (file name, a function that writes the file). The page opens at once:
    the pack (the recommendations, the severe scenarios and the facts behind every format) is built when
    the first file is asked for (a download button calls the function on its click), once per Run and
    decisions; each file is then kept by the Run's fingerprint. What the workspace says (the decisions, the
    last assessment) is read here, with the page."""
    from risk.presentation.text import safe_filename
    from risk.report import FORMATS

    assessment(r)  # what the reports are of, with anything that prevents it shown on the page
    jobs = _jobs(r)
    config = server_config()
    if jobs is not None and config.scheduler:  # a remote scheduler refused by the settings: said on the page
        from risk.cluster import remote_security

        _or_stop(lambda: remote_security(config.scheduler, config))
    decided = tracked()
    last = since_last(r)
    previous = (f"version {last[0].catalog_version}, {last[0].created_at[:10]}", last[1]) if last else None
    key = repr(sorted((k, v.status, v.owner, v.due, v.until, v.updated_at) for k, v in decided.items()))
    key += f"|since {last[0].id}" if last else ""  # the Run's names are in the job key too (run_key)
    pack = partial(_report, r, key, decided, previous, jobs, _runs())
    stem = safe_filename(r.catalog.organisation) + "-risk-report"
    version = f"{r.fingerprint}:{key}"
    return {name: (stem + f.suffix, partial(_report_file, r, version, name, pack)) for name, f in FORMATS.items()}
