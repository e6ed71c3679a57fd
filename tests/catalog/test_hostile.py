"""Hostile inputs (tests/data/hostile.py): each ends in its located message, never a traceback, through the
API and the CLI; valid ones assess. A property test: any catalog that validates assesses without an
exception, within the work limits."""

from __future__ import annotations

import io
import zipfile

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from risk.catalog.load import read_catalog
from risk.cli import app
from risk.history.load import read_outages
from risk.problems import InputError
from risk.run import Run
from tests.data.hostile import CASES, OUTAGE_CASES

runner = CliRunner()


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_catalog_gives_its_located_message(name, tmp_path):
    case = CASES[name]
    report = read_catalog(case.build(tmp_path))
    found = [(p.message, str(p.location)) for p in (report.warnings if case.valid else report.errors)]
    assert any(case.message in m and case.where in loc for m, loc in found), found
    assert report.ok is case.valid
    if case.valid:
        run = Run.build(report.catalog, [], {"simulated_years": 500})
        assert len(run.assessment.services) == len(report.catalog.services)


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if not c.valid])
def test_hostile_catalog_through_the_cli_exits_2_without_a_traceback(name, tmp_path):
    result = runner.invoke(app, ["validate", str(CASES[name].build(tmp_path))])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output and CASES[name].message.split("(")[0][:30] in result.output


@pytest.mark.parametrize("name", list(OUTAGE_CASES))
def test_hostile_outage_log_gives_its_located_message(name):
    file_name, text, message, where = OUTAGE_CASES[name]
    report = read_outages([(file_name, text.encode())])
    assert not report.ok
    assert any(message in p.message and where in str(p.location) for p in report.problems), report.problems


def test_a_repeated_item_is_simulated_once(tmp_path):
    once = read_catalog(CASES["repeat-5000"].build(tmp_path)).catalog
    doc = once.model_dump(mode="json", exclude_none=True)
    doc["services"][0]["requires"] = ["a", "b"]
    plain = read_catalog(yaml.safe_dump(doc).encode(), name="plain.yaml").catalog
    figures = [
        Run.build(c, [], {"simulated_years": 2000}).assessment.services[0].tolerance_breach_probability
        for c in (once, plain)
    ]
    assert figures[0] == figures[1]


def test_the_work_limit_guards_every_assessment_not_only_validation(tmp_path):
    from risk.catalog.model import Catalog

    # Validation refuses this catalog; built from the model directly, the engine must refuse it too.
    doc = yaml.safe_load(CASES["rates-beyond-the-work-limit"].build(tmp_path).read_text())
    run = Run.build(Catalog.model_validate(doc), [], {"simulated_years": 20_000})
    assert run.work_problems()
    with pytest.raises(InputError, match="would draw about 40,000,000 outages"):
        run.assess()
    just_within = Run.build(Catalog.model_validate(doc), [], {"simulated_years": 5000})  # 2000 a year x 5000
    assert just_within.work_problems() == []


def test_an_unwritable_report_folder_is_a_message(tmp_path):
    from tests.paths import DEFAULT_CATALOG

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = runner.invoke(
        app, ["report", str(DEFAULT_CATALOG), "-o", str(blocker / "reports"), "--format", "json", "--years", "200"]
    )
    assert result.exit_code == 2 and "cannot write the reports into" in result.output
    assert "Traceback" not in result.output


def test_zip_members_are_read_through_a_running_cap():
    from risk.catalog.sources.base import read_zip_members

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("services.csv", b"0" * 5000)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as zf:
        assert len(read_zip_members(zf, "x.zip", limit=1250)["services.csv"]) == 5000  # exactly at 4 x limit
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as zf:
        too_much = read_zip_members(zf, "x.zip", limit=1249)  # one byte over
    assert not isinstance(too_much, dict) and "over the" in too_much.message


# Property: whatever validates, assesses. -----------------------------------------------------------------
_numbers = st.one_of(
    st.integers(-5, 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["1e309", ".inf", "-1", "0", "4h", "10y", "3650d", "87600h", "true"]),
)


@st.composite
def _documents(draw):
    deps = [f"d{i}" for i in range(draw(st.integers(1, 4)))]
    services = []
    for i in range(draw(st.integers(1, 3))):
        services.append(
            {
                "id": f"s{i}",
                "name": f"S{i}",
                "tier": draw(st.one_of(st.integers(0, 5), st.booleans())),
                "impact_tolerance": draw(st.one_of(st.sampled_from(["0h", "1h", "87600h", "3650d"]), _numbers)),
                "users": draw(_numbers),
                "hourly_cost": draw(_numbers),
                "requires": draw(st.lists(st.sampled_from(deps), min_size=1, max_size=6)),
            }
        )
    dependencies = [
        {
            "id": d,
            "name": d,
            "provider": draw(st.sampled_from(["Microsoft", "Okta", "Nobody"])),
            "product": "Entra ID",
            "capability": "sign-in",
            **({"annual_outages": draw(_numbers)} if draw(st.booleans()) else {}),
            **(
                {"mean_outage": draw(st.one_of(st.sampled_from(["1h", "87600h"]), _numbers))}
                if draw(st.booleans())
                else {}
            ),
            **({"unavailability": draw(st.floats(0, 1))} if draw(st.booleans()) else {}),
        }
        for d in deps
    ]
    return {"organisation": "T", "services": services, "dependencies": dependencies}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_documents())
def test_any_catalog_that_validates_assesses(doc):
    report = read_catalog(yaml.safe_dump(doc).encode(), name="generated.yaml")
    if report.catalog is None:
        assert report.errors
        return
    try:
        assessment = Run.build(report.catalog, [], {"simulated_years": 200}).assessment
    except InputError as exc:  # over a work limit: refused with a message, never a crash
        assert exc.problems and all(p.message for p in exc.problems)
        return
    for s in assessment.services:
        assert 0 <= s.tolerance_breach_probability <= 1
        assert s.expected_annual_downtime_hours == s.expected_annual_downtime_hours  # not NaN
        assert s.expected_annual_cost >= 0


def test_fewer_simulated_years_on_the_command_line_make_a_heavy_catalog_assessable(tmp_path):
    path = tmp_path / "heavy.yaml"
    path.write_text(
        "organisation: T\nservices:\n  - {id: s, name: S, tier: 1, impact_tolerance: 1h, requires: [a]}\n"
        "dependencies:\n  - {id: a, name: A, provider: P, product: Q, capability: dns, annual_outages: 1000, "
        "mean_outage: 4h}\n"
    )
    refused = runner.invoke(app, ["assess", str(path), "--format", "json"])
    assert refused.exit_code == 2 and "--years 10000" in refused.output
    assert runner.invoke(app, ["assess", str(path), "--years", "2000", "--format", "json"]).exit_code == 0
