"""Lynchpin's version, from the installed distribution (a source tree without installation says so)."""

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

try:
    __version__ = version("lynchpin")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+source"
