"""The Overview's first look while a large catalog is simulated (issue 27: a 300-service catalog's first
Overview within 2 s): the figures that come from the exact part (the catalog's structure, its decision
diagrams and cut sets: a few hundredths of a second) are on the page at once, said to be exact, while the
simulation runs as a job; the page fills in when the job has finished. Every figure shown here is the one
the settled page shows under the same label (the same cut sets and provider concentration: the exact part
is the same code in both), so nothing changes but what is added."""

from __future__ import annotations

import streamlit as st

from risk.dashboard import state
from risk.dashboard.widgets import header
from risk.engine.assessment import ExactAssessment
from risk.engine.bdd import TooMuchForServer, in_server
from risk.presentation.text import shortened
from risk.run import Run

__all__ = [
    "short_name",
    "headline_metrics",
    "while_simulating",
    "PENDING_NOTE",
    "EXACT_IN_SERVER_UP_TO",
    "POLL_SECONDS",
]

#: What the page says while the simulation runs (tests and the bench look for it).
PENDING_NOTE = "Exact figures from the catalog's structure; the simulated ones are being worked out"

#: The most services whose exact part the server works out itself for the first look (about 0.04 s of CPU
#: at 300 services, 0.3 s at 1,000, 5 s at 5,000): above it the exact part is left to the job too, and
#: the page shows the job's progress alone, so one large catalog never holds up the server's other pages.
EXACT_IN_SERVER_UP_TO = 1000

#: How often the page checks on its job (seconds): it fills in at most this long after the job has finished.
#: Each check is a fragment run (the job's state and its progress from the scheduler: a few milliseconds);
#: at one a second the settled page came half a second late on average, a quarter of the 2 s goal.
POLL_SECONDS = 0.25


def short_name(name: str, limit: int = 22) -> str:
    """A headline value that fits its column; the full name is in the help."""
    return shortened(name, limit)


def headline_metrics(x: ExactAssessment) -> dict[str, str]:
    """The Overview's headline figures the exact part gives, by their label on the settled page, with the
    same values: services, tier-1 services with a single point of failure, and the most exposure."""
    tier1 = [s for s in x.services if s.tier == 1]
    top = x.providers[0] if x.providers else None
    return {
        "Services": str(len(x.services)),
        "Tier-1 services with a SPOF": f"{sum(bool(s.single_points_of_failure) for s in tier1)} of {len(tier1)}",
        "Most exposure": short_name(top.name) if top else "none",
    }


def while_simulating(cur: state.Current, run: Run) -> None:
    """The Overview while its assessment is a job: the exact headline first (on a fresh server, while the
    job cluster finishes starting), then the job started or found under way, and its progress, polled each
    second; the whole page runs again (and is drawn in full) once the job has finished."""
    header("Overview", f"{cur.catalog.organisation}: where are we exposed, and how badly?")
    years = run.settings.simulated_years
    if len(cur.catalog.services) > EXACT_IN_SERVER_UP_TO:
        st.info(
            f"The assessment of {len(cur.catalog.services):,} services ({years:,} simulated years) is being "
            "worked out on the job cluster; this page fills in when it is ready."
        )
        _follow(run)
        return
    try:
        with in_server():  # the web process does only small, bounded exact work (risk.engine.bdd.in_server)
            x = state._or_stop(run.exact)
    except TooMuchForServer:
        st.info(
            f"The assessment of this catalog ({years:,} simulated years) is being worked out on the job cluster: "
            "its decision diagrams are too large to work out here. This page fills in when it is ready."
        )
        _follow(run)
        return
    st.info(
        f"{PENDING_NOTE} ({years:,} simulated years: the ratings, downtime, costs and their ranges). This page "
        "fills in when they are ready; the figures below do not change."
    )
    figures = headline_metrics(x)
    top = x.providers[0] if x.providers else None
    c = st.columns(3)
    c[0].metric("Services", figures["Services"], help="Services in the catalog.")
    c[1].metric(
        "Tier-1 services with a SPOF",
        figures["Tier-1 services with a SPOF"],
        help="Tier-1 services with a single point of failure (SPOF): one dependency whose failure alone takes "
        "them down.",
    )
    c[2].metric(
        "Most exposure",
        figures["Most exposure"],
        f"{top.services_exposed} services" if top else None,
        delta_color="off",
        delta_arrow="off",
        help="The provider whose failure alone could take down the most services" + (f": {top.name}." if top else "."),
    )
    _follow(run)


def _follow(run: Run) -> None:
    """Start the job (or find it under way) once what the page has is on the screen, then follow it."""
    job = state.pending(run)
    if job is None:  # done already (or kept meanwhile): the whole page
        st.rerun()
    _progress(job)


@st.fragment(run_every=POLL_SECONDS)
def _progress(job) -> None:
    """The job's progress, checked every POLL_SECONDS; the whole page runs again once the job is done."""
    if job.done():
        st.rerun()  # the whole page, which now finds the assessment
    seen = job.progress()
    if seen:
        stage, done, of = seen
        share = min(done / of, 1.0) if of else 0.0
        text = f"{state.STAGES.get(stage, stage)}: {done} of {of}"
    else:
        share, text = 0.0, "waiting for a worker"
    st.progress(share, text=f"Assessing the catalog... {text}")
