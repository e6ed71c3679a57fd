"""The XLSX register: one sheet per table, frozen headers, filters, widths and number formats.

Each sheet is declared as data (`SheetSpec`: a name, where its rows come from, and its `Column`s with their
number formats), so adding a column is one line. Every text cell is written as a string (never a formula,
whatever it starts with).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from risk.engine.assessment import CommonCauseResult, DependencyResult
from risk.report.facts import since_rows
from risk.report.model import Report
from risk.untrusted import mark_xlsx_text, xlsx_value

__all__ = ["render_xlsx", "SHEETS", "SPECS", "Column", "SheetSpec"]

PCT, HOURS, MONEY, SCI, INT, DEC3 = "0.0%", "0.00", "#,##0", "0.00E+00", "#,##0", "0.000"
#: Every date and time in the workbook: a real spreadsheet date (sorts and filters as one), in UTC, one format.
WHEN = "yyyy-mm-dd hh:mm"


def _when(value) -> datetime | None:
    """A record's date or date-time as a spreadsheet date-time in UTC (spreadsheets keep no time zone); a
    date alone is its midnight; None stays empty."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _saving_bound(effect, end: int) -> float | None:
    """One end of the 90% range of a recommendation's cost saved a year (blank: not measured or not priced)."""
    bounds = effect.cost_saved_interval if effect else None
    return bounds[end] if bounds else None


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]
    number_format: str | None = None
    width: int | None = None


@dataclass(frozen=True)
class SheetSpec:
    name: str
    rows: Callable[[Report], Iterable[Any]]
    columns: tuple[Column, ...]


def _infinite(x: float) -> float | str:
    return "infinite" if x == float("inf") else x


def _summary_rows(report: Report) -> list[tuple[str, Any]]:
    a = report.assessment
    rows: list[tuple[str, Any]] = [
        ("organisation", report.catalog.organisation),
        ("catalog version", report.catalog.catalog_version),
        ("catalog SHA-256", report.catalog_sha256),
        ("generated (UTC)", _when(datetime.strptime(report.generated_at, "%Y-%m-%dT%H:%M:%SZ"))),
        ("Lynchpin version", a.lynchpin_version),
    ]
    rows += report.facts.key_figures
    rows += [("summary", p) for p in report.facts.summary]
    rows += [(f"setting: {k}", v) for k, v in report.facts.settings]
    return rows


def _by_id(report: Report) -> dict[str, DependencyResult | CommonCauseResult]:
    deps: dict[str, DependencyResult | CommonCauseResult] = {d.id: d for d in report.assessment.dependencies}
    deps.update({c.id: c for c in report.assessment.common_causes})
    return deps


def _spof_rows(report: Report) -> list[tuple]:
    deps = _by_id(report)
    return [(s, deps[d]) for s in report.facts.services for d in s.single_points_of_failure]


def _cut_set_rows(report: Report) -> list[tuple]:
    deps = _by_id(report)
    return [(s, c, sorted({deps[x].provider for x in c})) for s in report.facts.services for c in s.cut_sets]


def _scenario_rows(report: Report) -> list[tuple]:
    return [(r, s) for r in report.severe for s in r.result.services]


def _record_rows(report: Report) -> list[tuple]:
    used = {r.id for r in report.facts.records_used}
    return [(r, r.id in used) for r in sorted(report.records, key=lambda r: r.start_dt)]


