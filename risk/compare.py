"""What changed between two catalogs, or two assessments, and whether an assessment meets a policy.

One place answers "since last time" for the CLI (`lynchpin diff`, `lynchpin check`), the dashboard's
catalog history and Overview, and the reports: the dashboard and reports lay out these objects, they do
not compare anything themselves.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from risk.catalog.model import Catalog
from risk.engine.assessment import Assessment
from risk.engine.rating import BANDS

__all__ = [
    "ItemChange",
    "CatalogDiff",
    "ServiceMove",
    "AssessmentDiff",
    "PolicyBreach",
    "catalog_diff",
    "assessment_diff",
    "check_policy",
]


class ItemChange(BaseModel):
    id: str
    name: str
    fields: list[str] = Field(default_factory=list, description="The fields that differ (requires, tier, ...).")


class CatalogDiff(BaseModel):
    """Services and dependencies added, removed or changed (by id)."""

    services_added: list[ItemChange] = Field(default_factory=list)
    services_removed: list[ItemChange] = Field(default_factory=list)
    services_changed: list[ItemChange] = Field(default_factory=list)
    dependencies_added: list[ItemChange] = Field(default_factory=list)
    dependencies_removed: list[ItemChange] = Field(default_factory=list)
    dependencies_changed: list[ItemChange] = Field(default_factory=list)
    other_fields_changed: list[str] = Field(default_factory=list, description="Catalog-level fields that differ.")

    @property
    def empty(self) -> bool:
        return not any(getattr(self, f) for f in type(self).model_fields)


class ServiceMove(BaseModel):
    """One service whose rating, breach probability or single points of failure changed."""

    id: str
    name: str
    rating_before: str | None
    rating_after: str | None
    breach_probability_before: float | None
    breach_probability_after: float | None
    breach_interval_before: list[float] | None = None
    breach_interval_after: list[float] | None = None
    single_points_added: list[str] = Field(default_factory=list)
    single_points_removed: list[str] = Field(default_factory=list)

    @property
    def significant(self) -> bool:
        """Whether the breach probability moved beyond what both ranges allow (the ranges do not overlap)."""
        b, a = self.breach_interval_before, self.breach_interval_after
        return bool(b and a and (a[0] > b[1] or a[1] < b[0]))


class AssessmentDiff(BaseModel):
    services: list[ServiceMove] = Field(default_factory=list, description="Services whose figures changed.")
    services_added: list[str] = Field(default_factory=list)
    services_removed: list[str] = Field(default_factory=list)
    single_points_added: list[str] = Field(default_factory=list, description="Catalog-wide, by dependency id.")
    single_points_removed: list[str] = Field(default_factory=list)
    extreme_or_high_before: int = 0
    extreme_or_high_after: int = 0


class PolicyBreach(BaseModel):
    rule: str
    service: str | None = None
    message: str


def _fields(a: BaseModel, b: BaseModel) -> list[str]:
    da, db = a.model_dump(exclude_none=True), b.model_dump(exclude_none=True)
    return sorted(k for k in set(da) | set(db) if k != "id" and da.get(k) != db.get(k))


def catalog_diff(before: Catalog, after: Catalog) -> CatalogDiff:
    out = CatalogDiff()
    for kind in ("services", "dependencies"):
        old = {x.id: x for x in getattr(before, kind)}
        new = {x.id: x for x in getattr(after, kind)}
        getattr(out, f"{kind}_added").extend(ItemChange(id=i, name=new[i].name) for i in new if i not in old)
        getattr(out, f"{kind}_removed").extend(ItemChange(id=i, name=old[i].name) for i in old if i not in new)
        for i in new:
            if i in old and (changed := _fields(old[i], new[i])):
                getattr(out, f"{kind}_changed").append(ItemChange(id=i, name=new[i].name, fields=changed))
    top_before = before.model_dump(exclude={"services", "dependencies"}, exclude_none=True)
    top_after = after.model_dump(exclude={"services", "dependencies"}, exclude_none=True)
    out.other_fields_changed = sorted(
        k for k in set(top_before) | set(top_after) if top_before.get(k) != top_after.get(k)
    )
    return out


def assessment_diff(before: Assessment, after: Assessment) -> AssessmentDiff:
    old = {s.id: s for s in before.services}
    new = {s.id: s for s in after.services}
    moves = []
    for sid, a in new.items():
        b = old.get(sid)
        if b is None:
            continue
        added = sorted(set(a.single_points_of_failure) - set(b.single_points_of_failure))
        removed = sorted(set(b.single_points_of_failure) - set(a.single_points_of_failure))
        if (b.rating, b.tolerance_breach_probability) != (a.rating, a.tolerance_breach_probability) or added or removed:
            moves.append(
                ServiceMove(
                    id=sid,
                    name=a.name,
                    rating_before=b.rating,
                    rating_after=a.rating,
                    breach_probability_before=b.tolerance_breach_probability,
                    breach_probability_after=a.tolerance_breach_probability,
                    breach_interval_before=b.tolerance_breach_probability_interval,
                    breach_interval_after=a.tolerance_breach_probability_interval,
                    single_points_added=added,
                    single_points_removed=removed,
                )
            )
    spofs_before = {d for s in before.services for d in s.single_points_of_failure}
    spofs_after = {d for s in after.services for d in s.single_points_of_failure}
    return AssessmentDiff(
        services=moves,
        services_added=sorted(set(new) - set(old)),
        services_removed=sorted(set(old) - set(new)),
        single_points_added=sorted(spofs_after - spofs_before),
        single_points_removed=sorted(spofs_before - spofs_after),
        extreme_or_high_before=sum(s.rating in ("extreme", "high") for s in before.services),
        extreme_or_high_after=sum(s.rating in ("extreme", "high") for s in after.services),
    )


def check_policy(
    assessment: Assessment,
    max_rating: str | None = None,
    max_breach: float | None = None,
    baseline: Assessment | None = None,
) -> list[PolicyBreach]:
    """Every way the assessment breaks the policy: a service rated above `max_rating`, a breach probability
    above `max_breach`, or (against `baseline`) a single point of failure a service did not have before."""
    if max_rating is not None and max_rating not in BANDS:
        raise ValueError(f"unknown rating '{max_rating}': use one of {', '.join(BANDS)}")
    out: list[PolicyBreach] = []
    for s in assessment.services:
        if max_rating is not None and BANDS.index(s.rating) > BANDS.index(max_rating):
            out.append(
                PolicyBreach(
                    rule="max-rating", service=s.id, message=f"{s.name} is rated {s.rating} (above {max_rating})"
                )
            )
        if max_breach is not None and s.tolerance_breach_probability > max_breach:
            out.append(
                PolicyBreach(
                    rule="max-breach",
                    service=s.id,
                    message=f"{s.name}: {s.tolerance_breach_probability:.1%} a year chance of an outage beyond "
                    f"tolerance (above {max_breach:.1%})",
                )
            )
    if baseline is not None:
        before = {s.id: set(s.single_points_of_failure) for s in baseline.services}
        names = {d.id: d.name for d in assessment.dependencies}
        for s in assessment.services:
            new = sorted(set(s.single_points_of_failure) - before.get(s.id, set()))
            if new:
                out.append(
                    PolicyBreach(
                        rule="no-new-spof",
                        service=s.id,
                        message=f"{s.name} has a new single point of failure: "
                        + ", ".join(names.get(d, d) for d in new),
                    )
                )
    return out
