"""The assessment as terminal tables (rich): what `lynchpin assess` prints.

Every piece of user text (names, ids, providers, titles, warnings that quote them) goes through `shown`
before it meets rich: control sequences are removed (a name cannot set the terminal's title or clear its
screen) and rich markup is escaped (an id `[/bold]` is printed as written, never read as a tag)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from rich.console import Console, JustifyMethod
from rich.markup import escape
from rich.table import Table

from risk.engine.assessment import Assessment, StageRecord
from risk.presentation.format import (
    chance,
    effect_text,
    finite,
    hours,
    hours_range,
    money,
    one_in,
    pct,
    people_phrase,
    rating_certainty,
    sampled,
    service_cost,
    stage_rows,
    unavailability_text,
)
from risk.presentation.order import worst_first, worst_hit_first
from risk.presentation.theme import TERMINAL_BAND_COLOURS as _COLOURS
from risk.untrusted import terminal_text

__all__ = [
    "render_assessment",
    "render_scenario",
    "render_severe",
    "render_recommendations",
    "render_combined",
    "render_diff",
    "render_stages",
    "shown",
    "plain",
]


def plain(text: object) -> str:
    """User text for a terminal line printed without markup: control sequences and characters removed."""
    return terminal_text(text)


def shown(text: object) -> str:
    """User text inside rich markup: control sequences removed and every markup bracket escaped."""
    return escape(terminal_text(text))


def _joined(items, sep: str = ", ") -> str:
    return sep.join(shown(x) for x in items)


#: Services from which `render_assessment` lays the services table out itself, as aligned plain text, rather
#: than through rich: rich's table layout costs about 1 ms a row (2,000 services: 2 s), this about 20 us.
#: Below it rich's table (wrapped to the terminal's width, with its borders) is printed as before.
PLAIN_TABLE_FROM = 200

_SERVICE_COLUMNS = (
    ("service", "left"),
    ("tier", "right"),
    ("single points of failure", "left"),
    ("unavailability", "right"),
    ("beyond tolerance/yr (range)", "right"),
    ("downtime/yr", "right"),
    ("cost/yr", "right"),
    ("rating", "left"),
)


def _plain_table(console: Console, title: str, columns, rows: Sequence[tuple[list[str], str | None]]) -> None:
    """A table as aligned text written straight to the console's file: `columns` (header, justify), `rows`
    (cells, each possibly of several lines, and the colour of the last cell or None). No wrapping: a
    long cell widens its column."""
    from rich.cells import cell_len
    from rich.style import Style

    def width(text: str) -> int:
        return len(text) if text.isascii() else cell_len(text)

    split = [([cell.split("\n") for cell in cells], colour) for cells, colour in rows]
    widths = [width(header) for header, _ in columns]
    for cells, _ in split:
        for i, cell in enumerate(cells):
            widths[i] = max(widths[i], *(width(line) for line in cell))

    def line(texts: list[str], colour: str | None = None) -> str:
        out = []
        for i, text in enumerate(texts):
            pad = " " * (widths[i] - width(text))
            if text and colour is not None and i == len(texts) - 1 and console.color_system is not None:
                text = Style.parse(colour).render(text, color_system=console._color_system)
            out.append(pad + text if columns[i][1] == "right" else text + pad)
        return "  ".join(out).rstrip()

    lines = [title, line([header for header, _ in columns]), "  ".join("-" * w for w in widths)]
    for cells, colour in split:
        for k in range(max(len(cell) for cell in cells)):
            lines.append(line([cell[k] if k < len(cell) else "" for cell in cells], colour))
    console.file.write("\n".join(lines) + "\n")


def _plain_services(a: Assessment, console: Console) -> None:
    names = a.names()
    rows = []
    for s in worst_first(a.services):
        rows.append(
            (
                [
                    f"{plain(s.name)}\n{plain(s.id)}, tolerance {hours(s.impact_tolerance_hours)}",
                    str(s.tier),
                    ", ".join(plain(names.get(x, x)) for x in s.single_points_of_failure) or "none",
                    unavailability_text(s),
                    f"{chance(s.tolerance_breach_probability, s.tolerance_breach_probability_interval)}\n"
                    f"{one_in(s.tolerance_breach_probability)}",
                    hours_range(s.expected_annual_downtime_hours, s.expected_annual_downtime_hours_interval),
                    plain(service_cost(s, a.currency)),
                    f"{rating_certainty(s.rating, s.rating_probabilities)} {s.likelihood}x{s.impact}={s.score}",
                ],
                _COLOURS[s.rating],
            )
        )
    _plain_table(console, "Services", _SERVICE_COLUMNS, rows)


def render_assessment(a: Assessment, console: Console) -> None:
    console.print(
        f"[bold]{shown(a.organisation)}[/bold]  catalog {shown(a.catalog_version or '-')}  "
        f"({len(a.services)} services, {len(a.dependencies)} dependencies; "
        f"{a.history['records']} outage records over {a.history['years']:.1f} years; "
        f"{a.settings['simulated_years']:,} simulated years, seed {a.settings['seed']})"
    )
    if len(a.services) >= PLAIN_TABLE_FROM:
        _plain_services(a, console)
    else:
        _rich_services(a, console)
    _rest(a, console)


def _rich_services(a: Assessment, console: Console) -> None:
    names = a.names()
    t = Table(title="Services", title_justify="left")
    for col, just in _SERVICE_COLUMNS:
        t.add_column(col, justify=cast(JustifyMethod, just))
    for s in worst_first(a.services):
        colour = _COLOURS[s.rating]
        t.add_row(
            f"{shown(s.name)}\n[dim]{shown(s.id)}, tolerance {hours(s.impact_tolerance_hours)}[/dim]",
            str(s.tier),
            _joined(names.get(x, x) for x in s.single_points_of_failure) or "[green]none[/green]",
            unavailability_text(s),
            f"{chance(s.tolerance_breach_probability, s.tolerance_breach_probability_interval)}\n"
            f"[dim]{one_in(s.tolerance_breach_probability)}[/dim]",
            hours_range(s.expected_annual_downtime_hours, s.expected_annual_downtime_hours_interval),
            shown(service_cost(s, a.currency)),
            f"[{colour}]{rating_certainty(s.rating, s.rating_probabilities)}[/{colour}] "
            f"{s.likelihood}x{s.impact}={s.score}",
        )
    console.print(t)


def _rest(a: Assessment, console: Console) -> None:
    d = Table(
        title="For analysts: dependencies by importance (user-weighted; Birnbaum = how much availability hangs "
        "on it, RAW/RRW = how many times the risk grows while it is down / shrinks if it never fails)",
        title_justify="left",
    )
    for col in ("dependency", "provider", "outages/yr", "mean", "source", "Birnbaum", "RAW", "RRW", "blast radius"):
        d.add_column(col)
    for dep in sorted(a.dependencies, key=lambda x: -x.importance.birnbaum)[:15]:
        d.add_row(
            shown(dep.id),
            shown(dep.provider),
            f"{dep.annual_outages:.2f}",
            hours(dep.mean_outage_hours),
            shown(f"{dep.source} ({dep.data_quality}, {dep.records} rec.)"),
            f"{dep.importance.birnbaum:.3f}",
            finite(dep.importance.risk_achievement_worth),
            finite(dep.importance.risk_reduction_worth),
            f"{len(dep.blast_radius.services)} service{'' if len(dep.blast_radius.services) == 1 else 's'}, "
            + people_phrase(dep.blast_radius.people_at_least, dep.blast_radius.users),
        )
    console.print(d)
    p = Table(
        title=f"Provider concentration (concentration index HHI {a.concentration.hhi:.2f}: 1 = every single "
        "point of failure with one provider)",
        title_justify="left",
    )
    for col in ("provider", "services exposed", "tier 1", "users exposed", "share of SPOF links"):
        p.add_column(col)
    for prov in a.providers:
        p.add_row(
            shown(prov.name),
            str(prov.services_exposed),
            str(prov.tier1_services_exposed),
            pct(prov.user_share, 0),
            pct(prov.spof_share, 0),
        )
    console.print(p)
    for w in a.warnings:
        console.print(f"[yellow]warning[/yellow]: {shown(w)}")
    console.print(
        f"[dim]{'Sampled' if sampled(a.services) else 'Exact'} unavailability ignores grace periods; breach "
        "probability and downtime come from the simulation and include grace periods and workarounds. See "
        "docs/methodology.md.[/dim]"
    )


def render_stages(stages: Sequence[StageRecord], console: Console) -> None:
    """How the assessment ran: each stage's wall and CPU time, what it worked through and its warnings
    (`lynchpin assess --verbose`)."""
    rows = stage_rows(stages)
    _plain_table(
        console,
        f"Stages (wall {sum(s.wall_seconds for s in stages):.3f} s in all)",
        (("stage", "left"), ("wall", "right"), ("CPU", "right"), ("worked through", "left"), ("warnings", "right")),
        [(list(r), None) for r in rows],
    )
    for st in stages:
        for w in st.warnings:
            console.print(f"[yellow]warning[/yellow] ({st.name}): {shown(w)}")


def render_scenario(result, console: Console, currency: str = "GBP") -> None:
    """One scenario: what is down, then every service's downtime, breach and people affected."""
    sc = result.scenario
    console.print(f"[bold]{shown(sc.title or 'Scenario')}[/bold]")
    console.print(
        f"down: {_joined(sc.down) or 'nothing in this catalog'} for {hours(sc.duration_hours)}"
        + (f" from {shown(sc.start)}" if sc.start else "")
    )
    for note in sc.assumptions:
        console.print(f"[yellow]assumption[/yellow]: {shown(note)}")
    t = Table()
    for col in ("service", "tier", "down for", "tolerance + workaround", "outcome", "users affected", "cost"):
        t.add_column(col)
    for s in worst_hit_first(result.services):
        if s.breach:
            outcome = "[red]BEYOND TOLERANCE[/red]"
        elif s.down:
            outcome = "[dark_orange]down, within tolerance[/dark_orange]"
        else:
            outcome = "[green]up[/green]"
        t.add_row(
            shown(s.name),
            str(s.tier),
            hours(s.downtime_hours) if s.down else "-",
            hours(s.tolerance_hours),
            outcome,
            f"{s.users_affected:,}",
            shown(money(s.cost if s.cost_known else None, currency)),
        )
    console.print(t)
    console.print(
        f"{sum(s.down for s in result.services)} service(s) down, {len(result.breaches)} beyond tolerance, "
        f"{people_phrase(result.people_affected_at_least, result.service_users_affected)} affected."
    )


