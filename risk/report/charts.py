"""Static charts for the PDF, drawn with matplotlib's Agg backend (no browser, no system libraries).

Same theme as the dashboard (presentation.theme): the same band colours, axis words and matrix grid,
which comes from the assessment itself.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from risk.engine.assessment import Assessment  # noqa: E402
from risk.presentation.order import matrix_counts  # noqa: E402
from risk.presentation.text import pdf_text  # noqa: E402
from risk.presentation.theme import (  # noqa: E402
    BAND_COLOURS,
    IMPACT_AXIS,
    IMPACT_LABELS,
    LIKELIHOOD_AXIS,
    LIKELIHOOD_LABELS,
    PALETTE,
    RISK_MATRIX_TITLE,
)

__all__ = ["risk_matrix_png", "provider_png", "loss_curve_png"]

plt.rcParams.update(
    {
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "svg.hashsalt": "lynchpin",
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=180, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def _wrap(label: str) -> str:
    """'5 almost certain' -> '5 almost\ncertain': matrix tick labels on two lines at most."""
    head, _, tail = label.partition(" ")
    return f"{head} {tail.replace(' ', chr(10), 1)}" if len(label) > 12 else label


def risk_matrix_png(a: Assessment) -> bytes:
    counts = matrix_counts(a.services)
    fig, ax = plt.subplots(figsize=(5.2, 4.2))
    for li in range(5):
        for im in range(5):
            name = a.rating_grid[li][im]
            ax.add_patch(plt.Rectangle((im + 0.03, li + 0.03), 0.94, 0.94, color=BAND_COLOURS[name]))
            n = counts[li][im]
            ax.text(
                im + 0.5,
                li + 0.58,
                str(n) if n else "",
                ha="center",
                va="center",
                fontsize=13,
                fontweight="bold",
                color="#111111",
            )
            ax.text(im + 0.5, li + 0.25, name, ha="center", va="center", fontsize=7, color="#222222")
    ax.set_xlim(0, 5)
    ax.set_ylim(0, 5)
    ax.set_xticks([i + 0.5 for i in range(5)], [_wrap(x) for x in IMPACT_LABELS])
    ax.set_yticks([i + 0.5 for i in range(5)], [_wrap(x) for x in LIKELIHOOD_LABELS])
    ax.set_xlabel(IMPACT_AXIS)
    ax.set_ylabel(LIKELIHOOD_AXIS)
    ax.tick_params(length=0)
    ax.set_title(RISK_MATRIX_TITLE, loc="left", fontsize=10)
    return _png(fig)


def provider_png(a: Assessment) -> bytes:
    provs = [p for p in a.providers if p.services_exposed][:8][::-1]
    fig, ax = plt.subplots(figsize=(6.4, 0.5 + 0.38 * max(3, len(provs))))
    names = [pdf_text(p.name, 40) for p in provs]
    t1 = [p.tier1_services_exposed for p in provs]
    rest = [p.services_exposed - p.tier1_services_exposed for p in provs]
    ax.barh(names, t1, color=PALETTE[3], label="tier 1")
    ax.barh(names, rest, left=t1, color=PALETTE[5], label="other tiers")
    for y, p in enumerate(provs):
        ax.text(
            p.services_exposed + 0.05, y, f"{p.services_exposed} ({p.user_share:.0%} of users)", va="center", fontsize=8
        )
    ax.set_xlabel("services exposed through a single point of failure or a pair of its dependencies")
    ax.set_xlim(0, max([p.services_exposed for p in provs] + [1]) * 1.45)
    ax.legend(frameon=False, loc="lower right", fontsize=8)
    ax.set_title("Provider concentration", loc="left", fontsize=10)
    return _png(fig)


def loss_curve_png(a: Assessment) -> bytes:
    fig, ax = plt.subplots(figsize=(6.4, 2.8))
    pts = a.loss_exceedance
    if pts:
        ax.step([p.loss for p in pts], [p.probability for p in pts], where="post", color=PALETTE[0])
        ax.set_xscale("log")
    ax.set_xlabel(f"annual loss from outages, all services ({a.currency})")
    ax.set_ylabel("chance a year's loss\nis at least this")
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_title("Loss exceedance", loc="left", fontsize=10)
    ax.grid(alpha=0.3)
    return _png(fig)
