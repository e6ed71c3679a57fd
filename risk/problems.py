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

__all__ = [
    "Location",
    "Problem",
    "InputError",
    "Suggestions",
    "WorkBudget",
    "SUGGESTION_BUDGET",
    "nearest",
    "did_you_mean",
]

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


#: Work that one set of suggestions may do in all, over every word it is asked about, in characters compared:
#: each known name compared with a word costs their two lengths added (difflib's quick check, linear), and
#: their lengths multiplied when it passes that check (the full similarity, about quadratic: 10 to 360 ns a
#: pair of characters, the most for ids built to defeat it). So the guesses take about 0.1 s, and at most
#: about half a second, whatever the input: 2,000 unknown ids against 2,000 known ones asked for 4 million
#: comparisons (30 s). Within it a catalog's few typos each get their guess; past it the remaining unknown
#: names are still reported, without a guess.
SUGGESTION_BUDGET = 1_500_000


class WorkBudget:
    """Work that several Suggestions share (one per list of names, in one check): `spent` of at most `limit`
    (None: unbounded). Once a step would pass the limit, nothing more is done."""

    def __init__(self, limit: int | None = SUGGESTION_BUDGET):
        self.limit = limit
        self.spent = 0
        self.exhausted = False

    def charge(self, cost: int) -> bool:
        """Count `cost` as spent, unless it would take the work past the limit (then nothing more is done)."""
        if self.exhausted or (self.limit is not None and self.spent + cost > self.limit):
            self.exhausted = True
            return False
        self.spent += cost
        return True


class Suggestions:
    """'Did you mean' guesses from one list of known names, for any number of words, within a total budget.

    A guess is exactly what `difflib.get_close_matches(word, names, n=1, cutoff)` gives (case-insensitive:
    both sides lower-cased): the most similar name whose similarity ratio is at least `cutoff`, ties to
    the greater name. Names are grouped by length, so a name too short or too long to reach the cutoff
    (similarity is at most 2·min(a, b)/(a + b) for lengths a, b) costs nothing. Each word's guess is
    remembered. The work is counted as SUGGESTION_BUDGET describes (`spent`, this list's own), against
    `budget`: a limit, or a WorkBudget shared with other lists. The word being searched when the work would
    pass it gets no guess (never a worse one from a partial search), nor does any word after it. `skipped`
    counts those words and `unsearched` names them.
    """

    def __init__(
        self, choices: Iterable[str], cutoff: float = 0.6, budget: int | WorkBudget | None = SUGGESTION_BUDGET
    ):
        self.cutoff = cutoff
        self.budget = budget if isinstance(budget, WorkBudget) else WorkBudget(budget)
        self.spent = 0
        self.skipped = 0
        self._lowered = {c.lower(): c for c in dict.fromkeys(choices)}
        self._by_length: dict[int, list[str]] = {}
        for low in self._lowered:
            self._by_length.setdefault(len(low), []).append(low)
        self._seen: dict[str, str | None] = {}
        self._windows: dict[int, list[list[str]]] = {}
        self._unsearched: set[str] = set()

    def nearest(self, word: str) -> str | None:
        """The closest known name to `word`, or None when nothing is close enough or the budget is spent."""
        if not isinstance(word, str):
            return None
        low = word.lower()
        if low in self._lowered:
            return self._lowered[low]
        if low not in self._seen:
            self._seen[low] = self._search(low)
        return self._seen[low]

    def _search(self, low: str) -> str | None:
        size = len(low)
        best: tuple[float, str] | None = None
        matcher = difflib.SequenceMatcher()
        matcher.set_seq2(low)
        for pool in self._window(size):
            for name in pool:
                if not self._charge(size + len(name)):
                    self._give_up(low)
                    return None
                matcher.set_seq1(name)
                if matcher.quick_ratio() >= self.cutoff:
                    if not self._charge(size * len(name)):
                        self._give_up(low)
                        return None
                    score = matcher.ratio()
                    if score >= self.cutoff and (best is None or (score, name) > best):
                        best = (score, name)
        return self._lowered[best[1]] if best else None

    def _charge(self, cost: int) -> bool:
        """Count `cost` as spent, unless it would take the work past the budget."""
        if not self.budget.charge(cost):
            return False
        self.spent += cost
        return True

    def _give_up(self, low: str) -> None:
        self.skipped += 1
        self._unsearched.add(low)

    def unsearched(self, word: str) -> bool:
        """True when `word` got no guess because the budget was spent, not because nothing was close."""
        return isinstance(word, str) and word.lower() in self._unsearched

    def _window(self, size: int) -> list[list[str]]:
        """The names whose length lets them reach the cutoff against a word of `size` characters."""
        if size not in self._windows:
            self._windows[size] = [
                pool
                for length, pool in self._by_length.items()
                if (2.0 * min(size, length) / (size + length) if size + length else 1.0) >= self.cutoff
            ]
        return self._windows[size]

    def did_you_mean(self, word: str) -> str:
        """A 'did you mean' clause, empty when there is no guess."""
        guess = self.nearest(word)
        return f"did you mean '{guess}'?" if guess else ""


def nearest(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The closest known name to a typo, or None when nothing is close enough to be a useful guess. One word
    against one list; for many words against the same list, use Suggestions (built once, within a budget)."""
    return Suggestions(choices, cutoff, budget=None).nearest(word)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A 'did you mean' clause, empty when there is no good guess."""
    guess = nearest(word, choices)
    return f"did you mean '{guess}'?" if guess else ""
