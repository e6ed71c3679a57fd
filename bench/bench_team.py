"""Load benchmark of the dashboard server (issue 17): N sessions walk six pages at once, driven through
Streamlit's own websocket protocol (no browser: what is measured is the server). Prints, for N = 1, 5, 10
and 20, the server-side page times (p50 / p95, from asking for a page to its script finishing), the CPU
seconds of the server and of its Dask workers, and the server's memory; then the same while one more user
opens a 300-service catalog that has to be computed, with how soon that user first sees progress.

    python bench/bench_team.py [--users 1,5,10,20] [--walks 2]

Goals (issue 17, on a 2-core machine): 20 users on cached pages p95 <= 2 s; while one user computes a
300-service catalog, another's cached page at most 0.5 s slower than idle, and the computing user sees
progress; server memory under LYNCHPIN_MEMORY_MB (default 1,024 MiB).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from tornado.websocket import websocket_connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic import synthetic_document  # noqa: E402
from risk.catalog import catalog_from_dict  # noqa: E402
from risk.catalog.load import catalog_sha256  # noqa: E402
from risk.catalog.writers import catalog_to_yaml  # noqa: E402
from risk.store import Store  # noqa: E402

PAGES = ["overview", "services", "spof", "dependency_map", "recommendations", "scenarios"]
BIG = "saved:big-300"
#: Three more 300-service catalogs (other seeds), opened together at the end to check the memory cap.
SEVERAL = [f"saved:big-300-{i}" for i in (1, 2, 3)]


class Session:
    """One browser tab, as the server sees it: a websocket that asks for pages and waits for each to finish."""

    def __init__(self, port: int):
        self.port = port
        self.ws = None

    async def open(self) -> None:
        self.ws = await websocket_connect(f"ws://127.0.0.1:{self.port}/_stcore/stream", subprotocols=["streamlit"])

    async def page(self, name: str, catalog: str | None = None, on_progress=None) -> float:
        """Seconds from asking for a page to the server saying its script finished."""
        msg = BackMsg()
        msg.rerun_script.page_name = name
        msg.rerun_script.query_string = f"catalog={catalog}" if catalog else ""
        started = time.perf_counter()
        await self.ws.write_message(msg.SerializeToString(), binary=True)
        while True:
            raw = await self.ws.read_message()
            if raw is None:
                raise RuntimeError("the server closed the session")
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "delta" and on_progress and fwd.delta.new_element.WhichOneof("type") == "progress":
                on_progress(time.perf_counter() - started)
            if kind == "script_finished":
                return time.perf_counter() - started

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()


def _serve(port: int, env: dict[str, str]) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the dashboard did not start within 90 s")


def _usage(proc: psutil.Process) -> tuple[float, float, float]:
    """(server CPU seconds, workers' CPU seconds, server memory MiB)."""
    server = proc.cpu_times()
    workers = 0.0
    for child in proc.children(recursive=True):
        try:
            t = child.cpu_times()
            workers += t.user + t.system
        except psutil.Error:
            pass
    return server.user + server.system, workers, proc.memory_info().rss / 2**20


async def _walk(port: int, walks: int, times: list[float]) -> None:
    session = Session(port)
    await session.open()
    try:
        for _ in range(walks):
            for name in PAGES:
                times.append(await session.page(name))
    finally:
        session.close()


async def _compute_big(port: int, seen: dict, catalog: str = BIG) -> None:
    session = Session(port)
    await session.open()
    try:
        seen["total"] = await session.page(
            "overview", catalog, on_progress=lambda t: seen.setdefault("first_progress", t)
        )
        for name in PAGES[1:]:  # the rest of the walk on the big catalog: recommendations, scenarios...
            await session.page(name, catalog)
    finally:
        session.close()


async def _several(port: int, proc: psutil.Process) -> float:
    """Three more big catalogs walked at once; the server's memory at the end, in MiB."""
    await asyncio.gather(*[_compute_big(port, {}, key) for key in SEVERAL])
    return _usage(proc)[2]


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


async def _round(port: int, proc: psutil.Process, users: int, walks: int, big: bool) -> dict:
    times: list[float] = []
    seen: dict = {}
    before = _usage(proc)
    started = time.perf_counter()
    tasks = [_walk(port, walks, times) for _ in range(users)]
    if big:
        tasks.append(_compute_big(port, seen))
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - started
    after = _usage(proc)
    return {
        "p50": _pct(times, 50),
        "p95": _pct(times, 95),
        "server_cpu": after[0] - before[0],
        "worker_cpu": after[1] - before[1],
        "memory": after[2],
        "wall": wall,
        **seen,
    }


def _prepare(folder: Path) -> dict[str, str]:
    """A workspace holding the 300-service catalog as a saved version, and the server's environment."""
    url = f"sqlite:///{folder / 'workspace.sqlite'}"
    doc = synthetic_document(services=300, dependencies=120, edges=1200)
    catalog = catalog_from_dict(doc)
    ws = Store(url).workspace("default")
    ws.save_catalog("big-300", catalog_to_yaml(catalog), "bench/bench_team.py", catalog_sha256(catalog))
    for i, key in enumerate(SEVERAL, start=1):
        other = catalog_from_dict(synthetic_document(services=300, dependencies=120, edges=1200, seed=42 + i))
        ws.save_catalog(
            key.removeprefix("saved:"), catalog_to_yaml(other), "bench/bench_team.py", catalog_sha256(other)
        )
    return {"LYNCHPIN_WORKSPACE": str(folder / "workspace.sqlite"), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", default="1,5,10,20")
    parser.add_argument("--walks", type=int, default=2, help="walks of the six pages per user")
    parser.add_argument("--port", type=int, default=8599)
    args = parser.parse_args()
    counts = [int(x) for x in args.users.split(",")]
    cap = int(os.environ.get("LYNCHPIN_MEMORY_MB", "1024"))
    with tempfile.TemporaryDirectory() as tmp:
        env = _prepare(Path(tmp))
        server = _serve(args.port, env)
        proc = psutil.Process(server.pid)
        try:
            warm = asyncio.run(_round(args.port, proc, 1, 1, False))  # computes the example once
            print(f"first walk (computes the NHS example): {warm['wall']:.1f} s")
            print(f"{'users':>5} {'p50':>7} {'p95':>7} {'server CPU':>11} {'workers CPU':>12} {'memory':>9}")
            idle = {}
            for n in counts:
                r = asyncio.run(_round(args.port, proc, n, args.walks, False))
                idle[n] = r
                print(
                    f"{n:>5} {r['p50']:6.2f}s {r['p95']:6.2f}s {r['server_cpu']:10.1f}s {r['worker_cpu']:11.1f}s "
                    f"{r['memory']:7.0f}MiB"
                )
            print("while one more user computes the 300-service catalog:")
            n = 5 if 5 in counts else counts[0]
            r = asyncio.run(_round(args.port, proc, n, args.walks, True))
            print(
                f"{n:>5} {r['p50']:6.2f}s {r['p95']:6.2f}s {r['server_cpu']:10.1f}s {r['worker_cpu']:11.1f}s "
                f"{r['memory']:7.0f}MiB; the computing user: first progress after "
                f"{r.get('first_progress', float('nan')):.1f} s, page done after {r.get('total', float('nan')):.1f} s"
            )
            several = asyncio.run(_several(args.port, proc))
            print(f"after three more 300-service catalogs, walked at once: server memory {several:.0f} MiB")
            top = max(counts)
            print(
                f"goal: {top} users p95 <= 2 s: {idle[top]['p95']:.2f} s "
                f"({'met' if idle[top]['p95'] <= 2 else 'MISSED'})"
            )
            slower = r["p50"] - idle[n]["p50"]
            print(
                f"goal: a cached page at most 0.5 s slower while a big catalog computes: {slower:+.2f} s at p50 "
                f"({'met' if slower <= 0.5 else 'MISSED'}); progress shown: "
                f"{'yes' if 'first_progress' in r else 'NO'}"
            )
            most = max([x["memory"] for x in idle.values()] + [r["memory"], several])
            print(f"goal: server memory under {cap} MiB: {most:.0f} MiB ({'met' if most <= cap else 'MISSED'})")
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    main()