def render_severe(results, console: Console) -> None:
    """The severe-but-plausible set: per provider, which services stay within tolerance."""
    t = Table(title="Severe but plausible: each provider's worst outages", title_justify="left")
    for col in ("provider", "scenario", "down for", "services beyond tolerance", "within tolerance"):
        t.add_column(col)
    for r in results:
        breaches = [shown(s.name) for s in r.result.breaches]
        t.add_row(
            shown(r.provider),
            "longest" if r.kind == "longest" else "90th percentile",
            hours(r.result.scenario.duration_hours),
            "\n".join(breaches) or "[green]none[/green]",
            f"{len(r.within_tolerance)} of {len(r.result.services)}",
        )
    console.print(t)


def render_recommendations(report, console: Console) -> None:
    """Ranked recommendations: measured ones first (by risk reduction), then the rest by effort."""
    console.print(
        f"[bold]{shown(report.organisation)}[/bold]: {len(report.recommendations)} recommendation(s) from "
        f"{report.rules_evaluated} rules; risk index {report.risk_index:.2f} "
        "(impact-weighted breaches of tolerance a year)"
    )
    t = Table(show_lines=True)
    for col in ("#", "recommendation", "services", "measured effect", "effort", "source"):
        t.add_column(col, overflow="fold")
    for n, r in enumerate(report.recommendations, start=1):
        if r.effect is not None:
            e = r.effect
            lines = [
                effect_text(e),
                f"risk index {e.risk_index_before:.2f} -> {e.risk_index_after:.2f}",
                f"{e.downtime_hours_saved:.1f} service-hours/yr less downtime",
            ]
            lines += [
                f"{shown(c.name)}: {chance(c.breach_probability_before, c.breach_probability_interval_before)} -> "
                f"{chance(c.breach_probability_after, c.breach_probability_interval_after)}"
                for c in e.services[:4]
            ]
            effect = "\n".join(lines)
        else:
            effect = f"[dim]not quantified: {shown(r.unquantified_reason)}[/dim]"
        t.add_row(
            str(n),
            f"[bold]{shown(r.title)}[/bold] [dim]({shown(r.id)})[/dim]\n{shown(r.action)}",
            _joined(r.services[:6]) + (" ..." if len(r.services) > 6 else ""),
            effect,
            shown(r.effort),
            shown(r.source_url),
        )
    console.print(t)


