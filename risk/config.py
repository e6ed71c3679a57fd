"""Deployment configuration: one typed object read from the environment (LYNCHPIN_*), the only place any
LYNCHPIN_ variable is read (the dashboard server's storage and jobs, the work limits, the upload sandbox's
budgets, the exact engine's and the simulation's choices). Modelling settings (simulated years,
thresholds...) are not here: they belong to a catalog or a run (risk.settings). The table in
docs/deployment.md is generated from this model (tools/gen_docs.py; tests/test_docs.py checks it is current
and that every LYNCHPIN_ variable the docs or the code name is in it).

A bad value is refused as a whole (`config_problems` says which variable, the value and what is allowed):
the CLI stops with that line and exit 2, the dashboard shows it. Code that must not fail on import (the
limits read at import time) uses `config_or_defaults`, which falls back to the defaults: the interfaces
refuse to run before those matter.

The model reads the environment itself (`ServerConfig()`: LYNCHPIN_ + the field's name in any case, an empty
value counting as unset, values given to the constructor winning) rather than through pydantic-settings,
whose import (asyncio, ssl, argparse, dotenv) cost every command a fifteenth of a second.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from risk.problems import InputError, Location, Problem

__all__ = [
    "ServerConfig",
    "server_config",
    "config_or_defaults",
    "config_problems",
    "check_config",
    "env_name",
    "allowed",
    "default_database_url",
    "auth_problem",
]

PREFIX = "LYNCHPIN_"


def default_database_url(workspace_path: str | None = None) -> str:
    """SQLite in the user's home (or at LYNCHPIN_WORKSPACE, kept for the one-machine set-up)."""
    path = Path(workspace_path).expanduser() if workspace_path else Path.home() / ".lynchpin" / "workspace.sqlite"
    return f"sqlite:///{path}"


