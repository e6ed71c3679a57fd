"""Making user text safe for each output: file names, spreadsheet cells, PDF text, Markdown."""

from __future__ import annotations

import re
import unicodedata

from risk.untrusted import spreadsheet_cell, without_controls

__all__ = ["safe_filename", "shortened", "pdf_text", "cell", "md_escape"]

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def md_escape(text: object) -> str:
    """User text shown inside Markdown: every Markdown or HTML character escaped, so it renders as written."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def safe_filename(text: str, suffix: str = "") -> str:
    """A file name from user text: ASCII letters, digits, '-', '.', '_' only, at most 80 characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_text).strip("-._").lower()[:80] or "lynchpin"
    return stem + suffix


def shortened(name: str, limit: int) -> str:
    """A label that fits its place: at most `limit` characters, a longer one cut with an ellipsis (the full
    name is on hover or beside it)."""
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def pdf_text(text: object, limit: int = 400) -> str:
    """Text for the PDF: bidi and control characters removed (they would reorder or hide text), long
    strings cut with an ellipsis so a hostile name cannot swallow a page."""
    clean = without_controls(str(text), free_text=True)
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def cell(value: object) -> object:
    """A value for a CSV cell: text a spreadsheet would run as a formula gets a leading apostrophe
    (risk.untrusted.spreadsheet_cell, the one rule every writer uses)."""
    return spreadsheet_cell(value)
