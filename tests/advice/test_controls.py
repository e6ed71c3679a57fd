"""Every recommendation names the framework controls it serves, in a form GRC tools take in."""

from __future__ import annotations

import re

from risk.advice.recommend import load_rules
from risk.advice.recommend.rules import control_text, load_controls

PATTERNS = {
    "nist-csf-2.0": r"(GV|ID|PR|DE|RS|RC)\.[A-Z]{2}-\d{2}",
    "dora": r"Art\. \d+(\(\d+\))?",
    "iso-27001-2022": r"A\.[5-8]\.\d{1,2}",
    "nhs-dspt": r"[A-D]\d\.[a-d]",
}


def test_every_rule_names_its_controls_in_the_three_frameworks_and_well_formed_ids():
    controls = load_controls()
    rules = load_rules()
    assert set(controls["rules"]) == {r.id for r in rules}  # none missing, none stale
    for rule in rules:
        for framework in ("nist-csf-2.0", "dora", "iso-27001-2022"):
            assert rule.controls.get(framework), (rule.id, framework)
        for framework, ids in rule.controls.items():
            assert framework in controls["frameworks"], framework
            for ident in ids:
                assert re.fullmatch(PATTERNS[framework], ident), (rule.id, ident)


def test_controls_read_as_one_line():
    text = control_text({"nist-csf-2.0": ["PR.AA-03"], "dora": ["Art. 9"], "nhs-dspt": []})
    assert text == "NIST CSF 2.0 PR.AA-03; DORA Art. 9"
