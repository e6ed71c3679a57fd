"""Where the tests find things: the repository (docs, app, templates) and the package's bundled data."""

from pathlib import Path

from risk.data import EXAMPLES, example_path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CATALOG = example_path()
TEMPLATES = PROJECT_ROOT / "catalogs" / "templates"

__all__ = ["PROJECT_ROOT", "DEFAULT_CATALOG", "EXAMPLES", "TEMPLATES"]
