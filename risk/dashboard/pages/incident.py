"""Incident now: an outage is under way. What is down, how long it will likely last, and each service's
clock to its tolerance, updating as time passes; a one-page brief for the bridge call."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from risk.advice.incident import dependencies_hit, incident
from risk.dashboard import state
from risk.dashboard.live import touching
from risk.dashboard.widgets import explain, fitted_table, header, md_escape, sidebar
from risk.interchange.notice import read_notice
from risk.presentation.format import hours, money, pct
from risk.presentation.incident import clock_text, incident_brief_html, state_text
from risk.problems import InputError
from risk.report.incident_pdf import incident_brief_pdf

cur = sidebar()
run = state.run(cur)
header("Incident now", "It is happening now: how long will it last, and how long does each service have?")

zone = ZoneInfo(run.catalog.timezone)
basic = [d for d in cur.catalog.dependencies if not d.is_logical]
providers = sorted({d.provider for d in basic if d.provider})
options = [f"provider:{p}" for p in providers] + [d.id for d in basic]
names = {d.id: f"{d.name} ({d.id})" for d in basic} | {f"provider:{p}": f"Everything from {p}" for p in providers}
today = datetime.now(zone)

tz = run.catalog.timezone
top = st.columns([1.1, 2.9])
live = touching(run.catalog)  # open incidents in the operator's status feeds that hit this catalog
ways = (["A live provider notice"] if live else []) + ["Choose it", "Upload a provider notice"]
how = top[0].radio("What is down", ways, key="incident_how")
down: list[str] = []
start: datetime | None = None
title, notes = "", []
if how == "Choose it":
    default = [x for x in ("entra-mfa",) if x in options] or options[:1]
    down = top[1].multiselect(
        "Dependencies down", options, default=default, format_func=lambda x: names[x], key="incident_down"
    )
    c = st.columns([1, 1, 0.8, 1, 1])
    day = c[0].date_input("Start date", today.date(), key="incident_day", help=f"In {tz} time.")
    at = c[1].time_input(
        "Start time", help=f"In {tz} time.", value=time(max(today.hour - 1, 0), 0), key="incident_time", step=300
    )
    start = datetime.combine(day, at, tzinfo=zone)
elif how == "A live provider notice":
    notice, down = top[1].selectbox(
        "Open incidents in the provider feeds that hit this catalog",
        live,
        format_func=lambda x: f"{x[0].record.provider}: {x[0].title} (since {x[0].start:%d %b %H:%M} UTC)",
        key="incident_live",
    )
    start, title, notes = notice.start, notice.title, notice.notes
    st.markdown(
        f"**{md_escape(notice.title)}** ({md_escape(notice.record.provider)}, "
        f"{md_escape('; '.join(notice.record.product))}; {md_escape('; '.join(notice.record.capability))}) "
        f"since {start.astimezone(zone):%Y-%m-%d %H:%M} {tz}: {md_escape(', '.join(down))} down"
        + (f"; source: {md_escape(notice.record.source_url)}" if notice.record.source_url else "")
    )
    c = st.columns([1, 1, 0.8, 1, 1])
else:
    upload = top[1].file_uploader(
        "A provider notice: a Microsoft 365 service-health issue (Graph JSON), a Statuspage incidents.json, or a "
        "Google Cloud incident",
        type=["json"],
        key="incident_notice",
    )
    c = st.columns([1, 1, 0.8, 1, 1])
    if upload is not None:
        try:
            notice = read_notice(upload.getvalue(), upload.name)
        except InputError as exc:
            for p in exc.problems:
                st.error(f"{md_escape(p.location)}: {md_escape(p.message)}. Fix: {md_escape(p.hint)}")
        else:
            down = dependencies_hit(run.catalog, notice.record, run.aliases)
            start, title, notes = notice.start, notice.title, notice.notes
            st.markdown(
                f"**{md_escape(notice.title)}** ({md_escape(notice.record.provider)}, "
                f"{md_escape('; '.join(notice.record.product))}; {md_escape('; '.join(notice.record.capability))}) "
                f"since {start.astimezone(zone):%Y-%m-%d %H:%M} {tz}: {md_escape(', '.join(down) or 'nothing')} down"
            )
            if not down:
                st.warning("The notice hits no dependency of this catalog: choose what is down instead.")

fixed = c[2].toggle(
    "Set time",
    value=False,
    key="incident_fixed",
    help="For a review or a rehearsal: look from a set time, not now.",
)
if fixed:
    now_day: date = c[3].date_input("Seen date", today.date(), key="incident_now_day", help=f"In {tz} time.")
    now_at: time = c[4].time_input(
        "Seen time", help=f"In {tz} time.", value=time(today.hour, 0), key="incident_now_time"
    )


def _local(iso: str | None) -> str:
    if not iso:
        return ""
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(zone).strftime("%a %d %b %H:%M")


recorded = {r.id: r for r in run.records}


def _range(s) -> str:
    """The 90% range of a service's chance of outlasting its tolerance: '8%–52%', or one figure when both ends
    round the same ('100%', not '100%–100%'); blank when it cannot breach."""
    if s.hours_left is None:
        return ""
    low, high = (pct(x, 0) for x in s.probability_beyond_tolerance_interval)
    return low if low == high else f"{low}–{high}"


def _seen(similar) -> str:
    """A past outage's start on the page's one clock, the catalog's zone, as every other time here (shown as the
    record holds it, it was UTC without saying so, beside clocks in the catalog's zone); a date stays a date."""
    record = recorded.get(similar.id)
    if record is None or not record.has_exact_times:
        return similar.start[:10]
    when = record.start_dt if record.start_dt.tzinfo else record.start_dt.replace(tzinfo=UTC)
    return when.astimezone(zone).strftime("%Y-%m-%d %H:%M")


