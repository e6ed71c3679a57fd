"""The JSON report: the assessment contract, plus the recommendations and severe-but-plausible results."""

from __future__ import annotations

import json

from risk.report.model import Report

__all__ = ["render_json"]


def render_json(report: Report) -> bytes:
    doc = json.loads(report.assessment.to_json(indent=None))  # contract keys; Infinity as a string
    doc["recommendations"] = json.loads(report.recommendations.model_dump_json())["recommendations"]
    doc["severe_but_plausible"] = [
        {"provider": r.provider, "kind": r.kind, **json.loads(r.result.model_dump_json())} for r in report.severe
    ]
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
