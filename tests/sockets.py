"""Sockets for the job cluster's tests: what this process and its children listen on, and a port held busy
the way a running `make run` holds Dask's default dashboard port."""

from __future__ import annotations

import contextlib
import socket

import psutil

__all__ = ["DASK_DASHBOARD_PORT", "hold", "listening"]

#: Where Dask's scheduler serves HTTP when nobody says otherwise.
DASK_DASHBOARD_PORT = 8787


def listening() -> set[tuple[int, str, int]]:
    """(pid, address, port) of every TCP socket listening in this process and its descendants."""
    me = psutil.Process()
    found = set()
    for process in [me, *me.children(recursive=True)]:
        try:
            sockets = process.net_connections(kind="tcp")
        except (psutil.NoSuchProcess, psutil.ZombieProcess):  # a child that ended meanwhile listens on nothing
            continue
        found |= {(process.pid, s.laddr.ip, s.laddr.port) for s in sockets if s.status == psutil.CONN_LISTEN}
    return found


@contextlib.contextmanager
def hold(port: int, host: str = "127.0.0.1"):
    """`host:port` busy while the block runs: listened on here, or already taken by another process (another
    engineer's `make run`, say), which is just as busy. Yields whether this process holds it."""
    held = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        try:
            held.bind((host, port))
            held.listen()
        except OSError:  # taken already: still busy, which is what the caller needs
            mine = False
        else:
            mine = True
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        with probe, contextlib.suppress(OSError):
            probe.bind((host, port))
            raise AssertionError(f"{host}:{port} could not be made busy")
        yield mine
    finally:
        held.close()
