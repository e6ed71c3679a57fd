"""Where the tests find things: the repository (docs, app, templates) and the package's bundled data."""

import importlib.util
from pathlib import Path
from types import ModuleType

from risk.data import EXAMPLES, example_path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CATALOG = example_path()
TEMPLATES = PROJECT_ROOT / "catalogs" / "templates"

__all__ = ["PROJECT_ROOT", "DEFAULT_CATALOG", "EXAMPLES", "TEMPLATES", "load_tool"]


def load_tool(name: str) -> ModuleType:
    """A maintainer script from tools/ as a module (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, PROJECT_ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
