"""Numbers as a risk manager reads them: percentages, hours, money, and '1 in N years'."""

from __future__ import annotations

import math

__all__ = [
    "people_phrase",
    "effect_text",
    "saving_money",
    "pct",
    "hours",
    "money",
    "one_in",
    "prob",
    "unavailability_text",
    "sampled",
    "chance",
    "rating_certainty",
    "count_change",
    "local_time",
    "hours_or_unknown",
    "hours_range",
    "how_often",
    "tolerance_phrase",
    "with_article",
    "names_list",
    "service_cost",
    "catalog_size",
    "STAGE_LABELS",
    "STAGE_TIMES",
    "history_span",
    "stage_rows",
]


def pct(p: float, digits: int = 1) -> str:
    if p <= 0:
        return "0%"
    if p < 10 ** (-digits) / 100:
        return f"<{10 ** (-digits):g}%"
    return f"{p * 100:.{digits}f}%"


def prob(p: float) -> str:
    """A small probability as a percentage a person reads, never in e-notation: 1.3e-3 -> '0.13%',
    5.1e-4 -> '0.051%', 2e-7 -> '0.00002%'."""
    if p <= 0:
        return "0%"
    if p >= 0.001:
        return pct(p, 2)
    digits = max(2, -math.floor(math.log10(p * 100)) + 1)
    return f"{p * 100:.{digits}f}%"


def unavailability_text(s) -> str:
    """A service's unavailability as every view shows it (`s`: a ServiceResult or ExactServiceResult):
    '0.13%' when exact; when sampled (no decision diagram fits: risk.engine.sampled), 'about 0.0010% (95%
    range 0.00093%–0.0011%, sampled from 67,108,864 states: no decision diagram fits)'."""
    if s.unavailability_method != "sampled" or s.unavailability_interval is None:
        return prob(s.unavailability)
    low, high = s.unavailability_interval
    states = f"{s.unavailability_states_sampled:,} " if s.unavailability_states_sampled else ""
    return (
        f"about {prob(s.unavailability)} (95% range {prob(low)}–{prob(high)}, sampled from {states}states: "
        "no decision diagram fits)"
    )


def sampled(services) -> bool:
    """Whether the services' unavailability was sampled (no decision diagram fitted the catalog: every
    service of it is then sampled, risk.engine.sampled) rather than exact: the one test the views share for
    their headings and method notes."""
    return any(s.unavailability_method == "sampled" for s in services)


def hours(h: float) -> str:
    if h >= 48:
        return f"{h / 24:.1f} d"
    if h >= 1:
        return f"{h:.1f} h"
    return f"{h * 60:.0f} min"


_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "JPY": "¥", "CHF": "CHF ", "AUD": "A$", "CAD": "C$", "NZD": "NZ$"}


def money(x: float | None, currency: str = "GBP") -> str:
    """'£245k', '€1.2m', 'SEK 3k'; 'not set' when there is no figure (no hourly cost in the catalog)."""
    if x is None:
        return "not set"
    symbol = _SYMBOLS.get(currency, f"{currency} ")
    if abs(x) >= 1e6:
        return f"{symbol}{x / 1e6:.1f}m"
    if abs(x) >= 1e3:
        return f"{symbol}{x / 1e3:.0f}k"
    return f"{symbol}{x:.0f}"


def one_in(p: float) -> str:
    """'1 in 12 years' for an annual probability."""
    if p <= 0:
        return "never in the simulation"
    n = 1 / p
    return "most years" if n < 1.5 else f"1 in {n:.0f} years" if n < 1000 else f"1 in {n:,.0f} years"


def how_often(p: float) -> str:
    """The same, as a phrase: 'in most years', 'about 1 in 12 years', 'never in the simulation'."""
    text = one_in(p)
    return "in most years" if text == "most years" else text if p <= 0 else f"about {text}"


def with_article(text: str) -> str:
    """'a 4.0 h', 'an 8.0 h': the article a figure takes when read aloud ('an' before eight, eighty, eight
    hundred, eleven and eighteen: a leading 8, or a whole part of exactly 11 or 18)."""
    whole = text.split(".")[0].split(" ")[0].replace(",", "")
    return f"an {text}" if text.startswith("8") or whole in ("11", "18") else f"a {text}"


