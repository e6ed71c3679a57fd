"""The MEF export read by an independent tool: Debian's SCRAM (installed by .ci/run) computes every
service's exact unavailability and minimal cut sets from the exported file, and they equal Lynchpin's."""

from __future__ import annotations

import os
import shutil
import subprocess
import xml.etree.ElementTree as ET  # noqa: S405 - SCRAM's own report, written by the test

import pytest
from typer.testing import CliRunner

from risk.catalog import load_catalog
from risk.cli import app
from risk.interchange.mef import event_name, service_gate, to_mef
from risk.run import Run
from tests.conftest import EXAMPLE_FILES

SCRAM = shutil.which("scram")


def _scram(model, tmp_path):
    if SCRAM is None:
        if os.environ.get("CI"):
            pytest.fail("scram is not installed; .ci/run must install it")
        pytest.skip("scram is not installed (apt-get install scram)")
    report = tmp_path / "report.xml"
    subprocess.run(
        [SCRAM, "--probability", "true", "--limit-order", "3", "-o", str(report), str(model)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    out = {}
    for sop in ET.parse(report).getroot().iter("sum-of-products"):  # noqa: S314
        products = {frozenset(e.get("name") for e in p.iter("basic-event")) for p in sop.iter("product")}
        out[sop.get("name")] = (float(sop.get("probability")), products)
    return out


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
@pytest.mark.timeout(300)
def test_scram_reproduces_every_services_exact_unavailability_and_cut_sets(path, tmp_path):
    run = Run.build(load_catalog(path), overrides={"simulated_years": 500})
    model = tmp_path / "model.xml"
    model.write_text(to_mef(run), encoding="utf-8")
    theirs = _scram(model, tmp_path)
    for s in run.assessment.services:
        probability, products = theirs[service_gate(s.id)]
        assert probability == pytest.approx(s.unavailability, rel=1e-5), s.id  # SCRAM prints 6 digits
        ours = {frozenset(event_name(d) for d in c) for c in s.cut_sets if len(c) <= 3}
        assert products == ours, s.id


def test_export_mef_command(tmp_path):
    from tests.paths import DEFAULT_CATALOG

    out = tmp_path / "model.xml"
    result = CliRunner().invoke(app, ["export", "mef", str(DEFAULT_CATALOG), "-o", str(out), "--years", "500"])
    assert result.exit_code == 0, result.output
    root = ET.parse(out).getroot()  # noqa: S314 - written by the test
    assert root.tag == "opsa-mef"
    assert {g.get("name") for g in root.iter("define-gate")} >= {service_gate("clinical-email")}
    assert any(e.findtext("label") == "Entra ID sign-in" for e in root.iter("define-basic-event"))
