"""The maintained alias table: 'Azure Active Directory' is 'Entra ID', 'Cisco Duo' is 'Cisco', and so on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from risk.data import ALIASES, read_yaml
from risk.problems import Location, Problem

__all__ = [
    "AliasTable",
    "load_aliases",
    "ALIASES_FILE",
    "ALIAS_LAYERS",
    "alias_problems",
    "merge_aliases",
    "read_alias_file",
    "suggest_aliases",
]

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
    #: The same for products ('entra id' -> 'Entra ID').
    product_names: dict[str, str] = field(default_factory=dict, compare=False)

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
    products = {_key(str(canonical)): str(canonical) for canonical in doc.get("products") or {}}
    return AliasTable(_table(doc.get("providers")), _table(doc.get("products")), names, products)


#: The layers of the alias table, weakest first: a later layer wins where two name the same spelling.
ALIAS_LAYERS = ("shipped", "catalog", "user")


def alias_problems(doc: object, where: str) -> list[Problem]:
    """What is wrong with an aliases document (`providers:` and `products:`, each canonical name -> a list
    of other names), located in `where`; empty when it is usable."""
    if doc is None:
        return []
    if not isinstance(doc, dict):
        return [Problem("aliases must be a mapping with providers: and products:", Location(where), _ALIAS_HINT)]
    problems = []
    for section in doc:
        if section not in ("providers", "products"):
            problems.append(
                Problem(f"unknown aliases section '{section}'", Location(where, path=str(section)), _ALIAS_HINT)
            )
    for section in ("providers", "products"):
        block = doc.get(section)
        if block is None:
            continue
        if not isinstance(block, dict):
            problems.append(
                Problem(
                    f"'{section}' must map each name to a list of other names",
                    Location(where, path=section),
                    _ALIAS_HINT,
                )
            )
            continue
        for canonical, others in block.items():
            place = Location(where, path=f"{section}.{canonical}")
            if not str(canonical).strip():
                problems.append(Problem("an empty name", place, _ALIAS_HINT))
            if isinstance(others, str):
                continue  # one other name, written without brackets
            if others is not None and (
                not isinstance(others, list)
                or not all(isinstance(o, str | int | float) and str(o).strip() for o in others)
            ):
                problems.append(Problem(f"'{canonical}' must list other names as text", place, _ALIAS_HINT))
    return problems


_ALIAS_HINT = "write e.g. products: {Duo: [DUO1 Authentication]} (docs/methodology.md, 'Aliases')"


def merge_aliases(
    base: AliasTable, layers: Iterable[tuple[str, object] | tuple[str, object, str]]
) -> tuple[AliasTable, list[Problem]]:
    """The alias table with the user's layers added in order, each `(where, doc)` or `(where, doc, path)`
    (`path` places the block inside its file, e.g. 'aliases' in a catalog): a later layer wins. A spelling
    that an earlier layer (the shipped table included) maps to another name is remapped, with a located
    warning naming both. A canonical name that is itself a known spelling is first resolved ('Outlook
    Online: [OWA]' adds OWA to Exchange Online). An invalid layer is left out, with its problems (errors)."""
    providers, products = dict(base.providers), dict(base.products)
    names, product_names = dict(base.names), dict(base.product_names)
    shown = {"providers": names, "products": product_names}
    origin: dict[tuple[str, str], str] = {}
    problems: list[Problem] = []
    for layer in layers:
        where, doc = layer[0], layer[1]
        prefix = f"{layer[2]}." if len(layer) > 2 and layer[2] else ""
        bad = alias_problems(doc, where)
        if bad:
            problems += [Problem(p.message, Location(where, path=prefix + p.location.path), p.hint) for p in bad]
            continue
        for section, table in (("providers", providers), ("products", products)):
            for canonical, others in ((doc if isinstance(doc, dict) else {}).get(section) or {}).items():
                raw = str(canonical).strip()
                target = table.get(_key(raw), _key(raw))
                table[target] = target
                shown[section].setdefault(target, raw)
                for other in [others] if isinstance(others, str) else list(others or []):
                    key = _key(str(other))
                    before = table.get(key)
                    if before is not None and before != target:
                        was = origin.get((section, key), "the shipped alias table")
                        problems.append(
                            Problem(
                                f"{section[:-1]} '{str(other).strip()}' is '{shown[section].get(before, before)}' "
                                f"in {was}; here it is '{shown[section].get(target, target)}', which wins",
                                Location(where, path=f"{prefix}{section}.{raw}"),
                                f"remove '{str(other).strip()}' here if it is "
                                f"'{shown[section].get(before, before)}' after all",
                                "warning",
                            )
                        )
                    table[key] = target
                    origin[(section, key)] = where
    return AliasTable(providers, products, names, product_names), problems


def read_alias_file(data: bytes, name: str) -> tuple[object, list[Problem]]:
    """An aliases file (YAML or JSON: `providers:`/`products:`, or a catalog-style `aliases:` block around
    them) and the problems that stop it being read."""
    from risk.catalog.sources.documents import parse_document

    kind = "json" if name.lower().endswith(".json") else "yaml"
    parsed = parse_document(data, name, kind)
    if parsed.doc is None:
        return None, parsed.problems or [Problem("the aliases file is empty", Location(name), _ALIAS_HINT)]
    doc = parsed.doc
    if isinstance(doc, dict) and set(doc) == {"aliases"}:
        doc = doc["aliases"]
    return doc, parsed.problems + alias_problems(doc, name)


def _yaml_text(name: str) -> str:
    """A name as a YAML scalar: plain where that reads back as the same text, else double-quoted."""
    import json
    import re

    plain = re.fullmatch(r"[A-Za-z][A-Za-z0-9 ._()/&+-]*", name) and name.strip() == name
    special = name.lower() in {"yes", "no", "on", "off", "true", "false", "null", "y", "n"}
    return name if plain and not special else json.dumps(name)


def suggest_aliases(records: Iterable, unknown: Iterable[str], table: AliasTable, history: Iterable) -> str:
    """A ready-to-paste `aliases:` block for the products an import could not place (`unknown`, as the
    records write them): each is put under the product of the same provider in `history` whose name is
    closest (difflib's ratio, case-folded), with the provider's other products in a comment to check
    against; a product of a provider the history does not know stays under its own name, to rename.
    A provider neither the table nor the history knows gets a `providers:` entry: under the known provider
    whose spelling its name contains word for word (to check), else under its own name, to rename."""
    import difflib

    records, history = list(records), list(history)
    unknown = list(dict.fromkeys(unknown))
    if not unknown:
        return ""
    shown: dict[str, str] = {}  # canonical product -> a spelling the history uses
    by_provider: dict[str, list[str]] = {}
    for r in history:
        for p in r.product:
            canonical = table.product(p)
            shown.setdefault(canonical, p)
            products = by_provider.setdefault(table.provider(r.provider), [])
            if canonical not in products:
                products.append(canonical)
    known_providers = set(table.providers.values()) | set(by_provider)
    spellings = sorted(set(table.providers) | set(by_provider))
    guessed: dict[str, tuple[str, str] | None] = {}  # unknown provider -> (canonical, the spelling it is like)

    def provider_of(name: str) -> str:
        """The provider's canonical name; for one neither the table nor the history knows, the known
        provider with the longest spelling whose every word is a word of the name ('Duo Security Status'
        holds 'Duo Security', a Cisco spelling), else the name itself."""
        canonical = table.provider(name)
        if canonical in known_providers:
            return canonical
        if name not in guessed:
            words = set(canonical.split())
            like = [k for k in spellings if set(k.split()) <= words]
            best = max(like, key=lambda k: (len(k), k)) if like else None
            guessed[name] = (table.provider(best), best) if best else None
        found = guessed[name]
        return found[0] if found else canonical

    groups: dict[str, list[str]] = {}
    comments: dict[str, str] = {}
    for name in unknown:
        providers = list(dict.fromkeys(r.provider for r in records if name in r.product))
        for p in providers:
            provider_of(p)
        candidates = sorted({c for p in providers for c in by_provider.get(provider_of(p), [])})
        if candidates:
            folded = _key(name)
            best = max(
                candidates, key=lambda c: (difflib.SequenceMatcher(None, folded, c).ratio(), -candidates.index(c))
            )
            target = shown.get(best, best)
            others = [shown.get(c, c) for c in candidates if c != best]
            comments[target] = (
                f"{', '.join(providers)}; check: or one of {', '.join(others)}"
                if others
                else f"{', '.join(providers)}'s product in the history"
            )
        else:
            target = name
            comments[target] = "a product the history does not know: rename to the name your catalog uses"
        groups.setdefault(target, []).append(name)
    lines = [
        "# Paste into your catalog (or a file for --aliases FILE). Each name on the left is the product the",
        "# names in brackets are; check it is the one your catalog's dependencies name.",
        "aliases:",
    ]
    if guessed:
        lines.append("  providers:")
        for p, found in guessed.items():
            if found:
                target = table.names.get(found[0], found[0])
                lines.append(f"    {_yaml_text(target)}: [{_yaml_text(p)}]  # its name is like '{found[1]}': check")
            else:
                lines.append(
                    f"    {_yaml_text(p)}: [{_yaml_text(p)}]  # a provider the history does not know: rename to "
                    "your catalog's"
                )
    lines.append("  products:")
    for target, names in groups.items():
        lines.append(f"    {_yaml_text(target)}: [{', '.join(_yaml_text(n) for n in names)}]  # {comments[target]}")
    return "\n".join(lines) + "\n"
