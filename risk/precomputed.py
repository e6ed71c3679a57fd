"""The bundled examples' results, worked out when the package is made, so a fresh server's first look at an
example needs no simulation (issue 27 point 2).

A result is shipped under a key that names everything its numbers depend on: the Run's fingerprint (the
catalog, the outage records, the effective settings and the aliases: risk.run.Run.fingerprint) and the
engine's digest (every source file and data file of the layers that compute numbers, with the versions of
the numerical libraries). A Run whose key is not in the file is computed as usual, so a stale result is
never shown: an edit to the engine, the history or an example changes the key and leaves the shipped
result unused. tests/test_precomputed.py fails while the file does not match the code; refresh it with
`python tools/precompute.py`. The figures are those of computing the Run now (the same code, the same
seed); only the assessment's time stamp is set to when the result is read.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from risk.data import DATA
from risk.run import Run

__all__ = ["RESULTS", "KINDS", "engine_digest", "result_key", "shipped", "precompute"]

#: The shipped results: {key: {kind: the result's JSON}}.
RESULTS = DATA / "example-results.json"
#: What is shipped for each example: what its first Overview needs.
KINDS = ("assessment", "recommendations")
PACKAGE = Path(__file__).resolve().parent
#: The parts of the package that the numbers depend on (everything below the presentation layer except the
#: server's own configuration and cache). Data files count too, except the help pages and this file.
NUMERIC_PARTS = (
    "problems.py", "durations.py", "settings.py", "version.py", "limits.py", "regions.py", "untrusted.py",
    "run.py", "schema.py", "catalog", "history", "engine", "advice", "data",
)  # fmt: skip


#: The files that count: code and the data formats the package ships.
SOURCES = (".py", ".yaml", ".csv", ".json")


def _model(kind: str):
    if kind == "recommendations":
        from risk.advice.recommend import RecommendationReport

        return RecommendationReport
    from risk.engine.assessment import Assessment

    return Assessment


@lru_cache(maxsize=1)
def engine_digest() -> str:
    """SHA-256 of the code and data behind the numbers, of the numerical libraries' versions and of Lynchpin's
    own version (a result states the version that made it: a release bump must not serve the last one's)."""
    import numpy

    from risk.version import __version__

    h = hashlib.sha256(f"numpy {numpy.__version__}\nlynchpin {__version__}\n".encode())
    files: list[Path] = []
    for part in NUMERIC_PARTS:
        where = PACKAGE / part
        files += [where] if where.is_file() else [p for p in where.rglob("*") if p.is_file()]
    for path in sorted(files):
        relative = path.relative_to(PACKAGE).as_posix()
        if path == RESULTS or relative.startswith("data/docs/") or "__pycache__" in relative:
            continue
        if path.suffix not in SOURCES:  # compiled caches and the like: not what a wheel ships
            continue
        h.update(f"{relative}\n".encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def result_key(run: Run) -> str:
    """The Run's fingerprint, its notes (they go into the assessment's warnings and name where each alias
    came from) and the engine's digest, hashed."""
    notes = json.dumps([f"{p.location}: {p.message}" for p in run.notes])
    return hashlib.sha256(f"{run.fingerprint}\n{notes}\n{engine_digest()}".encode()).hexdigest()


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, str]]:
    try:
        return json.loads(RESULTS.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # not shipped (or unreadable): everything is computed
        return {}


def shipped(run: Run, kind: str):
    """The shipped result `kind` of the Run, or None when none is shipped for exactly these inputs and code."""
    text = _table().get(result_key(run), {}).get(kind)
    if text is None:
        return None
    value = _model(kind).model_validate_json(text)
    if kind == "assessment":
        value = value.model_copy(update={"generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")})
    return value


def precompute(runs: list[Run]) -> dict[str, dict[str, str]]:
    """The table to ship for these Runs (each computed here)."""
    return {result_key(r): {kind: getattr(r, kind).model_dump_json() for kind in KINDS} for r in runs}
