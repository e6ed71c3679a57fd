"""The MEF export read by an independent tool: Debian's SCRAM (installed by .ci/run) computes every
service's exact unavailability and minimal cut sets from the exported file, with the beta-factor
common-cause groups (`--ccf true`), and they equal Lynchpin's."""

from __future__ import annotations

import os
import shutil
import subprocess
import xml.etree.ElementTree as ET  # noqa: S405 - SCRAM's own report, written by the test

import pytest
from typer.testing import CliRunner

from risk.catalog import load_catalog
from risk.cli import app
from risk.engine.common_cause import PREFIX
from risk.interchange.mef import mef_names, to_mef
from risk.run import Run
from tests.conftest import EXAMPLE_FILES
from tests.engine.helpers import catalog, dep

SCRAM = shutil.which("scram")


def _scram(model, tmp_path):
    if SCRAM is None:
        if os.environ.get("CI"):
            pytest.fail("scram is not installed; .ci/run must install it")
        pytest.skip("scram is not installed (apt-get install scram)")
    report = tmp_path / "report.xml"
    subprocess.run(
        [SCRAM, "--ccf", "true", "--probability", "true", "--limit-order", "3", "-o", str(report), str(model)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    out = {}
    for sop in ET.parse(report).getroot().iter("sum-of-products"):  # noqa: S314
        products = {frozenset(_event(e) for e in p) for p in sop.iter("product")}
        out[sop.get("name")] = (float(sop.get("probability")), products)
    return out


def _event(element) -> str:
    """A product's event as SCRAM reports it: a basic event's name; a CCF group's event of one member (that
    member's independent failure) by the member's name; its event of all members by the group's name."""
    if element.tag == "ccf-event" and element.get("order") != "1":
        return element.get("ccf-group")
    return next(element.iter("basic-event")).get("name")


def _ours(run: Run, cut_set: list[str]) -> frozenset[str]:
    names = mef_names(run)
    return frozenset(names.group(x) if x.startswith(PREFIX) else names.event(x) for x in cut_set)


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
@pytest.mark.timeout(300)
def test_scram_reproduces_every_services_exact_unavailability_and_cut_sets(path, tmp_path):
    run = Run.build(load_catalog(path), overrides={"simulated_years": 500})
    model = tmp_path / "model.xml"
    model.write_text(to_mef(run), encoding="utf-8")
    theirs = _scram(model, tmp_path)
    assert run.assessment.common_causes  # every example has identical redundant parts
    for s in run.assessment.services:
        probability, products = theirs[mef_names(run).service(s.id)]
        assert probability == pytest.approx(s.unavailability, rel=1e-5), s.id  # SCRAM prints 6 digits
        ours = {_ours(run, c) for c in s.cut_sets if len(c) <= 3}
        assert products == ours, s.id


@pytest.mark.timeout(120)
def test_scram_reproduces_nhs_pathology_with_its_hosts_common_cause(tmp_path):
    """Pathology needs two of three identical hosts: the hosts' common cause is a single point of failure,
    and SCRAM, reading the CCF group from the file, gets the same exact figure (0.040% without it)."""
    from tests.paths import EXAMPLES

    run = Run.build(load_catalog(EXAMPLES / "nhs-acute-trust.yaml"), overrides={"simulated_years": 200})
    model = tmp_path / "model.xml"
    model.write_text(to_mef(run), encoding="utf-8")
    group = run.assessment.common_cause(PREFIX + "dc-host-a+dc-host-b+dc-host-c")
    ccf = next(ET.parse(model).getroot().iter("define-CCF-group"))  # noqa: S314 - written by the test
    assert ccf.get("name") == "ccf_dc-host-a_dc-host-b_dc-host-c" and ccf.get("model") == "beta-factor"
    assert [e.get("name") for e in ccf.find("members")] == [f"dependency_dc-host-{x}" for x in "abc"]
    assert float(ccf.find("distribution/float").get("value")) == group.member_unavailability
    assert ccf.find("factor").get("level") == "3" and float(ccf.find("factor/float").get("value")) == 0.1
    probability, products = _scram(model, tmp_path)["service_pathology"]
    pathology = run.assessment.service("pathology")
    assert pathology.unavailability > 0.0005
    assert probability == pytest.approx(pathology.unavailability, rel=1e-5)
    assert frozenset(["ccf_dc-host-a_dc-host-b_dc-host-c"]) in products


@pytest.mark.parametrize("beta", [0.1, 0.5])
@pytest.mark.timeout(120)
def test_scram_gives_a_beta_factor_pair_beta_p_or_both_independent_parts(beta, tmp_path):
    hosts = [dep(h, rate=2.0, mean="6h", product="host") for h in ("h1", "h2")]
    run = Run.build(catalog([{"any_of": ["h1", "h2"]}], hosts), [], {"simulated_years": 200, "common_cause_beta": beta})
    p = run.statistics["h1"].unavailability
    model = tmp_path / "model.xml"
    model.write_text(to_mef(run), encoding="utf-8")
    probability, products = _scram(model, tmp_path)["service_svc"]
    assert probability == pytest.approx(beta * p + (1 - beta * p) * ((1 - beta) * p) ** 2, rel=1e-5)
    assert products == {frozenset(["ccf_h1_h2"]), frozenset(["dependency_h1", "dependency_h2"])}


@pytest.mark.timeout(120)
def test_ids_that_sanitise_alike_get_different_names_and_scram_accepts_the_file(tmp_path):
    """`db.primary` and `db_primary` would both be `dependency_db_primary`: the id MEF allows as it is keeps
    the name, the other gets a suffix from its hash, and SCRAM reads the file."""
    deps = [dep("db.primary", rate=1.0), dep("db_primary", rate=3.0), dep("web", rate=0.5)]
    other = {"id": "svc.2", "name": "Two", "tier": 2, "impact_tolerance": "4h", "requires": ["db.primary"]}
    clash = {"id": "svc_2", "name": "Three", "tier": 2, "impact_tolerance": "4h", "requires": ["db_primary"]}
    run = Run.build(
        catalog([{"any_of": ["db.primary", "db_primary"]}, "web"], deps, more_services=[other, clash]),
        [],
        {"simulated_years": 200},
    )
    names = mef_names(run)
    assert names.event("db_primary") == "dependency_db_primary"
    assert names.event("db.primary").startswith("dependency_db_primary_") and len(set(names.events.values())) == 3
    assert names.service("svc_2") == "service_svc_2" and names.service("svc.2") != names.service("svc_2")
    model = tmp_path / "model.xml"
    model.write_text(to_mef(run), encoding="utf-8")
    theirs = _scram(model, tmp_path)
    for s in run.assessment.services:
        probability, products = theirs[names.service(s.id)]
        assert probability == pytest.approx(s.unavailability, rel=1e-5), s.id
        assert products == {_ours(run, c) for c in s.cut_sets}, s.id


def test_export_mef_command(tmp_path):
    from tests.paths import DEFAULT_CATALOG

    out = tmp_path / "model.xml"
    result = CliRunner().invoke(app, ["export", "mef", str(DEFAULT_CATALOG), "-o", str(out), "--years", "500"])
    assert result.exit_code == 0, result.output
    root = ET.parse(out).getroot()  # noqa: S314 - written by the test
    assert root.tag == "opsa-mef"
    assert {g.get("name") for g in root.iter("define-gate")} >= {"service_clinical-email"}
    assert any(e.findtext("label") == "Entra ID sign-in" for e in root.iter("define-basic-event"))
