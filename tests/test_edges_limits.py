"""Edges of the limits: every limit accepts a value exactly at it and refuses one step over; and `lynchpin
diff` calls a move "beyond the ranges" only when the two ranges do not touch. Each test fails for one
hand-made bug named in its docstring."""

from __future__ import annotations

import json
import math

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from risk import limits
from risk.catalog.load import read_catalog
from risk.catalog.model import MAX_ANNUAL_OUTAGES, MAX_HOURLY_COST, MAX_USERS, AtLeast, Dependency, Service
from risk.catalog.sources.base import MAX_DEPTH
from risk.catalog.sources.documents import MAX_DIGITS, depth, parse_document
from risk.catalog.validate import validate_document
from risk.compare import ServiceMove
from risk.durations import MAX_DURATION_HOURS, parse_duration
from risk.problems import Location
from risk.settings import Settings

pytestmark = pytest.mark.timeout(60)

UP = math.inf
HERE = Location("test")


# Work limits (risk.limits) -----------------------------------------------------------------------------------


def test_simulated_outages_exactly_at_the_limit_are_accepted_one_more_year_is_not():
    """Mutant: `outages >= MAX_SIMULATED_OUTAGES` in limits.budget_problems."""
    years = 1000
    per_year = limits.MAX_SIMULATED_OUTAGES / years
    assert per_year * years == limits.MAX_SIMULATED_OUTAGES
    assert limits.budget_problems(1, 10, [("a", per_year)], years, HERE) == []
    [p] = limits.budget_problems(1, 10, [("a", per_year)], years + 1, HERE)
    assert "outages" in p.message


