"""Settings: outage sources, analysis depth, and the rating thresholds."""

import streamlit as st

from risk.catalog.sandbox import run_bounded
from risk.dashboard import fields, state
from risk.dashboard.hints import field_hint
from risk.dashboard.widgets import header, md_escape, sidebar
from risk.dashboard.workspace import open_store
from risk.history.load import OutageReport, read_outages
from risk.interchange.importers import incident_importers
from risk.problems import InputError
from risk.run import resolve_settings
from risk.store import PermissionDenied

cur = sidebar()
ws = state.workspace()
header("Settings", "Which outage data to use, how deep to analyse, and where the rating bands sit.")
editor = ws.may("editor")
if not editor:
    st.info("Changing the settings needs the editor role in this workspace; you can see them.")

st.subheader("Outage sources")
shown_use = bool(ws.pref("use_shipped_history", True))


def set_shipped(seen: bool, widget: str) -> None:
    """Write the person's own toggle, and only if the setting still holds what their page showed: a stale
    page in another session never reverts a teammate's newer choice."""
    if not ws.may("editor"):
        return
    if not ws.set_pref_if("use_shipped_history", bool(st.session_state[widget]), seen, default=True):
        st.session_state["log_notes"] = [
            "Not changed: someone else changed 'use the shipped history' after this page showed it; the page now "
            "shows their choice."
        ]


# A change made elsewhere since this session last looked is shown (the widget is set to the stored value).
use_key = "use_history"
if st.session_state.get("use_history_seen") != shown_use:
    st.session_state[use_key] = shown_use
st.session_state["use_history_seen"] = shown_use
st.checkbox(
    f"Use the shipped outage history ({len(state.shipped_history().records)} public records)",
    key=use_key,
    disabled=not editor,
    on_change=set_shipped,
    args=(shown_use, use_key),
)
logs = ws.incident_logs()
for note in st.session_state.pop("log_notes", []):
    st.info(note)
for name, data in logs:
    c1, c2 = st.columns([4, 1])
    c1.markdown(f"Your incident log **{md_escape(name)}** ({len(data):,} bytes)")
    if c2.button("Remove", key=f"rm_{name}", disabled=not editor):
        ws.delete_incident_log(name)
        st.rerun()
FORMS = {  # the outage-record files themselves, then every incident importer (risk.interchange.importers)
    "outage records (CSV, JSON or YAML, the shipped history's fields)": None,
    **{importer.label: name for name, importer in incident_importers().items()},
}
form = st.selectbox("Incident log format", list(FORMS), key="log_form", disabled=not editor)
log = st.file_uploader(
    "Add your own incident log",
    type=["csv", "json", "yaml", "yml"],
    key="log_upload",
    disabled=not editor,
)
# An upload is recognised by its file id: once added, the file still in the uploader is not added again on
# every rerun, but the same file name uploaded again (a newer export) is added, saying what it replaced.
if log is not None and editor and st.session_state.get("log_added") != log.file_id:
    data, name, notes, usable = log.getvalue(), log.name, [], True
    if FORMS[form] is not None:  # an export: turned into outage records first (risk.interchange.incidents)
        from risk.history.aliases import load_aliases, merge_aliases
        from risk.interchange.incidents import import_incidents, records_csv

        table = merge_aliases(load_aliases(), state.user_aliases())[0]
        try:
            # Off the web process, within the upload budget; the workspace's own aliases place its products.
            imported = run_bounded(log.name, import_incidents, data, FORMS[form], log.name, aliases=table)
        except InputError as exc:
            usable = False
            for p in exc.problems:
                st.error(f"{md_escape(log.name)} was not added: {md_escape(p.message)}. Fix: {md_escape(p.hint or '')}")
        else:
            # Stored as '<file>.<format>.csv', so an export never takes the name of a teammate's own CSV log.
            data, name = records_csv(imported.records).encode(), f"{log.name.rsplit('.', 1)[0]}.{FORMS[form]}.csv"
            notes = [f"Read {imported.summary()}.", *(f"Left out {why}." for why in imported.skipped)]
            notes += [f"{note}." for note in imported.notes]
            if imported.unknown_locations:
                notes.append("Locations that are not Lynchpin regions: " + ", ".join(imported.unknown_locations) + ".")
            if imported.unknown_products:
                from risk.history.aliases import suggest_aliases

                notes.append(
                    "Products the alias table does not know: " + ", ".join(imported.unknown_products) + ". "
                    "Add the aliases below under 'Your aliases' (or in your catalog) so they count."
                )
                st.session_state["alias_snippet"] = suggest_aliases(
                    imported.records, imported.unknown_products, table, state.shipped_history().records
                )
    if usable:
        try:  # off the web process, within an upload's budget
            report = run_bounded(name, read_outages, [(name, data)])
        except InputError as exc:
            report = OutageReport([name], [], exc.problems)
        if report.ok:
            replaced = ws.save_incident_log(name, data)
            st.session_state["log_added"] = log.file_id
            added = f"Added {len(report.records)} record(s) from {log.name}"
            if replaced is not None:
                added += (
                    f", replacing the log '{name}' that {replaced[0]} saved at {replaced[1]} ({replaced[2]:,} bytes)"
                )
            st.session_state["log_notes"] = [added + ".", *notes]
            st.rerun()
        st.error(f"{md_escape(log.name)} was not added: fix these problems and upload it again.")
        for p in report.problems:
            st.markdown(
                f"- **{md_escape(p.location)}**: {md_escape(p.message)}" + (f" — {md_escape(p.hint)}" if p.hint else "")
            )