@st.fragment(run_every=timedelta(seconds=60) if not fixed else None)
def clocks() -> None:
    """The clocks, recomputed every minute while the time is 'now' (no manual refresh)."""
    now = datetime.combine(now_day, now_at, tzinfo=zone) if fixed else datetime.now(UTC)
    if not down or start is None:
        st.info("Choose what is down and when it started, or upload a provider notice.")
        return
    try:
        result = incident(
            run.catalog,
            run.records,
            run.settings,
            down,
            start,
            now,
            run.aliases,
            run.statistics,
            run.structure,
            title=title,
            # Recommendations only when already worked out (the page never waits for an assessment).
            recommendations=run.recommendations.recommendations if run.has("recommendations") else (),
            statuses={k: v.describe() for k, v in state.tracked().items()},
        )
    except InputError as exc:
        for p in exc.problems:
            st.error(f"{md_escape(p.message)}. Fix: {md_escape(p.hint)}")
        return
    result.assumptions.extend(notes)
    services = result.services
    c = st.columns(4)  # four equal columns: "23 of 300" services down was cut in a narrower one
    c[0].metric("Under way for", hours(result.elapsed_hours), help=f"since {_local(result.start)}")
    c[1].metric(
        "Likely back within",
        hours(result.remaining.median_hours),
        help="The median remaining length given how long it has lasted; the range is the 5th to 95th percentile.",
    )
    c[1].caption(
        f"range {hours(result.remaining.interval_hours[0])} to {hours(result.remaining.interval_hours[1])}; "
        f"{hours(result.remaining.expected_hours)} expected"
    )
    c[2].metric(
        "Services down", f"{sum(s.down for s in services)} of {len(services)}", help="Now, after grace periods."
    )
    c[2].caption(f"{sum(s.breached for s in services)} beyond tolerance")
    c[3].metric(
        "People affected",
        f"{result.people_affected_at_least:,}",
        help="At least the users of the largest service that is down (the same staff use many services).",
    )
    c[3].caption("at least: the largest service down")
    affected = [s for s in services if s.down or s.goes_down_after_hours is not None]
    clocks_frame = pd.DataFrame(
        {
            "service": [s.name for s in affected],
            "state": [state_text(s) for s in affected],
            "clock": [clock_text(s) for s in affected],
            "chance it outlasts the tolerance": [100 * s.probability_beyond_tolerance for s in affected],
            "range (90%)": [_range(s) for s in affected],
            "beyond tolerance at": [_local(s.breach_at) for s in affected],
            "tier": [s.tier for s in affected],
            "users": [s.users_affected for s in affected],
            "cost so far": [money(s.cost_so_far if s.cost_known else None, result.currency) for s in affected],
            "expected cost": [money(s.cost_expected if s.cost_known else None, result.currency) for s in affected],
        }
    )
    # The clocks fit at 1280 px without a horizontal scroll; tier, users and costs are in an expander below.
    fitted_table(
        clocks_frame,
        {
            "service": 190,
            "state": 150,
            "clock": 110,
            "chance it outlasts the tolerance": 115,
            "range (90%)": 90,
            "beyond tolerance at": 125,
        },
        clocks_frame,
        "tier, users, cost so far and expected cost",
        column_config={
            "chance it outlasts the tolerance": st.column_config.ProgressColumn(
                "outlasts tolerance",
                help="The chance the outage outlasts the service's tolerance, given how long it has lasted.",
                min_value=0.0,
                max_value=100.0,
                format="%.0f%%",
            ),
            "beyond tolerance at": st.column_config.Column(help=f"In {tz} time."),
        },
    )
    others = len(services) - len(affected)
    if others:
        st.caption(f"{others} other service(s) do not depend on what is down.")
    st.subheader("What to do now")
    todo = [s for s in affected if s.actions]
    for s in todo:
        st.markdown(
            f"**{md_escape(s.name)}** ({clock_text(s)})  \n" + "  \n".join(f"- {md_escape(a)}" for a in s.actions)
        )
    if not todo:
        st.caption("Nothing is due.")
    reviewed = [s for s in affected if s.review]
    if reviewed:
        with st.expander("For the review afterwards: recommendations that would have helped"):
            for s in reviewed:
                st.markdown(f"**{md_escape(s.name)}**  \n" + "  \n".join(f"- {md_escape(r)}" for r in s.review))
    if result.similar:
        st.subheader("Most similar past outages")
        similar = pd.DataFrame(
            {
                "start": [_seen(r) for r in result.similar],
                "product": ["; ".join(r.product) for r in result.similar],
                "length": [hours(r.duration_hours) if r.duration_hours else "unknown" for r in result.similar],
                "severity": [r.severity for r in result.similar],
                "summary": [r.summary or "" for r in result.similar],
                "source": [r.source_url or "" for r in result.similar],
            }
        )
        fitted_table(
            similar,
            {"start": 130, "product": 120, "length": 70, "severity": 75, "summary": 405},
            similar,
            "the source of each record",
            column_config={
                "start": st.column_config.Column(help=f"In {tz} time."),
                "source": st.column_config.LinkColumn("source"),
            },
        )
    with st.expander("Assumptions"):
        for a in result.assumptions:
            st.markdown(f"- {md_escape(a)}")
    produced = datetime.now(UTC)
    stamp = produced.strftime("%Y%m%d-%H%M")
    d1, d2 = st.columns(2)
    d1.download_button(
        "Incident brief (HTML, one page)",
        incident_brief_html(result, run.catalog.organisation, produced),
        file_name=f"incident-brief-{stamp}.html",
        mime="text/html",
        key="incident_brief_html",
    )
    d2.download_button(
        "Incident brief (PDF, one page)",
        incident_brief_pdf(result, run.catalog.organisation, produced),
        file_name=f"incident-brief-{stamp}.pdf",
        mime="application/pdf",
        key="incident_brief_pdf",
    )
    st.caption(
        f"Worked out at {produced.astimezone(zone):%H:%M:%S} {tz}; "
        + ("seen at the set time (turn off Set time to follow the clock)." if fixed else "updates every minute.")
    )


clocks()
explain(
    "Given that the outage has already lasted this long, how likely is it to outlast each service's tolerance? "
    "The chance is the duration model's, conditioned on the time so far: P(length > the service's limit | "
    "length > elapsed). Grace periods delay when a service goes down; a workaround adds to its tolerance.",
    "The down dependencies' lognormal duration models, one common cause, averaged over their uncertain fits.",
    "incident-mode",
)