SPECS: tuple[SheetSpec, ...] = (
    SheetSpec(
        "summary",
        _summary_rows,
        (Column("item", lambda r: r[0], width=42), Column("value", lambda r: r[1], width=110)),
    ),
    SheetSpec(
        "services",
        lambda report: report.facts.services,
        (
            Column("id", lambda s: s.id),
            Column("service", lambda s: s.name),
            Column("tier", lambda s: s.tier),
            Column("users", lambda s: s.users),
            Column("impact tolerance (h)", lambda s: s.impact_tolerance_hours),
            Column("workaround (h)", lambda s: s.workaround_hours),
            Column("single points of failure", lambda s: ", ".join(s.single_points_of_failure)),
            Column("unavailability", lambda s: s.unavailability, SCI),
            Column("unavailability found by", lambda s: s.unavailability_method),
            Column("unavailability 95% low (sampled)", lambda s: (s.unavailability_interval or [None])[0], SCI),
            Column("unavailability 95% high (sampled)", lambda s: (s.unavailability_interval or [None, None])[1], SCI),
            Column("chance a year of an outage beyond tolerance", lambda s: s.tolerance_breach_probability, PCT),
            Column("range low (5th percentile)", lambda s: s.tolerance_breach_probability_interval[0], PCT),
            Column("range high (95th percentile)", lambda s: s.tolerance_breach_probability_interval[1], PCT),
            Column("standard error", lambda s: s.breach_probability_standard_error, PCT),
            Column("expected downtime (h/yr)", lambda s: s.expected_annual_downtime_hours, HOURS),
            Column("downtime range low (h/yr)", lambda s: s.expected_annual_downtime_hours_interval[0], HOURS),
            Column("downtime range high (h/yr)", lambda s: s.expected_annual_downtime_hours_interval[1], HOURS),
            Column("user-hours lost/yr", lambda s: s.expected_annual_user_hours_lost, MONEY),
            Column("hourly cost", lambda s: s.hourly_cost, MONEY),
            Column("expected cost/yr", lambda s: s.expected_annual_cost if s.hourly_cost is not None else None, MONEY),
            Column("likelihood", lambda s: s.likelihood),
            Column("impact", lambda s: s.impact),
            Column("score", lambda s: s.score),
            Column("rating", lambda s: s.rating),
            Column("chance the rating is right", lambda s: s.rating_probabilities.get(s.rating, 1.0), PCT),
        ),
    ),
    SheetSpec(
        "single points of failure",
        _spof_rows,
        (
            Column("service id", lambda r: r[0].id),
            Column("service", lambda r: r[0].name),
            Column("tier", lambda r: r[0].tier),
            Column("dependency id", lambda r: r[1].id),
            Column("dependency", lambda r: r[1].name),
            Column("provider", lambda r: r[1].provider),
            Column("users", lambda r: r[0].users),
        ),
    ),
    SheetSpec(
        "cut sets",
        _cut_set_rows,
        (
            Column("service id", lambda r: r[0].id),
            Column("service", lambda r: r[0].name),
            Column("order", lambda r: len(r[1])),
            Column("dependencies", lambda r: " + ".join(r[1])),
            Column("providers", lambda r: ", ".join(r[2])),
        ),
    ),
    SheetSpec(
        "dependencies",
        lambda report: report.assessment.dependencies,
        (
            Column("id", lambda d: d.id),
            Column("dependency", lambda d: d.name),
            Column("provider", lambda d: d.provider),
            Column("product", lambda d: d.product),
            Column("capability", lambda d: d.capability),
            Column("kind", lambda d: d.kind),
            Column("outages/yr", lambda d: d.annual_outages, DEC3),
            Column("mean outage (h)", lambda d: d.mean_outage_hours, HOURS),
            Column("unavailability", lambda d: d.unavailability, SCI),
            Column("records", lambda d: d.records),
            Column("history (years)", lambda d: d.history_years),
            Column("source", lambda d: d.source),
            Column("data quality", lambda d: d.data_quality),
            Column("Birnbaum", lambda d: d.importance.birnbaum, DEC3),
            Column("Fussell-Vesely", lambda d: d.importance.fussell_vesely, DEC3),
            Column("RAW", lambda d: _infinite(d.importance.risk_achievement_worth), "0.0"),
            Column("RRW", lambda d: _infinite(d.importance.risk_reduction_worth), "0.00"),
            Column("blast radius (services)", lambda d: ", ".join(d.blast_radius.services)),
            Column("blast radius (people, at least)", lambda d: d.blast_radius.people_at_least, INT),
            Column("blast radius (service-users)", lambda d: d.blast_radius.users, INT),
            Column("notes", lambda d: "; ".join(d.notes)),
        ),
    ),
    SheetSpec(
        "providers",
        lambda report: report.assessment.providers,
        (
            Column("provider", lambda p: p.name),
            Column("services exposed", lambda p: p.services_exposed),
            Column("tier-1 exposed", lambda p: p.tier1_services_exposed),
            Column("tier-2 exposed", lambda p: p.tier2_services_exposed),
            Column("user share", lambda p: p.user_share, PCT),
            Column("share of SPOF links", lambda p: p.spof_share, PCT),
            Column("single points of failure", lambda p: ", ".join(p.single_points_of_failure)),
            Column("users behind them", lambda p: p.users_with_single_point, INT),
            Column("substitutability", lambda p: p.substitutability),
            Column("exit plan", lambda p: p.exit_plan),
            Column("exposed services", lambda p: ", ".join(p.exposed_services)),
        ),
    ),
    SheetSpec(
        "recommendations",
        lambda report: [
            (n, rec, report.tracking.get(rec.id), report.status(rec.id))
            for n, rec in enumerate(report.recommendations.recommendations, start=1)
        ],
        (
            Column("rank", lambda r: r[0]),
            Column("id", lambda r: r[1].id),
            Column("recommendation", lambda r: r[1].title),
            Column("action", lambda r: r[1].action),
            Column("effort", lambda r: r[1].effort),
            Column("services", lambda r: ", ".join(r[1].services)),
            Column("risk cut", lambda r: r[1].effect.risk_cut if r[1].effect else None, PCT),
            Column("risk index change", lambda r: -r[1].effect.risk_reduction if r[1].effect else None, DEC3),
            Column("downtime saved (h/yr)", lambda r: r[1].effect.downtime_hours_saved if r[1].effect else None, HOURS),
            Column("cost saved/yr", lambda r: r[1].effect.cost_saved if r[1].effect else None, MONEY),
            Column("cost saved/yr low (5%)", lambda r: _saving_bound(r[1].effect, 0), MONEY),
            Column("cost saved/yr high (95%)", lambda r: _saving_bound(r[1].effect, 1), MONEY),
            Column("not measured because", lambda r: r[1].unquantified_reason),
            Column("NIST CSF 2.0", lambda r: ", ".join(r[1].controls.get("nist-csf-2.0", []))),
            Column("DORA", lambda r: ", ".join(r[1].controls.get("dora", []))),
            Column("ISO/IEC 27001:2022", lambda r: ", ".join(r[1].controls.get("iso-27001-2022", []))),
            Column("NHS DSPT", lambda r: ", ".join(r[1].controls.get("nhs-dspt", []))),
            Column("status", lambda r: r[3]),
            Column("owner", lambda r: r[2].owner if r[2] else None),
            Column("due", lambda r: r[2].due if r[2] else None),
            Column("overdue", lambda r: "yes" if r[2] and r[2].overdue() else ""),
            Column("decided by", lambda r: r[2].updated_by if r[2] else None),
            Column("source", lambda r: r[1].source_url),
        ),
    ),
    SheetSpec(
        "since last assessment",
        lambda report: (
            since_rows(report)
            or [("no earlier assessment kept" if report.since is None else "no service moved", "", "", "")]
        ),
        (
            Column("service", lambda r: r[0]),
            Column("rating", lambda r: r[1]),
            Column("beyond tolerance, a year", lambda r: r[2]),
            Column("single points of failure", lambda r: r[3]),
        ),
    ),
    SheetSpec(
        "scenarios",
        _scenario_rows,
        (
            Column("provider", lambda r: r[0].provider),
            Column("scenario", lambda r: r[0].kind),
            Column("down for (h)", lambda r: r[0].result.scenario.duration_hours, HOURS),
            Column("service", lambda r: r[1].name),
            Column("tier", lambda r: r[1].tier),
            Column("down", lambda r: r[1].down),
            Column("downtime (h)", lambda r: r[1].downtime_hours, HOURS),
            Column("tolerance + workaround (h)", lambda r: r[1].tolerance_hours, HOURS),
            Column("beyond tolerance", lambda r: r[1].breach),
            Column("users affected", lambda r: r[1].users_affected, INT),
            Column("cost", lambda r: r[1].cost, MONEY),
        ),
    ),
    SheetSpec(
        "outage records",
        _record_rows,
        (
            Column("id", lambda r: r[0].id),
            Column("provider", lambda r: r[0].provider),
            Column("product", lambda r: "; ".join(r[0].product)),
            Column("capability", lambda r: "; ".join(r[0].capability)),
            Column("start (UTC)", lambda r: _when(r[0].start_dt), WHEN),
            Column("end (UTC)", lambda r: _when(r[0].end), WHEN),
            Column("duration (h)", lambda r: r[0].duration_hours, HOURS),
            Column("severity", lambda r: r[0].severity),
            Column("cause", lambda r: r[0].cause),
            Column("summary", lambda r: r[0].summary),
            Column("confidence", lambda r: r[0].confidence),
            Column("source", lambda r: r[0].source_url),
            Column("used by this catalog", lambda r: "yes" if r[1] else "no"),
        ),
    ),
)
SHEETS = tuple(spec.name for spec in SPECS)


def _write_sheet(wb: Workbook, spec: SheetSpec, report: Report) -> None:
    ws = wb.create_sheet(spec.name)
    header = [c.header for c in spec.columns]
    rows = [[xlsx_value(c.value(item)) for c in spec.columns] for item in spec.rows(report)]
    ws.append(header)
    for row in rows:
        ws.append(row)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DCE6F1")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in ws.iter_rows(min_row=2):
        for c in row:
            if isinstance(c.value, str):
                mark_xlsx_text(c)  # text stays text: never a formula
            elif isinstance(c.value, datetime):
                c.number_format = WHEN  # every date in one format, wherever it sits
    for i, column in enumerate(spec.columns, start=1):
        if column.number_format:
            for (c,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                c.number_format = column.number_format
        longest = max([len(column.header)] + [len(str(r[i - 1])) for r in rows[:500] if r[i - 1] is not None])
        ws.column_dimensions[get_column_letter(i)].width = column.width or min(max(10, longest + 2), 60)
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = ws.dimensions


def render_xlsx(report: Report) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "Lynchpin"
    wb.properties.title = xlsx_value(report.title[:200])
    for spec in SPECS:
        _write_sheet(wb, spec, report)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