def tolerance_phrase(service) -> str:
    """What counts as too long for a service, the same words everywhere: 'longer than 6.0 h (a 4.0 h impact
    tolerance plus a 2.0 h workaround)', or 'longer than 4.0 h' without a workaround."""
    text = f"longer than {hours(service.effective_tolerance_hours)}"
    if service.workaround_hours:
        text += (
            f" ({with_article(hours(service.impact_tolerance_hours))} impact tolerance plus "
            f"{with_article(hours(service.workaround_hours))} workaround)"
        )
    return text


def history_span(history: dict) -> str:
    """The outage history an assessment used, for a reader: "251 outage records, 2016-01-04 to 2025-11-18",
    or "no outage records" (an assessment on the catalog's own estimates has no span to give)."""
    count = int(history.get("records") or 0)
    if not count or not history.get("start"):
        return "no outage records"
    noun = "outage record" if count == 1 else "outage records"
    return f"{count:,} {noun}, {str(history['start'])[:10]} to {str(history['end'])[:10]}"


def names_list(names: list[str], limit: int = 3) -> str:
    """'A, B and C', or 'A, B, C and 4 more' past `limit`."""
    if not names:
        return "none"
    if len(names) > limit:
        return ", ".join(names[:limit]) + f" and {len(names) - limit} more"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def finite(x: float) -> str:
    return "infinite" if math.isinf(x) else f"{x:.3g}"


def _whole_pct(p: float) -> str:
    """A percentage for a range end: whole numbers, or one decimal below 10%."""
    if p <= 0:
        return "0"
    if p < 0.001:
        return "<0.1"
    return f"{p * 100:.1f}" if p < 0.1 else f"{p * 100:.0f}"


