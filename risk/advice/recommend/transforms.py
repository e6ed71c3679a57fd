"""Catalog transformations: what a recommendation changes, so the engine can re-assess and measure it.

Each takes the catalog's document form (a dict, as YAML holds it) and returns a new one; the engine
validates the result like any catalog, so a transformation can never produce an invalid model.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from risk.advice.recommend.context import Context
from risk.durations import format_duration, parse_duration

__all__ = ["TRANSFORMS", "describe"]

Doc = dict[str, Any]
TRANSFORMS: dict[str, Callable[..., Doc]] = {}


def transform(fn: Callable[..., Doc]) -> Callable[..., Doc]:
    TRANSFORMS[fn.__name__] = fn
    return fn


def _rewrite(expr: Any, targets: set[str], fn: Callable[[Any, str], Any]) -> Any:
    """Apply fn to every reference (a plain id or {id, grace}) to one of the targets."""
    if isinstance(expr, str):
        return fn(expr, expr) if expr in targets else expr
    if isinstance(expr, list):
        return [_rewrite(e, targets, fn) for e in expr]
    if isinstance(expr, dict):
        if "id" in expr:
            return fn(expr, expr["id"]) if expr["id"] in targets else expr
        out = dict(expr)
        for key in ("any_of", "all_of", "of"):
            if key in out:
                out[key] = _rewrite(out[key], targets, fn)
        return out
    return expr


def _rewrite_everywhere(
    doc: Doc, targets: set[str], fn: Callable[[Any, str], Any], skip: set[str] | frozenset[str] = frozenset()
) -> Doc:
    for section in ("services", "dependencies"):
        for item in doc.get(section, []):
            if item["id"] not in skip and "requires" in item:
                item["requires"] = _rewrite(item["requires"], targets, fn)
    return doc


def _unique_id(doc: Doc, wanted: str) -> str:
    taken = {i["id"] for s in ("services", "dependencies") for i in doc.get(s, [])}
    candidate, n = wanted, 2
    while candidate in taken:
        candidate, n = f"{wanted}-{n}", n + 1
    return candidate


@transform
def add_alternative(
    doc: Doc, ctx: Context, services: set[str], select: dict, alternative: dict, single_points_only: bool = False
) -> Doc:
    """Wherever a selected dependency is required, accept the new alternative instead (any_of)."""
    doc = copy.deepcopy(doc)
    targets = set(ctx.select(select))
    if single_points_only:
        spofs = {d for s in ctx.assessment.services if s.id in services for d in s.single_points_of_failure}
        targets &= spofs
    alt = dict(alternative)
    alt["id"] = _unique_id(doc, alt["id"])
    doc.setdefault("dependencies", []).append(alt)
    return _rewrite_everywhere(doc, targets, lambda ref, _: {"any_of": [ref, alt["id"]]}, skip={alt["id"]})


@transform
def add_grace(doc: Doc, ctx: Context, services: set[str], select: dict, hours: float, basis: str = "") -> Doc:
    """Every reference to a selected dependency rides out at least `hours` of its outages."""
    doc = copy.deepcopy(doc)

    def longer(ref: Any, ident: str) -> Any:
        current = parse_duration(ref["grace"]) if isinstance(ref, dict) and ref.get("grace") is not None else 0.0
        return {"id": ident, "grace": format_duration(max(current, float(hours)))}

    return _rewrite_everywhere(doc, set(ctx.select(select)), longer)


def _set_estimate(
    doc: Doc, ctx: Context, select: dict, rate: Callable[[float], float], mean: Callable[[float], float]
) -> Doc:
    doc = copy.deepcopy(doc)
    targets = set(ctx.select(select))
    baseline = {d.id: d for d in ctx.assessment.dependencies}
    for item in doc.get("dependencies", []):
        if item["id"] in targets:
            b = baseline[item["id"]]
            item.pop("unavailability", None)
            item["annual_outages"] = round(rate(b.annual_outages), 6)
            hours = mean(b.mean_outage_hours)
            item["mean_outage"] = format_duration(round(hours, 4) or hours)  # never 0, which is refused
    return doc


@transform
def shorten_outages(doc: Doc, ctx: Context, services: set[str], select: dict, mean_outage: str, basis: str = "") -> Doc:
    """Selected dependencies' outages last `mean_outage` on average (or less, if they already do)."""
    cap = parse_duration(mean_outage)
    return _set_estimate(doc, ctx, select, lambda r: r, lambda m: min(m, cap))


@transform
def reduce_rate(doc: Doc, ctx: Context, services: set[str], select: dict, factor: float, basis: str = "") -> Doc:
    """Selected dependencies fail `factor` times as often as now (same durations)."""
    return _set_estimate(doc, ctx, select, lambda r: r * factor, lambda m: m)


@transform
def add_workaround(doc: Doc, ctx: Context, services: set[str], description: str, buys: str) -> Doc:
    """Affected services without a workaround get one that buys the given time."""
    doc = copy.deepcopy(doc)
    for item in doc.get("services", []):
        if item["id"] in services and not item.get("workaround"):
            item["workaround"] = {"description": description, "buys": buys}
    return doc


def describe(effect: dict[str, Any], ctx: Context, services: set[str] | None = None) -> str:
    """One line on what the transformation changes, for readers of the recommendation (dependency names, and
    only the dependencies it really changes)."""
    name, params = next(iter(effect.items()))
    selected = ctx.names(ctx.select(params["select"])) if isinstance(params, dict) and "select" in params else ""
    if name == "add_alternative":
        alt = params["alternative"]
        targets = ctx.select(params["select"])
        if params.get("single_points_only"):
            spofs = {
                d for s in ctx.assessment.services if s.id in (services or set()) for d in s.single_points_of_failure
            }
            targets = [d for d in targets if d in spofs]
        return (
            f"adds '{alt['name']}' as an alternative to {ctx.names(targets)} "
            f"(estimate: {alt.get('annual_outages')} outages a year of {alt.get('mean_outage')})"
        )
    if name == "add_grace":
        return f"existing sessions ride out {params['hours']} h of outages of {selected}"
    if name == "shorten_outages":
        return f"outages of {selected} last {params['mean_outage']} on average"
    if name == "reduce_rate":
        return f"{selected} fail {params['factor']:g} times as often"
    if name == "add_workaround":
        return f"services without a workaround get one that buys {params['buys']}"
    return ""
