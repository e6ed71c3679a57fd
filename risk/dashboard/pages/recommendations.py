"""Recommendations: what to do, ranked by measured risk reduction; pick several to see their combined effect."""

from datetime import date

import pandas as pd
import streamlit as st

from risk.advice.recommend import Effect
from risk.advice.recommend.rules import control_text
from risk.dashboard import fields, state
from risk.dashboard.widgets import FITS_IN_EXPANDER, download_table, explain, fitted_table, header, md_escape, sidebar
from risk.presentation import figures
from risk.presentation.format import chance, count_change, effect_text, hours, saving_money
from risk.store import STATUSES, Tracking, achieved_cut

cur = sidebar()
run = state.run(cur)
a = state.assessment(run)
report = state.recommendations(run)
header("Recommendations", "What would cut our risk most, and by how much?")

measured = [r for r in report.recommendations if r.effect is not None]
c = st.columns(3)
c[0].metric(
    "Recommendations",
    len(report.recommendations),
    f"from {report.rules_evaluated} rules",
    delta_color="off",
    delta_arrow="off",
)
c[1].metric("Measured", len(measured), help="Applied to a copy of the catalog and assessed again.")
best = max(measured, key=lambda r: r.effect.risk_cut if r.effect else 0.0, default=None)
best_cut = best.effect.risk_cut if best and best.effect else 0.0
c[2].metric(
    "Most risk cut by one",
    f"{best_cut:.0%}" if best and best_cut > 0 else "none",
    best.id if best and best_cut > 0 else None,
    delta_color="off",
    delta_arrow="off",
    help="The share of the catalog's risk the best measured recommendation removes. The risk is the sum over "
    "services of impact (1-5) x the chance a year of an outage beyond tolerance: "
    f"{report.risk_index:.2f} now.",
)
explain(
    "Each recommendation comes from vendor or regulatory guidance (linked). Where it changes the structure "
    "or the outage durations, Lynchpin applies it to a copy of the catalog and assesses again with the same "
    "random draws, so the difference is its effect, not noise. The rest say why they cannot be measured.",
    "Ranked by the share of the risk they cut (the risk: impact x chance a year of an outage beyond tolerance, "
    "summed over services), then by downtime saved; unmeasured ones follow, cheapest first.",
    "recommendations",
)

service_names = {x.id: x.name for x in a.services}
decided = state.tracked()
saved = cur.key.is_saved
ws = state.workspace()
overdue = [r for r in report.recommendations if r.id in decided and decided[r.id].overdue()]
if overdue:
    st.error(
        f"{len(overdue)} overdue: " + "; ".join(f"{md_escape(r.title)} ({decided[r.id].describe()})" for r in overdue)
    )
dependency_names = {d.id: d.name for d in a.dependencies}


def _services(ids: list[str]) -> str:
    names = [service_names.get(i, i) for i in ids]
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


table = pd.DataFrame(
    {
        "#": range(1, len(report.recommendations) + 1),
        "recommendation": [r.title for r in report.recommendations],
        "risk cut": [f"{r.effect.risk_cut:.0%}" if r.effect else "not measured" for r in report.recommendations],
        f"saved a year ({run.catalog.currency})": [
            saving_money(r.effect) if r.effect else "not measured" for r in report.recommendations
        ],
        "downtime saved a year": [
            hours(r.effect.downtime_hours_saved) if r.effect else "not measured" for r in report.recommendations
        ],
        "effort": [r.effort for r in report.recommendations],
        "status": [decided[r.id].describe() if r.id in decided else "open" for r in report.recommendations],
        "services": [f"{len(r.services)}: {_services(r.services)}" for r in report.recommendations],
        "id": [r.id for r in report.recommendations],
        "source": [r.source_url for r in report.recommendations],
    }
)
# What a decision needs fits at 1280 px without a horizontal scroll; the rest is in an expander below it.
saved_column = f"saved a year ({run.catalog.currency})"
fitted_table(
    table,
    {"#": 40, "recommendation": 340, "risk cut": 90, saved_column: 165, "effort": 65, "status": 95},
    table,
    "downtime saved, the services it helps, its id and guidance",
    column_config={
        "#": st.column_config.NumberColumn(width=40),
        saved_column: st.column_config.Column(
            f"saved/yr ({run.catalog.currency})",
            help="Expected cost of downtime saved a year, with its 90% range over what we do not know about "
            "outage rates and durations.",
        ),
        "source": st.column_config.LinkColumn(display_text="guidance"),
    },
)

download_table(table.drop(columns=["#"]), "recommendations", "dl_recs")


def track(r) -> None:
    """The team's decision on this recommendation: shown to everyone, changed by editors."""
    now = decided.get(r.id)
    if now is not None:
        line = f"**Status:** {md_escape(now.describe())}, recorded by {md_escape(now.updated_by or '?')}"
        if now.reason:
            line += f"; why: {md_escape(now.reason)}"
        achieved = achieved_cut(now, report.risk_index)
        if achieved is not None and now.expected_cut is not None:
            line += f". Expected to cut the risk by {now.expected_cut:.0%}; since it was done: {achieved:.0%}"
        st.markdown(line + ".")
    if not saved:
        st.caption("Save this catalog (Catalog page) to track what the team decides about each recommendation.")
        return
    if not ws.may("editor"):
        return
    with st.form(f"track_{r.id}"):
        c1, c2, c3 = st.columns(3)
        status = c1.selectbox("Status", STATUSES, index=STATUSES.index(now.status) if now else 0)
        owner = c2.text_input(
            "Owner (if planned)", value=(now.owner or "") if now else "", max_chars=fields.TRACKING_CHARS
        )
        due = c3.date_input("Due (if planned)", value=date.fromisoformat(now.due) if now and now.due else None)
        c4, c5 = st.columns([2, 1])
        reason = c4.text_input(
            "Why (if the risk is accepted)", value=(now.reason or "") if now else "", max_chars=fields.TRACKING_CHARS
        )
        until = c5.date_input("Until (if accepted)", value=date.fromisoformat(now.until) if now and now.until else None)
        if st.form_submit_button("Record"):
            try:
                ws.track(
                    cur.key.name,
                    Tracking(
                        r.id,
                        status,
                        owner=owner.strip() or None,
                        due=due.isoformat() if due else None,
                        reason=reason.strip() or None,
                        until=until.isoformat() if until else None,
                        expected_cut=r.effect.risk_cut if r.effect and status == "done" else None,
                        risk_before=report.risk_index if status == "done" else None,
                    ),
                )
            except ValueError as exc:
                st.error(str(exc))
            else:
                st.rerun()


