"""From a parsed document (YAML, JSON or tabular rows) to a Catalog, or to every problem in it.

Pydantic reports structural errors; we turn each into a located, plain-English problem with a fix,
then run the whole-catalog checks on every item that is well-formed so that all problems come out at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from risk.catalog.checks import check_catalog
from risk.catalog.model import ZERO_MEAN_OUTAGE, Catalog, Controls, Dependency, Provider, Service, Workaround
from risk.catalog.vocabulary import CAPABILITIES, KINDS, SUBSTITUTABILITY
from risk.durations import DURATION_HELP
from risk.problems import Location, Problem, Suggestions, WorkBudget
from risk.settings import Settings

__all__ = ["validate_document", "pydantic_problems", "path_text"]

Locate = Callable[[tuple], Location]

_FIELD_HINTS = {
    "organisation": "add `organisation: <your organisation's name>` at the top of the catalog",
    "services": "add a `services:` list with at least one service",
    "id": "use lower-case letters, digits, '.', '_' or '-', starting with a letter or digit, e.g. clinical-email",
    "name": "give a readable name, e.g. Clinical email",
    "tier": "use a whole number from 1 (most critical) to 4 (least critical)",
    "impact_tolerance": DURATION_HELP,
    "grace": DURATION_HELP,
    "buys": DURATION_HELP,
    "mean_outage": DURATION_HELP,
    "users": "use a whole number of people, 0 or more, without separators (9400, not 9,400)",
    "hourly_cost": "use a number of currency units per hour, 0 or more, without symbols",
    "unavailability": "use a probability between 0 and 1, e.g. 0.0005",
    "annual_outages": "use a number of outages per year, 0 or more, e.g. 0.5",
    "sla": "use a percentage between 0 and 100, e.g. 99.99",
    "exit_plan": "use true or false",
    "at_least": "use a whole number of at least 1",
    "provider": "name the provider, e.g. Microsoft",
    "product": "name the product, e.g. Entra ID",
}
#: Fixes for value errors whose message alone does not say what to write instead.
_VALUE_HINTS = {
    ZERO_MEAN_OUTAGE: "give the typical length of one outage, e.g. 30m or 2h; remove mean_outage to take the "
    "outage history's typical duration; for a dependency that never fails, write annual_outages: 0",
}
_VOCAB = {"capability": CAPABILITIES, "kind": KINDS, "substitutability": SUBSTITUTABILITY}
_FIELDS_OF: dict[str, list[str]] = {
    "": list(Catalog.model_fields),
    "services": list(Service.model_fields),
    "dependencies": list(Dependency.model_fields),
    "providers": list(Provider.model_fields),
    "workaround": list(Workaround.model_fields),
    "settings": list(Settings.model_fields),
    "controls": list(Controls.model_fields),
}


def path_text(path: tuple) -> str:
    """A document path as a reader writes it: services[3].requires[1].any_of[0]."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _clean(loc: tuple) -> tuple:
    """Drop pydantic's internal union tags so the path is the document's own."""
    return tuple(p for p in loc if not (isinstance(p, str) and p.startswith("expr:")))


