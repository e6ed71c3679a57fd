"""The HTML report: one self-contained file (plotly.js inline, no external requests), prints cleanly.

Jinja2 autoescapes every value, so user text (names with tags or scripts) is shown, never run. The template
lays out the report's facts; the figures are the dashboard's own (presentation.figures).
"""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from risk.advice.recommend.rules import control_text
from risk.presentation import figures
from risk.presentation import format as fmt
from risk.presentation.theme import BAND_COLOURS
from risk.report.facts import since_rows, since_sentence
from risk.report.model import Report

__all__ = ["render_html"]

_ENV = Environment(
    loader=PackageLoader("risk.report", "templates"),
    autoescape=select_autoescape(["html", "j2"], default=True),
)
_LIGHT_BANDS = {"moderate", "high"}  # dark text reads better on these


def _figure(fig, first: bool) -> Markup:
    """A plotly figure as an HTML fragment; the first carries plotly.js itself (inline, no CDN)."""
    html = fig.to_html(
        full_html=False,
        include_plotlyjs=bool(first),
        config={"displaylogo": False, "responsive": True},
        div_id=None,
    )
    return Markup(html)  # noqa: S704 - plotly's own markup; the figure's strings are escaped by plotly


def _band_css() -> Markup:
    rules = [
        f".{name} {{ background: {colour};{'' if name in _LIGHT_BANDS else ' color: #fff;'} }}"
        for name, colour in BAND_COLOURS.items()
    ]
    return Markup(" ".join(rules))  # noqa: S704 - built from our own constants, no user text


def _charts(report: Report) -> dict[str, Markup]:
    a = report.assessment
    return {
        "matrix": _figure(figures.risk_matrix(a), True),
        "providers": _figure(figures.provider_exposure(a), False),
        "loss": _figure(figures.loss_exceedance(a.loss_exceedance, "Loss exceedance, all services", a.currency), False),
    }


def render_html(report: Report) -> bytes:
    facts = report.facts
    html = _ENV.get_template("report.html.j2").render(
        report=report,
        a=report.assessment,
        fmt=fmt,
        facts=facts,
        figures=facts.key_figures,
        services=facts.services,
        spof_dependencies=facts.single_points,
        charts=_charts(report),
        band_css=_band_css(),
        settings=facts.settings,
        applied=facts.applied_rules,
        records=facts.records_used,
        since_text=since_sentence(report),
        control_text=control_text,
        since_rows=since_rows(report),
        stages=fmt.stage_rows(report.assessment.stages),
        stage_times=fmt.STAGE_TIMES,
        history_span=fmt.history_span(report.assessment.history),
    )
    return html.encode("utf-8")
