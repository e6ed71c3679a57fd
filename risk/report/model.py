"""The report object: everything every output format shows, computed once from one assessment.

PDF, HTML, XLSX and JSON are renderers of this object only, so every figure in every format is the same
number (the same catalog, history and seed give the same report).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from risk.assessment import Assessment
from risk.catalog.load import catalog_sha256
from risk.catalog.model import Catalog
from risk.engine.assess import assess, effective_settings
from risk.outages.model import OutageRecord
from risk.recommend import RecommendationReport, Rule, load_rules, recommend
from risk.scenarios import SevereScenario, severe_but_plausible
from risk.settings import Settings

__all__ = ["Report", "build_report"]


@dataclass
class Report:
    catalog: Catalog
    assessment: Assessment
    recommendations: RecommendationReport
    severe: list[SevereScenario]
    records: list[OutageRecord]
    sources: list[str]
    settings: Settings
    rules: tuple[Rule, ...]
    generated_at: str
    catalog_sha256: str
    summary: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"Dependency risk assessment: {self.catalog.organisation}"

    def records_used(self) -> list[OutageRecord]:
        """The records that matched a dependency of this catalog, newest first."""
        used = {rid for d in self.assessment.dependencies for rid in d.record_ids}
        return sorted((r for r in self.records if r.id in used), key=lambda r: r.start_dt, reverse=True)


def build_report(
    catalog: Catalog,
    records: Sequence[OutageRecord],
    settings: Settings | None = None,
    sources: Sequence[str] = (),
    assessment: Assessment | None = None,
) -> Report:
    """Assess, recommend and run the severe-but-plausible set once, for every output format."""
    from risk.report.summary import executive_summary

    settings = settings or effective_settings(catalog)
    records = list(records)
    assessment = assessment or assess(catalog, records, settings)
    report = Report(
        catalog=catalog,
        assessment=assessment,
        recommendations=recommend(catalog, records, settings, baseline=assessment),
        severe=severe_but_plausible(catalog, records, settings),
        records=records,
        sources=list(sources),
        settings=settings,
        rules=load_rules(),
        generated_at=assessment.generated_at or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        catalog_sha256=catalog_sha256(catalog),
    )
    report.summary = executive_summary(report)
    return report