if st.session_state.get("alias_snippet"):
    st.markdown("The aliases the last import needs (check each name on the left, then paste it below):")
    st.code(st.session_state["alias_snippet"], language="yaml")

st.subheader("Your aliases")
st.caption(
    "Teach Lynchpin your providers' names for their products, e.g. a status page component 'DUO1 "
    "Authentication' is Cisco's product Duo. YAML: `providers:` and `products:`, each name followed by the "
    "other names for it. They are added to the shipped alias table and the catalog's own `aliases:` block, "
    "and win where those say otherwise (each such name is shown). They are kept for this workspace."
)
saved_aliases = state.aliases_text()
for p in state.check_aliases(cur.catalog, saved_aliases):
    if p.severity == "error":
        st.warning(f"Your saved aliases are not in use: {md_escape(p.location)}: {md_escape(p.message)}")
with st.form("aliases_form"):
    alias_text = st.text_area(
        "Aliases (YAML)",
        value=saved_aliases,
        height=150,
        placeholder="products:\n  Duo: [DUO1 Authentication, DUO1 Admin Panel]\nproviders:\n  Cisco: [Duo status]",
        disabled=not editor,
        max_chars=state.ALIASES_MAX_BYTES,  # the browser's limit; check_aliases counts the bytes on the server
        key="aliases_text",
    )
    save_aliases = st.form_submit_button("Save aliases", disabled=not editor)
seen_aliases = st.session_state.get("aliases_seen", saved_aliases)
if save_aliases:
    found = state.check_aliases(cur.catalog, alias_text)
    errors = [p for p in found if p.severity == "error"]
    if errors:
        st.error("Not saved: fix these problems first.")
        for p in errors:
            st.markdown(
                f"- **{md_escape(p.location)}**: {md_escape(p.message)}" + (f" — {md_escape(p.hint)}" if p.hint else "")
            )
    elif ws.set_pref_if("aliases", alias_text, seen_aliases, default=""):
        st.session_state.pop("alias_snippet", None)
        st.success("Saved. Every page now matches records with these aliases.")
        for p in found:
            st.warning(f"{md_escape(p.location)}: {md_escape(p.message)}")
        saved_aliases = alias_text
    else:
        st.error(
            "Not saved: someone else changed the aliases after this page showed them. Open the page again to see "
            "theirs, then make your change."
        )
st.session_state["aliases_seen"] = saved_aliases

st.subheader("Analysis and rating")
current = resolve_settings(cur.catalog)
saved = state.settings_overrides()
try:
    shown = resolve_settings(cur.catalog, saved)
except InputError as exc:
    shown = current
    st.warning(
        "Your saved settings do not fit this catalog and are not in use: "
        + "; ".join(md_escape(p.message) for p in exc.problems)
    )
with st.form("settings"):
    c = st.columns(3)
    order = c[0].number_input("Largest cut set listed", 1, 6, shown.cut_set_order)
    years = c[1].number_input("Simulated years", 100, 500_000, shown.simulated_years, step=1000)
    seed = c[2].number_input("Random seed", 0, 2**31 - 1, shown.seed)
    st.markdown("Likelihood: annual probability of an outage beyond tolerance at which likelihood becomes 2, 3, 4, 5")
    lc = st.columns(4)
    like = [
        lc[i].number_input(
            f"likelihood {i + 2} from",
            0.0,
            1.0,
            float(shown.likelihood_thresholds[i]),
            step=0.01,
            format="%.3f",
            key=f"lt{i}",
        )
        for i in range(4)
    ]
    st.markdown("Impact: users and hourly cost at which impact becomes 2, 3, 4, 5; and the score of each tier")
    uc = st.columns(4)
    users = [
        uc[i].number_input(f"users for {i + 2}", 0.0, 1e9, float(shown.users_impact_thresholds[i]), key=f"ut{i}")
        for i in range(4)
    ]
    cc = st.columns(4)
    cost = [
        cc[i].number_input(f"cost/h for {i + 2}", 0.0, 1e12, float(shown.cost_impact_thresholds[i]), key=f"ct{i}")
        for i in range(4)
    ]
    tc = st.columns(4)
    tiers = {
        t: tc[t - 1].number_input(f"tier {t} impact", 1, 5, shown.tier_impact[t], key=f"ti{t}") for t in (1, 2, 3, 4)
    }
    save, reset = st.columns([1, 4])
    submitted = save.form_submit_button("Save settings", type="primary", disabled=not editor)
    restore = reset.form_submit_button("Restore defaults", disabled=not editor)
