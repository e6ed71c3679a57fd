"""Numbers as a risk manager reads them: percentages, hours, money, and '1 in N years'."""

from __future__ import annotations

import math

__all__ = ["pct", "hours", "money", "one_in", "prob"]


def pct(p: float, digits: int = 1) -> str:
    if p <= 0:
        return "0%"
    if p < 10 ** (-digits) / 100:
        return f"<{10 ** (-digits):g}%"
    return f"{p * 100:.{digits}f}%"


def prob(p: float) -> str:
    """A small probability in scientific-but-readable form: 1.3e-3 -> '0.13%'."""
    if p <= 0:
        return "0"
    if p >= 0.001:
        return pct(p, 2)
    return f"{p:.1e}"


def hours(h: float) -> str:
    if h >= 48:
        return f"{h / 24:.1f} d"
    if h >= 1:
        return f"{h:.1f} h"
    return f"{h * 60:.0f} min"


def money(x: float) -> str:
    if x >= 1e6:
        return f"{x / 1e6:.1f}m"
    if x >= 1e3:
        return f"{x / 1e3:.0f}k"
    return f"{x:.0f}"


def one_in(p: float) -> str:
    """'1 in 12 years' for an annual probability."""
    if p <= 0:
        return "never in the simulation"
    n = 1 / p
    return "most years" if n < 1.5 else f"1 in {n:.0f} years" if n < 1000 else f"1 in {n:,.0f} years"


def finite(x: float) -> str:
    return "infinite" if math.isinf(x) else f"{x:.3g}"
