"""An exact-only assessment (`lynchpin assess --exact`, `--years 0`) as terminal tables: nothing simulated."""

from __future__ import annotations

from typing import cast

from rich.console import Console, JustifyMethod
from rich.markup import escape
from rich.table import Table

from risk.engine.assessment import ExactAssessment
from risk.presentation.format import hours, pct, people_phrase, unavailability_text
from risk.untrusted import terminal_text

__all__ = ["render_exact"]


def render_exact(a: ExactAssessment, console: Console, top: int = 10) -> None:
    """Services by unavailability (worst first), then the dependencies that matter most."""
    console.print(
        f"[bold]{escape(a.organisation)}[/bold]  exact part only: {len(a.services)} services, "
        f"{len(a.dependencies)} dependencies, {a.history['records']} outage records over "
        f"{a.history['years']:.1f} years; nothing simulated, so no breach probability, cost or rating"
    )
    names = {d.id: d.name for d in a.dependencies} | {c.id: c.name for c in a.common_causes}
    t = Table(title="Services", title_justify="left")
    for col, just in (
        ("service", "left"),
        ("tier", "right"),
        ("single points of failure", "left"),
        ("unavailability", "right"),
        ("hours down/yr", "right"),
    ):
        t.add_column(col, justify=cast(JustifyMethod, just))
    for s in sorted(a.services, key=lambda s: (-s.unavailability, s.tier, s.name)):
        t.add_row(
            escape(s.name),
            str(s.tier),
            escape(", ".join(names.get(d, d) for d in s.single_points_of_failure)) or "none",
            unavailability_text(s),
            hours(s.expected_annual_downtime_hours),
        )
    console.print(t)
    d = Table(title="Dependencies by share of the risk (Fussell-Vesely)", title_justify="left")
    for col, just in (("dependency", "left"), ("provider", "left"), ("share", "right"), ("takes down alone", "left")):
        d.add_column(col, justify=cast(JustifyMethod, just))
    for x in sorted(a.dependencies, key=lambda x: (-x.importance.fussell_vesely, x.id))[:top]:
        radius = x.blast_radius
        alone = (
            f"{len(radius.services)} service{'s' if len(radius.services) != 1 else ''}, {people_phrase(radius.people_at_least, radius.users)}"
            if radius.services
            else "nothing"
        )
        d.add_row(escape(x.name), escape(x.provider), pct(x.importance.fussell_vesely), escape(alone))
    console.print(d)
    for w in a.warnings:  # among them, when no decision diagram fits, that the figures are sampled and why
        console.print(f"[yellow]warning[/yellow]: {escape(terminal_text(w))}")