def render_combined(picked, effect, console: Console) -> None:
    """Several recommendations applied together: the risk index and every service that changes."""
    console.print(
        f"[bold]{_joined(picked)} together[/bold]: {shown(effect_text(effect))}; risk index "
        f"{effect.risk_index_before:.2f} -> {effect.risk_index_after:.2f}, {effect.downtime_hours_saved:.1f} "
        "service-hours of downtime saved a year"
    )
    t = Table()
    for col in ("service", "chance/yr beyond tolerance", "downtime/yr", "rating", "single points removed"):
        t.add_column(col)
    for c in effect.services:
        t.add_row(
            shown(c.name),
            f"{chance(c.breach_probability_before, c.breach_probability_interval_before)} -> "
            f"{chance(c.breach_probability_after, c.breach_probability_interval_after)}",
            f"{hours(c.downtime_hours_before)} -> {hours(c.downtime_hours_after)}",
            f"{c.rating_before} ({c.score_before}) -> {c.rating_after} ({c.score_after})",
            _joined(c.single_points_of_failure_removed) or "-",
        )
    console.print(t)


def render_diff(changes, moves, after: Assessment, console: Console) -> None:
    """What changed: the catalog's services and dependencies (when two catalogs were compared), then every
    service whose rating, breach probability or single points of failure moved."""
    if changes is not None:
        if changes.empty:
            console.print("catalog: no change")
        for label, items in (
            ("services added", changes.services_added),
            ("services removed", changes.services_removed),
            ("dependencies added", changes.dependencies_added),
            ("dependencies removed", changes.dependencies_removed),
        ):
            if items:
                console.print(plain(f"{label}: " + ", ".join(f"{i.name} ({i.id})" for i in items)), markup=False)
        for label, items in (
            ("services changed", changes.services_changed),
            ("dependencies changed", changes.dependencies_changed),
        ):
            for i in items:
                console.print(plain(f"{label[:-8]} changed: {i.name} ({i.id}): {', '.join(i.fields)}"), markup=False)
        if changes.other_fields_changed:
            console.print(plain("catalog fields changed: " + ", ".join(changes.other_fields_changed)), markup=False)
    names = {d.id: d.name for d in after.dependencies}
    if not moves.services and not moves.services_added and not moves.services_removed:
        console.print("assessment: no service's figures changed")
        return
    t = Table(title="Services whose figures moved", title_justify="left")
    for col in ("service", "rating", "beyond tolerance, a year", "single points of failure"):
        t.add_column(col)
    for m in moves.services:
        spofs = [f"+{names.get(d, d)}" for d in m.single_points_added] + [
            f"-{names.get(d, d)}" for d in m.single_points_removed
        ]
        t.add_row(
            shown(m.name),
            m.rating_before if m.rating_before == m.rating_after else f"{m.rating_before} -> {m.rating_after}",
            f"{chance(m.breach_probability_before or 0, m.breach_interval_before)} -> "
            f"{chance(m.breach_probability_after or 0, m.breach_interval_after)}"
            + (" (beyond the ranges)" if m.significant else ""),
            _joined(spofs) or "no change",
        )
    console.print(t)
    if moves.services_added or moves.services_removed:
        console.print(
            plain(
                f"services only after: {', '.join(moves.services_added) or 'none'}; "
                f"only before: {', '.join(moves.services_removed) or 'none'}"
            ),
            markup=False,
        )
    console.print(
        plain(
            f"extreme or high: {moves.extreme_or_high_before} -> {moves.extreme_or_high_after}; single points of "
            f"failure added: {', '.join(names.get(d, d) for d in moves.single_points_added) or 'none'}; removed: "
            f"{', '.join(names.get(d, d) for d in moves.single_points_removed) or 'none'}"
        ),
        markup=False,
    )
