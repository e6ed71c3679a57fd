"""Making user text safe for each output: file names, spreadsheet cells, PDF text, Markdown."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["safe_filename", "pdf_text", "cell", "md_escape"]

_BIDI_AND_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def md_escape(text: object) -> str:
    """User text shown inside Markdown: every Markdown or HTML character escaped, so it renders as written."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def safe_filename(text: str, suffix: str = "") -> str:
    """A file name from user text: ASCII letters, digits, '-', '.', '_' only, at most 80 characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_text).strip("-._").lower()[:80] or "lynchpin"
    return stem + suffix


def pdf_text(text: object, limit: int = 400) -> str:
    """Text for the PDF: bidi and control characters removed (they would reorder or hide text), long
    strings cut with an ellipsis so a hostile name cannot swallow a page."""
    clean = _BIDI_AND_CONTROL.sub("", str(text))
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def cell(value: object) -> object:
    """A value for a CSV cell: text a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
