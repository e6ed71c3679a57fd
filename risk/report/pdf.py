"""The PDF management report (fpdf2, with matplotlib's bundled DejaVu fonts for any script).

`_Doc` holds the building blocks (headings, paragraphs, tables, images); each section of the report is one
function of (document, report) listed in SECTIONS, which lays out the report's facts in order.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from risk.history.model import provider_product
from risk.presentation.format import (
    STAGE_TIMES,
    chance,
    effect_text,
    history_span,
    hours,
    names_list,
    one_in,
    pct,
    people_phrase,
    rating_certainty,
    sampled,
    service_cost,
    stage_rows,
    unavailability_text,
)
from risk.presentation.text import pdf_text as t
from risk.presentation.theme import BAND_RGB, PALETTE, rgb
from risk.report.charts import loss_curve_png, provider_png, risk_matrix_png
from risk.report.facts import since_rows, since_sentence
from risk.report.model import Report

__all__ = ["render_pdf"]

TOP_RISKS = 20  # services in the report's top-risks table; the workbook and the HTML report list all
FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
INK, MUTED, ACCENT = (30, 30, 30), (100, 100, 100), rgb(PALETTE[0])


class _Doc(FPDF):
    def __init__(self, report: Report):
        super().__init__(format="A4")
        self.report = report
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.add_font("DejaVu", "I", str(FONTS / "DejaVuSans-Oblique.ttf"))
        self.set_auto_page_break(True, margin=16)
        self.set_margins(16, 16, 16)
        from datetime import UTC, datetime

        self.set_creation_date(datetime.strptime(report.written_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC))
        self.set_title(t(report.title, 200))
        self.set_creator("Lynchpin")

    def header(self):
        if self.page_no() == 1:
            return
        self.set_font("DejaVu", "", 7.5)
        self.set_text_color(*MUTED)
        self.cell(
            0,
            6,
            t(f"{self.report.catalog.organisation} · dependency risk assessment", 120),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.ln(2)

    def footer(self):
        self.set_y(-12)
        self.set_font("DejaVu", "", 7.5)
        self.set_text_color(*MUTED)
        self.cell(
            0,
            6,
            f"Lynchpin {self.report.assessment.lynchpin_version} · catalog "
            f"{self.report.catalog_sha256[:12]} · page {self.page_no()}",
            align="R",
        )

    # Building blocks -----------------------------------------------------------------------------------
    def h1(self, text: str) -> None:
        self.set_font("DejaVu", "B", 16)
        self.set_text_color(*INK)
        self.multi_cell(0, 8, t(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def section(self, text: str, need: float = 70) -> None:
        """A section's title: on a new page only when less than `need` mm are left on this one, so sections
        run on and no page is left nearly empty by a forced break."""
        top = self.t_margin + 8  # below the running header
        if self.get_y() > top + 1:
            if self.get_y() + need > self.h - self.b_margin:
                self.add_page()
            else:
                self.ln(6)
        self.h1(text)

    def height_of(self, draw) -> float | None:
        """The height `draw(doc)` takes at the top of a fresh page, measured on a scratch copy (None when it
        needs more than one page)."""
        scratch = _Doc(self.report)
        scratch.add_page()
        start, page = scratch.get_y(), scratch.page_no()
        draw(scratch)
        height = None if scratch.page_no() != page else scratch.get_y() - start
        scratch.output()  # finishes the scratch document (and closes its font files)
        return height

    def keep_together(self, draw, title: str | None = None) -> None:
        """Draw a block (a section's title, a heading and its table) on one page: on a new page when it would
        not fit in what is left of this one but fits on a page of its own (so a short table never leaves two
        rows on a nearly empty page); a block longer than a page flows (after a section's title, from a new
        page when less than 70 mm are left)."""

        def block(doc: _Doc) -> None:
            if title:
                doc.h1(title)
            draw(doc)

        height = self.height_of(block)
        if self.get_y() > self.t_margin + 9:  # not at the top of a fresh page
            room = self.h - self.b_margin - self.get_y() - (6 if title else 0)
            if (height is not None and height > room) or (height is None and room < 70):
                self.add_page()
            elif title:
                self.ln(6)
        block(self)

    def h2(self, text: str) -> None:
        if self.get_y() > 250:
            self.add_page()
        self.ln(2)
        self.set_font("DejaVu", "B", 12)
        self.set_text_color(*ACCENT)
        self.multi_cell(0, 6.5, t(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.ln(1)

    def para(self, text: str, size: float = 9.5, style: str = "") -> None:
        self.set_font("DejaVu", style, size)
        self.set_text_color(*INK)
        self.multi_cell(0, size * 0.5, t(text, 3000), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)

    def note(self, text: str) -> None:
        self.set_font("DejaVu", "I", 8)
        self.set_text_color(*MUTED)
        self.multi_cell(0, 4, t(text, 2000), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.ln(1)

    def grid(
        self,
        header: list[str],
        rows: list[list[str]],
        widths: list[float],
        size: float = 7.5,
        colour_column: int | None = None,
    ) -> None:
        self.set_font("DejaVu", "", size)
        with self.table(
            col_widths=widths,
            text_align="LEFT",
            line_height=size * 0.55,
            padding=1.2,
            borders_layout="HORIZONTAL_LINES",
            headings_style=FontFace(emphasis="BOLD", fill_color=(230, 238, 246)),
            repeat_headings=1,
        ) as table:
            head = table.row()
            self.set_font("DejaVu", "B", size)
            for h in header:
                head.cell(t(h))
            self.set_font("DejaVu", "", size)
            for r in rows:
                row = table.row()
                for i, value in enumerate(r):
                    if colour_column is not None and i == colour_column:
                        name = str(value).split(" ")[0]
                        colour = BAND_RGB.get(name)
                        row.cell(
                            t(value),
                            style=None if colour is None else FontFace(fill_color=colour),
                        )
                    else:
                        row.cell(t(value, 300))
        self.ln(2)

    def image_png(self, data: bytes, width: float) -> None:
        self.image(io.BytesIO(data), w=width)
        self.ln(2)


WORST = 5  # services in the first page's worst exposures


def _decision(pdf: _Doc, report: Report) -> None:
    """Page one is the decision: the three things to do first, what each buys in risk and money, and the
    worst exposures. The cover's details (dates, versions, hashes) are in the audit appendix."""
    a, facts = report.assessment, report.facts
    pdf.add_page()
    pdf.set_font("DejaVu", "", 9)
    pdf.set_text_color(*ACCENT)
    pdf.cell(0, 5, f"DEPENDENCY RISK ASSESSMENT · {report.written_at[:10]}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", "B", 17)
    pdf.set_text_color(*INK)
    pdf.multi_cell(0, 8, t(report.catalog.organisation, 200), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.h1("What to do first")
    actions = facts.first_actions
    if not actions:
        pdf.para(
            "No measured recommendation cuts the risk: the recommendations section lists what applies and why "
            "each could not be measured."
        )
    for n, r in enumerate(actions, start=1):
        pdf.set_font("DejaVu", "B", 10.5)
        pdf.set_text_color(*INK)
        pdf.multi_cell(0, 5.5, t(f"{n}. {r.title}", 300), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("DejaVu", "B", 9.5)
        pdf.set_text_color(*ACCENT)
        pdf.multi_cell(
            0,
            5,
            t(effect_text(r.effect)[:1].upper() + effect_text(r.effect)[1:] + "."),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.set_text_color(*INK)
        pdf.para(r.action, 9)
        pdf.ln(1)
    pdf.h2("The worst exposures")
    pdf.grid(
        ["service", "rating", "outage beyond tolerance a year", "expected cost/yr", "single points of failure"],
        [
            [
                s.name,
                f"{rating_certainty(s.rating, s.rating_probabilities)} ({s.score})",
                f"{chance(s.tolerance_breach_probability, s.tolerance_breach_probability_interval)}, "
                f"{one_in(s.tolerance_breach_probability)}",
                service_cost(s, a.currency),
                names_list([facts.dependency_names.get(d, d) for d in s.single_points_of_failure], 2),
            ]
            for s in facts.services[:WORST]
        ],
        [50, 26, 36, 22, 44],
        size=7.5,
        colour_column=1,
    )
    if a.providers and a.providers[0].services_exposed:
        p = a.providers[0]
        pdf.para(
            f"Biggest concentration: {p.name}. One {p.name}-wide failure could take down {p.services_exposed} "
            f"services ({p.tier1_services_exposed} of them tier 1) used by {pct(p.user_share, 0)} of our users.",
            9,
        )
    if len(facts.services) > WORST:
        pdf.note(
            f"The {WORST} worst of {len(facts.services)} services; the summary, the top risks and every figure "
            "behind them follow."
        )


def _executive_summary(pdf: _Doc, report: Report) -> None:
    pdf.add_page()
    pdf.h1("Executive summary")
    for paragraph in report.facts.summary:
        pdf.para(paragraph, 10)
    pdf.h2("Key figures")
    pdf.grid(["figure", "value"], [[k, v] for k, v in report.facts.key_figures], [110, 68], size=8.5)


def _risks(pdf: _Doc, report: Report) -> None:

    def top(doc: _Doc) -> None:
        doc.h2("Top risks")
        doc.grid(
            [
                "service",
                "tier",
                "rating",
                "outage beyond tolerance a year (90% range)",
                "single points of failure",
                "downtime/yr",
            ],
            [
                [
                    s.name,
                    str(s.tier),
                    f"{rating_certainty(s.rating, s.rating_probabilities)} ({s.score})",
                    f"{chance(s.tolerance_breach_probability, s.tolerance_breach_probability_interval)}, "
                    f"{one_in(s.tolerance_breach_probability)}",
                    names_list([report.facts.dependency_names.get(d, d) for d in s.single_points_of_failure]),
                    hours(s.expected_annual_downtime_hours),
                ]
                for s in report.facts.services[:TOP_RISKS]
            ],
            [48, 10, 22, 34, 46, 18],
            colour_column=2,
        )

    pdf.keep_together(top, "Risks by service")
    if len(report.facts.services) > TOP_RISKS:
        pdf.note(
            f"The {TOP_RISKS} worst of {len(report.facts.services)} services; the workbook and the HTML report "
            "list every service."
        )
    matrix = risk_matrix_png(report.assessment)

    def grid(doc: _Doc) -> None:
        doc.h2("Risk matrix")
        doc.image_png(matrix, 100)
        doc.note(
            "Likelihood: the simulated chance of at least one outage longer than the service's impact tolerance "
            "(plus its workaround) in a year. Impact: the worst of the tier, users and hourly-cost scores. "
            "NHS 5x5 bands."
        )

    pdf.keep_together(grid)


def _since_last(pdf: _Doc, report: Report) -> None:
    if report.since is None:
        return
    pdf.h2("Since the last assessment")
    pdf.note(since_sentence(report))
    rows = [list(r) for r in since_rows(report)]
    if rows:
        pdf.grid(
            ["service", "rating", "beyond tolerance, a year", "single points of failure"],
            rows,
            [55, 30, 45, 48],
            size=7.5,
        )


def _single_points(pdf: _Doc, report: Report) -> None:
    a, facts = report.assessment, report.facts
    pdf.section("Single points of failure and concentration")
    pdf.grid(
        ["provider", "dependency", "services it takes down alone", "people affected", "outages/yr", "data"],
        [
            [
                d.provider,
                f"{d.name} ({d.id})",
                facts.service_names(d.blast_radius.services, limit=5),
                people_phrase(d.blast_radius.people_at_least, d.blast_radius.users, short=True),
                f"{d.annual_outages:.2f}",
                f"{d.source}, {d.data_quality}",
            ]
            for d in facts.single_points
        ],
        [26, 40, 46, 28, 14, 24],
    )
    pdf.image_png(provider_png(a), 150)
    pdf.note(
        f"Herfindahl-Hirschman index of single-point-of-failure links by provider: {a.concentration.hhi:.2f} "
        "(1 = all with one provider)."
    )


def _recommendations(pdf: _Doc, report: Report) -> None:
    recs = report.recommendations
    pdf.section("Recommendations")
    pdf.note(
        f"{len(recs.recommendations)} of {recs.rules_evaluated} rules apply. "
        "Measured ones are ranked by the share of the risk they cut (the risk: impact x the chance a year of "
        f"an outage beyond tolerance, summed over services; {recs.risk_index:.2f} now); each was measured by "
        "re-assessing the catalog with the change applied."
    )
    rows = []
    for n, r in enumerate(recs.recommendations, start=1):
        if r.effect:
            changes = "; ".join(
                f"{c.name} {chance(c.breach_probability_before, c.breach_probability_interval_before)}→"
                f"{chance(c.breach_probability_after, c.breach_probability_interval_after)}"
                for c in r.effect.services[:3]
            )
            effect = f"{effect_text(r.effect)}; {changes}"
        else:
            effect = f"not measured: {r.unquantified_reason}"
        rows.append(
            [str(n), f"{r.title} ({r.id})\n{r.action}", effect, f"{r.effort}\n{report.status(r.id)}", r.source_url]
        )
    pdf.grid(["#", "recommendation", "measured effect", "effort, status", "source"], rows, [7, 60, 50, 21, 40], size=7)


def _scenarios(pdf: _Doc, report: Report) -> None:
    def table(doc: _Doc) -> None:
        doc.note(
            "For each provider, all of its dependencies down together for its longest and its 90th-percentile "
            "recorded outage (or, with no record of known length, those points of its fitted duration model)."
        )
        doc.grid(
            ["provider", "scenario", "down for", "services beyond tolerance", "within"],
            [
                [
                    r.provider,
                    "longest" if r.kind == "longest" else "90th percentile",
                    hours(r.result.scenario.duration_hours),
                    ", ".join(s.name for s in r.result.breaches) or "none",
                    f"{len(r.within_tolerance)} of {len(r.result.services)}",
                ]
                for r in report.severe
            ],
            [30, 24, 18, 92, 14],
        )

    pdf.keep_together(table, "Severe but plausible scenarios")
    pdf.h2("Expected losses")
    pdf.image_png(loss_curve_png(report.assessment), 150)


def _methodology(pdf: _Doc, report: Report) -> None:
    s = report.settings
    pdf.section("Appendix")
    pdf.h2("Methodology in brief")
    for line in (
        "Structure: each service's requirements compile to a fault tree over the basic dependencies; minimal cut "
        f"sets are listed up to order {s.cut_set_order}, exactly, from a binary decision diagram.",
        "Unavailability: the exact probability that the service is down at a random moment, assuming dependencies "
        "fail independently; dependency unavailability q = 1 − exp(−rate × mean outage / 8760).",
        "Outage rates: matched public records, severity-weighted, with a Jeffreys Gamma prior: (½ + n) / T years. "
        "Durations: lognormal, fitted per dependency with three or more known full-outage durations (partial "
        "incidents set none), otherwise shrunk to the provider's or the whole history's fit. Expert estimates "
        f"in the catalog override history, with an error factor of {s.estimate_error_factor:g}. Ranges are 90% "
        "ranges over the uncertain rates and durations.",
        f"Breach probability, downtime and cost: {s.simulated_years:,} simulated years with seed "
        f"{s.seed}; shared dependencies fail all their services at once; grace periods and "
        "workarounds apply.",
        "Limitations: independence between dependencies except where modelled; stationarity; public outage "
        "history under-reports and over-represents providers that publish reviews. Full text: docs/methodology.md.",
    ):
        pdf.para("• " + line, 8.5)


def _settings(pdf: _Doc, report: Report) -> None:
    pdf.h2("Settings")
    pdf.grid(["setting", "value"], [list(row) for row in report.facts.settings], [80, 98], size=7.5)


def _rules(pdf: _Doc, report: Report) -> None:
    pdf.h2("Rules applied")
    applied = report.facts.applied_rules
    pdf.grid(
        ["rule", "title", "applies here", "source"],
        [[r.id, r.title, "yes" if r.id in applied else "no", r.source_url] for r in report.rules],
        [22, 80, 16, 60],
        size=6.5,
    )


def _outage_data(pdf: _Doc, report: Report) -> None:
    a = report.assessment
    pdf.h2("Outage data used")
    pdf.note(
        f"Sources: {', '.join(report.sources) or 'the shipped history'}. History: {history_span(a.history)}. "
        "Records matched to this catalog's dependencies:"
    )
    pdf.grid(
        ["record", "date", "provider and product", "hours", "confidence", "source"],
        [
            [
                r.id,
                r.start_dt.strftime("%Y-%m-%d"),
                provider_product(r.provider, r.product),
                "unknown" if r.duration_hours is None else f"{r.duration_hours:.1f}",
                r.confidence,
                r.source_url or "",
            ]
            for r in report.facts.records_used
        ],
        [28, 17, 36, 11, 19, 67],
        size=6.5,
    )


def _unavailability(pdf: _Doc, report: Report) -> None:
    a = report.assessment
    pdf.h2(
        "Unavailability by service (sampled)" if sampled(report.facts.services) else "Exact unavailability by service"
    )
    pdf.grid(
        ["service", "unavailability", "expected downtime", "expected cost/yr"],
        [
            [x.name, unavailability_text(x), hours(x.expected_annual_downtime_hours), service_cost(x, a.currency)]
            for x in report.facts.services
        ],
        [90, 28, 30, 30],
        size=7.5,
    )


def _audit(pdf: _Doc, report: Report) -> None:
    """What the cover used to hold, for an auditor: when, from what, by what."""
    a = report.assessment
    pdf.h2("Audit details")
    pdf.grid(
        ["item", "value"],
        [
            ["File written", report.written_at],
            ["Assessment computed", report.generated_at],
            ["Catalog version", report.catalog.catalog_version or "not stated"],
            ["Catalog SHA-256", report.catalog_sha256],
            ["Outage history", history_span(a.history)],
            ["Simulation", f"{report.settings.simulated_years:,} years, seed {report.settings.seed}"],
            ["Produced by", f"Lynchpin {a.lynchpin_version}"],
        ],
        [40, 138],
        size=7.5,
    )
    if a.stages:
        pdf.note(f"How the assessment ran, stage by stage ({STAGE_TIMES}):")
        pdf.grid(
            ["stage", "wall", "CPU", "worked through", "warnings"],
            [list(r) for r in stage_rows(a.stages)],
            [46, 24, 16, 76, 16],
            size=7,
        )


#: The report's sections in order; each lays out part of the report's facts.
SECTIONS = (
    _decision,
    _executive_summary,
    _risks,
    _since_last,
    _single_points,
    _recommendations,
    _scenarios,
    _methodology,
    _settings,
    _rules,
    _outage_data,
    _unavailability,
    _audit,
)


def render_pdf(report: Report) -> bytes:
    """The PDF, stamped with the time it is written (the assessment's own time is in the audit details)."""
    from dataclasses import replace
    from datetime import UTC, datetime

    report = replace(report, written=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    pdf = _Doc(report)
    for section in SECTIONS:
        section(pdf, report)
    return bytes(pdf.output())
