"""The rule library: rules are data (rules.yaml beside this file), checked against the registered trigger
checks and transformations when loaded, so a typo in a rule fails loudly in the tests, not silently."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["Rule", "load_rules", "RULES_FILE", "load_controls", "control_text"]

RULES_FILE = Path(str(files(__package__) / "rules.yaml"))
CONTROLS_FILE = RULES_FILE.with_name("controls.yaml")


class Rule(BaseModel):
    """One recommendation: when it applies, why, what to do, and how its effect is measured."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    title: str
    trigger: list[dict[str, dict[str, Any]]] = Field(min_length=1)
    rationale: str
    action: str
    effort: Literal["low", "medium", "high"]
    source_url: str
    effect: dict[str, Any]
    controls: dict[str, list[str]] = Field(
        default_factory=dict, description="Framework -> the control ids it serves (controls.yaml)."
    )

    @model_validator(mode="after")
    def _known(self) -> Rule:
        from risk.advice.recommend.transforms import TRANSFORMS
        from risk.advice.recommend.triggers import CHECKS

        for condition in self.trigger:
            if len(condition) != 1 or next(iter(condition)) not in CHECKS:
                raise ValueError(f"rule {self.id}: unknown trigger {condition}; known: {', '.join(CHECKS)}")
        if len(self.effect) != 1 or next(iter(self.effect)) not in (*TRANSFORMS, "unquantified"):
            raise ValueError(f"rule {self.id}: unknown effect {self.effect}; known: {', '.join(TRANSFORMS)}")
        return self

    @property
    def quantified(self) -> bool:
        return "unquantified" not in self.effect


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_FILE) -> tuple[Rule, ...]:
    """Every rule in the library, in file order, with the framework controls it serves (controls.yaml
    beside the rules; risk.data.MissingData when the library is not installed)."""
    from risk.data import read_yaml

    controls = load_controls(path.with_name("controls.yaml"))["rules"]
    return tuple(Rule.model_validate({**r, "controls": controls.get(r["id"], {})}) for r in read_yaml(path))


@lru_cache(maxsize=4)
def load_controls(path: Path = CONTROLS_FILE) -> dict[str, Any]:
    """The frameworks (id -> name) and each rule's controls (rule id -> framework id -> control ids)."""
    from risk.data import read_yaml

    return read_yaml(path)


def control_text(controls: dict[str, list[str]]) -> str:
    """'NIST CSF 2.0 PR.AA-03, PR.IR-03; DORA Art. 9; ...' for a reader."""
    names = load_controls()["frameworks"]
    return "; ".join(f"{names.get(k, k)} {', '.join(v)}" for k, v in controls.items() if v)
