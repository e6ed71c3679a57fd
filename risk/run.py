"""One Run: a catalog, an outage history, settings and the alias table, and everything worked out from them.

Every output (`lynchpin assess`, `recommend`, `scenario`, `report`, each dashboard page and each report
format) takes a Run, so the same inputs give the same numbers everywhere. A Run is the only place where the
effective settings are resolved, in one declared order (`SETTINGS_LAYERS`), and it computes the structure,
the outage statistics, the assessment, the recommendations and the severe-but-plausible scenarios once each,
lazily, keeping the result.

    >>> import risk
    >>> run = risk.Run.build(risk.load_catalog("catalogs/examples/nhs-acute-trust.yaml"), overrides={"seed": 2})
    >>> run.assessment.service("clinical-email").rating      # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar, get_args

from pydantic import ValidationError

from risk.catalog.model import Catalog
from risk.engine.assess import Progress, assess, exact_assessment, work_problems
from risk.engine.assessment import Assessment, ExactAssessment, StageName, StageRecord
from risk.engine.stages import timed
from risk.engine.statistics import DependencyStats, dependency_stats
from risk.engine.structure import Structure, compile_catalog
from risk.history.aliases import AliasTable, load_aliases, merge_aliases
from risk.history.combine import Merge, combine_history
from risk.history.load import default_history_paths, read_outages
from risk.history.match import records_hitting, unrecognised_products
from risk.history.model import OutageRecord
from risk.problems import InputError, Location, Problem, did_you_mean
from risk.settings import Settings

if TYPE_CHECKING:
    from risk.advice.recommend import Effect, RecommendationReport
    from risk.advice.scenarios import ScenarioResult, SevereScenario

__all__ = [
    "Run",
    "SETTINGS_LAYERS",
    "NULLABLE_SETTINGS",
    "given_overrides",
    "resolve_settings",
    "settings_sources",
    "load_shipped_history",
]

#: Where each setting can come from, weakest first: a later layer overrides an earlier one.
SettingsLayer = Literal["default", "catalog", "override"]
SETTINGS_LAYERS: tuple[SettingsLayer, ...] = ("default", "catalog", "override")

T = TypeVar("T")


def _nullable(name: str) -> bool:
    """Whether a setting takes null as a value (recency_half_life_years: null switches recency weighting off)."""
    field = Settings.model_fields.get(name)
    return field is not None and type(None) in get_args(field.annotation)


#: The settings for which null is a value of its own, not "not given".
NULLABLE_SETTINGS = frozenset(name for name in Settings.model_fields if _nullable(name))


def given_overrides(overrides: Mapping[str, Any] | Settings | None) -> dict[str, Any]:
    """The overrides actually given. A Settings object gives the fields it was given (its model_fields_set),
    null ones included. In a mapping, a missing key is not given; a null is a value for a setting that takes
    null (NULLABLE_SETTINGS: `recency_half_life_years: null` means no recency weighting) and "not given" for
    any other (how an unused CLI option such as --seed arrives)."""
    if overrides is None:
        return {}
    if isinstance(overrides, Settings):
        return {k: getattr(overrides, k) for k in overrides.model_fields_set}
    return {k: v for k, v in overrides.items() if v is not None or k in NULLABLE_SETTINGS}


def _layers(catalog: Catalog, overrides: Mapping[str, Any] | Settings | None) -> dict[SettingsLayer, dict]:
    """The values each layer of SETTINGS_LAYERS sets, in that order (the defaults set none: they are the
    model's own). A null given for a setting that takes null (see given_overrides) is a value, not a gap."""
    given: dict[SettingsLayer, dict] = {
        "default": {},
        "catalog": catalog.settings.model_dump(exclude_unset=True) if catalog.settings is not None else {},
        "override": given_overrides(overrides),
    }
    return {layer: given[layer] for layer in SETTINGS_LAYERS}


def resolve_settings(catalog: Catalog, overrides: Mapping[str, Any] | Settings | None = None) -> Settings:
    """Each layer of SETTINGS_LAYERS over the one before: defaults < the catalog's `settings:` block <
    overrides (dashboard Settings page, CLI options, Python). A null override of a setting that takes null
    is given (`recency_half_life_years: None` switches recency weighting off); any other null is not.

    Invalid overrides raise InputError with one located problem per field (naming the setting, not how an
    interface sets it: each interface adds that), never a pydantic traceback."""
    merged: dict[str, Any] = {}
    for values in _layers(catalog, overrides).values():
        merged.update(values)
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            name = ".".join(str(p) for p in err["loc"]) or "settings"
            guess = did_you_mean(name, list(Settings.model_fields)) if err["type"] == "extra_forbidden" else None
            problems.append(
                Problem(
                    f"setting '{name}': {err['msg']}" + (f"; {guess}" if guess else ""),
                    Location("settings", path=name),
                    "see docs/methodology.md for each setting's range",
                )
            )
        raise InputError(problems) from None


def settings_sources(
    catalog: Catalog, overrides: Mapping[str, Any] | Settings | None = None
) -> dict[str, SettingsLayer]:
    """For every setting, the layer its effective value came from: the last of SETTINGS_LAYERS that sets it."""
    layers = _layers(catalog, overrides)
    return {
        name: next((layer for layer in reversed(SETTINGS_LAYERS) if name in layers[layer]), SETTINGS_LAYERS[0])
        for name in Settings.model_fields
    }


# The advice layer (recommendations, scenarios) is imported when a Run is first asked for advice: an
# assessment alone (`lynchpin assess`) never loads it. Each is a name of this module all the same, so a
# test can replace it here as if it were imported at the top.
def recommend(*args: Any, **kwargs: Any) -> RecommendationReport:
    from risk.advice.recommend import recommend as found

    return found(*args, **kwargs)


def combined_effect(*args: Any, **kwargs: Any) -> tuple[Effect, Assessment]:
    from risk.advice.recommend import combined_effect as found

    return found(*args, **kwargs)


def severe_but_plausible(*args: Any, **kwargs: Any) -> list[SevereScenario]:
    from risk.advice.scenarios import severe_but_plausible as found

    return found(*args, **kwargs)


def what_if(*args: Any, **kwargs: Any) -> ScenarioResult:
    from risk.advice.scenarios import what_if as found

    return found(*args, **kwargs)


def replay(*args: Any, **kwargs: Any) -> ScenarioResult:
    from risk.advice.scenarios import replay as found

    return found(*args, **kwargs)


def load_shipped_history() -> list[OutageRecord]:
    """The outage history shipped inside the package; InputError when it is missing or unreadable."""
    report = read_outages(default_history_paths())
    if not report.ok:
        raise InputError(report.problems)
    return report.records


def _overrides(overrides: Mapping[str, Any] | Settings | None) -> tuple[tuple[str, Any], ...]:
    """The given overrides (given_overrides) as a frozen, ordered tuple. A Settings object counts only for the
    fields it was given; a given null of a setting that takes null is kept."""
    return tuple(sorted(given_overrides(overrides).items()))


@dataclass(frozen=True, eq=False)
class Run:
    """The inputs of one assessment and, computed on first use and kept, everything derived from them."""

    catalog: Catalog
    records: tuple[OutageRecord, ...]
    aliases: AliasTable
    overrides: tuple[tuple[str, Any], ...] = ()
    sources: tuple[str, ...] = ()
    #: Located notes on the inputs: the user's aliases that overrode the shipped table, and each record of
    #: the user's incident log counted once with the shipped record it repeats (see Run.build).
    notes: tuple[Problem, ...] = ()
    #: Each (your record, shipped record) pair folded into one (risk.history.combine).
    merges: tuple[Merge, ...] = ()
    _memo: dict = field(default_factory=dict, init=False, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False)
    #: How long working out the structure and the statistics took here (the assessment's reused stages).
    _measured: dict[str, StageRecord] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def build(
        cls,
        catalog: Catalog,
        history: Sequence[OutageRecord] | None = None,
        overrides: Mapping[str, Any] | Settings | None = None,
        aliases: AliasTable | None = None,
        sources: Sequence[str] | None = None,
        user_aliases: Sequence[tuple[str, Any]] = (),
        incident_log: Sequence[OutageRecord] = (),
        incident_origins: Sequence[str] | None = None,
        catalog_name: str = "catalog",
    ) -> Run:
        """A Run over the catalog. `history=None` means the shipped outage history (an error when it is
        missing); pass a list, even an empty one, to use exactly those records. The settings are checked
        here, so an invalid override fails at once with located problems.

        The alias table is `aliases` (default: the shipped table) with, in this order, the catalog's
        `aliases:` block and each of `user_aliases` ((where, doc): an --aliases file, the dashboard's
        Settings) added on top: the later wins (risk.history.aliases.merge_aliases). An invalid user layer
        raises InputError. `incident_log` (the user's own records; `incident_origins` names each one's file)
        is combined with `history` so that a record repeating a shipped incident is counted once
        (risk.history.combine); `notes` says which."""
        if history is None:
            history = load_shipped_history()
            sources = sources if sources is not None else [p.name for p in default_history_paths()]
        layers: list[tuple] = []
        if catalog.aliases is not None:
            layers.append((catalog_name, catalog.aliases.model_dump(), "aliases"))
        layers += list(user_aliases)
        table = aliases or load_aliases()
        notes: list[Problem] = []
        if layers:
            table, notes = merge_aliases(table, layers)
            errors = [p for p in notes if p.severity == "error"]
            if errors:
                raise InputError(errors)
        records, merges = combine_history(list(history), list(incident_log), table, incident_origins)
        notes += [m.problem() for m in merges]
        run = cls(
            catalog=catalog,
            records=tuple(records),
            aliases=table,
            overrides=_overrides(overrides),
            sources=tuple(sources or ()),
            notes=tuple(notes),
            merges=tuple(merges),
        )
        run.settings  # noqa: B018 - resolve now, so bad overrides are reported before any work starts
        return run

    def __reduce__(self):
        """Pickled as its inputs only (a Dask job rebuilds what it needs; locks cannot travel)."""
        return (
            _restore,
            (self.catalog, self.records, self.aliases, self.overrides, self.sources, self.notes, self.merges),
        )

    def keep(self, key: Any, value: Any) -> None:
        """Keep a result worked out elsewhere for these same inputs (a Dask job, the workspace): the next
        call that would compute it returns it instead."""
        with self._lock:
            self._memo.setdefault(key, value)

    def remember(self, key: tuple, compute: Callable[[], T]) -> T:
        """Something a view derives from this Run's results (a chart), made once and kept with them: a page
        view on the same Run draws nothing again."""
        return self._once(("view", *key), compute)

    def recalled(self, key: tuple) -> Any | None:
        """A view kept for this Run (see remember and keep_view), or None."""
        return self._memo.get(("view", *key))

    def keep_view(self, key: tuple, value: Any) -> None:
        """Keep a view made elsewhere (a report pack built by a job) as `remember` would have."""
        self.keep(("view", *key), value)

    def has(self, key: Any) -> bool:
        """Whether a result is already worked out (a view can show it without waiting)."""
        return key in self._memo

    @property
    def results(self) -> dict:
        """The results worked out so far, by name, without what views drew from them (what a job sends back
        and the workspace keeps)."""
        return {k: v for k, v in self.kept.items() if not (isinstance(k, tuple) and k[0] == "view")}

    @property
    def kept(self) -> dict:
        """Everything kept in memory for this Run, views included (what a cache bounded in bytes measures)."""
        with self._lock:
            return {k: v for k, v in self._memo.items() if k not in ("settings", "fingerprint", "structure")}

    def _once(self, key: Any, compute: Callable[[], T]) -> T:
        with self._lock:
            if key not in self._memo:
                self._memo[key] = compute()
            return self._memo[key]

    # Inputs, resolved -------------------------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        """The effective settings: defaults < catalog < overrides (see SETTINGS_LAYERS)."""
        return self._once("settings", lambda: resolve_settings(self.catalog, dict(self.overrides)))

    @property
    def settings_sources(self) -> dict[str, SettingsLayer]:
        return settings_sources(self.catalog, dict(self.overrides))

    @property
    def fingerprint(self) -> str:
        """SHA-256 of everything the numbers depend on: catalog, records, effective settings and aliases.
        Two Runs with the same fingerprint give the same numbers (caches key on it)."""

        def digest() -> str:
            h = hashlib.sha256()
            h.update(self.catalog.model_dump_json().encode())
            for r in self.records:
                h.update(r.model_dump_json().encode())
            h.update(self.settings.model_dump_json().encode())
            h.update(json.dumps([self.aliases.providers, self.aliases.products], sort_keys=True).encode())
            return h.hexdigest()

        return self._once("fingerprint", digest)

    # The engine -----------------------------------------------------------------------------------------
    @property
    def structure(self) -> Structure:
        return self._once("structure", lambda: self._timed("structure", lambda: compile_catalog(self.catalog)))

    @property
    def statistics(self) -> dict[str, DependencyStats]:
        return self._once(
            "statistics",
            lambda: self._timed(
                "statistics", lambda: dependency_stats(self.catalog, self.records, self.settings, self.aliases)
            ),
        )

    def _timed(self, name: StageName, compute: Callable[[], T]) -> T:
        """compute(), its time kept for the assessments' stage records (see risk.engine.stages)."""
        value, record = timed(name, compute)
        self._measured[name] = record
        return value

    def work_problems(self) -> list[Problem]:
        """Why this Run's assessment would exceed the work limits (risk.limits), without simulating."""
        return work_problems(self.structure, self.statistics, self.settings, self.settings_sources["simulated_years"])

    @property
    def naming_problems(self) -> list[Problem]:
        """Warnings for products the history does not know under the name the catalog uses (so their rate
        would fall back to the default), each with the closest known name."""
        return self._once("naming", lambda: unrecognised_products(self.catalog, self.records, self.aliases))

    def assess(self, progress: Progress | None = None) -> Assessment:
        """The assessment (computed once; `progress` is called while it is being computed). Its warnings
        include the products the history does not recognise and the notes on the inputs, first, as
        warnings of its statistics stage."""

        def compute() -> Assessment:
            result = assess(
                self.catalog,
                self.records,
                self.settings,
                self.aliases,
                progress,
                structure=self.structure,
                stats=self.statistics,
                years_from=self.settings_sources["simulated_years"],
                measured=dict(self._measured),
            )
            return self._with_input_notes(result)

        return self._once("assessment", compute)

    @property
    def assessment(self) -> Assessment:
        return self.assess()

    def exact(self, progress: Progress | None = None) -> ExactAssessment:
        """The exact part alone (computed once): nothing simulated, so the simulation's budget does not
        apply (`lynchpin assess --exact`, `--years 0`)."""
        return self._once(
            "exact",
            lambda: exact_assessment(
                self.catalog,
                self.records,
                self.settings,
                self.aliases,
                progress,
                structure=self.structure,
                stats=self.statistics,
                measured=dict(self._measured),
            ),
        )

    def _with_input_notes(self, result: Assessment) -> Assessment:
        """The assessment with the products the history does not recognise and the notes on the inputs
        added first to its warnings and to its statistics stage's (they change which records count)."""
        names = [f"{p.message}; {p.hint}" for p in self.naming_problems]
        names += [f"{p.location}: {p.message}" for p in self.notes]
        if not names:
            return result
        stages = [
            s.model_copy(update={"warnings": names + s.warnings}) if s.name == "statistics" else s
            for s in result.stages
        ]
        return result.model_copy(update={"warnings": names + result.warnings, "stages": stages})

    # Advice ---------------------------------------------------------------------------------------------
    @property
    def _paired_baseline(self) -> Assessment:
        """The assessment with its per-year totals, which a saving's range is paired on: one read back from
        JSON (the workspace, a shipped result) has none, so it is assessed again once (the same figures)."""
        a = self.assessment
        if a.yearly_totals is not None:
            return a
        return self._once(
            "paired baseline",
            lambda: assess(
                self.catalog,
                self.records,
                self.settings,
                self.aliases,
                structure=self.structure,
                stats=self.statistics,
                years_from=self.settings_sources["simulated_years"],
            ).model_copy(update={"warnings": a.warnings}),
        )

    @property
    def recommendations(self) -> RecommendationReport:
        """The recommendations, measured (computed once). When only one is measured, the combination shown
        first (default_combination) is that one alone, whose assessment after it the measuring has just
        made: it is kept as that combination (`combined`), not assessed a second time."""

        def compute() -> RecommendationReport:
            best: dict[str, Assessment] = {}
            report = recommend(
                self.catalog,
                self.records,
                self.settings,
                baseline=self._paired_baseline,
                aliases=self.aliases,
                structure=self.structure,
                best=best,
            )
            from risk.advice.recommend import default_combination

            picks = default_combination(report)
            if len(picks) == 1 and picks[0] in best:
                effect = report.get(picks[0]).effect
                self.keep(("combined", picks), (effect, best[picks[0]]))
            return report

        return self._once("recommendations", compute)

    def combined(self, rule_ids: Sequence[str]) -> tuple[Effect, Assessment]:
        """Several recommendations applied together: their effect and the assessment after them."""
        key = ("combined", tuple(rule_ids))
        return self._once(
            key,
            lambda: combined_effect(
                self.catalog,
                self.records,
                list(rule_ids),
                self.settings,
                baseline=self._paired_baseline,
                aliases=self.aliases,
                structure=self.structure,
            ),
        )

    @property
    def severe(self) -> list[SevereScenario]:
        """The severe-but-plausible set: per provider, its longest and 90th-percentile outage."""
        return self._once(
            "severe",
            lambda: severe_but_plausible(
                self.catalog, self.records, self.settings, self.aliases, self.statistics, self.structure
            ),
        )

    def what_if(self, items: Sequence[str], hours: float, start: datetime | None = None) -> ScenarioResult:
        """Dependencies (ids or provider:NAME) down together for `hours`; InputError for unknown ones."""
        return what_if(self.catalog, items, hours, start, self.aliases, self.structure)

    def record(self, record_id: str) -> OutageRecord:
        """An outage record by id; InputError (with a suggestion) when there is none."""
        for r in self.records:
            if r.id == record_id:
                return r
        guess = did_you_mean(record_id, [r.id for r in self.records])
        raise InputError(
            [
                Problem(
                    f"no outage record '{record_id}'" + (f"; {guess}" if guess else ""),
                    Location("replay"),
                    "the outage history lists every record with its id",
                )
            ]
        )

    def replay(self, record_id: str, hours: float | None = None) -> ScenarioResult:
        """A recorded outage replayed against this catalog (its own duration unless `hours` is given)."""
        return replay(
            self.catalog, self.record(record_id), hours, self.aliases, history=self.records, structure=self.structure
        )

    @property
    def records_hitting_catalog(self) -> list[OutageRecord]:
        """The outage records that match at least one dependency of this catalog."""
        return self._once("hitting", lambda: records_hitting(self.catalog, self.records, self.aliases))


def _restore(catalog, records, aliases, overrides, sources, notes=(), merges=()) -> Run:
    return Run(
        catalog=catalog,
        records=records,
        aliases=aliases,
        overrides=overrides,
        sources=sources,
        notes=notes,
        merges=merges,
    )
