"""The maintained alias table: 'Azure Active Directory' is 'Entra ID', 'Cisco Duo' is 'Cisco', and so on."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from risk.data import ALIASES, read_yaml

__all__ = ["AliasTable", "load_aliases", "ALIASES_FILE"]

ALIASES_FILE = ALIASES


@lru_cache(maxsize=4096)
def _key(name: str) -> str:
    """A name with case and spacing folded, remembered for the spellings last asked: matching asks the same
    few names once per record and dependency, and folding each time was most of an assessment's statistics
    (bounded, so a long-lived dashboard does not keep every spelling it was ever shown)."""
    return " ".join(name.casefold().split())


@dataclass(frozen=True)
class AliasTable:
    """Maps any known spelling of a provider or product to its canonical name (case-insensitive)."""

    providers: dict[str, str] = field(default_factory=dict)
    products: dict[str, str] = field(default_factory=dict)
    #: Each canonical provider's name as the table writes it ('microsoft' -> 'Microsoft'), for messages.
    names: dict[str, str] = field(default_factory=dict, compare=False)

    def provider(self, name: str) -> str:
        key = _key(name)
        return self.providers.get(key, key)

    def product(self, name: str) -> str:
        key = _key(name)
        return self.products.get(key, key)


def _table(section: dict | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for canonical, aliases in (section or {}).items():
        out[_key(str(canonical))] = _key(str(canonical))
        for alias in aliases or []:
            out[_key(str(alias))] = _key(str(canonical))
    return out


@lru_cache(maxsize=8)
def load_aliases(path: Path = ALIASES_FILE) -> AliasTable:
    """The alias table from YAML (safe loader). A missing table is an error (risk.data.MissingData), never
    an empty table: without it, 'Azure AD' would silently stop matching the Entra ID records."""
    doc = read_yaml(path) or {}
    names = {_key(str(canonical)): str(canonical) for canonical in doc.get("providers") or {}}
    return AliasTable(_table(doc.get("providers")), _table(doc.get("products")), names)
