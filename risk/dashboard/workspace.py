"""The dashboard's workspace: the team storage of risk.store, opened as risk.config says (SQLite at
LYNCHPIN_WORKSPACE for one machine, or LYNCHPIN_DATABASE_URL for a team server). Only valid catalogs are
saved as versions (an invalid edit never replaces the last valid one); drafts keep the user's typing.
Nothing leaves the machine or the team's database.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from risk.config import default_database_url, server_config
from risk.store import LOCAL_USER, Store, StoredCatalog
from risk.store import Workspace as TeamWorkspace

__all__ = ["Workspace", "StoredCatalog", "open_store", "TeamWorkspace"]


@lru_cache(maxsize=8)
def open_store(url: str) -> Store:
    """One Store per database and process (its migrations run once, its connections are pooled)."""
    return Store(url)


def Workspace(  # noqa: N802 - the 0.1 name, still what pages and tests call
    location: str | Path | None = None, person: str = LOCAL_USER, slug: str | None = None
) -> TeamWorkspace:
    """The workspace `slug` (default: the configured default) as `person` sees it; `location` is a SQLite
    file to use instead of the configured database."""
    config = server_config()
    url = default_database_url(str(location)) if location else config.url
    return open_store(url).workspace(slug or config.default_workspace, person, owners=tuple(config.owner_list))
