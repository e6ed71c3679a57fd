"""The upload route of a real server (started as `make run` starts it, on a free loopback port): a session that
has not signed in stores nothing and the process does not grow with what is sent; the metrics say nothing
with sign-in on; a local user past the per-session budget is refused and told why on the page."""

from __future__ import annotations

import contextlib
import os

import httpx
import psutil
import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect

from tests.browser.serving import free_port, streamlit
from tests.paths import PROJECT_ROOT
from tests.sockets import listening

pytestmark = pytest.mark.timeout(240)
MIB = 1024 * 1024
SERVE = ("-m", "risk.dashboard.serve")


def _server_pid(port: int) -> int:
    return next(pid for pid, _, p in listening() if p == port)


@contextlib.contextmanager
def _session(port: int):
    """A browser session as an attacker makes one: the XSRF cookie from the health check, a websocket, one
    page run (the Sign in page when sign-in is on). Yields the client, the websocket and the session id."""
    with (
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client,
        connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"]) as ws,
    ):
        assert client.get("/_stcore/health").status_code == 200
        yield client, ws, _run(ws)


def _run(ws) -> str:
    """Run the page once on `ws`; its session id."""
    run = BackMsg()
    run.rerun_script.query_string = ""
    run.rerun_script.page_script_hash = ""
    ws.send(run.SerializeToString())
    session = None
    while True:
        msg = ForwardMsg.FromString(ws.recv(timeout=120))
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            session = msg.new_session.initialize.session_id
        if kind == "script_finished":
            return session


def _put(client: httpx.Client, session: str, file_id: str, data: bytes) -> httpx.Response:
    return client.put(
        f"/_stcore/upload_file/{session}/{file_id}",
        headers={"X-Xsrftoken": client.cookies["_streamlit_xsrf"]},
        files={"file": ("catalog.yaml", data, "application/octet-stream")},
    )


def test_a_session_not_signed_in_stores_nothing_and_the_server_does_not_grow(tmp_path):
    env = {
        "LYNCHPIN_AUTH": "1",
        "LYNCHPIN_JOBS": "inline",
        "LYNCHPIN_DATABASE_URL": f"sqlite:///{tmp_path / 'team.sqlite'}",
    }
    port = free_port()
    secrets = str(PROJECT_ROOT / "deploy" / "demo-secrets.toml")
    with streamlit(port, env, "--secrets.files", secrets, launcher=SERVE), _session(port) as (client, ws, session):
        server = psutil.Process(_server_pid(port))
        before = server.memory_info().rss
        data = os.urandom(8 * MIB)
        answers = [_put(client, session, f"flood{i}", data) for i in range(12)]  # 96 MiB sent
        assert [a.status_code for a in answers] == [403] * 12, answers[0].text
        assert "Sign in" in answers[0].text
        grown = server.memory_info().rss - before
        assert grown < 24 * MIB, f"the server grew by {grown / MIB:.0f} MiB for 96 MiB refused"
        metrics = client.get("/_stcore/metrics").text
        assert "UploadedFileManager" not in metrics and "session" not in metrics, metrics[:500]


def test_a_local_user_past_the_session_budget_is_refused_and_told_why(tmp_path):
    env = {
        "LYNCHPIN_JOBS": "inline",
        "LYNCHPIN_WORKSPACE": str(tmp_path / "workspace.sqlite"),
        "LYNCHPIN_MAX_INPUT_MB": "1",
        "LYNCHPIN_UPLOAD_SESSION_MB": "2",
        "LYNCHPIN_UPLOAD_TOTAL_MB": "2",
    }
    port = free_port()
    with streamlit(port, env, launcher=SERVE), _session(port) as (client, ws, session):
        assert _put(client, session, "a", b"a" * MIB).status_code == 204  # the largest input, framed
        assert _put(client, session, "b", b"b" * (MIB - 1)).status_code == 204
        assert _put(client, session, "c", b"c").status_code == 204  # exactly 2 MiB held
        refused = _put(client, session, "d", b"d")  # one byte past the session's budget
        assert refused.status_code == 413 and "LYNCHPIN_UPLOAD_SESSION_MB" in refused.text
        too_big = _put(client, session, "e", b"e" * (2 * MIB + 1))  # past maxUploadSize (2 MiB), unread
        assert too_big.status_code == 413 and "File too large" in too_big.text
        shown = b""
        while b"was not kept" not in shown:  # the page runs again by itself and says why
            shown += ws.recv(timeout=120)
