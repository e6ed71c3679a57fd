"""Who may see the dashboard: with sign-in on (LYNCHPIN_AUTH, OpenID Connect through Streamlit's st.login),
a person signs in and sees only the workspaces they are a member of; without it, the server must listen on
this machine only, and everyone is the local user."""

from __future__ import annotations

import ipaddress

import streamlit as st

from risk.config import auth_problem, config_problems, server_config
from risk.dashboard import state
from risk.presentation.text import md_escape

__all__ = ["gate"]


def _loopback(address: str | None) -> bool:
    if not address or address == "localhost":
        return address == "localhost"
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _secrets() -> dict:
    """The contents of Streamlit's secrets files (empty when there are none)."""
    try:
        return st.secrets.to_dict()
    except FileNotFoundError:  # Streamlit's StreamlitSecretNotFoundError: no secrets file at all
        return {}


def gate() -> None:
    bad = config_problems()
    if bad:  # a LYNCHPIN_ variable with a bad value: nothing is served until the operator fixes it
        st.error(
            "The server's configuration has a bad value (a matter for whoever runs the server):\n\n"
            + "\n".join(f"- {md_escape(f'{p.location}: {p.message}; {p.hint}')}" for p in bad)
        )
        st.stop()
    config = server_config()
    problem = auth_problem(config, _secrets()) if config.auth else None
    if problem:  # no page is served until sign-in is configured
        st.error(problem)
        st.stop()
    if not config.auth:
        if not _loopback(st.get_option("server.address")):
            st.error(
                "This dashboard would be open to anyone who can reach this machine, without sign-in. Either serve "
                "it on this machine only (server.address = 127.0.0.1), or turn sign-in on (LYNCHPIN_AUTH=1 and "
                "an [auth] section in .streamlit/secrets.toml); see docs/deployment.md."
            )
            st.stop()
        return
    if not st.user.get("is_logged_in"):
        st.title("Lynchpin")
        st.markdown("Dependency risk assessment for your organisation's critical services. Sign in to continue.")
        st.button("Sign in", type="primary", on_click=st.login, key="sign_in")
        st.stop()
    who = state.person()
    with st.sidebar:
        st.caption(f"Signed in as {md_escape(who or '?')}")
        st.button("Sign out", on_click=st.logout, key="sign_out")
    ws = state.workspace()
    if not ws.may("viewer"):
        mine = state.workspace_choices()
        if mine:
            st.session_state["workspace_slug"] = mine[0]
            st.rerun()
        st.title("No workspace yet")
        st.warning(
            f"You are signed in as {md_escape(who or '?')}, but no workspace has you as a member. Ask an owner "
            "of your team's workspace to add you (Settings, Workspace and members)."
        )
        st.stop()
