"""JSON Schemas generated from the pydantic models (never written by hand)."""

from __future__ import annotations

import json
from typing import Any

from risk.catalog.model import Catalog
from risk.history.model import OutageRecord

__all__ = ["catalog_schema", "outage_schema", "schema_json"]


def catalog_schema() -> dict[str, Any]:
    schema = Catalog.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Lynchpin catalog"
    return schema


def outage_schema() -> dict[str, Any]:
    schema = OutageRecord.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Lynchpin outage record"
    return schema


def assessment_schema() -> dict[str, Any]:
    from risk.engine.assessment import Assessment

    schema = Assessment.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Lynchpin assessment"
    return schema


def schema_json(which: str = "catalog") -> str:
    make = {"catalog": catalog_schema, "outage": outage_schema, "assessment": assessment_schema}[which]
    return json.dumps(make(), indent=2, sort_keys=True) + "\n"
