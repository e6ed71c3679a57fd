"""Scenarios: replay a real outage, ask "what if", and run the severe-but-plausible set."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from risk.dashboard import fields, state
from risk.dashboard.widgets import explain, fitted_table, header, md_escape, sidebar
from risk.durations import parse_duration
from risk.history.model import provider_product
from risk.presentation.format import hours, local_time, money, names_list
from risk.presentation.order import worst_hit_first
from risk.problems import InputError

cur = sidebar()
run = state.run(cur)
header("Scenarios", "What would have happened, and what would happen if...?")


dependency_names = {d.id: d.name for d in run.catalog.dependencies}


def viewer_zone() -> str:
    """The time zone of the person looking (their browser's), else the catalog's."""
    return getattr(st.context, "timezone", None) or run.catalog.timezone


def show(result) -> None:
    sc = result.scenario
    down_names = ", ".join(dependency_names.get(d, d) for d in sc.down)
    st.markdown(
        f"**{md_escape(sc.title)}**  \ndown: {md_escape(down_names) or 'nothing in this catalog'} for "
        f"{hours(sc.duration_hours)}" + (f", from {local_time(sc.start, viewer_zone())}" if sc.start else "")
    )
    for note in sc.assumptions:
        st.warning(note)
    down = [s for s in result.services if s.down]
    c = st.columns(3)
    c[0].metric("Services down", f"{len(down)} of {len(result.services)}")
    c[1].metric("Beyond impact tolerance", len(result.breaches))
    total = result.service_users_affected
    c[2].metric(
        "People affected, at least",
        f"{result.people_affected_at_least:,}",
        help="The users of the largest service that is down: the same staff use many services, so services' users "
        f"are not added together. Added together they make {total:,} service-users (a person counted once per "
        "service).",
    )
    if total > result.people_affected_at_least:
        c[2].caption(f"{total:,} service-users: a person is counted once per service")
    ordered = worst_hit_first(result.services)
    cost = f"cost ({run.catalog.currency})"
    table = pd.DataFrame(
        {
            "service": [s.name for s in ordered],
            "outcome": [
                "BEYOND TOLERANCE" if s.breach else "down, within tolerance" if s.down else "up" for s in ordered
            ],
            "down for": [hours(s.downtime_hours) if s.down else "" for s in ordered],
            "tolerance + workaround": [hours(s.tolerance_hours) for s in ordered],
            cost: [money(s.cost if s.cost_known else None, run.catalog.currency) for s in ordered],
            "tier": [s.tier for s in ordered],
            "service users affected": [s.users_affected for s in ordered],
        }
    )
    fitted_table(
        table,
        {"service": 280, "outcome": 170, "down for": 90, "tolerance + workaround": 160, cost: 90},
        table,
        "tier and each service's users",
    )


replay_tab, whatif_tab, severe_tab = st.tabs(["Replay a recorded outage", "What if", "Severe but plausible"])

with replay_tab:
    relevant = run.records_hitting_catalog
    others = [r for r in run.records if r not in relevant]
    ordered = sorted(relevant, key=lambda r: r.start_dt, reverse=True) + sorted(
        others, key=lambda r: r.start_dt, reverse=True
    )
    by_id = {r.id: r for r in ordered}
    default = next((i for i, r in enumerate(ordered) if r.id == "microsoft-20250113"), 0)
    rid = st.selectbox(
        f"Outage record ({len(relevant)} hit this catalog, listed first)",
        list(by_id),
        index=default,
        format_func=lambda i: (
            f"{by_id[i].start_dt:%Y-%m-%d} {provider_product(by_id[i].provider, by_id[i].product)} "
            f"({'; '.join(by_id[i].capability)}){' — hits this catalog' if by_id[i] in relevant else ''}"
        ),
        key="replay_record",
    )
    record = by_id[rid]
    link = (record.source_url or "").replace("(", "%28").replace(")", "%29")  # a bracket would end the link
    st.caption(md_escape(record.summary or "") + (f" [source]({link})" if link else ""))
    as_recorded = run.replay(record.id, None)
    own = st.checkbox("Set the duration myself", value=False, key="replay_own")
    override = st.number_input(
        "Duration (hours)",
        0.1,
        720.0,
        min(720.0, max(0.1, round(as_recorded.scenario.duration_hours, 2))),  # what the replay uses
        key=f"replay_hours_{record.id}",
        disabled=not own,
    )
    show(run.replay(record.id, override) if own else as_recorded)

with whatif_tab:
    basic = [d for d in cur.catalog.dependencies if not d.is_logical]
    providers = sorted({d.provider for d in basic if d.provider})
    options = [f"provider:{p}" for p in providers] + [d.id for d in basic]
    names = {d.id: f"{d.name} ({d.id})" for d in basic} | {f"provider:{p}": f"Everything from {p}" for p in providers}
    preset = [x for x in ("entra-mfa",) if x in options] or options[:1]
    chosen = st.multiselect(
        "What goes down", options, default=preset, format_func=lambda x: names[x], key="whatif_down"
    )
    c1, c2, c3 = st.columns(3)
    text = c1.text_input(
        "For how long", "6h", key="whatif_for", help="e.g. 90m, 6h, 2d", max_chars=fields.ESTIMATE_CHARS
    )
    monday = date.today() + timedelta(days=(7 - date.today().weekday()) % 7 or 7)
    day = c2.date_input("Starting on", monday, key="whatif_day")
    zone = run.catalog.timezone
    at = c3.time_input(f"at ({zone} time)", time(9, 0), key="whatif_time")
    try:
        duration = parse_duration(text)
    except ValueError as exc:
        st.error(str(exc))
    else:
        if chosen and duration > 0:
            try:
                show(run.what_if(chosen, duration, datetime.combine(day, at, tzinfo=ZoneInfo(zone))))
            except InputError as exc:
                for p in exc.problems:
                    st.error(p.message)
        else:
            st.info("Choose at least one dependency and a duration above zero.")
    explain(
        "Everything chosen goes down together at the start and comes back after the duration. Services with "
        "an alternative path stay up; grace periods delay the outage; a workaround adds to the tolerance.",
        "The catalog's requirement structure evaluated over the outage window.",
        "scenarios",
    )

with severe_tab:
    results = state.severe(run)
    severe = pd.DataFrame(
        {
            "provider": [r.provider for r in results],
            "scenario": ["longest" if r.kind == "longest" else "90th percentile" for r in results],
            "down for": [hours(r.result.scenario.duration_hours) for r in results],
            "beyond tolerance": [names_list([s.name for s in r.result.breaches], 2) for r in results],
            "within tolerance": [f"{len(r.within_tolerance)} of {len(r.result.services)}" for r in results],
            "every service beyond tolerance": [", ".join(s.name for s in r.result.breaches) or "none" for r in results],
            "basis": [r.result.scenario.assumptions[0] if r.result.scenario.assumptions else "" for r in results],
        }
    )
    fitted_table(
        severe,
        {"provider": 140, "scenario": 120, "down for": 80, "beyond tolerance": 350, "within tolerance": 100},
        severe,
        "every service beyond tolerance, and the basis of each duration",
    )
    explain(
        "UK operational-resilience rules expect firms to test severe but plausible disruption. For each "
        "provider, all of its dependencies go down together for its longest and its 90th-percentile recorded "
        "outage; the table shows which services would stay within impact tolerance.",
        "Providers without a recorded outage of known length use their fitted duration model.",
        "scenarios",
    )