class ServerConfig(BaseModel):
    """Deployment settings of the dashboard server and its storage: `ServerConfig()` reads them from the
    environment (see the module's notes); keyword arguments override what it says."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    def __init__(self, **values: Any) -> None:
        super().__init__(**(_environment() | values))

    database_url: str | None = Field(
        default=None,
        description="Where workspaces are stored: a SQLAlchemy URL such as "
        "postgresql+psycopg://user:password@host/lynchpin. Default: SQLite at LYNCHPIN_WORKSPACE.",
    )
    workspace: str | None = Field(
        default=None,
        description="Path of the SQLite file for the one-machine set-up (default ~/.lynchpin/workspace.sqlite); "
        "ignored when LYNCHPIN_DATABASE_URL is set.",
    )
    default_workspace: str = Field(
        default="default",
        description="The workspace (team) a person lands in when they belong to none yet, and the only one "
        "without sign-in.",
    )
    auth: bool = Field(
        default=False,
        description="Require OpenID Connect sign-in (configured in .streamlit/secrets.toml under [auth]). "
        "Without it the server answers on localhost only and everyone is the local user.",
    )
    owners: str = Field(
        default="",
        description="Comma-separated e-mail addresses that are owners of every workspace they open (the "
        "first administrators); everyone else needs to be added by an owner.",
    )

    jobs: Literal["dask", "inline"] = Field(
        default="dask",
        description="Where the heavy work runs: 'dask' (worker processes, off the request path: every core "
        "used, one user's big catalog never stalls another's page) or 'inline' (in the server process: "
        "for tests and single-user laptops).",
    )
    inline_up_to: float = Field(
        default=1_000_000,
        ge=0,
        description="With LYNCHPIN_JOBS=dask, work this small still runs in the server process: an assessment "
        "(with its recommendations, scenarios and reports) whose simulation is expected to draw at most this "
        "many dependency outages plus service-years (simulated years times services). The bundled examples are "
        "below it (well under a second an assessment); 0 sends everything to Dask.",
    )
    scheduler: str | None = Field(
        default=None,
        description="Address of a Dask scheduler (tls://host:8786) that runs the heavy work (assessments, "
        "recommendations, reports) when one machine is not enough. Default: a local Dask cluster started "
        "with the server, one worker process per core (TLS on 127.0.0.1 with credentials made at start-up).",
    )
    scheduler_tls_ca_file: str | None = Field(
        default=None,
        description="PEM file of the certificate authority of the remote scheduler's cluster (its own, used for "
        "nothing else: every certificate it signed is let in). Needed for a tls:// LYNCHPIN_SCHEDULER.",
    )
    scheduler_tls_cert: str | None = Field(
        default=None,
        description="PEM file of this server's certificate for the remote scheduler, signed by that authority. "
        "Needed for a tls:// LYNCHPIN_SCHEDULER.",
    )
    scheduler_tls_key: str | None = Field(
        default=None,
        description="PEM file of the private key of LYNCHPIN_SCHEDULER_TLS_CERT (not needed when that file "
        "holds the key too).",
    )
    scheduler_insecure: bool = Field(
        default=False,
        description="Allow a LYNCHPIN_SCHEDULER without TLS (tcp://). Anyone who reaches such a scheduler runs "
        "code on its workers with this server's data: only where that risk is accepted.",
    )
    workers: int | None = Field(
        default=None,
        ge=1,
        le=256,
        description="Worker processes of the local Dask cluster (default: one per core).",
    )
    cache_mb: int = Field(
        default=256,
        ge=16,
        le=1_048_576,
        description="Memory the server may keep for finished results (assessments, recommendations, reports), "
        "in MiB. Past it, the least recently used are dropped from memory; they stay in the workspace and "
        "are read back when asked for.",
    )
    memory_mb: int = Field(
        default=1024,
        ge=256,
        le=4_194_304,
        description="Memory cap of the server process, in MiB, that the load benchmark checks; the result "
        "cache (LYNCHPIN_CACHE_MB) and the work done on Dask workers keep it there.",
    )
    status_feeds: str = Field(
        default="",
        description="Provider status feeds the server polls for incidents under way, comma-separated http(s) "
        "addresses: a Statuspage /api/v2/incidents/unresolved.json, a Microsoft Graph service-health export, "
        "or Google Cloud's incidents.json. An open incident that hits the catalog in use is shown to everyone "
        "on every page and fills in the Incident now page. Empty (the default): no outbound call is made.",
    )
    status_poll_minutes: int = Field(
        default=5, ge=1, le=1440, description="How often the status feeds are polled, in minutes."
    )

    # Work limits (risk.limits, risk.catalog): how much one assessment or one input may ask for.
    max_input_mb: float = Field(
        default=10,
        gt=0,
        allow_inf_nan=False,
        description="Largest catalog or outage file accepted, in MB (MiB); also the most read from a status feed.",
    )
    max_simulated_outages: float = Field(
        default=10_000_000,
        gt=0,
        allow_inf_nan=False,
        description="Expected dependency outages over all simulated years one assessment may draw (about 50 "
        "bytes of memory each).",
    )
    max_service_years: float = Field(
        default=120_000_000,
        gt=0,
        allow_inf_nan=False,
        description="Services times simulated years one assessment may ask for (8 bytes each).",
    )
    max_structure_items: float = Field(
        default=1_000_000,
        gt=0,
        allow_inf_nan=False,
        description="Items in the requirement structure (every service, dependency and requirement item).",
    )
    max_diagram_mb: float = Field(
        default=768,
        gt=0,
        allow_inf_nan=False,
        description="Memory the exact engine's decision diagrams may take, in MiB.",
    )
    max_cut_sets: float = Field(
        default=1_000_000,
        gt=0,
        allow_inf_nan=False,
        description="Minimal cut sets the exact engine may work through for one service, partial lists included.",
    )
    upload_mb: float = Field(
        default=500,
        gt=0,
        allow_inf_nan=False,
        description="Memory one upload's reading may take in its child process on top of the reader's own, in MiB.",
    )
    upload_seconds: float = Field(
        default=30,
        gt=0,
        allow_inf_nan=False,
        description="Wall-clock time one upload's reading may take, in seconds.",
    )
    uploads_at_once: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Uploads read at once in one server process (each in a child process within upload_mb); more "
        "wait for a place within their time budget.",
    )
    # What the dashboard's upload route may hold in memory (risk.dashboard.uploads): Streamlit keeps every
    # uploaded file in the server process until its session ends.
    upload_session_mb: float | None = Field(
        default=None,
        gt=0,
        allow_inf_nan=False,
        description="Uploaded files one browser session may hold in the server's memory at once, in MiB. "
        "Default: 8 times LYNCHPIN_MAX_INPUT_MB (80), room for every uploader of the dashboard (seven) "
        "holding a file of the largest size accepted. At least LYNCHPIN_MAX_INPUT_MB.",
    )
    upload_total_mb: float | None = Field(
        default=None,
        gt=0,
        allow_inf_nan=False,
        description="Uploaded files all sessions together may hold in the server's memory, in MiB. Default: "
        "4 times the per-session budget (320). At least the per-session budget.",
    )
    # Engine choices (risk.engine): results do not depend on them.
    bdd: Literal["auto", "python", "modular", "fast", "cudd"] = Field(
        default="auto",
        description="Exact engine: 'auto' (the cheapest that fits, escalating) or one forced: 'python', 'fast' "
        "or 'cudd' (where dd's CUDD extension is installed).",
    )
    threads: int | None = Field(
        default=None,
        ge=1,
        le=256,
        description="Worker threads of the simulation (default: one per core, at most 8).",
    )
    simulation_memory_mb: int = Field(
        default=1024,
        ge=1,
        le=4_194_304,
        description="Memory the simulation may keep in shared timelines, in MiB; over it, those needed again "
        "latest are dropped and computed again when needed.",
    )

    @property
    def max_input_bytes(self) -> int:
        return int(self.max_input_mb * 1024 * 1024)

    @field_validator("upload_session_mb")
    @classmethod
    def _session_fits_one_input(cls, value: float | None, info: ValidationInfo) -> float | None:
        largest = info.data.get("max_input_mb")
        if value is not None and largest is not None and value < largest:
            raise ValueError(
                f"below LYNCHPIN_MAX_INPUT_MB ({largest:g}): a file of the largest size accepted could never be "
                "uploaded"
            )
        return value

    @field_validator("upload_total_mb")
    @classmethod
    def _total_fits_one_session(cls, value: float | None, info: ValidationInfo) -> float | None:
        largest = info.data.get("max_input_mb")
        session = info.data.get("upload_session_mb") or (8 * largest if largest is not None else None)
        if value is not None and session is not None and value < session:
            raise ValueError(
                f"below the per-session budget ({session:g} MiB, LYNCHPIN_UPLOAD_SESSION_MB): one session could "
                "never use its budget"
            )
        return value

    @property
    def upload_session_bytes(self) -> int:
        """Bytes of uploaded files one session may hold (LYNCHPIN_UPLOAD_SESSION_MB, default 8 x max input)."""
        mb = self.upload_session_mb if self.upload_session_mb is not None else 8 * self.max_input_mb
        return int(mb * 1024 * 1024)

    @property
    def upload_total_bytes(self) -> int:
        """Bytes of uploaded files all sessions may hold (LYNCHPIN_UPLOAD_TOTAL_MB, default 4 x per session)."""
        if self.upload_total_mb is not None:
            return int(self.upload_total_mb * 1024 * 1024)
        return 4 * self.upload_session_bytes

    @property
    def status_feed_list(self) -> list[str]:
        return [x.strip() for x in self.status_feeds.split(",") if x.strip()]

    @property
    def url(self) -> str:
        return self.database_url or default_database_url(self.workspace)

    @property
    def owner_list(self) -> list[str]:
        return [x.strip().casefold() for x in self.owners.split(",") if x.strip()]


def _environment() -> dict[str, str]:
    """The fields the environment sets: LYNCHPIN_<FIELD> in any case (as pydantic-settings read them), an
    empty value counting as unset."""
    fields = {env_name(name): name for name in ServerConfig.model_fields}
    found = {}
    for key, value in sorted(os.environ.items()):
        name = fields.get(key.upper())
        if name is not None and value != "":
            found[name] = value
    return found


def server_config() -> ServerConfig:
    """The configuration as the environment says now: tests and operators change it, so it is read again
    whenever a LYNCHPIN_ variable changes (and only then: every page view asks several times)."""
    return _config(tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("LYNCHPIN_"))))


@lru_cache(maxsize=16)
def _config(_environment: tuple) -> ServerConfig:
    return ServerConfig()


def env_name(field: str) -> str:
    """The environment variable that sets `field`."""
    return f"{PREFIX}{field.upper()}"


def allowed(field: str) -> str:
    """What `field` accepts, in words, from its declared type and bounds (used in messages and the docs)."""
    import typing

    info = ServerConfig.model_fields[field]
    kinds = [info.annotation]
    if typing.get_origin(info.annotation) is not Literal:
        kinds = [a for a in typing.get_args(info.annotation) if a is not type(None)] or kinds
    if typing.get_origin(kinds[0]) is Literal:
        return "one of " + ", ".join(typing.get_args(kinds[0]))
    if kinds[0] is bool:
        return "true or false (1/0, yes/no, on/off)"
    if kinds[0] in (int, float):
        bounds = []
        for m in info.metadata:
            for attr, word in (("gt", "above"), ("ge", "at least"), ("lt", "below"), ("le", "at most")):
                if getattr(m, attr, None) is not None:
                    bounds.append(f"{word} {getattr(m, attr):,}")
        noun = "a whole number" if kinds[0] is int else "a number"
        return noun + (f" {' and '.join(bounds)}" if bounds else "")
    return "text"


def config_problems() -> list[Problem]:
    """Every LYNCHPIN_ variable with a bad value, one located problem each (where: the variable; what: its
    value and why; how to fix: what is allowed, or unset it for the default). Empty when the configuration
    is valid."""
    try:
        server_config()
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            field = str(err["loc"][0]) if err["loc"] else ""
            if field not in ServerConfig.model_fields:
                continue
            name = env_name(field)
            default = ServerConfig.model_fields[field].default
            problems.append(
                Problem(
                    f"{os.environ.get(name, err.get('input'))!r} is not allowed ({err['msg'][:1].lower()}{err['msg'][1:]})",
                    Location(name),
                    f"set it to {allowed(field)}, or unset it for the default"
                    + (f" ({default})" if default not in (None, "") else ""),
                )
            )
        return problems
    return []


def check_config() -> ServerConfig:
    """The configuration, or InputError with every bad LYNCHPIN_ variable located."""
    problems = config_problems()
    if problems:
        raise InputError(problems)
    return server_config()


def config_or_defaults() -> ServerConfig:
    """The configuration, or the defaults when a LYNCHPIN_ value is bad: for what is read while modules are
    imported, so that the interfaces get to report the bad value (check_config) instead of a traceback."""
    try:
        return server_config()
    except ValidationError:
        return ServerConfig.model_construct()


#: What Streamlit's st.login needs: these in [auth], and a provider's three either there or in [auth.NAME].
AUTH_KEYS = ("redirect_uri", "cookie_secret")
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")


def auth_problem(config: ServerConfig, secrets: Mapping | None) -> str | None:
    """Why sign-in cannot work, or None: with LYNCHPIN_AUTH on, `secrets` (the contents of
    .streamlit/secrets.toml) must hold an [auth] section with redirect_uri, cookie_secret and one provider's
    client_id, client_secret and server_metadata_url. Checked before anything is served, so a server set up
    for sign-in without its configuration refuses to run instead of failing when someone clicks Sign in."""
    if not config.auth:
        return None
    fix = (
        "add it to .streamlit/secrets.toml as docs/deployment.md shows (or unset LYNCHPIN_AUTH to serve on this "
        "machine only, without sign-in)"
    )
    auth = (secrets or {}).get("auth")
    if not isinstance(auth, Mapping) or not auth:
        return f"LYNCHPIN_AUTH is on but there is no [auth] section in .streamlit/secrets.toml: {fix}"

    def filled(value: object) -> bool:
        return isinstance(value, str) and bool(value.strip())

    def missing(section: Mapping, keys: tuple[str, ...]) -> list[str]:
        return [k for k in keys if not filled(section.get(k))]

    gaps = missing(auth, AUTH_KEYS)
    providers = [auth] + [v for v in auth.values() if isinstance(v, Mapping)]
    if all(missing(p, PROVIDER_KEYS) for p in providers):
        gaps += [f"{k} (in [auth] or [auth.PROVIDER])" for k in missing(auth, PROVIDER_KEYS)] or [
            "a provider's client_id, client_secret and server_metadata_url"
        ]
    if gaps:
        return f"LYNCHPIN_AUTH is on but the [auth] section of .streamlit/secrets.toml lacks {', '.join(gaps)}: {fix}"
    return None