def _ceiling_125(p: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above p: 0.00004 -> 0.00005."""
    power = 10.0 ** math.floor(math.log10(p))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= p * (1 - 1e-12))


def chance(p: float, interval: list[float] | None = None) -> str:
    """A probability with its range, as a person reads it: '44% (25–62%)'. Without a range, or when the
    range is a single value (nothing uncertain), just the probability. When the whole range lies below
    0.1%, what is known is a bound: 'below 0.005%' (the range's top, rounded up to 1, 2 or 5)."""
    if interval and 0 < interval[1] < 0.001:
        bound = _ceiling_125(interval[1]) * 100
        return f"below {bound:.{max(0, -math.floor(math.log10(bound)))}f}%"
    head = pct(p, 0) if p >= 0.1 else pct(p, 1)
    if not interval or _whole_pct(interval[0]) == _whole_pct(interval[1]):
        return head
    return f"{head} ({_whole_pct(interval[0])}–{_whole_pct(interval[1])}%)"


def rating_certainty(rating: str, probabilities: dict[str, float], bare: bool = False) -> str:
    """'extreme (rating 97% certain)': how sure the rating band is, from the rating probabilities. Said as
    certainty in the rating, never as '97% likely', which beside a breach probability reads as the chance
    of an outage. `bare` gives the phrase alone ('rating 97% certain') for a cell beside the band."""
    sure = probabilities.get(rating, 1.0)
    phrase = "rating certain" if sure >= 0.995 else f"rating {sure:.0%} certain"
    if bare:
        return phrase
    return rating if sure >= 0.995 else f"{rating} ({phrase})"


def count_change(change: int) -> str | None:
    """A change in a count for a metric's delta: '+2', '-1', or None when nothing changed (no arrow: an
    arrow, red or green, says something moved)."""
    return None if change == 0 else f"{change:+d}"


def hours_or_unknown(h: float | None) -> str:
    """A duration that may not be known: '4.0 h', or 'unknown' (never 'None', 'nan' or a blank)."""
    return "unknown" if h is None or h != h else hours(h)


def local_time(start: str | None, zone: str | None) -> str:
    """A scenario's ISO 8601 start as its reader's clock shows it: '2025-01-13 09:00 GMT (Europe/London)'
    for a start with a time of day, in `zone` (the browser's, else the catalog's; UTC when neither is a known
    zone); a date alone stays a date; '' without a start."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not start:
        return ""
    if "T" not in start:
        return start[:10]
    when = datetime.fromisoformat(start.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        tz = ZoneInfo(zone) if zone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        tz, zone = UTC, None
    local = when.astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}" + (f" ({zone})" if zone and zone != "UTC" else "")


def hours_range(value: float, interval: list[float] | None = None) -> str:
    """Hours with their range: '12.3 h (7.9–32.5 h)'."""
    if not interval or hours(interval[0]) == hours(interval[1]):
        return hours(value)
    return f"{hours(value)} ({hours(interval[0])}–{hours(interval[1])})"


def service_cost(service, currency: str = "GBP") -> str:
    """A service's expected annual cost in the catalog's currency, or 'not set' without an hourly cost."""
    return money(None if service.hourly_cost is None else service.expected_annual_cost, currency)


def catalog_size(catalog) -> str:
    """'8 services, 22 dependencies and 2 groups': logical groups are not dependencies that can fail, so
    they are counted apart, the same way in the CLI, the dashboard and the reports."""
    groups = sum(d.is_logical for d in catalog.dependencies)
    text = f"{len(catalog.services)} services, {len(catalog.dependencies) - groups} dependencies"
    return text + (f" and {groups} group{'s' if groups != 1 else ''}" if groups else "")


def effect_text(effect) -> str:
    """What a measured recommendation (or combination) buys, in one phrase shown the same way everywhere: the
    share of the risk it cuts and the expected cost of downtime it saves a year, in the catalog's currency
    (or that it is not priced, when no service has an hourly cost)."""
    if not effect.risk_index_before or round(effect.risk_cut, 2) == 0:
        cut = "no measurable change in risk"
    elif effect.risk_cut > 0:
        cut = f"cuts the risk by {effect.risk_cut:.0%}"
    else:
        cut = f"adds {-effect.risk_cut:.0%} to the risk"
    if not effect.priced:
        return f"{cut}; saving not priced (no service has an hourly cost)"
    verb = "saves" if effect.cost_saved >= 0 else "adds"
    return f"{cut} and {verb} {saving_money(effect)} a year in expected downtime cost"


def saving_money(effect) -> str:
    """The money a measured effect saves a year with its 90% range, '£209k (£150k–£260k)'; when it adds cost,
    the cost it adds and that range ('£12k (−£3k–£30k)': a negative end is a saving). Without a range (no
    hourly cost, or a result kept by an older release) the figure alone; 'not priced' when nothing is."""
    if not effect.priced:
        return "not priced"
    sign = 1 if effect.cost_saved >= 0 else -1
    text = money(abs(effect.cost_saved), effect.currency)
    bounds = getattr(effect, "cost_saved_interval", None)
    if not bounds:
        return text
    low, high = sorted(sign * x for x in bounds)

    def signed(x: float) -> str:
        shown = money(abs(x), effect.currency)
        return f"−{shown}" if x < 0 and shown != money(0.0, effect.currency) else shown

    if signed(low) == signed(high) == text:  # nothing uncertain at the precision shown: '£0', not '£0 (£0–£0)'
        return text
    return f"{text} ({signed(low)}–{signed(high)})"


def people_phrase(at_least: int, service_users: int, short: bool = False) -> str:
    """People affected as a person should read it, never a bare sum called users: the largest service's users
    as 'at least', and the services' users added together named as service-users (one person, many services).
    `short` for a table cell, whose column header says 'people affected'."""
    if service_users <= at_least:
        return f"{at_least:,}" if short else f"{at_least:,} people"
    if short:
        return f"at least {at_least:,} ({service_users:,} service-users)"
    return f"at least {at_least:,} people ({service_users:,} service-users: a person is counted once per service)"


#: How each stage of an assessment is named for a reader (risk.engine.assessment.STAGES).
STAGE_LABELS = {
    "structure": "structure (requirements compiled)",
    "statistics": "outage statistics",
    "exact": "exact figures (decision diagrams)",
    "cut_sets": "minimal cut sets",
    "simulation": "simulation",
    "rare_breach": "rare breaches (more years, surrogate)",
    "ranges": "uncertainty ranges",
    "importance": "importance, blast radius, providers",
    "rating": "rating",
}


def _seconds(s: float) -> str:
    return f"{s:.3f} s" if s < 10 else f"{s:,.1f} s"


#: What the stage table's times are, for a reader: the reports' lead-in to it.
STAGE_TIMES = "CPU time counts every thread of the process; a reused stage was worked out before for the same inputs"


def stage_rows(stages) -> list[tuple[str, str, str, str, str]]:
    """(stage, wall time, CPU time, what it worked through, warnings) for each stage of an assessment, for the
    CLI (`assess --verbose`) and the reports' audit appendix to lay out. A reused stage (worked out before,
    for the same inputs) says so after its time."""
    rows = []
    for st in stages:
        counts = ", ".join(f"{n.replace('_', ' ')} {v:,}" for n, v in st.counts.items())
        wall = _seconds(st.wall_seconds) + (" (reused)" if st.reused else "")
        rows.append((STAGE_LABELS.get(st.name, st.name), wall, _seconds(st.cpu_seconds), counts, str(len(st.warnings))))
    return rows
