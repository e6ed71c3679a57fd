"""'Did you mean' guesses: the same guesses difflib gives, within a total budget of work per validation.

A hostile catalog (2,000 known x 2,000 unknown ids) used to ask for 4 million difflib comparisons, 30 s of
CPU in the dashboard's web process; the budget bounds that whatever the input, and every unknown id is
still reported, located."""

from __future__ import annotations

import difflib
import random
import string

import pytest

from risk.catalog.checks import UNSEARCHED
from risk.catalog.validate import validate_document
from risk.problems import SUGGESTION_BUDGET, Location, Suggestions, WorkBudget, did_you_mean, nearest


def _difflib_nearest(word: str, choices: list[str], cutoff: float = 0.6) -> str | None:
    """The guess as risk.problems made it before the budget: difflib over every known name."""
    lowered = {c.lower(): c for c in dict.fromkeys(choices)}
    if word.lower() in lowered:
        return lowered[word.lower()]
    hits = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[hits[0]] if hits else None


@pytest.fixture()
def work(monkeypatch):
    """The work difflib is asked for, counted as SUGGESTION_BUDGET describes: each name compared with a word
    costs their lengths added (quick_ratio), and multiplied when the full similarity is computed (ratio)."""
    count = [0]
    quick, full = difflib.SequenceMatcher.quick_ratio, difflib.SequenceMatcher.ratio

    def counted_quick(self):
        count[0] += len(self.a) + len(self.b)
        return quick(self)

    def counted_full(self):
        count[0] += len(self.a) * len(self.b)
        return full(self)

    monkeypatch.setattr(difflib.SequenceMatcher, "quick_ratio", counted_quick)
    monkeypatch.setattr(difflib.SequenceMatcher, "ratio", counted_full)
    return count


def _random_names(rng: random.Random, n: int) -> list[str]:
    alphabet = string.ascii_lowercase[:8] + "-0"
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(n)]


def test_guesses_are_exactly_difflibs():
    """Grouping by length and remembering guesses change no guess: random words and names (ties, empty
    strings, case differences, different cutoffs) get exactly what difflib over every name gives."""
    rng = random.Random(7)
    for cutoff in (0.0, 0.5, 0.6, 0.8, 1.0):
        names = _random_names(rng, 150) + ["Exchange-Online", "entra-signin", ""]
        words = _random_names(rng, 150) + ["exchange-onlin", "ENTRA-SIGNIN", "entra-sigin", "zzzz"]
        unbounded = Suggestions(names, cutoff, budget=None)
        for word in words + words:  # the second pass answers from memory
            expected = _difflib_nearest(word, names, cutoff)
            assert unbounded.nearest(word) == expected, (word, cutoff)
            assert nearest(word, names, cutoff) == expected
    assert did_you_mean("entra-sigin", ["entra-signin", "afd"]) == "did you mean 'entra-signin'?"
    assert did_you_mean("qqqq", ["entra-signin", "afd"]) == ""
    assert nearest(3, ["a"]) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("spare", [-1, 0, 1])
def test_guesses_stop_where_the_next_step_would_pass_the_budget(spare, work):
    """Ten names of 8 characters, words of 9 close to all of them: each comparison costs 8 + 9 (quick check)
    and 8 × 9 (similarity), 890 a word. A budget of three words' work (spare 0) or one more: three words get
    their guess, the fourth none; one less: the third word stops at its last comparison and gets none (not
    the best of a partial search), nor does the fourth."""
    names = [f"dep-{i:04d}" for i in range(10)]
    guesses = Suggestions(names, budget=3 * 890 + spare)
    words = [f"dep-{i:04d}x" for i in range(4)]
    got = [guesses.nearest(w) for w in words]
    searched = 3 if spare >= 0 else 2
    assert got == names[:searched] + [None] * (4 - searched)
    assert guesses.spent == work[0] == (3 * 890 if spare >= 0 else 2 * 890 + 9 * 89 + 17)
    assert guesses.skipped == 4 - searched
    assert [guesses.unsearched(w) for w in words] == [False] * searched + [True] * (4 - searched)
    assert not guesses.unsearched("dep-0000")  # known: no search needed
    assert guesses.nearest("DEP-0001") == "dep-0001"  # a known name (any case) is found without the budget
    assert guesses.nearest(words[0]) == names[0] and guesses.spent == work[0]  # remembered, not searched again


