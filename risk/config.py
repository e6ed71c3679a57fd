"""Server configuration: one typed object read from the environment (LYNCHPIN_*), the only place the
dashboard server's deployment settings are read. Modelling settings (simulated years, thresholds...) are
not here: they belong to a catalog or a run (risk.settings). The table in docs/deployment.md is generated
from this model.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ServerConfig", "server_config", "default_database_url"]


def default_database_url(workspace_path: str | None = None) -> str:
    """SQLite in the user's home (or at LYNCHPIN_WORKSPACE, kept for the one-machine set-up)."""
    path = Path(workspace_path).expanduser() if workspace_path else Path.home() / ".lynchpin" / "workspace.sqlite"
    return f"sqlite:///{path}"


class ServerConfig(BaseSettings):
    """Deployment settings of the dashboard server and its storage."""

    model_config = SettingsConfigDict(env_prefix="LYNCHPIN_", extra="ignore", frozen=True)

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

    @property
    def url(self) -> str:
        return self.database_url or default_database_url(self.workspace)

    @property
    def owner_list(self) -> list[str]:
        return [x.strip().casefold() for x in self.owners.split(",") if x.strip()]


def server_config() -> ServerConfig:
    """The configuration as the environment says now (read each time: tests and operators change it)."""
    return ServerConfig()
