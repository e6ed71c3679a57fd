"""Who is using this browser session and in which workspace: the signed-in person (or the local user), the
workspace chosen among theirs, and the tab's own draft token. A switch of workspace or person drops
everything the session held of the last one."""

from __future__ import annotations

import streamlit as st

from risk.config import server_config
from risk.dashboard.state.key import KeyKind
from risk.dashboard.workspace import TeamWorkspace, Workspace, open_store
from risk.store import LOCAL_USER
from risk.store.workspace import Role

__all__ = ["person", "unverified_email", "workspace", "draft_session", "workspace_choices", "may", "scope"]


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


def scope() -> tuple[str, str, str] | None:
    """(database, workspace, person) of this session: what every per-session cache is keyed by, so nothing
    opened as one person in one workspace stands in for another's (None before the workspace is opened)."""
    held = st.session_state.get("_workspace")
    return held[0] if held is not None else None


#: What a session holds of one workspace: dropped when the session's workspace or person changes.
_HELD = ("loaded_versions", "snapshots_kept", "conflict", "settings_seen", "log_notes")


def _forget_workspace() -> None:
    """Forget the last workspace's catalogs, snapshots and pending choices, so nothing opened as one person
    in one workspace is shown in another (or after signing out)."""
    for name in _HELD:
        st.session_state.pop(name, None)
    chosen = st.session_state.get("catalog_key") or st.query_params.get("catalog") or ""
    if str(chosen).partition(":")[0] == KeyKind.SAVED:  # a valid name or not: it named this workspace's
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


def may(role: Role) -> bool:
    """Whether this session's person has at least `role` in the workspace in use."""
    return workspace().may(role)