def test_lists_sharing_a_budget_stop_together(work):
    """Two lists of names on one WorkBudget: once one list's search would pass it, neither guesses again;
    each list counts its own work, and the shared budget the sum."""
    shared = WorkBudget(2 * 890)
    ids = Suggestions([f"dep-{i:04d}" for i in range(10)], budget=shared)
    others = Suggestions([f"svc-{i:04d}" for i in range(10)], budget=shared)
    assert ids.nearest("dep-0001x") == "dep-0001"
    assert others.nearest("svc-0002x") == "svc-0002"
    assert ids.nearest("dep-0003x") is None and ids.unsearched("dep-0003x")
    assert others.nearest("svc-0004x") is None and others.unsearched("svc-0004x")
    assert (ids.spent, others.spent, shared.spent, work[0]) == (890, 890, 1780, 1780)
    assert shared.exhausted and not WorkBudget(None).exhausted


def test_names_too_short_or_too_long_to_match_are_not_compared(work):
    """Similarity is at most 2·min(a, b)/(a + b): with the cutoff 0.6 a 10-character word is compared with
    names of 5 to 23 characters (2·5/15 = 0.67; 2·4/14 = 0.57; 2·10/33 = 0.61; 2·10/34 = 0.59), not others;
    none shares a character with it, so none passes the quick check."""
    names = ["x" * n for n in range(1, 40)]
    guesses = Suggestions(names, budget=None)
    assert guesses.nearest("y" * 10) is None
    assert work[0] == guesses.spent == sum(10 + n for n in range(5, 24))


def test_a_word_repeated_is_searched_once(work):
    guesses = Suggestions([f"svc-{i}" for i in range(100)])
    assert guesses.nearest("svc-7x") == "svc-7"
    once = work[0]
    for _ in range(1000):
        assert guesses.nearest("svc-7x") == "svc-7"
    assert work[0] == guesses.spent == once


def _locate(path: tuple) -> Location:
    return Location("hostile.yaml", path=".".join(map(str, path)))


def _dependency(ident: str) -> dict:
    return {
        "id": ident,
        "name": ident,
        "provider": "Microsoft",
        "product": "Entra ID",
        "capability": "sign-in",
        "annual_outages": 0.1,
        "mean_outage": "1h",
    }


@pytest.mark.timeout(20)
def test_two_thousand_unknown_ids_against_two_thousand_known_stay_within_the_budget(work):
    """The hostile tester's edit: 2,000 dependencies, and one service requiring 2,000 unknown ids (4 million
    comparisons before). Every unknown id is still reported at its place; the first ones get their guess,
    the rest say why they have none."""
    deps = [_dependency(f"dep-{i:05d}") for i in range(2000)]
    requires = [d["id"] for d in deps] + [f"dep-{i:05d}x" for i in range(2000)]
    service = {"id": "svc", "name": "Svc", "tier": 2, "impact_tolerance": "4h", "requires": requires}
    catalog, problems = validate_document({"organisation": "Big", "services": [service], "dependencies": deps}, _locate)
    assert catalog is None
    assert 0 < work[0] <= SUGGESTION_BUDGET
    unknown = [p for p in problems if "unknown id" in p.message]
    assert len(unknown) == 2000
    assert [p.location.path for p in unknown] == [f"services.0.requires.{2000 + i}" for i in range(2000)]
    guessed = sum("did you mean" in p.message for p in unknown)
    assert guessed >= 5
    assert [p.message for p in unknown[: guessed + 1]] == [
        f"'svc' requires unknown id 'dep-{i:05d}x'; did you mean 'dep-{i:05d}'?" for i in range(guessed)
    ] + [f"'svc' requires unknown id 'dep-{guessed:05d}x'"]
    assert [p.hint.endswith(UNSEARCHED) for p in unknown] == [False] * guessed + [True] * (2000 - guessed)


