"""Reading an upload off the web process, within a memory and a time budget (issue 24).

The checks before parsing (sizes, unpacked workbook parts, alias expansion, work limits from counts) refuse
the hostile files that are known. What they miss must still not take the server down: `run_bounded` runs the
reading in a child process whose address space may grow by at most `LYNCHPIN_UPLOAD_MB` (RLIMIT_AS, so an
allocation past it fails with MemoryError in the child, never in the server) and which is stopped after
`LYNCHPIN_UPLOAD_SECONDS` of wall-clock time. The server gets the result, the function's own exception
(an InputError with its located problems), or a located problem saying which budget the file needed more of.

The child is a fresh interpreter (python -c, the same risk package), not a fork: forking the web process
would copy its threads' locks mid-use, and multiprocessing's fork server re-imports the main module (the
Streamlit or pytest launcher) in every child. Starting one costs about half a second, once per upload.
"""

from __future__ import annotations

import os
import pickle
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from risk.config import config_or_defaults
from risk.problems import InputError, Location, Problem

__all__ = ["MAX_UPLOAD_MB", "MAX_UPLOAD_SECONDS", "MAX_UPLOADS_AT_ONCE", "run_bounded", "read_catalog_bounded"]

#: Memory one upload's reading may take on top of the reader's own (MiB): a valid catalog of 5,000 services
#: reads within 100 MB more (tests/data/hostile_uploads.big_catalog(services=5000), about 3 s).
MAX_UPLOAD_MB = config_or_defaults().upload_mb
#: Wall-clock time one upload's reading may take (seconds); the largest valid catalogs read in a few.
MAX_UPLOAD_SECONDS = config_or_defaults().upload_seconds
#: Uploads read at once in this server process; more wait for a place (within their time budget). Each child
#: may take LYNCHPIN_UPLOAD_MB: without this, one person with ten tabs uploading at once would have the
#: machine find ten times that.
MAX_UPLOADS_AT_ONCE = config_or_defaults().uploads_at_once
_places = threading.BoundedSemaphore(max(1, int(MAX_UPLOADS_AT_ONCE)))
#: The folder that holds the risk package, so that the child imports this same code.
_ROOT = str(Path(__file__).resolve().parents[2])
_CHILD = "import sys; sys.path.insert(0, sys.argv[1]); from risk.catalog.sandbox import _child; _child()"


def _address_space() -> int:
    """This process's virtual memory size in bytes (what RLIMIT_AS counts)."""
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _child() -> None:
    """In the child: read (memory MiB, seconds, function, args, kwargs) from stdin, cap the address space and
    CPU time, run the function, write what came of it to stdout (pickled)."""
    memory_mb, seconds, function, args, kwargs = pickle.load(sys.stdin.buffer)
    os.nice(5)  # behind the server's own work: other people's pages do not wait for an upload's reading
    limit = _address_space() + int(memory_mb * 1048576)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    cpu = int(seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    try:
        outcome: tuple[str, Any] = ("ok", function(*args, **kwargs))
    except MemoryError:
        outcome = ("memory", None)
    except RecursionError:
        outcome = ("deep", None)
    except Exception as exc:  # noqa: BLE001 - the caller's own handling decides; it is raised there
        outcome = ("error", exc)
    try:
        body = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        body = pickle.dumps(("memory", None))
    except Exception as exc:  # noqa: BLE001 - an exception that cannot be pickled: its text goes back
        body = pickle.dumps(("error", ValueError(f"{type(exc).__name__}: {exc}")))
    sys.stdout.buffer.write(body)
    sys.stdout.flush()


def _problem(kind: str, where: str, memory_mb: float, seconds: float, exitcode: int | None) -> Problem:
    if kind == "time":
        return Problem(
            f"this file takes more than {seconds:g} s to read, the most one upload may take on this server",
            Location(where),
            "split it into smaller files; a server's operator can raise the limit with LYNCHPIN_UPLOAD_SECONDS",
        )
    if kind == "deep":
        return Problem("the file is nested too deeply to read", Location(where), "flatten its structure")
    cause = "" if kind == "memory" else f" (the reader stopped with exit code {exitcode})"
    return Problem(
        f"this file needs more than {memory_mb:,.0f} MB to read, the most one upload may take on this server{cause}",
        Location(where),
        "split it into smaller files, and check it for very long texts or content repeated many times; a "
        "server's operator can raise the limit with LYNCHPIN_UPLOAD_MB",
    )


def run_bounded(
    where: str,
    function: Callable,
    *args: Any,
    memory_mb: float | None = None,
    seconds: float | None = None,
    **kwargs: Any,
) -> Any:
    """`function(*args, **kwargs)` run in a child process within `memory_mb` more memory and `seconds` of
    wall-clock time (default: the server's budget for an upload). Returns its result or raises its
    exception; over a budget, raises InputError with a problem located at `where` (the file's name).
    `function` must be importable by name (a module-level function): it is sent to the child by reference.
    The time includes the child's start (about half a second)."""
    memory_mb = MAX_UPLOAD_MB if memory_mb is None else memory_mb
    seconds = MAX_UPLOAD_SECONDS if seconds is None else seconds
    began = time.monotonic()
    if not _places.acquire(timeout=seconds):  # the time spent waiting for a place counts in the budget
        raise InputError(
            [
                Problem(
                    f"the server is reading {int(MAX_UPLOADS_AT_ONCE)} other upload(s) and this one waited "
                    f"{seconds:g} s for its turn",
                    Location(where),
                    "upload it again in a minute; a server's operator can raise LYNCHPIN_UPLOADS_AT_ONCE",
                )
            ]
        )
    try:
        left = max(seconds - (time.monotonic() - began), 0.1)
        return _run_child(where, function, args, kwargs, memory_mb, left, seconds)
    finally:
        _places.release()


def _run_child(
    where: str, function: Callable, args: tuple, kwargs: dict, memory_mb: float, seconds: float, budget: float
) -> Any:
    request = pickle.dumps((memory_mb, seconds, function, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    process = subprocess.Popen(
        [sys.executable, "-c", _CHILD, _ROOT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    kind: str
    value: Any  # the function's result, or the exception it raised
    try:
        body, _ = process.communicate(request, timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        kind, value = "time", None
    else:
        try:
            kind, value = pickle.loads(body) if body else ("died", None)
        except (pickle.UnpicklingError, EOFError, ValueError):
            kind, value = "died", None
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if kind == "ok":
        return value
    if kind == "error":
        raise value
    raise InputError([_problem(kind, where, memory_mb, budget, process.returncode)])


def read_catalog_bounded(data: bytes, name: str):
    """risk.catalog.load.read_catalog of an upload, within the upload budget: a CatalogReport either way."""
    from risk.catalog.load import CatalogReport, read_catalog

    try:
        return run_bounded(name, read_catalog, data, name=name)
    except InputError as exc:
        return CatalogReport(name, None, exc.problems)
