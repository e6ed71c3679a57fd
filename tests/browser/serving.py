"""Start and stop `streamlit run app.py` for the browser tests (event-driven wait, bounded)."""

from __future__ import annotations

import os
import selectors
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.paths import PROJECT_ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def need_browser() -> None:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run must install it")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    pytest.importorskip("playwright")


@contextmanager
def streamlit(
    port: int, env: dict[str, str], *args: str, launcher: tuple[str, ...] = ("-m", "streamlit", "run")
) -> Iterator[str]:
    """The dashboard on 127.0.0.1:`port` with `env`; yields its base address. `launcher`: how it is started
    (`streamlit run`, or `make run`'s ("-m", "risk.dashboard.serve"))."""
    proc = subprocess.Popen(
        [
            sys.executable,
            *launcher,
            str(PROJECT_ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            *args,
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    output = []
    try:
        while True:
            if not sel.select(timeout=90):
                pytest.fail("streamlit did not start within 90 s:\n" + "".join(output))
            line = proc.stdout.readline()
            output.append(line)
            if any(marker in line for marker in ("URL:", "You can now view", "server started on")):
                break
            if line == "" and proc.poll() is not None:
                pytest.fail("streamlit exited:\n" + "".join(output))
        # Keep reading what the server prints: a pipe nobody drains fills up, and the server then blocks on
        # its next log line (a download computed in a thread logs; it would never finish).
        threading.Thread(target=lambda: [output.append(x) for x in proc.stdout], daemon=True).start()
        yield f"http://127.0.0.1:{port}"
    finally:
        if os.environ.get("LYNCHPIN_SHOW_SERVER_LOG"):
            print("".join(output[-200:]))
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        proc.stdout.close()
