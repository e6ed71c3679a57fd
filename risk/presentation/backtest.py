"""The backtest in a terminal: both levels against both baselines with their intervals, the durations, what
was not scored, and a plain verdict. Words only: every figure comes from risk.engine.backtest."""

from __future__ import annotations

from risk.engine.backtest import LEVEL, SCORE, Backtest, Difference, LevelScore
from risk.presentation.terminal import shown

__all__ = ["render_backtest", "verdict_lines", "difference_text"]


def difference_text(d: Difference) -> str:
    """'+0.258 (+0.043 to +0.582)': the mean difference and its bootstrap interval."""
    return f"{d.mean:+.3f} ({d.low:+.3f} to {d.high:+.3f})"


def _weights(result: Backtest) -> str:
    w = result.settings["severity_weights"]
    return ", ".join(f"{k} {v:g}" for k, v in w.items())


def _setup(result: Backtest) -> str:
    s = result.settings
    h = s["recency_half_life_years"]
    return (
        f"prior Gamma({s['prior_shape']:g}, {s['prior_rate_years']:g}), recency half-life "
        f"{'none' if h is None else f'{h:g} years'}, no-data default {s['default_annual_outages']:g} a year, "
        f"severity weights {_weights(result)}"
    )


def verdict_lines(result: Backtest) -> list[str]:
    """One honest sentence per level and baseline: better, worse, or no clear difference at the interval."""
    lines = []
    levels: list[LevelScore] = [result.provider] + ([result.dependency] if result.dependency else [])
    for level in levels:
        for d in level.differences:
            if d.verdict == "model better":
                text = f"the model beats the {d.baseline}"
            elif d.verdict == "baseline better":
                text = f"the model loses to the {d.baseline}: the pooled forecast is the better one here"
            else:
                text = f"the model does not clearly beat the {d.baseline} (the interval contains 0)"
            lines.append(f"{level.level.capitalize()} level: {text}, {difference_text(d)} per unit-year.")
    for dur in result.durations:
        d = dur.difference
        if d.verdict == "model better":
            text = "the duration model (posterior predictive) beats the pooled lognormal"
        elif d.verdict == "baseline better":
            text = "the duration model (posterior predictive) loses to the pooled lognormal"
        else:
            text = "no clear difference between the duration model (posterior predictive) and the pooled lognormal"
        lines.append(f"Durations, {dur.level} level: {text}, {difference_text(d)} per duration.")
    return lines


def render_backtest(result: Backtest, console, units: str = "provider") -> None:
    from rich.table import Table

    console.print(
        f"Backtest: fitted on {result.train_years:.1f} years before {result.train_until}, scored on the "
        f"{result.test_years} whole year(s) after. Setup: {_setup(result)}.",
        markup=False,
    )
    console.print(
        f"Score: {SCORE}; a recorded outage counts as its severity weight says. Intervals: {LEVEL:.0%} "
        f"bootstrap over units, seed {result.seed}.",
        markup=False,
    )
    table = Table(title="Outage counts", title_justify="left")
    for column in (
        "level",
        "units",
        "model",
        "pooled Poisson",
        "pooled neg. binomial",
        "model - pooled Poisson",
        "model - pooled neg. binomial",
    ):
        table.add_column(column)
    for level in [result.provider] + ([result.dependency] if result.dependency else []):
        table.add_row(
            level.level,
            str(len(level.units)),
            f"{level.model_log_score:.3f}",
            f"{level.pooled_poisson_log_score:.3f} (rate {level.pooled_rate:.2f}/yr)",
            f"{level.pooled_negbin_log_score:.3f} "
            + (
                f"(Gamma {level.negbin_alpha:.3g}, {level.negbin_beta:.3g})"
                if level.negbin_alpha < 1e4
                else "(no extra spread: the Poisson)"
            ),
            *(difference_text(d) for d in level.differences),
        )
    console.print(table)
    if result.durations:
        table = Table(title="Full-outage durations (mean log density per duration, per hour)", title_justify="left")
        for column in ("level", "units", "durations", "model (predictive)", "pooled lognormal", "difference"):
            table.add_column(column)
        for d in result.durations:
            table.add_row(
                d.level,
                str(d.units),
                str(d.durations),
                f"{d.model_log_score:.3f}",
                f"{d.pooled_log_score:.3f} (mu {d.pooled_mu:.2f}, sigma {d.pooled_sigma:.2f})",
                difference_text(d.difference),
            )
        console.print(table)
    for line in verdict_lines(result):
        console.print(line, markup=False)
    if result.provider.excluded:
        console.print(
            "Not scored, first seen after the cut-off: " + ", ".join(result.provider.excluded) + ".", markup=False
        )
    if result.dependency and result.dependency.excluded:
        console.print(
            f"Not scored: {len(result.dependency.excluded)} example dependencies whose provider has no record "
            "before the cut-off.",
            markup=False,
        )
    chosen = {"provider": result.provider, "dependency": result.dependency}.get(units)
    if chosen is None:
        return
    table = Table(title=f"By {chosen.level}", title_justify="left")
    for column in (
        "unit",
        "rate from",
        "records before",
        "forecast / yr",
        "recorded per year after",
        "model",
        "Poisson",
        "neg. binomial",
    ):
        table.add_column(column)
    for u in sorted(chosen.units, key=lambda u: (-u.train_records - sum(u.test_counts), u.unit)):
        table.add_row(
            shown(u.unit),  # provider and product names come from the records: user text
            shown(u.source),
            str(u.train_records),
            f"{u.forecast_per_year:.2f}",
            ", ".join(map(str, u.test_counts)),
            f"{u.model_log_score:.2f}",
            f"{u.pooled_poisson_log_score:.2f}",
            f"{u.pooled_negbin_log_score:.2f}",
        )
    console.print(table)
