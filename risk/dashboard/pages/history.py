"""Outage history: what has actually failed, how often and for how long, with every source."""

import pandas as pd
import streamlit as st

from risk.dashboard import state
from risk.dashboard.widgets import download_table, explain, fitted_table, header, md_escape, sidebar
from risk.data import HISTORY
from risk.engine.statistics import history_span
from risk.presentation import figures
from risk.presentation.format import hours_or_unknown

sidebar()
header("Outage history", "How often do our providers fail, and for how long?")
hist = state.history()
for p in hist.problems:
    st.warning(f"{md_escape(p.location)}: {md_escape(p.message)}")  # a teammate's log: anyone's text
shipped = {HISTORY.stem}
logs = {name for name, _ in state.workspace().incident_logs()}
if not hist.records:
    st.info("No outage records in use. Turn on the shipped history or add an incident log on the Settings page.")
    st.stop()

# The records in use: a record of your logs that repeats a shipped incident is counted once (see the notes).
in_use = state.run()
for merge in in_use.merges:
    st.info(merge.problem().message[0].upper() + merge.problem().message[1:] + ".")
records = sorted(in_use.records, key=lambda r: r.start_dt)
providers = sorted({r.provider for r in records})
capabilities = sorted({c for r in records for c in r.capability})
f1, f2 = st.columns(2)
pick_p = f1.multiselect("Provider", providers, placeholder="all providers")
pick_c = f2.multiselect("Capability", capabilities, placeholder="all capabilities")
shown = [
    r
    for r in records
    if (not pick_p or r.provider in pick_p)
    and (not pick_c or set(r.capability) & set(pick_c) or ("all" in r.capability and pick_c))
]
rows = [
    {
        "id": r.id,
        "start": r.start_dt,
        "provider": r.provider,
        "product": "; ".join(r.product),
        "capability": "; ".join(r.capability),
        "hours": r.duration_hours,
        "hours_text": hours_or_unknown(r.duration_hours),
        "severity": r.severity,
        "summary": r.summary or "",
        "source_url": r.source_url or "",
        "confidence": r.confidence,
        "cause": r.cause or "",
    }
    for r in shown
]
st.plotly_chart(figures.outage_timeline(rows), key="timeline")
explain(
    "Each dot is one recorded outage; its size grows with the duration. Public history is incomplete: it "
    "over-represents providers that publish detailed reviews, so compare providers with care.",
    "Records come from catalogs/outages/history.csv (with sources) and your own incident logs.",
    "limitations",
)

st.subheader("Frequency and duration by provider")
df = pd.DataFrame(rows)
span = history_span(records)[0]  # the same span the assessment's rates use
stats = (
    df.groupby("provider")
    .agg(
        records=("id", "count"),
        known_durations=("hours", "count"),
        median_hours=("hours", "median"),
        longest_hours=("hours", "max"),
        first=("start", "min"),
        last=("start", "max"),
    )
    .sort_values("records", ascending=False)
    .reset_index()
)
stats["records a year"] = (stats["records"] / span).round(2)
# Written out, so a provider without a known duration reads "unknown", never a blank or "None".
stats["median"] = [hours_or_unknown(h) for h in stats["median_hours"]]
stats["longest"] = [hours_or_unknown(h) for h in stats["longest_hours"]]
stats_config = {
    "records a year": st.column_config.NumberColumn(format="%.2f"),  # 8.00 beside 7.05, not 8 beside 7.05
    "known_durations": st.column_config.NumberColumn("with a duration"),
    "median_hours": st.column_config.NumberColumn("median hours", format="%.1f"),
    "longest_hours": st.column_config.NumberColumn("longest hours", format="%.1f"),
    "first": st.column_config.DatetimeColumn(format="YYYY-MM-DD"),
    "last": st.column_config.DatetimeColumn(format="YYYY-MM-DD"),
}
fitted_table(
    stats,
    {"provider": 200, "records": 90, "records a year": 120, "median": 120, "longest": 120, "last": 110},
    stats.drop(columns=["median_hours", "longest_hours"]),  # their text forms say "unknown", not "None"
    "the first record and how many give a duration",
    column_config=stats_config,
)
st.caption(
    f"Rates here are raw counts over {span:.1f} years; the assessment's rates use severity weights and a "
    "prior (see the methodology)."
)

st.subheader("Records")
viewer = getattr(st.context, "timezone", None) or in_use.catalog.timezone
table = df.rename(columns={"source_url": "source", "hours_text": "duration"})
fitted_table(
    table,
    {"start": 150, "provider": 120, "product": 200, "duration": 70, "severity": 90, "source": 110},
    table.drop(columns=["hours"]),  # the number is in the downloads; on screen "unknown", not "None"
    "id, capability, summary, confidence and cause",
    column_config={
        "source": st.column_config.LinkColumn("source", display_text="open source"),
        # On the reader's clock (their browser's zone), as every other time the dashboard shows.
        "start": st.column_config.DatetimeColumn(
            format="YYYY-MM-DD HH:mm", timezone=viewer, help=f"In your time zone ({viewer})."
        ),
        "hours": st.column_config.NumberColumn(format="%.1f"),
    },
)
download_table(table, "outage records", "dl_history")
st.caption(
    f"{len(shown)} of {len(records)} records. Confidence: high = the provider's own review; medium = "
    "reputable news; low = weak sources. Your incident logs: " + (", ".join(sorted(logs)) or "none") + "."
)
