"""Problems found in user input: where, what, and how to fix it.

Every loader and check reports through these classes so that the CLI, the dashboard and the tests show
the same located, plain-English messages. A problem is data, not an exception: loaders collect all of
them and only then decide whether the input is usable.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Location", "Problem", "InputError", "nearest", "did_you_mean"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file, and a line (YAML/JSON) or a sheet, row and column (tabular input)."""

    file: str = ""
    line: int | None = None
    column: int | None = None
    sheet: str | None = None
    row: int | None = None
    cell_column: str | None = None
    path: str = ""

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file:
            parts.append(self.file)
        if self.sheet is not None or self.row is not None:
            tab = [f"sheet '{self.sheet}'"] if self.sheet is not None else []
            if self.row is not None:
                tab.append(f"row {self.row}")
            if self.cell_column:
                tab.append(f"column {self.cell_column}")
            parts.append(", ".join(tab))
        elif self.line is not None:
            parts[-1:] = [f"{parts[-1] if parts else ''}:{self.line}" + (f":{self.column}" if self.column else "")]
        text = ", ".join(p for p in parts if p)
        if self.path:
            text = f"{text} ({self.path})" if text else self.path
        return text or "(input)"

    def to_dict(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a look) in the input, with the fix when we can suggest one."""

    message: str
    location: Location = field(default_factory=Location)
    hint: str = ""
    severity: Severity = "error"

    def __str__(self) -> str:
        text = f"{self.location}: {self.severity}: {self.message}"
        if self.hint:
            text += f"\n    fix: {self.hint}"
        return text

    def to_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "location": str(self.location),
            "where": self.location.to_dict(),
            "message": self.message,
            "hint": self.hint,
        }


class InputError(Exception):
    """Raised by the public loaders when input has errors; carries every problem found, not just the first."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        head = str(errors[0]) if errors else "invalid input"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(head + more)

    def __reduce__(self):
        """Pickled with its problems (it travels back from a Dask job), not just its message."""
        return (type(self), (self.problems,))


def nearest(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The closest known name to a typo, or None when nothing is close enough to be a useful guess."""
    if not isinstance(word, str):
        return None
    pool = list(dict.fromkeys(choices))
    lowered = {c.lower(): c for c in pool}
    if word.lower() in lowered:
        return lowered[word.lower()]
    hits = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[hits[0]] if hits else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A 'did you mean' clause, empty when there is no good guess."""
    guess = nearest(word, choices)
    return f"did you mean '{guess}'?" if guess else ""
