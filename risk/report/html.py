"""The HTML report: one self-contained file (plotly.js inline, no external requests), prints cleanly.

Jinja2 autoescapes every value, so user text (names with tags or scripts) is shown, never run.
"""

from __future__ import annotations

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from risk.dashboard import charts
from risk.engine.rating import band
from risk.report.model import Report
from risk.report.summary import key_figures
from risk.views import format as fmt

__all__ = ["render_html"]

_ENV = Environment(
    loader=FileSystemLoader(str(__import__("pathlib").Path(__file__).with_name("templates"))),
    autoescape=select_autoescape(["html", "j2"], default=True),
)


def _figure(fig, first: bool) -> Markup:
    """A plotly figure as an HTML fragment; the first carries plotly.js itself (inline, no CDN)."""
    html = fig.to_html(
        full_html=False,
        include_plotlyjs=bool(first),
        config={"displaylogo": False, "responsive": True},
        div_id=None,
    )
    return Markup(html)  # noqa: S704 - plotly's own markup; the figure's strings are escaped by plotly


def render_html(report: Report) -> bytes:
    a = report.assessment
    matrix = charts.risk_matrix(a, lambda score: band(score, report.settings))
    providers = charts.provider_exposure(a)
    loss = charts.loss_exceedance(a.loss_exceedance, "Loss exceedance, all services")
    s = report.settings
    settings_rows = [
        ("cut-set order", s.cut_set_order),
        ("simulated years", f"{s.simulated_years:,}"),
        ("seed", s.seed),
        ("prior (shape, rate years)", f"{s.prior_shape}, {s.prior_rate_years}"),
        ("severity weights", ", ".join(f"{k} {v}" for k, v in s.severity_weights.items())),
        ("likelihood thresholds", ", ".join(f"{x:g}" for x in s.likelihood_thresholds)),
        ("rules switched off", ", ".join(s.disabled_rules) or "none"),
    ]
    html = _ENV.get_template("report.html.j2").render(
        report=report,
        a=a,
        fmt=fmt,
        figures=key_figures(report),
        services=sorted(a.services, key=lambda x: (-x.score, -x.tolerance_breach_probability)),
        spof_dependencies=[
            d for p in a.providers for d in a.dependencies if d.provider == p.name and d.blast_radius.services
        ],
        charts={"matrix": _figure(matrix, True), "providers": _figure(providers, False), "loss": _figure(loss, False)},
        settings=settings_rows,
        applied={r.id for r in report.recommendations.recommendations},
        records=report.records_used(),
    )
    return html.encode("utf-8")
