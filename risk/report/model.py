"""The report: one Run and the facts every format shows, worked out once.

PDF, HTML, XLSX and JSON are renderers of this object only, so every figure in every format is the same
number, and the same number the CLI and the dashboard show for the same Run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from risk.advice.recommend import RecommendationReport, Rule, load_rules
from risk.advice.scenarios import SevereScenario
from risk.catalog.load import catalog_sha256
from risk.catalog.model import Catalog
from risk.compare import AssessmentDiff, assessment_diff
from risk.engine.assessment import Assessment
from risk.history.model import OutageRecord
from risk.report.facts import Facts, work_out_facts
from risk.run import Run
from risk.settings import Settings

__all__ = ["Report", "build_report"]


@dataclass(frozen=True)
class Report:
    run: Run
    facts: Facts
    rules: tuple[Rule, ...]
    generated_at: str
    catalog_sha256: str
    #: What the team decided about each recommendation (rule id -> risk.store.Tracking), when known.
    tracking: Mapping[str, Any] = field(default_factory=dict)
    #: The last kept assessment ("version 3 on 2026-11-28") and what changed since, when there is one.
    since: tuple[str, AssessmentDiff] | None = None
    #: When the file is written (a renderer stamps its own time; '' until then, and then the report's time).
    written: str = ""

    @property
    def written_at(self) -> str:
        return self.written or self.generated_at

    def status(self, rule_id: str) -> str:
        """A recommendation's tracked status for a reader ('open' when nobody has decided)."""
        tracked = self.tracking.get(rule_id)
        return tracked.describe() if tracked is not None else "open"

    @property
    def catalog(self) -> Catalog:
        return self.run.catalog

    @property
    def assessment(self) -> Assessment:
        return self.run.assessment

    @property
    def recommendations(self) -> RecommendationReport:
        return self.run.recommendations

    @property
    def severe(self) -> list[SevereScenario]:
        return self.run.severe

    @property
    def records(self) -> tuple[OutageRecord, ...]:
        return self.run.records

    @property
    def settings(self) -> Settings:
        return self.run.settings

    @property
    def sources(self) -> tuple[str, ...]:
        return self.run.sources

    @property
    def summary(self) -> list[str]:
        return self.facts.summary

    @property
    def title(self) -> str:
        return f"Dependency risk assessment: {self.catalog.organisation}"


def build_report(
    run: Run, tracking: Mapping[str, Any] | None = None, previous: tuple[str, Assessment] | None = None
) -> Report:
    """The facts of a Run for every output format: its assessment, recommendations and severe-but-plausible
    scenarios (each computed once by the Run), and the summary and tables written from them; `tracking`
    is what the team decided about each recommendation (from its workspace); `previous` is the last kept
    assessment and its label, to say what changed since."""
    assessment = run.assessment
    return Report(
        run=run,
        facts=work_out_facts(run),
        rules=load_rules(),
        generated_at=assessment.generated_at or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        catalog_sha256=catalog_sha256(run.catalog),
        tracking=dict(tracking or {}),
        since=(previous[0], assessment_diff(previous[1], assessment)) if previous else None,
    )
