"""The JSON shapes beyond the assessment contract, each with one owner: the severe-but-plausible list (also
what `lynchpin scenario --severe --format json` prints) and the report document (the assessment contract,
plus the recommendations and the severe-but-plausible results)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from risk.advice.scenarios import SevereScenario
from risk.report.model import Report

__all__ = ["severe_document", "report_document", "render_json"]


def severe_document(severe: Sequence[SevereScenario]) -> list[dict[str, Any]]:
    return [{"provider": r.provider, "kind": r.kind, **json.loads(r.result.model_dump_json())} for r in severe]


def report_document(report: Report) -> dict[str, Any]:
    doc = json.loads(report.assessment.to_json(indent=None))  # contract keys; Infinity as a string
    doc["recommendations"] = json.loads(report.recommendations.model_dump_json())["recommendations"]
    doc["severe_but_plausible"] = severe_document(report.severe)
    return doc


def render_json(report: Report) -> bytes:
    return (json.dumps(report_document(report), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