# What this person's page showed before this submit (the last run's), not what is stored now.
seen_settings = st.session_state.get("settings_seen", saved)
if submitted:
    overrides = {
        "cut_set_order": int(order),
        "simulated_years": int(years),
        "seed": int(seed),
        "likelihood_thresholds": like,
        "users_impact_thresholds": users,
        "cost_impact_thresholds": cost,
        "tier_impact": {t: int(v) for t, v in tiers.items()},
    }
    try:
        candidate = resolve_settings(cur.catalog, overrides)
        over = state.work_problems(cur, overrides)
    except InputError as exc:
        over = exc.problems
    if over:
        st.error("Not saved:")
        for p in over:
            extra = field_hint(p)
            st.markdown(
                f"- {md_escape(p.message)}"
                + (f" — {md_escape(p.hint)}" if p.hint else "")
                + (f" ({md_escape(extra)})" if extra else "")
            )
    else:
        # Keep only what differs from the catalog's own settings, so a catalog's settings block still counts.
        overrides = {k: v for k, v in overrides.items() if getattr(candidate, k) != getattr(current, k)}
        if ws.set_pref_if("settings_overrides", overrides, seen_settings, default={}):
            st.success("Saved. Every page now uses these settings.")
        else:
            st.error(
                "Not saved: someone else changed these settings after this page showed them. Open the page again "
                "to see theirs, then make your change."
            )
if restore:
    if ws.set_pref_if("settings_overrides", {}, seen_settings, default={}):
        st.rerun()
    st.error("Not restored: someone else changed these settings after this page showed them.")
st.session_state["settings_seen"] = saved  # what this page showed, for the next submit's check
st.caption(
    f"Workspace '{md_escape(ws.slug)}' (catalogs and their versions, incident logs, settings) is kept in "
    f"{md_escape(ws.where)}. Set LYNCHPIN_WORKSPACE (a file) or LYNCHPIN_DATABASE_URL (a team database) to keep "
    "it elsewhere. Nothing is sent anywhere else."
)

st.subheader("Workspace and members")
mine = state.workspace_choices()
if len(mine) > 1:
    picked = st.selectbox("Workspace", mine, index=mine.index(ws.slug) if ws.slug in mine else 0, key="ws_pick")
    if picked != ws.slug:
        st.session_state["workspace_slug"] = picked
        state.choose(state.DEFAULT_KEY)
        st.rerun()
st.markdown(
    f"You are **{md_escape(ws.person)}**, **{ws.role or 'not a member'}** in workspace **{md_escape(ws.slug)}**."
)
if ws.may("viewer"):
    st.dataframe(
        {"member": [m for m, _ in ws.members()], "role": [r for _, r in ws.members()]},
        hide_index=True,
    )
if ws.may("owner"):
    with st.form("member_form"):
        c1, c2 = st.columns([3, 1])
        who = c1.text_input("E-mail address", key="member_email", max_chars=fields.PERSON_CHARS)
        role = c2.selectbox("Role", ["viewer", "editor", "owner", "remove"], key="member_role")
        if st.form_submit_button("Add or change member") and who.strip():
            try:
                ws.set_member(who.strip(), None if role == "remove" else role)
            except (PermissionDenied, ValueError) as exc:
                st.error(md_escape(str(exc)))
            else:
                st.success(f"{md_escape(who.strip().casefold())}: {role}.")
                st.rerun()
    with st.form("new_workspace"):
        slug = st.text_input(
            "New workspace for another team (you become its owner)",
            key="new_ws",
            placeholder="it-resilience",
            max_chars=fields.WORKSPACE_NAME_CHARS,
        )
        if st.form_submit_button("Create workspace") and slug.strip():
            try:
                open_store(ws.store.url).create_workspace(slug.strip(), ws.person)
            except ValueError as exc:
                st.error(md_escape(str(exc)))
            else:
                st.session_state["workspace_slug"] = slug.strip()
                state.choose(state.DEFAULT_KEY)
                st.rerun()
    with st.expander("Audit log: who changed what, and when"):
        entries = ws.audit_log()
        st.dataframe(
            {
                "when": [e[0] for e in entries],
                "who": [e[1] for e in entries],
                "what": [e[2] for e in entries],
                "detail": [e[3] for e in entries],
            },
            hide_index=True,
        )
