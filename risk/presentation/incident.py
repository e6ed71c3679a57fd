"""Incident mode shown: the terminal table (`lynchpin incident`) and the one-page HTML brief for the bridge
call (the dashboard's download). Every catalog text is escaped (rich markup in the terminal, HTML in the
brief)."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from rich.console import Console
from rich.markup import escape as _markup_escape
from rich.table import Table

from risk.advice.incident import IncidentResult, IncidentService
from risk.presentation.format import hours, money, pct
from risk.untrusted import terminal_text

__all__ = ["render_incident", "incident_brief_html", "clock_text", "state_text", "BRIEF_ROWS"]


def clock_text(s: IncidentService) -> str:
    """'2.5 h left', 'beyond tolerance', 'at tolerance now', 'cannot breach', 'not affected'."""
    if s.goes_down_after_hours is None:
        return "not affected"
    if s.breached:
        return "beyond tolerance"
    if s.hours_left is None:
        return "cannot breach"
    if s.hours_left <= 0:
        return "at tolerance now"
    return f"{hours(s.hours_left)} left"


def state_text(s: IncidentService) -> str:
    if s.breached:
        return "BEYOND TOLERANCE"
    if s.down:
        return "down"
    if s.goes_down_after_hours is not None:
        return f"up (down after {hours(s.goes_down_after_hours)})"
    return "up"


def _chance(s: IncidentService) -> str:
    low, high = s.probability_beyond_tolerance_interval
    if s.hours_left is None:
        return "-"
    return f"{pct(s.probability_beyond_tolerance, 0)} ({pct(low, 0)} to {pct(high, 0)})"


def escape(text: object) -> str:
    """Text for the terminal: control sequences removed (a notice's title, a log's summary: anyone's text),
    then rich markup escaped."""
    return _markup_escape(terminal_text(text))


def render_incident(result: IncidentResult, console: Console) -> None:
    """The incident's clocks, most urgent first, then what to do now, similar past outages, assumptions."""
    console.print(f"[bold]Incident: {escape(result.title)}[/bold]")
    console.print(
        f"since {result.start}, now {result.now}: {hours(result.elapsed_hours)} in; {escape(result.remaining.text())}"
    )
    t = Table()
    for col in (
        "service",
        "tier",
        "state",
        "clock",
        "chance beyond tolerance (90% range)",
        "users",
        "cost so far",
        "expected cost",
    ):
        t.add_column(col)
    colour = {"BEYOND TOLERANCE": "red", "down": "dark_orange"}
    for s in result.services:
        state = state_text(s)
        c = colour.get(state, "green")
        t.add_row(
            escape(s.name),
            str(s.tier),
            f"[{c}]{escape(state)}[/{c}]",
            clock_text(s),
            _chance(s),
            f"{s.users_affected:,}",
            money(s.cost_so_far if s.cost_known else None, result.currency),
            money(s.cost_expected if s.cost_known else None, result.currency),
        )
    console.print(t)
    console.print(
        f"{sum(s.down for s in result.services)} service(s) down, {sum(s.breached for s in result.services)} "
        f"beyond tolerance; at least {result.people_affected_at_least:,} people affected."
    )
    todo = [s for s in result.services if s.actions and s.goes_down_after_hours is not None]
    if todo:
        console.print("[bold]What to do now[/bold] (least time left first)")
        for s in todo:
            console.print(f"  {escape(s.name)} ({clock_text(s)}):")
            for a in s.actions:
                console.print(f"    - {escape(a)}")
    reviewed = [s for s in result.services if s.review]
    if reviewed:
        console.print("[bold]For the review afterwards[/bold]: recommendations that would have helped")
        for s in reviewed:
            more = f"; and {len(s.review) - 3} more" if len(s.review) > 3 else ""
            console.print(f"  {escape(s.name)}: " + "; ".join(escape(r) for r in s.review[:3]) + more)
    if result.similar:
        console.print("[bold]Most similar past outages[/bold]")
        for r in result.similar:
            length = hours(r.duration_hours) if r.duration_hours else "length unknown"
            console.print(
                f"  {escape(r.start)} {escape(r.provider)} {escape('; '.join(r.product))}: {length}"
                + (f" {escape(r.source_url)}" if r.source_url else "")
            )
    for note in result.assumptions:
        console.print(f"[yellow]assumption[/yellow]: {escape(note)}")


#: Services listed in the HTML brief (least time left first), so it stays one page; the rest are counted.
BRIEF_ROWS = 14

#: The brief's Content-Security-Policy: no script, no fetch, nothing from elsewhere; only its own styles. Its
#: text comes from catalogs, incident logs and provider notices anyone may have written.
BRIEF_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

_CSS = """
@page { size: A4; margin: 12mm; }
body { font-family: Helvetica, Arial, sans-serif; font-size: 9.5pt; color: #111; margin: 0; }
h1 { font-size: 14pt; margin: 0 0 2pt 0; }
p { margin: 2pt 0; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0; }
th, td { border: 1px solid #bbb; padding: 2pt 4pt; text-align: left; vertical-align: top; }
th { background: #eee; }
.breach { color: #b00; font-weight: bold; }
.down { color: #b60; }
.small { font-size: 8pt; color: #444; }
ul { margin: 2pt 0 2pt 14pt; padding: 0; }
"""


def incident_brief_html(result: IncidentResult, organisation: str, produced: datetime | None = None) -> str:
    """A one-page (A4) HTML brief for the bridge call: the clocks, what to do now, the similar outages and
    the assumptions, with the time it was produced. Services that are up and cannot go down are counted,
    not listed, so the page stays one page."""
    produced = (produced or datetime.now(UTC)).astimezone(UTC)
    e = html.escape
    affected = [s for s in result.services if s.down or s.goes_down_after_hours is not None]
    shown = affected[:BRIEF_ROWS]
    rest = len(result.services) - len(affected)
    rows = []
    for s in shown:
        state = state_text(s)
        cls = "breach" if s.breached else ("down" if s.down else "")
        rows.append(
            f"<tr><td>{e(s.name)}</td><td>{s.tier}</td><td class='{cls}'>{e(state)}</td>"
            f"<td>{e(clock_text(s))}</td><td>{e(_chance(s))}</td><td>{s.users_affected:,}</td>"
            f"<td>{e(money(s.cost_so_far if s.cost_known else None, result.currency))}</td>"
            f"<td>{e(money(s.cost_expected if s.cost_known else None, result.currency))}</td></tr>"
        )
    actions = []
    for s in shown[:6]:
        items = "".join(f"<li>{e(a)}</li>" for a in s.actions[:2])
        if items:
            actions.append(f"<li><b>{e(s.name)}</b> ({e(clock_text(s))})<ul>{items}</ul></li>")
    similar = "".join(
        f"<li>{e(r.start)}: {e('; '.join(r.product))}, "
        f"{e(hours(r.duration_hours) if r.duration_hours else 'length unknown')}"
        + (f" (<a href='{e(r.source_url)}'>source</a>)" if r.source_url else "")
        + "</li>"
        for r in result.similar[:5]
    )
    notes = "".join(f"<li>{e(a)}</li>" for a in result.assumptions[:6])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{BRIEF_CSP}">
<title>Incident brief: {e(result.title)}</title>
<style>{_CSS}</style></head><body>
<h1>Incident brief: {e(result.title)}</h1>
<p>{e(organisation)}. Down: {e(", ".join(result.down))}. Since {e(result.start)}; {e(hours(result.elapsed_hours))} in at
{e(result.now)}. {e(result.remaining.text()).capitalize()}.</p>
<p>{sum(s.down for s in result.services)} service(s) down, {sum(s.breached for s in result.services)} beyond tolerance;
at least {result.people_affected_at_least:,} people affected.</p>
<table><tr><th>Service</th><th>Tier</th><th>State</th><th>Clock</th><th>Chance beyond tolerance (90% range)</th>
<th>Users</th><th>Cost so far</th><th>Expected cost</th></tr>
{"".join(rows)}</table>
{f"<p class='small'>and {len(affected) - len(shown)} more affected service(s) (see the dashboard).</p>" if len(affected) > len(shown) else ""}
{f"<p class='small'>{rest} other service(s) do not depend on what is down.</p>" if rest else ""}
<h2 style="font-size:11pt;margin:4pt 0">What to do now</h2><ul>{"".join(actions) or "<li>Nothing is due.</li>"}</ul>
<h2 style="font-size:11pt;margin:4pt 0">Most similar past outages</h2><ul>{similar or "<li>None recorded.</li>"}</ul>
<p class="small">Assumptions:</p><ul class="small">{notes}</ul>
<p class="small">Produced {e(produced.strftime("%Y-%m-%d %H:%M UTC"))} by Lynchpin incident mode.</p>
</body></html>
"""