def test_service_years_exactly_at_the_limit_are_accepted_one_more_service_is_not():
    """Mutant: `services * years >= MAX_SERVICE_YEARS`."""
    years = 20_000
    services = int(limits.MAX_SERVICE_YEARS // years)
    assert services * years == limits.MAX_SERVICE_YEARS
    assert limits.budget_problems(services, 10, [], years, HERE) == []
    [p] = limits.budget_problems(services + 1, 10, [], years, HERE)
    assert "service-years" in p.message


def test_structure_items_exactly_at_the_limit_are_accepted_one_more_is_not():
    """Mutant: `structure_items >= MAX_STRUCTURE_ITEMS`."""
    items = int(limits.MAX_STRUCTURE_ITEMS)
    assert limits.budget_problems(1, items, [], 100, HERE) == []
    [p] = limits.budget_problems(1, items + 1, [], 100, HERE)
    assert "items" in p.message


# Input ranges (catalog model, durations, settings) -----------------------------------------------------------------


def _service(**fields) -> dict:
    return {"id": "s", "name": "S", "tier": 1, "impact_tolerance": "1h", **fields}


def _dependency(**fields) -> dict:
    return {"id": "d", "name": "D", "provider": "P", "product": "Q", "capability": "dns", **fields}


@pytest.mark.parametrize(
    ("model", "make", "field", "edge", "over"),
    [
        (Service, _service, "users", MAX_USERS, MAX_USERS + 1),
        (Service, _service, "users", 0, -1),
        (Service, _service, "hourly_cost", MAX_HOURLY_COST, math.nextafter(MAX_HOURLY_COST, UP)),
        (Service, _service, "tier", 4, 5),
        (Service, _service, "tier", 1, 0),
        (Dependency, _dependency, "annual_outages", MAX_ANNUAL_OUTAGES, math.nextafter(MAX_ANNUAL_OUTAGES, UP)),
        (Dependency, _dependency, "annual_outages", 0.0, math.nextafter(0.0, -UP)),
        (Dependency, _dependency, "unavailability", 1.0, math.nextafter(1.0, UP)),
        (Service, _service, "impact_tolerance", MAX_DURATION_HOURS, math.nextafter(MAX_DURATION_HOURS, UP)),
        (Service, _service, "impact_tolerance", "3650d", "3650d1m"),
        (Settings, dict, "simulated_years", 100, 99),
        (Settings, dict, "simulated_years", 2_000_000, 2_000_001),
        (Settings, dict, "cut_set_order", 6, 7),
        (Settings, dict, "max_outage_hours", 8760, math.nextafter(8760, UP)),
    ],
)
def test_a_range_accepts_its_edge_and_refuses_one_step_over(model, make, field, edge, over):
    """Mutants: each bound made exclusive (`lt` for `le`, `gt` for `ge`), or the duration limit `>=`."""
    model.model_validate(make(**{field: edge}))
    with pytest.raises(ValidationError):
        model.model_validate(make(**{field: over}))


def test_the_longest_duration_is_accepted_and_one_step_longer_refused():
    """Mutant: `hours >= MAX_DURATION_HOURS` in durations.parse_duration."""
    assert parse_duration(MAX_DURATION_HOURS) == MAX_DURATION_HOURS
    with pytest.raises(ValueError, match="longer than ten years"):
        parse_duration(math.nextafter(MAX_DURATION_HOURS, UP))


def test_at_least_equal_to_its_list_is_accepted_one_more_is_not():
    """Mutant: `self.at_least >= len(self.of)` in AtLeast._k_fits."""
    AtLeast.model_validate({"at_least": 2, "of": ["a", "b"]})
    with pytest.raises(ValidationError, match="only 2 item"):
        AtLeast.model_validate({"at_least": 3, "of": ["a", "b"]})


def _catalog_yaml() -> bytes:
    return (
        b"organisation: T\nservices:\n  - {id: s, name: S, tier: 1, impact_tolerance: 1h, requires: [d]}\n"
        b"dependencies:\n  - {id: d, name: D, provider: P, product: Q, capability: dns, annual_outages: 1}\n"
    )


def test_an_input_exactly_at_the_size_limit_is_read_one_byte_more_is_refused():
    """Mutant: `len(source) >= limit` in load.read_catalog."""
    data = _catalog_yaml()
    assert read_catalog(data, name="c.yaml", limit=len(data)).ok
    report = read_catalog(data, name="c.yaml", limit=len(data) - 1)
    assert not report.ok and "limit" in report.errors[0].message


def _nested(levels: int) -> dict:
    """A catalog-shaped document whose lists and mappings nest exactly `levels` deep."""
    inner: object = "x"
    for _ in range(levels - 1):
        inner = [inner]
    return {"organisation": "T", "notes": inner}


def test_nesting_exactly_at_the_depth_limit_is_read_one_level_more_is_refused():
    """Mutants: `depth(doc) >= MAX_DEPTH` in documents.parse_document and in validate.validate_document."""
    deep = "more than"
    at, over = _nested(MAX_DEPTH), _nested(MAX_DEPTH + 1)
    assert (depth(at), depth(over)) == (MAX_DEPTH, MAX_DEPTH + 1)
    assert not any(deep in p.message for p in validate_document(at, lambda p: HERE)[1])
    assert any(deep in p.message for p in validate_document(over, lambda p: HERE)[1])
    parsed = parse_document(json.dumps(at).encode(), "c.json", "json")
    assert parsed.doc is not None and not any(deep in p.message for p in parsed.problems)
    parsed = parse_document(json.dumps(over).encode(), "c.json", "json")
    assert parsed.doc is None and deep in parsed.problems[0].message


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_a_whole_number_of_exactly_the_most_digits_is_read_one_digit_more_is_refused(fmt):
    """Mutants: `digits >= MAX_DIGITS` in the YAML and the JSON number readers."""
    edge, over = "9" * MAX_DIGITS, "9" * (MAX_DIGITS + 1)
    text = '{"organisation": "T", "users": %s}'
    ok = parse_document((text % edge).encode(), f"c.{fmt}", fmt)
    assert ok.doc == {"organisation": "T", "users": int(edge)} and not ok.problems
    bad = parse_document((text % over).encode(), f"c.{fmt}", fmt)
    assert bad.doc is None and f"{MAX_DIGITS + 1} digits" in bad.problems[0].message


# lynchpin diff: "beyond the ranges" ------------------------------------------------------------------------------


def _move(before: list[float], after: list[float]) -> ServiceMove:
    return ServiceMove(
        id="s",
        name="S",
        rating_before="low",
        rating_after="high",
        breach_probability_before=sum(before) / 2,
        breach_probability_after=sum(after) / 2,
        breach_interval_before=before,
        breach_interval_after=after,
    )


def test_touching_ranges_are_not_beyond_each_other_and_apart_by_one_step_they_are():
    """Mutants: `a[0] >= b[1]` or `a[1] <= b[0]` in compare.ServiceMove.significant."""
    assert not _move([0.1, 0.2], [0.2, 0.3]).significant  # up, touching
    assert _move([0.1, 0.2], [math.nextafter(0.2, UP), 0.3]).significant
    assert not _move([0.2, 0.3], [0.1, 0.2]).significant  # down, touching
    assert _move([0.2, 0.3], [0.1, math.nextafter(0.2, 0.0)]).significant


def test_lynchpin_diff_says_beyond_the_ranges_only_when_they_do_not_touch(tmp_path):
    """The same edge through the command: two saved assessments whose one service's ranges touch, then part."""
    from risk.catalog import catalog_from_dict
    from risk.cli import app
    from risk.run import Run

    cat = catalog_from_dict(
        {
            "organisation": "T",
            "services": [{"id": "s", "name": "S", "tier": 1, "impact_tolerance": "1h", "requires": ["d"]}],
            "dependencies": [_dependency(annual_outages=1, mean_outage="2h")],
        }
    )
    a = Run.build(cat, [], {"simulated_years": 200, "uncertainty_draws": 1}).assessment

    def saved(name: str, p: float, interval: list[float]):
        [s] = a.services
        copy = a.model_copy(
            update={
                "services": [
                    s.model_copy(
                        update={"tolerance_breach_probability": p, "tolerance_breach_probability_interval": interval}
                    )
                ]
            }
        )
        path = tmp_path / name
        path.write_text(copy.model_dump_json(), encoding="utf-8")
        return str(path)

    before = saved("before.json", 0.15, [0.1, 0.2])
    runner = CliRunner()
    touching = runner.invoke(app, ["diff", before, saved("touch.json", 0.25, [0.2, 0.3])])
    assert touching.exit_code == 0, touching.output
    assert "15.0%" in touching.output or "15%" in touching.output
    assert "beyond the ranges" not in touching.output
    apart = runner.invoke(app, ["diff", before, saved("apart.json", 0.25, [math.nextafter(0.2, UP), 0.3])])
    assert apart.exit_code == 0, apart.output
    assert "beyond the ranges" in apart.output