st.subheader("Details")
for n, r in enumerate(report.recommendations, start=1):
    label = f"{n}. {r.title} ({r.id})"
    if r.effect:
        label += f" — {effect_text(r.effect)}"
    with st.expander(label, expanded=n == 1):
        track(r)
        st.markdown(
            f"{md_escape(r.rationale)}\n\n**What to do.** {md_escape(r.action)}  \n**Effort:** {r.effort}. "
            f"**Why here:** {md_escape(r.trigger)}.  \n**Source:** [{md_escape(r.source_url)}]({r.source_url})"
            + (f"  \n**Controls it serves:** {md_escape(control_text(r.controls))}" if r.controls else "")
        )
        if r.effect is None:
            st.info(f"Not quantified: {md_escape(r.unquantified_reason)}.")
            continue
        st.caption(f"Measured by: {md_escape(r.change)}")
        if not r.effect.services:
            st.caption("No service's figures change.")
            continue
        effect = r.effect

        def frame(effect: Effect = effect) -> pd.DataFrame:
            return pd.DataFrame(
                {
                    "service": [s.name for s in effect.services],
                    "beyond tolerance, before": [
                        chance(s.breach_probability_before, s.breach_probability_interval_before)
                        for s in effect.services
                    ],
                    "after": [
                        chance(s.breach_probability_after, s.breach_probability_interval_after) for s in effect.services
                    ],
                    "downtime a year": [
                        f"{hours(s.downtime_hours_before)} → {hours(s.downtime_hours_after)}" for s in effect.services
                    ],
                    "rating": [f"{s.rating_before} → {s.rating_after}" for s in effect.services],
                }
            )

        fitted_table(
            state.table(
                run,
                ("effect", r.id),
                frame,
            ),
            {"service": 200, "beyond tolerance, before": 160, "after": 130, "downtime a year": 135, "rating": 140},
            room=FITS_IN_EXPANDER,  # an expander cannot hold another: the single points removed follow as text
        )
        removed = [
            f"{md_escape(', '.join(dependency_names.get(d, d) for d in s.single_points_of_failure_removed))} "
            f"for {md_escape(s.name)}"
            for s in r.effect.services
            if s.single_points_of_failure_removed
        ]
        st.caption("Single points of failure removed: " + ("; ".join(removed) if removed else "none") + ".")

st.subheader("Combined effect")
options = [r.id for r in measured]
titles = {r.id: r.title for r in report.recommendations}
picked = st.multiselect(
    "Pick recommendations to apply together",
    options,
    default=options[:3],
    format_func=lambda i: f"{i}: {titles[i]}",
    key="combine",
)
if picked:
    effect, after = state.combined(run, picked)
    m = st.columns(3)
    m[0].metric(
        "Risk cut together",
        f"{effect.risk_cut:.0%}",
        help=f"The risk (impact x chance of an outage beyond tolerance, summed) goes from "
        f"{effect.risk_index_before:.2f} to {effect.risk_index_after:.2f}.",
    )
    # The figure in the metric, its range beneath: '£453k (£150k–£1.1m)' does not fit a third of 1280 px.
    saved_text, _, saved_range = saving_money(effect).partition(" (")
    m[1].metric(
        "Saved a year",
        saved_text,
        help=f"Expected cost of downtime saved a year, with its 90% range over what we do not know about outage "
        f"rates and durations; {hours(effect.downtime_hours_saved)} of service downtime less a year.",
    )
    if saved_range:
        m[1].caption(f"90% range {saved_range.rstrip(')')}")
    m[2].metric(
        "Extreme or high risks",
        after.headlines.extreme_or_high,
        count_change(after.headlines.extreme_or_high - a.headlines.extreme_or_high),
        delta_color="inverse",
    )
    b1, b2 = st.columns(2)
    with b1:
        st.plotly_chart(
            run.remember(("risk matrix", "Now"), lambda: figures.risk_matrix(a, title="Now", compact=True)), key="m0"
        )
    with b2:
        st.plotly_chart(figures.risk_matrix(after, title="With the picked recommendations", compact=True), key="m1")
    st.dataframe(
        pd.DataFrame(
            {
                "service": [s.name for s in effect.services],
                "beyond tolerance, a year": [
                    f"{chance(s.breach_probability_before, s.breach_probability_interval_before)} → "
                    f"{chance(s.breach_probability_after, s.breach_probability_interval_after)}"
                    for s in effect.services
                ],
                "rating": [
                    f"{s.rating_before} ({s.score_before}) → {s.rating_after} ({s.score_after})"
                    for s in effect.services
                ],
            }
        ),
        hide_index=True,
    )
