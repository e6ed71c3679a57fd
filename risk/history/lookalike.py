"""Provider names that only look like a known one: an invisible character, a Cyrillic 'о' for a Latin 'o',
a full-width letter, or a different case.

Such a name matches no outage record, so its dependencies are silently rated on the no-data default, and
provider exposure counts it as a provider of its own. The test is the idea of Unicode's confusable
"skeleton" (UTS #39, section 4): two names are confusable when they are equal once each is normalised
(NFKC), stripped of default-ignorable code points (zero-width spaces and joiners, soft hyphens, bidi
marks, variation selectors), case-folded and mapped character by character to a common look-alike. The
table below is the part of Unicode's confusables.txt that maps letters of other scripts onto the Latin
letters provider names are written in, plus the usual digit and dash substitutes; the full table (6,000+
entries) would add nothing for names of this kind.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from risk.catalog.model import Catalog
from risk.history.aliases import AliasTable
from risk.problems import Location, Problem

__all__ = ["skeleton", "odd_characters", "provider_lookalikes"]

#: Default_Ignorable_Code_Point (Unicode DerivedCoreProperties.txt), as ranges: characters that render as
#: nothing at all.
_IGNORABLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)

#: Look-alikes of the (case-folded) Latin letters, digits and dash, from Unicode's confusables.txt.
_CONFUSABLE = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "ë", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "ѕ": "s",
    "і": "i", "ї": "ï", "ј": "j", "ԁ": "d", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "к": "k", "м": "m",
    "н": "h", "т": "t", "ь": "b", "г": "r", "п": "n", "ш": "w", "ц": "u", "ɡ": "g",
    # Greek
    "α": "a", "β": "b", "ε": "e", "ζ": "z", "η": "n", "ι": "i", "κ": "k", "μ": "u", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ϲ": "c", "ϳ": "j",
    # Latin letters that look like other Latin letters
    "ı": "i", "ɩ": "i", "ǀ": "l", "ɑ": "a", "ſ": "f", "ʋ": "u", "ᴠ": "v", "ᴡ": "w", "ᴢ": "z", "ꮃ": "w",
    # Digits and punctuation
    "0": "o", "1": "l", "|": "l",
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-", "﹘": "-",
}  # fmt: skip


def _ignorable(ch: str) -> bool:
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _IGNORABLE)


def skeleton(name: str) -> str:
    """The form two confusable names share: NFKC, no default-ignorable code points, case-folded, each
    look-alike replaced by the letter it imitates, runs of white space as one space."""
    text = "".join(ch for ch in unicodedata.normalize("NFKC", name) if not _ignorable(ch)).casefold()
    text = "".join(_CONFUSABLE.get(ch, ch) for ch in text)
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _fold(name: str) -> str:
    """How matching compares names (risk.history.aliases): case-folded, white space collapsed."""
    return " ".join(name.casefold().split())


def odd_characters(name: str) -> list[str]:
    """The characters that make a name only look like another: invisible ones, letters of another script
    that imitate Latin ones, and compatibility variants (full-width letters, ligatures), each described as
    U+XXXX and its Unicode name."""
    out = []
    for ch in dict.fromkeys(name):
        code = f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed character')}"
        if _ignorable(ch):
            out.append(f"{code} (invisible)")
        elif ch.casefold() in _CONFUSABLE and not ch.isascii():
            out.append(f"{code} (looks like '{_CONFUSABLE[ch.casefold()]}')")
        elif unicodedata.normalize("NFKC", ch) != ch:
            out.append(f"{code} (a variant of '{unicodedata.normalize('NFKC', ch)}')")
    return out


def _differs(name: str, meant: str) -> str:
    odd = odd_characters(name)
    if odd:
        return "it contains " + ", ".join(odd)
    if name.casefold() == meant.casefold():
        return "it differs only in letter case"
    return (
        "it differs only in characters that look alike ("
        + ", ".join(f"'{a}' for '{b}'" for a, b in zip(name, meant, strict=False) if a != b)
        + ")"
    )


def provider_lookalikes(
    catalog: Catalog, names: Iterable[str], table: AliasTable, where: str = "catalog"
) -> list[Problem]:
    """Warnings for provider names in the catalog that match no known provider (`names`: those of the outage
    history; with the alias table's) but look like one, and for dependencies that write one provider in two
    such ways (provider exposure would count each spelling as a provider of its own). Each names the
    spelling meant ("did you mean 'Microsoft'?") and the characters that differ."""
    display: dict[str, str] = dict(table.names)  # canonical key -> the name as the table or history writes it
    for name in names:
        display.setdefault(table.provider(name), name)
    known = set(table.providers.values()) | set(display)  # canonical keys
    by_skeleton: dict[str, str] = {}  # skeleton -> canonical key, for every spelling known
    for spelling, canonical in [*table.providers.items(), *((table.provider(n), table.provider(n)) for n in names)]:
        by_skeleton.setdefault(skeleton(spelling), canonical)
        by_skeleton.setdefault(skeleton(display.get(canonical, canonical)), canonical)

    entries: list[tuple[str, str]] = [
        (f"dependencies[{i}].provider", d.provider) for i, d in enumerate(catalog.dependencies) if d.provider
    ]
    entries += [(f"providers[{i}].name", p.name) for i, p in enumerate(catalog.providers)]
    if catalog.controls is not None:
        entries += [
            (f"controls.status_feeds_monitored[{i}]", n) for i, n in enumerate(catalog.controls.status_feeds_monitored)
        ]

    problems: list[Problem] = []
    warned: set[str] = set()

    def warn(path: str, name: str, meant: str, why: str = "") -> None:
        why = why or (
            "It matches no outage record of that provider, so its rate falls back to the no-data default "
            "unless the catalog estimates it"
            if path.startswith("dependencies")
            else "What it says is not linked to that provider's dependencies"
        )
        problems.append(
            Problem(
                f"provider '{name}' is not '{meant}', though it looks like it: {_differs(name, meant)}; "
                f"did you mean {meant}? {why}",
                Location(where, path=path),
                f"retype the name as '{meant}' (delete it and type it again, rather than editing it)",
                "warning",
            )
        )
        warned.add(path)

    for path, name in entries:
        canonical = table.provider(name)
        if canonical in known:
            continue
        meant = by_skeleton.get(skeleton(name))
        if meant is not None:
            warn(path, name, display.get(meant, meant))

    # Within the catalog: dependencies that write one provider two ways, and provider facts (sla, exit plan)
    # or monitored feeds written unlike every dependency's provider.
    spellings: dict[str, list[str]] = {}  # skeleton -> the dependencies' spellings, in catalog order
    for path, name in entries:
        if path.startswith("dependencies") and path not in warned:
            group = spellings.setdefault(skeleton(name), [])
            if name not in group:
                group.append(name)
    first = {sk: _preferred(group) for sk, group in spellings.items()}
    for path, name in entries:
        if path in warned:
            continue
        meant = first.get(skeleton(name))
        if meant is None:
            continue
        if path.startswith("dependencies") and name != meant:
            warn(path, name, meant, "Provider exposure counts the two spellings as two providers")
        elif not path.startswith("dependencies") and _fold(name) != _fold(meant):
            warn(path, name, meant)
    return problems


def _preferred(spellings: list[str]) -> str:
    """The spelling of a provider that the others are taken to imitate: the one with no odd character,
    first in the catalog."""
    return min(spellings, key=lambda s: (len(odd_characters(s)) > 0, spellings.index(s)))
