"""How many characters the dashboard's free-text inputs take: each fits the largest content that input can
legitimately hold (the catalog model's, a spreadsheet cell's or the workspace store's own limit), so that a
form cannot carry megabytes into validation in the web process.

The browser stops typing at max_chars, and Streamlit's server keeps no more than max_chars of what any
message sends for a text input or area (streamlit.elements.widgets.text_widgets: the value is cut there).
"""

from __future__ import annotations

from risk.catalog.model import MAX_TEXT_CHARS
from risk.catalog.sources.documents import MAX_DIGITS
from risk.catalog.sources.workbook import MAX_CELL_CHARACTERS
from risk.store.workspace import MAX_PERSON_CHARS, MAX_TRACKING_CHARS, MAX_WORKSPACE_NAME_CHARS

__all__ = [
    "TEXT_CHARS",
    "REQUIRES_CHARS",
    "CELL_CHARS",
    "ESTIMATE_CHARS",
    "PERSON_CHARS",
    "WORKSPACE_NAME_CHARS",
    "TRACKING_CHARS",
    "limit_for",
]

#: A name, provider or product (the catalog model's longest text).
TEXT_CHARS = MAX_TEXT_CHARS
#: Requirements in the one-cell syntax: what a spreadsheet cell holds, as in the workbook the tables mirror.
REQUIRES_CHARS = MAX_CELL_CHARACTERS
#: A cell of the catalog page's tables, which mirror the workbook's sheets.
CELL_CHARS = MAX_CELL_CHARACTERS
#: An estimate: a number (at most MAX_DIGITS digits, with sign, point and exponent) or a duration as a
#: person writes it ("1 week 2 days 3 hours 30 minutes" is 33 characters).
ESTIMATE_CHARS = 2 * MAX_DIGITS
#: A member's e-mail address and a new workspace's name, as the workspace store takes them.
PERSON_CHARS = MAX_PERSON_CHARS
WORKSPACE_NAME_CHARS = MAX_WORKSPACE_NAME_CHARS
#: A tracked recommendation's owner or reason, as the workspace store takes them.
TRACKING_CHARS = MAX_TRACKING_CHARS


def limit_for(limit: int, current: str) -> int:
    """The max_chars for an input showing `current`: the limit, or the current text's length when a catalog
    loaded from YAML already holds more (Streamlit refuses a default longer than max_chars)."""
    return max(limit, len(current))
