"""The XLSX register: one sheet per table, frozen headers, filters, widths and number formats.

Every text cell is written as a string (never a formula, whatever it starts with).
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from risk.report.model import Report
from risk.report.summary import key_figures

__all__ = ["render_xlsx", "SHEETS"]

PCT, HOURS, MONEY, SCI, INT = "0.0%", "0.00", "#,##0", "0.00E+00", "#,##0"
SHEETS = (
    "summary",
    "services",
    "single points of failure",
    "cut sets",
    "dependencies",
    "providers",
    "recommendations",
    "scenarios",
    "outage records",
)


def _sheet(
    wb: Workbook,
    name: str,
    header: list[str],
    rows: list[list[Any]],
    formats: dict[int, str] | None = None,
    widths: dict[int, int] | None = None,
) -> None:
    ws = wb.create_sheet(name)
    ws.append(header)
    for row in rows:
        ws.append([None if v is None else v for v in row])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DCE6F1")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in ws.iter_rows(min_row=2):
        for c in row:
            if isinstance(c.value, str):
                c.data_type = "s"  # text stays text: never a formula
    for col, number_format in (formats or {}).items():
        for (c,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            c.number_format = number_format
    for i, head in enumerate(header, start=1):
        longest = max(
            [len(str(head))] + [len(str(r[i - 1])) for r in rows[:500] if i - 1 < len(r) and r[i - 1] is not None]
        )
        ws.column_dimensions[get_column_letter(i)].width = (widths or {}).get(i, min(max(10, longest + 2), 60))
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = ws.dimensions


def render_xlsx(report: Report) -> bytes:
    a = report.assessment
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "Lynchpin"
    wb.properties.title = report.title[:200]
    summary = [
        ["organisation", report.catalog.organisation],
        ["catalog version", report.catalog.catalog_version],
        ["catalog SHA-256", report.catalog_sha256],
        ["generated", report.generated_at],
        ["Lynchpin version", a.lynchpin_version],
    ]
    summary += [[k, v] for k, v in key_figures(report)]
    summary += [["summary", p] for p in report.summary]
    _sheet(wb, "summary", ["item", "value"], summary, widths={1: 42, 2: 110})
    services = sorted(a.services, key=lambda s: (-s.score, s.id))
    _sheet(
        wb,
        "services",
        [
            "id",
            "service",
            "tier",
            "users",
            "impact tolerance (h)",
            "workaround (h)",
            "single points of failure",
            "unavailability",
            "P(outage beyond tolerance)/yr",
            "standard error",
            "expected downtime (h/yr)",
            "user-hours lost/yr",
            "expected cost/yr",
            "likelihood",
            "impact",
            "score",
            "rating",
        ],
        [
            [
                s.id,
                s.name,
                s.tier,
                s.users,
                s.impact_tolerance_hours,
                s.workaround_hours,
                ", ".join(s.single_points_of_failure),
                s.unavailability,
                s.tolerance_breach_probability,
                s.breach_probability_standard_error,
                s.expected_annual_downtime_hours,
                s.expected_annual_user_hours_lost,
                s.expected_annual_cost,
                s.likelihood,
                s.impact,
                s.score,
                s.rating,
            ]
            for s in services
        ],
        {8: SCI, 9: PCT, 10: PCT, 11: HOURS, 12: MONEY, 13: MONEY},
    )
    deps = {d.id: d for d in a.dependencies}
    _sheet(
        wb,
        "single points of failure",
        ["service id", "service", "tier", "dependency id", "dependency", "provider", "users"],
        [
            [s.id, s.name, s.tier, d, deps[d].name, deps[d].provider, s.users]
            for s in services
            for d in s.single_points_of_failure
        ],
    )
    _sheet(
        wb,
        "cut sets",
        ["service id", "service", "order", "dependencies", "providers"],
        [
            [s.id, s.name, len(c), " + ".join(c), ", ".join(sorted({deps[x].provider for x in c}))]
            for s in services
            for c in s.cut_sets
        ],
    )
    _sheet(
        wb,
        "dependencies",
        [
            "id",
            "dependency",
            "provider",
            "product",
            "capability",
            "kind",
            "outages/yr",
            "mean outage (h)",
            "unavailability",
            "records",
            "history (years)",
            "source",
            "data quality",
            "Birnbaum",
            "Fussell-Vesely",
            "RAW",
            "RRW",
            "blast radius (services)",
            "blast radius (users)",
            "notes",
        ],
        [
            [
                d.id,
                d.name,
                d.provider,
                d.product,
                d.capability,
                d.kind,
                d.annual_outages,
                d.mean_outage_hours,
                d.unavailability,
                d.records,
                d.history_years,
                d.source,
                d.data_quality,
                d.importance.birnbaum,
                d.importance.fussell_vesely,
                d.importance.risk_achievement_worth,
                "infinite" if d.importance.risk_reduction_worth == float("inf") else d.importance.risk_reduction_worth,
                ", ".join(d.blast_radius.services),
                d.blast_radius.users,
                "; ".join(d.notes),
            ]
            for d in a.dependencies
        ],
        {7: "0.000", 8: HOURS, 9: SCI, 14: "0.000", 15: "0.000", 16: "0.0", 17: "0.00", 19: INT},
    )
    _sheet(
        wb,
        "providers",
        [
            "provider",
            "services exposed",
            "tier-1 exposed",
            "tier-2 exposed",
            "user share",
            "share of SPOF links",
            "substitutability",
            "exit plan",
            "exposed services",
        ],
        [
            [
                p.name,
                p.services_exposed,
                p.tier1_services_exposed,
                p.tier2_services_exposed,
                p.user_share,
                p.spof_share,
                p.substitutability,
                p.exit_plan,
                ", ".join(p.exposed_services),
            ]
            for p in a.providers
        ],
        {5: PCT, 6: PCT},
    )
    _sheet(
        wb,
        "recommendations",
        [
            "rank",
            "id",
            "recommendation",
            "action",
            "effort",
            "services",
            "risk reduction",
            "downtime saved (h/yr)",
            "cost saved/yr",
            "not measured because",
            "source",
        ],
        [
            [
                n,
                r.id,
                r.title,
                r.action,
                r.effort,
                ", ".join(r.services),
                r.effect.risk_reduction if r.effect else None,
                r.effect.downtime_hours_saved if r.effect else None,
                r.effect.cost_saved if r.effect else None,
                r.unquantified_reason,
                r.source_url,
            ]
            for n, r in enumerate(report.recommendations.recommendations, start=1)
        ],
        {7: "0.000", 8: HOURS, 9: MONEY},
    )
    _sheet(
        wb,
        "scenarios",
        [
            "provider",
            "scenario",
            "down for (h)",
            "service",
            "tier",
            "down",
            "downtime (h)",
            "tolerance + workaround (h)",
            "beyond tolerance",
            "users affected",
            "cost",
        ],
        [
            [
                r.provider,
                r.kind,
                r.result.scenario.duration_hours,
                s.name,
                s.tier,
                s.down,
                s.downtime_hours,
                s.tolerance_hours,
                s.breach,
                s.users_affected,
                s.cost,
            ]
            for r in report.severe
            for s in r.result.services
        ],
        {3: HOURS, 7: HOURS, 8: HOURS, 10: INT, 11: MONEY},
    )
    _sheet(
        wb,
        "outage records",
        [
            "id",
            "provider",
            "product",
            "capability",
            "start",
            "end",
            "duration (h)",
            "severity",
            "cause",
            "summary",
            "confidence",
            "source",
            "used by this catalog",
        ],
        [
            [
                r.id,
                r.provider,
                "; ".join(r.product),
                "; ".join(r.capability),
                r.start_dt.strftime("%Y-%m-%d %H:%M"),
                r.end.isoformat() if r.end else None,
                r.duration_hours,
                r.severity,
                r.cause,
                r.summary,
                r.confidence,
                r.source_url,
                "yes" if r in report.records_used() else "no",
            ]
            for r in sorted(report.records, key=lambda r: r.start_dt)
        ],
        {7: HOURS},
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
