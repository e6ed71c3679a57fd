"""Who may see the dashboard: with sign-in on (LYNCHPIN_AUTH, OpenID Connect through Streamlit's st.login),
a person signs in and sees only the workspaces they are a member of; without it, the server must listen on
this machine only, and everyone is the local user."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

import streamlit as st

from risk.config import auth_problem, config_problems, server_config
from risk.dashboard import state, uploads
from risk.presentation.text import md_escape

__all__ = ["gate", "foreign_request"]


def _loopback(address: str | None) -> bool:
    if not address or address == "localhost":
        return address == "localhost"
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


#: Request headers that name the client behind a proxy.
_FORWARDED = ("x-forwarded-for", "x-real-ip", "forwarded")


def foreign_request(headers: Mapping[str, str]) -> str | None:
    """Why a request to a server without sign-in does not come from this machine, or None. The server
    listens on loopback only, but that alone does not keep others out: a web page the local user opens can
    point its own host name at 127.0.0.1 (DNS rebinding: the browser then sends that name as Host), and a
    reverse proxy on this machine passes on anyone's requests (it names them in X-Forwarded-For or
    Forwarded). A request without a Host header (not a browser) is let through."""
    found = {k.lower(): v for k, v in headers.items()}
    host = found.get("host", "").strip()
    if host:
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        name = name.strip("[]").lower()
        if not (name == "localhost" or name.endswith(".localhost") or _loopback(name)):
            return f"the address in the browser names '{host}', not this machine"
    for header in _FORWARDED:
        for part in found.get(header, "").split(","):
            client = part.strip()
            if header == "forwarded":
                client = next(
                    (x.split("=", 1)[1] for x in client.split(";") if x.strip().lower().startswith("for=")), ""
                )
            client = client.strip().strip('"')
            if client.startswith("["):  # [IPv6]:port
                client = client[1:].split("]", 1)[0]
            elif client.count(":") == 1:  # IPv4:port
                client = client.split(":")[0]
            if client and not _loopback(client):
                return f"the request came through a proxy for {client}"
    return None


def _headers() -> Mapping[str, str]:
    try:
        return dict(st.context.headers)
    except Exception:  # noqa: BLE001 - no request headers (a test's script run): nothing to check
        return {}


def _secrets() -> dict:
    """The contents of Streamlit's secrets files (empty when there are none)."""
    try:
        return st.secrets.to_dict()
    except FileNotFoundError:  # Streamlit's StreamlitSecretNotFoundError: no secrets file at all
        return {}


def _refused_uploads() -> None:
    """Why an upload of this session was not kept (over a budget; risk.dashboard.uploads), shown once."""
    for note in uploads.refusals():
        st.error(md_escape(note), icon=":material/upload_file:")


def gate() -> None:
    uploads.install()  # once per server process: the upload route's budgets and sign-in rule
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
        foreign = foreign_request(_headers())
        if foreign:
            st.error(
                f"This dashboard answers only this machine's own browser without sign-in, and {md_escape(foreign)}. "
                "Open it as http://localhost:8501 on this machine, or turn sign-in on (LYNCHPIN_AUTH=1) to "
                "serve others; see docs/deployment.md."
            )
            st.stop()
        _refused_uploads()
        return
    if not st.user.get("is_logged_in"):
        uploads.signed_out()
        st.title("Lynchpin")
        st.markdown("Dependency risk assessment for your organisation's critical services. Sign in to continue.")
        st.button("Sign in", type="primary", on_click=st.login, key="sign_in")
        st.stop()
    if state.unverified_email():
        uploads.signed_out()
        st.title("E-mail address not verified")
        st.error(
            "Your sign-in provider says the e-mail address of this account is not verified, and Lynchpin gives "
            "access by e-mail address. Verify the address with your provider (or ask its administrator), then "
            "sign in again."
        )
        st.button("Sign out", on_click=st.logout, key="sign_out_unverified")
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
            # Not a switch: nothing of the default workspace was shown (the person is not in it), so the
            # address's saved: catalog is kept, to be found in the person's own workspace.
            st.session_state.pop("_workspace", None)
            st.rerun()
        uploads.signed_out()
        st.title("No workspace yet")
        st.warning(
            f"You are signed in as {md_escape(who or '?')}, but no workspace has you as a member. Ask an owner "
            "of your team's workspace to add you (Settings, Workspace and members)."
        )
        st.stop()
    uploads.signed_in()  # signed in, verified and a member: this session's uploads are let in
    _refused_uploads()