@pytest.mark.timeout(20)
def test_four_thousand_services_and_250_unknown_ids_stay_within_the_budget(work):
    """4,000 known ids (services) and 250 unknown ones, each required once: 1 million comparisons before."""
    services = [
        {
            "id": f"svc-{j:05d}",
            "name": "S",
            "tier": 2,
            "impact_tolerance": "4h",
            "requires": ["dep", f"svc-{j:05d}x"] if j < 250 else ["dep"],
        }
        for j in range(4000)
    ]
    _, problems = validate_document(
        {"organisation": "Big", "services": services, "dependencies": [_dependency("dep")]}, _locate
    )
    assert 0 < work[0] <= SUGGESTION_BUDGET
    unknown = [p for p in problems if "unknown id" in p.message]
    assert [p.location.path for p in unknown] == [f"services.{j}.requires.1" for j in range(250)]
    assert unknown[0].message == "'svc-00000' requires unknown id 'svc-00000x'; did you mean 'svc-00000'?"


@pytest.mark.timeout(20)
def test_unknown_fields_and_vocabulary_guesses_stay_within_the_budget(work):
    """2,000 dependencies with ten made-up fields and an unknown capability each: 22,000 problems, every one
    reported; the guesses for them, against two lists of names, within one budget."""
    deps = [
        {**_dependency(f"dep-{i}"), "capability": f"sign-in{i}", **{f"anual_outage{i}_{k}": 1 for k in range(10)}}
        for i in range(2000)
    ]
    service = {"id": "svc", "name": "Svc", "tier": 2, "impact_tolerance": "4h", "requires": [d["id"] for d in deps]}
    _, problems = validate_document({"organisation": "Big", "services": [service], "dependencies": deps}, _locate)
    assert len([p for p in problems if p.message.startswith("unknown field")]) == 20_000
    assert len([p for p in problems if p.message.startswith("unknown capability")]) == 2000
    assert problems[0].message == "unknown capability 'sign-in0'; did you mean 'sign-in'?"
    assert problems[1].message == "unknown field 'anual_outage0_0'; did you mean 'annual_outages'?"
    assert 0 < work[0] <= SUGGESTION_BUDGET  # dependency fields and capabilities, within one budget


@pytest.mark.timeout(60)
def test_products_the_history_does_not_know_are_guessed_within_the_budget(work):
    """The upload's history check (run in the dashboard's web process): 3,000 dependencies of one provider,
    each under a product name the history does not know, each still warned about; the guesses among that
    provider's products within the budget (before, every dependency compared with every product)."""
    from risk.catalog.model import Catalog
    from risk.history.load import default_history_paths, read_outages
    from risk.history.match import unrecognised_products

    deps = [
        {**_dependency(f"dep-{i}"), "product": f"Qzvxk-wjy-unlisted-{i}", "annual_outages": None} for i in range(3000)
    ]
    deps = [{k: v for k, v in d.items() if v is not None} for d in deps]
    service = {"id": "svc", "name": "Svc", "tier": 2, "impact_tolerance": "4h", "requires": [d["id"] for d in deps]}
    catalog = Catalog.model_validate({"organisation": "Big", "services": [service], "dependencies": deps})
    records = read_outages(list(default_history_paths())).records
    microsoft = {p for r in records if r.provider == "Microsoft" for p in r.product}
    unbounded = Suggestions(microsoft, cutoff=0.5, budget=None)
    for d in deps:
        unbounded.nearest(d["product"])
    assert unbounded.spent > SUGGESTION_BUDGET  # what a search for each, unbounded, would cost
    work[0] = 0
    found = unrecognised_products(catalog, records)
    assert [p.location.path for p in found] == [f"dependencies[{i}].product" for i in range(3000)]
    assert 0 < work[0] <= SUGGESTION_BUDGET