def _describe_input(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def pydantic_problems(exc: ValidationError, locate: Locate, prefix: tuple = ()) -> list[Problem]:
    """One plain-English problem per pydantic error, located in the source document."""
    problems: list[Problem] = []
    guesses: dict[str, Suggestions] = {}  # one per list of names, all within one budget of work (risk.problems)
    work = WorkBudget()

    def did_you_mean(word: str, names: str, choices: list[str] | tuple[str, ...]) -> str:
        if names not in guesses:
            guesses[names] = Suggestions(choices, budget=work)
        return guesses[names].did_you_mean(word)

    for err in exc.errors(include_url=False):
        loc = (*prefix, *_clean(tuple(err["loc"])))
        field = next((p for p in reversed(loc) if isinstance(p, str)), "")
        kind, value = err["type"], err.get("input")
        hint = _FIELD_HINTS.get(field, "")
        where = locate(loc)
        if kind == "missing":
            message = f"'{field}' is missing"
        elif kind == "extra_forbidden":
            section = next((p for p in loc if p in _FIELDS_OF), "")
            if "workaround" in loc:
                section = "workaround"
            known = _FIELDS_OF.get(section, [])
            guess = did_you_mean(field, f"fields of {section}", known)
            message = f"unknown field '{field}'" + (f"; {guess}" if guess else "")
            hint = f"known fields here: {', '.join(known)}" if known else "remove it"
        elif kind == "literal_error" and field in _VOCAB:
            guess = did_you_mean(str(value), field, _VOCAB[field])
            message = f"unknown {field} '{value}'" + (f"; {guess}" if guess else "")
            hint = f"use one of: {', '.join(_VOCAB[field])}"
        elif kind == "string_pattern_mismatch" and field == "id":
            message = f"'{value}' is not a valid id"
        elif kind in {"string_type", "int_type", "float_type", "bool_type", "list_type", "model_type", "dict_type"}:
            wanted = {
                "string_type": "text",
                "int_type": "a whole number",
                "float_type": "a number",
                "bool_type": "true or false",
                "list_type": "a list",
                "model_type": "a mapping",
                "dict_type": "a mapping",
            }[kind]
            message = f"'{field or 'this'}' should be {wanted}, not {_describe_input(value)}"
            if kind == "string_type" and isinstance(value, bool | int | float):
                hint = hint or "put the value in quotes"
                hint += " (YAML reads yes/no/on/off as true/false and bare numbers as numbers: quote them)"
        elif kind in {"int_parsing", "float_parsing", "int_from_float"}:
            message = (
                f"'{field}' should be {'a whole number' if kind != 'float_parsing' else 'a number'}, "
                f"not {_describe_input(value)}"
            )
        elif kind == "value_error":
            message = str(err["msg"]).removeprefix("Value error, ")
            if field in {"impact_tolerance", "grace", "buys", "mean_outage"}:
                hint = _VALUE_HINTS.get(message, "")
                message = f"{field}: {message}"
            elif "required unless kind is logical" in message:
                hint = "add provider, product and capability (see the capability list), or set kind: logical"
            else:
                hint = ""
        elif kind == "invalid_requirement":
            message = f"{_describe_input(value)} is not a requirement"
            hint = (
                "a requirement is an id, a list (all needed), {id: X, grace: 8h}, {any_of: [...]}, "
                "{all_of: [...]} or {at_least: K, of: [...]}"
            )
        elif kind == "too_short" and field in {"any_of", "all_of", "of"}:
            message = f"'{field}' has no items"
            hint = "list at least one item, or remove the empty group"
        elif kind == "too_short" and field == "services":
            message = "the catalog has no services"
            hint = _FIELD_HINTS["services"]
        elif kind == "string_too_long":
            limit = (err.get("ctx") or {}).get("max_length")
            message = f"'{field}' is {len(str(value)):,} characters long; the most allowed is {limit:,}"
            hint = "shorten it; put detail in notes or in your own documentation"
        elif kind in {"less_than_equal", "greater_than_equal", "less_than", "greater_than"}:
            message = f"{field} is {_describe_input(value)}, out of range: {str(err['msg']).lower()}"
        else:
            message = f"'{field or 'value'}': {err['msg']}"
        problems.append(Problem(message, where, hint))
    return problems


def _list_or_empty(raw: Any) -> list:
    return raw if isinstance(raw, list) else []


def _valid_items(raw: Any, model: type[BaseModel]) -> list[tuple[int, Any]]:
    if not isinstance(raw, list):
        return []
    out = []
    for i, item in enumerate(raw):
        try:
            out.append((i, model.model_validate(item)))
        except ValidationError:
            pass
    return out


def validate_document(
    doc: Any, locate: Locate, simulated_years: int | None = None, checked: bool = False
) -> tuple[Catalog | None, list[Problem]]:
    """A Catalog when the document has no errors (warnings allowed), and every problem found either way.
    `checked`: the source has already refused documents too deep or holding unusable numbers."""
    if not isinstance(doc, dict):
        what = "empty" if doc is None else f"a {type(doc).__name__}"
        return None, [
            Problem(
                f"the catalog must be a mapping with organisation, services and dependencies; this document is {what}",
                locate(()),
                "start from catalogs/templates or an example in catalogs/examples",
            )
        ]
    early = count_budget(doc, locate(()), simulated_years)
    if early:
        return None, early
    from risk.catalog.sources.base import MAX_DEPTH
    from risk.catalog.sources.documents import depth, unusable_numbers

    if not checked and depth(doc) > MAX_DEPTH:
        return None, [
            Problem(
                f"the catalog nests lists and mappings more than {MAX_DEPTH} levels deep",
                locate(()),
                "write deep requirements with logical groups instead",
            )
        ]
    unusable = [] if checked else unusable_numbers(doc)
    if unusable:
        return None, [
            Problem(f"this value is {why}", locate(path), "use an ordinary number within the field's range")
            for path, why in unusable
        ]
    try:
        catalog: Catalog | None = Catalog.model_validate(doc)
        problems: list[Problem] = []
    except ValidationError as exc:
        catalog, problems = None, pydantic_problems(exc, locate)

    if catalog is not None:
        services = list(enumerate(catalog.services))
        deps = list(enumerate(catalog.dependencies))
        providers = list(enumerate(catalog.providers))
    else:
        services = _valid_items(doc.get("services"), Service)
        deps = _valid_items(doc.get("dependencies"), Dependency)
        providers = _valid_items(doc.get("providers"), Provider)
    id_entries = [
        (section, i, item["id"])
        for section in ("services", "dependencies")
        for i, item in enumerate(_list_or_empty(doc.get(section)))
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    ]
    problems += check_catalog(services, deps, providers, locate, id_entries, complete=catalog is not None)
    if catalog is not None and not any(p.severity == "error" for p in problems):
        problems += _budget(catalog, locate, simulated_years)
    if any(p.severity == "error" for p in problems):
        catalog = None
    # In the file's order, so a person fixes them top to bottom (the model's checks and the cross-references
    # are found in two passes); problems without a line keep their order, after those with one.
    problems.sort(key=lambda p: (p.location.line is None, p.location.line or 0))
    return catalog, problems


def count_budget(doc: dict, where: Location, simulated_years: int | None = None) -> list[Problem]:
    """The work limits from the document's counts alone (services, dependencies, simulated years), before
    the costly validation of every item: a document over them whatever its items say is refused at once."""
    from risk.limits import budget_problems

    def count(section: str) -> int:
        items = doc.get(section)
        return len(items) if isinstance(items, list) else 0

    years = simulated_years
    if years is None:
        written = doc.get("settings", {}).get("simulated_years") if isinstance(doc.get("settings"), dict) else None
        try:  # an invalid value is reported by validation; the default stands in for it here
            years = Settings.model_validate({"simulated_years": written}).simulated_years
        except ValidationError:
            years = Settings().simulated_years
    services = count("services")
    return budget_problems(services, services + count("dependencies"), [], years, where)


def _budget(catalog: Catalog, locate: Locate, simulated_years: int | None = None) -> list[Problem]:
    """The assessment's work limits (risk.limits), checked with the catalog's own settings (or the years the
    caller will ask for; 0 is exact-only) and an upper estimate of each dependency's outage rate (its
    estimate, else the no-data default). Too large a structure is an error; a simulation over its limits is
    a warning with the years that fit (the limit is enforced where the simulation starts)."""
    import math

    from risk.catalog.expressions import iter_refs
    from risk.limits import YearsFrom, budget_problems

    settings = catalog.settings or Settings()
    rates = []
    for d in catalog.dependencies:
        if d.is_logical:
            continue
        if d.annual_outages is not None:
            rate = d.annual_outages
        elif d.unavailability is not None:
            mean = d.mean_outage or settings.default_mean_outage_hours
            rate = -math.log(max(1e-12, 1 - d.unavailability)) * 8760 / min(mean, settings.max_outage_hours)
        else:
            rate = settings.default_annual_outages
        rates.append((d.id, rate))
    items = len(catalog.services) + len(catalog.dependencies)
    entities: list[Service | Dependency] = [*catalog.services, *catalog.dependencies]
    items += sum(1 for x in entities for _ in iter_refs(x.requires))
    years = settings.simulated_years if simulated_years is None else simulated_years
    years_from: YearsFrom = "override" if simulated_years is not None else "" if catalog.settings is None else "catalog"
    problems = budget_problems(len(catalog.services), items, rates, years, Location(""), years_from, "warning")
    if not problems:  # locating is costly (it maps the document's lines): only for a problem to show
        return []
    where = locate(("settings", "simulated_years")) if catalog.settings is not None else locate(())
    return budget_problems(len(catalog.services), items, rates, years, where, years_from, "warning")
