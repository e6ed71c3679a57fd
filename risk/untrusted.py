"""User text made harmless for each place it is written: spreadsheet cells (CSV and XLSX) and terminals.

A catalog, an incident log or an imported export is written by someone else, and what Lynchpin writes from
it is opened by people in spreadsheets and read in terminals. Two rules, one place:

- A spreadsheet runs a cell that starts with = + - @ (and, after a tab or carriage return, what follows) as
  a formula: `=HYPERLINK(...)` sends data away when clicked, `@SUM(...)` runs on opening (OWASP "CSV
  injection"). `spreadsheet_cell` puts a single quote before such text, which spreadsheets show as text and
  Lynchpin's readers take off again. Numbers stay numbers: a number (or text that is only a number, such as
  "-2.5") runs nothing.
- Control characters (C0 and C1, DEL, the escape that starts a terminal control sequence), bidirectional
  overrides and zero-width characters hide or reorder text, let a name set a terminal's title or clear its
  screen, and are not allowed in an XLSX file at all. `CONTROL` finds them; `terminal_text` removes them
  (and whole escape sequences) before text reaches a terminal.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "FORMULA_START",
    "CONTROL",
    "CONTROL_IN_TEXT",
    "spreadsheet_cell",
    "is_formula_like",
    "unescape_cell",
    "xlsx_value",
    "mark_xlsx_text",
    "terminal_text",
    "without_controls",
    "control_character",
]

#: What a spreadsheet may take as the start of a formula (OWASP: = + - @ tab carriage return).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")

_INVISIBLE = "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
#: Characters that may appear nowhere in a name or id: C0 controls (newline and tab included), DEL, C1
#: controls, the Unicode line and paragraph separators, bidirectional overrides and isolates, zero-width and
#: other invisible format characters.
CONTROL = re.compile(f"[\u0000-\u001f\u007f-\u009f\u2028\u2029{_INVISIBLE}]")
#: The same, for free text (descriptions, notes): newline and tab are allowed there.
CONTROL_IN_TEXT = re.compile(f"[\u0000-\u0008\u000b-\u001f\u007f-\u009f{_INVISIBLE}]")

# A whole terminal control sequence: CSI (ESC [ ... final byte), OSC/DCS/APC/PM/SOS strings (ESC ] ... BEL
# or ESC \), the 8-bit CSI and OSC forms, and two-character escapes (ESC c resets the terminal).
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)


def is_formula_like(value: Any) -> bool:
    """Whether a spreadsheet could run this value as a formula: text starting with = + - @ tab or CR that is
    not simply a number."""
    return isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value)


def spreadsheet_cell(value: Any) -> Any:
    """A value for a CSV or spreadsheet cell: formula-like text gets a leading single quote; anything else
    (numbers, dates, ordinary text) is returned as it is."""
    return "'" + value if is_formula_like(value) else value


def unescape_cell(value: Any) -> Any:
    """Undo `spreadsheet_cell` when reading back: a single quote before = + - @ tab or CR is not data (files
    written before numbers were left alone have it before "-2.5" too)."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def xlsx_value(value: Any) -> Any:
    """A value an XLSX cell can hold: text loses the control characters the file format forbids (openpyxl
    refuses them, which used to end the whole workbook) and the invisible ones; other values are kept."""
    return without_controls(value, free_text=True) if isinstance(value, str) else value


def mark_xlsx_text(cell: Any) -> None:
    """Keep an openpyxl cell that holds text as text: a string, never a formula, and formula-like text with
    the spreadsheet's own single-quote prefix (quotePrefix: shown as written, still text after an edit)."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if is_formula_like(cell.value):
            cell.quotePrefix = True


def control_character(text: str, free_text: bool = False) -> str | None:
    """The first control, bidi or invisible character in `text`, named as U+XXXX, or None when there is
    none (newline and tab are allowed in free text)."""
    found = (CONTROL_IN_TEXT if free_text else CONTROL).search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"


def without_controls(text: str, free_text: bool = False) -> str:
    """`text` with terminal control sequences and every control, bidi or invisible character removed."""
    text = _SEQUENCE.sub("", text)
    return (CONTROL_IN_TEXT if free_text else CONTROL).sub("", text)


def terminal_text(text: object) -> str:
    """Text safe to print on a terminal: escape sequences and control characters removed (newlines and
    tabs kept, since the terminal lays them out and they cannot control it)."""
    return without_controls(str(text), free_text=True)
