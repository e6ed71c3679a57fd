"""The name of a catalog the dashboard can open: a bundled example (by its id) or a catalog stored in the
workspace (by its name). Everything that names a catalog (the address bar's ?catalog=, the session, the
sidebar, the Catalog page) goes through CatalogKey.parse, so a reference is never a path: an example id is a
plain word looked up among the bundled examples, a stored name is looked up in the workspace's database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["KeyKind", "CatalogKey", "key_problem"]


class KeyKind(StrEnum):
    """Where a catalog comes from (the text before the colon)."""

    EXAMPLE = "example"  # a bundled example, by its file stem
    SAVED = "saved"  # a catalog stored in the workspace, by its name


#: An example id: a bundled example's file stem (letters, digits, "-" and "_"; no dots, no separators).
_EXAMPLE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")

#: The longest name a key may carry (the dashboard's own names are at most about 100 characters).
MAX_NAME = 200


def key_problem(kind: KeyKind, name: str) -> str | None:
    """Why `name` cannot be the name of a catalog of `kind` (None when it can). Names never reach a path;
    these rules refuse what only an attack or a mangled address would carry: separators, an encoded
    character, a leading dot, a control character, an empty or over-long name."""
    if not name or not name.strip():
        return "the name is empty"
    if len(name) > MAX_NAME:
        return f"the name is longer than {MAX_NAME} characters"
    if name != name.strip():
        return "the name starts or ends with a space"
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        return "the name has a control character"
    if kind is KeyKind.EXAMPLE:
        return None if _EXAMPLE_ID.fullmatch(name) else "an example id is letters, digits, '-' and '_' only"
    for bad, what in (("/", "a '/'"), ("\\", "a '\\'"), ("%", "a '%' (an encoded character)")):
        if bad in name:
            return f"the name has {what}"
    if name.startswith("."):
        return "the name starts with a dot"
    return None


@dataclass(frozen=True)
class CatalogKey:
    """A catalog the dashboard can open: `kind` and `name`; its text is "kind:name" (str(key))."""

    kind: KeyKind
    name: str

    def __post_init__(self) -> None:
        problem = key_problem(self.kind, self.name)
        if problem:
            raise ValueError(f"not a catalog name: {problem}")

    @classmethod
    def example(cls, example_id: str) -> CatalogKey:
        return cls(KeyKind.EXAMPLE, example_id)

    @classmethod
    def saved(cls, name: str) -> CatalogKey:
        return cls(KeyKind.SAVED, name)

    @classmethod
    def parse(cls, text: object) -> CatalogKey | None:
        """The key a reference names, or None when it names none (any other prefix, a name the rules of
        key_problem refuse, or not text at all). Never raises."""
        if not isinstance(text, str):
            return None
        prefix, colon, name = text.partition(":")
        if not colon:
            return None
        try:
            return cls(KeyKind(prefix), name)
        except ValueError:
            return None

    @property
    def is_example(self) -> bool:
        return self.kind is KeyKind.EXAMPLE

    @property
    def is_saved(self) -> bool:
        return self.kind is KeyKind.SAVED

    @property
    def label(self) -> str:
        """How the dashboard names it: "Example: nhs acute trust", or a stored catalog's own name."""
        return "Example: " + self.name.replace("-", " ") if self.is_example else self.name

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.name}"
