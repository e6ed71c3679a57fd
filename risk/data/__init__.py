"""The data Lynchpin ships inside the package: the outage history, the alias table, the example catalogs and
the help pages the dashboard shows. Everything is found through importlib.resources, so an installed wheel
reads exactly what a source checkout reads (catalogs/ and docs/ in the repository keep copies for people
browsing it; tests/test_data.py fails when a copy drifts, and `python tools/sync_data.py` refreshes them).

A missing file is an error that says so: an installation without its history must never assess with an
empty one.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from pathlib import Path

__all__ = [
    "DATA",
    "HISTORY",
    "ALIASES",
    "EXAMPLES",
    "DOCS",
    "DEFAULT_EXAMPLE",
    "MissingData",
    "require",
    "read_yaml",
    "example_paths",
    "example_path",
    "help_page",
]

DATA = Path(str(files(__name__)))
HISTORY = DATA / "history.csv"
ALIASES = DATA / "aliases.yaml"
EXAMPLES = DATA / "examples"
DOCS = DATA / "docs"
DEFAULT_EXAMPLE = "nhs-acute-trust"


class MissingData(FileNotFoundError):
    """A file that every installation must carry is missing: the installation is broken."""


def require(path: Path) -> Path:
    """The path, or MissingData with a message that names the file and says how to repair it."""
    if not path.is_file():
        raise MissingData(
            f"Lynchpin's bundled data file {path.name} is missing from this installation ({path}); "
            "reinstall Lynchpin (pip install --force-reinstall lynchpin)"
        )
    return path


def read_yaml(path: Path):
    """A bundled YAML file (after `require`), read by PyYAML's safe loader: its C implementation where
    PyYAML has it (the same documents, about eight times faster; the alias, region and capability tables
    are read by every run), else the pure-Python one. Never a loader that can build arbitrary objects."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(require(path).read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader


def example_paths() -> list[Path]:
    """The bundled example catalogs, by name (listed once: they ship with the package)."""
    return list(_example_paths())


@lru_cache(maxsize=1)
def _example_paths() -> tuple[Path, ...]:
    return tuple(sorted(EXAMPLES.glob("*.yaml")))


def example_path(stem: str = DEFAULT_EXAMPLE) -> Path:
    return require(EXAMPLES / f"{stem}.yaml")


def help_page(name: str) -> str:
    """A help page (methodology, catalog) as Markdown, as shipped with the package."""
    return require(DOCS / f"{name}.md").read_text(encoding="utf-8")
