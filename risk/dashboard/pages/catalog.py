"""Catalog: upload, validate, edit, download, and switch between catalogs. Nothing valid is ever lost:
an invalid upload or edit never replaces the catalog in use, and unsaved edits are kept as a draft."""

import hashlib
import re

import pandas as pd
import streamlit as st
import yaml

from risk.catalog.expressions import format_requirement
from risk.catalog.load import read_catalog
from risk.catalog.sandbox import read_catalog_bounded, run_bounded
from risk.catalog.sources.tabular import SHEETS, Sheet, rows_to_document
from risk.catalog.validate import path_text, validate_document
from risk.catalog.vocabulary import CAPABILITIES
from risk.catalog.writers import (
    catalog_to_rows,
    catalog_to_yaml,
    template_csv_zip_bytes,
    template_xlsx_bytes,
    xlsx_bytes,
)
from risk.compare import catalog_diff
from risk.dashboard import fields, state
from risk.dashboard.widgets import header, md_escape, sidebar
from risk.data import example_paths
from risk.durations import format_duration
from risk.history.match import unrecognised_products
from risk.interchange.cyclonedx import to_cyclonedx
from risk.interchange.importers import CatalogImporter, catalog_importers, catalog_yaml
from risk.presentation.format import catalog_size
from risk.problems import InputError, Location, Problem

cur = sidebar()
ws = state.workspace()
header("Catalog", "Load, check, edit and download the catalog of services and dependencies.")


def slug(text: str) -> str:
    """A safe file name from user text."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-._")[:80] or "catalog"


def import_section(importer: CatalogImporter) -> None:
    """An import from another tool's export, as its registry record says (risk.interchange.importers): an
    uploader per file it reads, a mapping file and its template when it takes one; run within an upload's
    budget, saved as a catalog of the workspace and switched to."""
    with st.expander(f"Import from {importer.tool}"):
        st.caption(md_escape(importer.help or f"{importer.label}: {importer.reads}."))
        uploads = [
            st.file_uploader(f.help, type=list(f.types), key=f"import_{importer.name}_{f.name}") for f in importer.files
        ]
        mapping = None
        template = importer.template()
        if template is not None:
            mapping = st.file_uploader(
                "Mapping (YAML, optional)", type=["yaml", "yml"], key=f"import_{importer.name}_map"
            )
            st.download_button(
                "Mapping template",
                template,
                file_name=f"{importer.name}-mapping.yaml",
                key=f"import_{importer.name}_tpl",
            )
        if not all(uploads) or not st.button("Import", key=f"import_{importer.name}", type="primary"):
            return
        files = [(u.name, u.getvalue()) for u in uploads if u is not None]
        rules = (mapping.getvalue().decode("utf-8-sig", errors="replace"), mapping.name) if mapping else None
        where = files[0][0]
        try:
            text, imported = run_bounded(where, catalog_yaml, importer, files, rules)
        except (InputError, ValueError, TypeError, KeyError, yaml.YAMLError) as exc:
            st.error(f"Not imported: {md_escape(str(exc))}")
            return
        report = read_catalog_bounded(text.encode("utf-8"), f"{importer.name}.yaml")  # off the web process too
        if report.catalog is None:  # catalog_yaml validated it already: a limit of the upload's read can refuse it
            show_problems(report.problems, f"{where} was not imported.")
            return
        source = f"{importer.tool}: {where}"
        name = state.save_upload(importer.name, report.catalog, source)
        st.session_state["flash"] = f"Imported from {importer.tool} as '{name}' and switched to it."
        st.session_state["import_notes"] = (source, [*imported.notes, *(f"Check: {x}." for x in imported.checks)])
        st.rerun()


def save_edit(catalog) -> None:
    """Save an edit of the catalog in use: as '<example> (edited)' for a bundled example, else over the
    stored catalog, but only if nobody saved it since this session loaded it (otherwise ask what to do)."""
    editing_example = cur.key.is_example
    name = cur.key.name + " (edited)" if editing_example else cur.label
    try:
        new_key = state.save_catalog(name, catalog, "edited in the dashboard", None if editing_example else cur.sha256)
    except state.SavedInBetween:
        st.session_state["conflict"] = {"name": name, "yaml": catalog_to_yaml(catalog)}
        st.rerun()
    ws.discard_draft(str(cur.key), state.draft_session())
    ws.discard_draft(str(new_key), state.draft_session())
    st.session_state["edit_version"] = st.session_state.get("edit_version", 0) + 1
    st.session_state["flash"] = f"Saved your changes as '{name}'."
    st.rerun()


def delete_seen(name: str, sha256: str, in_use: bool) -> None:
    """Delete the catalog version the owner was shown; if someone saved another version since (or deleted it
    already), nothing is deleted and the owner is told, as a save over a newer version is refused."""
    if ws.delete_catalog(name, expected=sha256):
        st.session_state["flash"] = f"Deleted '{name}' (its versions stay in the audit trail)."
        if in_use:
            state.choose(state.DEFAULT_KEY)
    else:
        st.session_state["flash"] = (
            f"Not deleted: '{name}' was changed by someone else after this page showed it. Look at the latest "
            "version, then delete it again if you still mean to."
        )


def show_conflict() -> None:
    """Someone saved this catalog after this session opened it: reload theirs, or keep both."""
    conflict = st.session_state["conflict"]
    other = ws.catalog(conflict["name"])
    if other is None:  # an owner deleted it after this session opened it
        st.error(
            f"Not saved: '{md_escape(conflict['name'])}' was deleted by an owner after you opened it, and saving "
            "would bring it back. Your edits are kept: save them under a new name below, or drop them."
        )
    else:
        st.error(
            f"Not saved: '{md_escape(conflict['name'])}' was saved by someone else at {other.saved_at} after you "
            "opened it, and saving would overwrite their changes. Your edits are kept."
        )
    c1, c2, _ = st.columns([2, 2, 3])
    if c1.button("Reload their version (drop mine)", key="conflict_reload", disabled=other is None):
        st.session_state.pop("conflict")
        ws.discard_draft(str(cur.key), state.draft_session())
        state.reload(cur)
        st.session_state["edit_version"] = st.session_state.get("edit_version", 0) + 1
        st.rerun()
    alternative = ws.free_name(conflict["name"])
    if c2.button(f"Keep both: save mine as '{alternative}'", key="conflict_keep", type="primary"):
        st.session_state.pop("conflict")
        mine = read_catalog(conflict["yaml"].encode("utf-8"), name=f"{alternative}.yaml").catalog
        if mine is None:  # the draft was valid when kept; a newer release may read it otherwise
            st.error("Your version no longer reads as a catalog: open the Edit tab to fix it.")
            st.stop()
        ws.discard_draft(str(cur.key), state.draft_session())
        state.save_catalog(alternative, mine, "edited in the dashboard (kept beside a newer save)")
        st.session_state["flash"] = f"Saved your version as '{alternative}'; '{conflict['name']}' is theirs."
        st.rerun()


def show_problems(problems, intro: str) -> None:
    """Errors as a readable list (a table when there are many), each with where, what and how to fix."""
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    if errors:
        st.error(intro)
        if len(errors) <= 40:
            st.markdown(
                "\n".join(
                    f"- **{md_escape(p.location)}**: {md_escape(p.message)}"
                    + (f"  \n  _fix: {md_escape(p.hint)}_" if p.hint else "")
                    for p in errors
                )
            )
        else:
            st.dataframe(
                pd.DataFrame(
                    {
                        "where": [str(p.location) for p in errors],
                        "problem": [p.message for p in errors],
                        "how to fix": [p.hint for p in errors],
                    }
                ),
                hide_index=True,
            )
    if warnings:
        with st.expander(f"{len(warnings)} warning(s)"):
            for p in warnings:
                st.markdown(f"- **{md_escape(p.location)}**: {md_escape(p.message)}")


st.markdown(
    f"**In use:** {md_escape(cur.label)} — {md_escape(cur.catalog.organisation)}"
    f"{', version ' + md_escape(cur.catalog.catalog_version) if cur.catalog.catalog_version else ''} "
    f"({catalog_size(cur.catalog)})"
)
d1, d2, d3, _ = st.columns([1, 1, 1, 1])
base = slug(cur.catalog.organisation)
# Every file is written when its button is clicked (a callable), not on every view of the page.
d1.download_button(
    "Download YAML",
    lambda: catalog_to_yaml(cur.catalog),
    file_name=f"{base}.yaml",
    mime="application/yaml",
    on_click="ignore",
)
d2.download_button(
    "Download XLSX",
    lambda: xlsx_bytes(cur.catalog),
    file_name=f"{base}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    on_click="ignore",
)
d3.download_button(
    "Download CycloneDX",
    lambda: to_cyclonedx(cur.catalog).encode("utf-8"),
    file_name=f"{base}.cdx.json",
    mime="application/vnd.cyclonedx+json",
    help="Services and dependencies as a CycloneDX 1.6 services BOM, for SBOM and supply-chain tools.",
    on_click="ignore",
)

if "flash" in st.session_state:  # the outcome of the last save, shown above the tabs so it is always seen
    flash = st.session_state.pop("flash")
    (st.warning if flash.startswith("Not ") else st.success)(flash)
imported_notes = st.session_state.get("import_notes")
if imported_notes and imported_notes[0] == cur.source:
    # What the import in use assumed, could not map, or asks to check (kept while it is in use).
    st.info("\n".join(f"- {md_escape(line)}" for line in imported_notes[1]))

if "conflict" in st.session_state:
    show_conflict()
elif state.newer_version_saved(cur):
    st.warning("Someone has saved a newer version of this catalog since you opened it.")
    if st.button("Reload the latest version", key="reload_latest"):
        state.reload(cur)
        st.rerun()
upload_tab, edit_tab, switch_tab, history_tab = st.tabs(["Upload", "Edit", "Switch catalog", "History"])

with upload_tab:
    if not ws.may("editor"):
        st.info("Uploading a catalog needs the editor role in this workspace; you can view and download.")
    else:
        st.markdown(
            "Upload a catalog as **YAML**, **JSON**, an **XLSX** workbook or a **zip of CSV files** "
            "(blank templates: the buttons below). It is checked before it is used."
        )
        t1, t2, _ = st.columns([1, 1, 2])
        t1.download_button(
            "Blank template (XLSX)",
            template_xlsx_bytes,
            file_name="lynchpin-catalog-template.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key="template_xlsx",
            on_click="ignore",
        )
        t2.download_button(
            "Blank template (zip of CSVs)",
            template_csv_zip_bytes,
            file_name="lynchpin-catalog-template.zip",
            mime="application/zip",
            key="template_zip",
            on_click="ignore",
        )
        file = st.file_uploader("Catalog file", type=["yaml", "yml", "json", "xlsx", "zip"], key="catalog_upload")
        if file is not None:
            data = file.getvalue()
            digest = hashlib.sha256(data).hexdigest()
            done = st.session_state.setdefault("uploads_done", {})
            if digest not in done:
                notes: list[str] = []
                text = data.decode("utf-8", errors="replace") if file.name.lower().endswith((".yaml", ".yml")) else ""
                # Another tool's file the registry recognises (a Backstage catalog-info.yaml): converted first.
                other = next((i for i in catalog_importers().values() if text and i.recognises(text)), None)
                if other is not None:
                    try:
                        converted, imported = run_bounded(file.name, catalog_yaml, other, [(file.name, data)])
                        data = converted.encode()
                        notes = [*imported.notes, *(f"Check: {x}." for x in imported.checks)]
                    except (InputError, yaml.YAMLError, ValueError, TypeError, KeyError) as exc:
                        st.error(
                            f"{md_escape(file.name)} looks like {md_escape(other.label)} but could not be read: "
                            f"{md_escape(exc)}"
                        )
                        st.stop()
                report = read_catalog_bounded(data, file.name)  # off the web process, within a budget
                report.problems += [Problem(n, Location(file.name), "", "warning") for n in notes]
                if report.catalog is not None:
                    report.problems += unrecognised_products(report.catalog, state.history().records, where=file.name)
                if report.catalog is None:
                    done[digest] = ("invalid", report.problems)
                else:
                    wanted = slug(file.name.rsplit(".", 1)[0])
                    name = state.save_upload(wanted, report.catalog, f"upload: {file.name}")
                    done[digest] = ("saved", report.problems, name, wanted)
                    st.rerun()
            outcome = done[digest]
            if outcome[0] == "invalid":
                show_problems(
                    outcome[1],
                    f"{file.name} was not loaded: fix the problems below and upload it again. "
                    f"The catalog in use ({cur.label}) is unchanged.",
                )
            else:
                renamed = (
                    f" (a different catalog is already saved as '{md_escape(outcome[3])}'; it is unchanged)"
                    if outcome[3] != outcome[2]
                    else ""
                )
                st.success(f"Loaded {md_escape(file.name)} as '{md_escape(outcome[2])}' and switched to it{renamed}.")
                show_problems(outcome[1], "")

        for importer in catalog_importers().values():  # every other tool's export the registry reads
            if importer.detect is None:  # (a file it recognises is read by the upload above)
                import_section(importer)

with edit_tab:
    if not ws.may("editor"):
        st.info("Editing a catalog needs the editor role in this workspace; you can view and download.")
    else:
        version = st.session_state.setdefault("edit_version", 0)
        draft = ws.draft(str(cur.key), state.draft_session())
        tables = draft or catalog_to_rows(cur.catalog)
        if draft:
            st.info(
                "You have unsaved changes to this catalog (kept from your last session). Save them or discard them."
            )
        st.caption(
            "Edit cells, add rows at the bottom, or select rows and delete them. Requirements use the one-cell "
            "syntax, e.g. `exchange-online, entra-signin~8h, any_of(mfa-app, fido2-keys)`."
        )
        with st.expander("Edit one dependency", expanded=False):
            deps = [d for d in cur.catalog.dependencies]
            dep_id = st.selectbox(
                "Dependency",
                [d.id for d in deps],
                key=f"one_dep_{cur.key}_{version}",
                format_func=lambda i: f"{cur.catalog.dependency(i).name} ({i})",
            )
            d = cur.catalog.dependency(dep_id)
            # Each input takes what its field can legitimately hold (risk.dashboard.fields); the server keeps
            # no more than max_chars of what a browser sends, so the form cannot carry megabytes.
            shown = {
                "Name": (d.name, fields.TEXT_CHARS),
                "Provider": (d.provider or "", fields.TEXT_CHARS),
                "Product": (d.product or "", fields.TEXT_CHARS),
                "Requires (one-cell syntax)": (format_requirement(d.requires), fields.REQUIRES_CHARS),
                "Outages a year (estimate)": (
                    "" if d.annual_outages is None else f"{d.annual_outages:g}",
                    fields.ESTIMATE_CHARS,
                ),
                "Mean outage (estimate)": (
                    "" if d.mean_outage is None else format_duration(d.mean_outage),
                    fields.ESTIMATE_CHARS,
                ),
                "Unavailability (estimate)": (
                    "" if d.unavailability is None else f"{d.unavailability:g}",
                    fields.ESTIMATE_CHARS,
                ),
            }
            limits = {label: fields.limit_for(limit, text) for label, (text, limit) in shown.items()}

            def text_box(where, label: str) -> str:
                return where.text_input(label, shown[label][0], max_chars=limits[label])

            with st.form(f"one_dep_form_{cur.key}_{version}_{dep_id}"):
                c1, c2 = st.columns(2)
                new_name = text_box(c1, "Name")
                new_provider = text_box(c2, "Provider")
                new_product = text_box(c1, "Product")
                capability_options = ["", *CAPABILITIES]
                new_capability = c2.selectbox(
                    "Capability", capability_options, index=capability_options.index(d.capability or "")
                )
                new_requires = text_box(st, "Requires (one-cell syntax)")
                e1, e2, e3 = st.columns(3)
                new_rate = text_box(e1, "Outages a year (estimate)")
                new_mean = text_box(e2, "Mean outage (estimate)")
                new_unavailability = text_box(e3, "Unavailability (estimate)")
                one_save = st.form_submit_button("Check and save this dependency", type="primary")
            if one_save:
                doc = cur.catalog.model_dump(mode="json", exclude_none=True)
                for item in doc["dependencies"]:
                    if item["id"] == dep_id:
                        for key, value in (
                            ("name", new_name),
                            ("provider", new_provider),
                            ("product", new_product),
                            ("capability", new_capability),
                            ("requires", new_requires),
                            ("annual_outages", new_rate),
                            ("mean_outage", new_mean),
                            ("unavailability", new_unavailability),
                        ):
                            if value in ("", None):
                                item.pop(key, None)
                            else:
                                item[key] = value
                catalog, problems = validate_document(
                    doc, lambda path: Location(f"dependency '{dep_id}'", path=path_text(path))
                )
                if catalog is None:
                    show_problems(problems, "Not saved: fix the problems below. The catalog in use is unchanged.")
                else:
                    save_edit(catalog)

        EDITABLE = ["catalog", "services", "dependencies", "providers"]
        # Other blocks (controls, settings) are kept as they are: the tables only edit these four.
        edited: dict[str, list[list]] = {k: v for k, v in tables.items() if k not in EDITABLE}
        # One form: edits are sent together with the button press, so no edit can race the save.
        with st.form(f"edit_form_{cur.key}_{version}", border=False):
            tabs = st.tabs(EDITABLE)
            for tab, sheet in zip(tabs, EDITABLE, strict=True):
                rows = tables.get(sheet) or [list(SHEETS[sheet])]
                frame = pd.DataFrame(
                    [["" if v is None else str(v) for v in r] for r in rows[1:]], columns=list(SHEETS[sheet])
                ).astype("string")
                frame.index = range(1, len(frame) + 1)  # row numbers as the error messages count them
                with tab:
                    out = st.data_editor(
                        frame,
                        num_rows="fixed" if sheet == "catalog" else "dynamic",
                        # a cell takes what a spreadsheet cell holds, as in the workbook these tables mirror
                        column_config={c: st.column_config.TextColumn(max_chars=fields.CELL_CHARS) for c in frame},
                        hide_index=False,
                        key=f"edit_{sheet}_{cur.key}_{version}",
                    )
                values = out.astype(object).where(out.notna(), None).values.tolist()
                edited[sheet] = [list(SHEETS[sheet])] + [["" if v is None else str(v) for v in r] for r in values]
            b1, b2, _ = st.columns([2, 1, 2])
            save = b1.form_submit_button("Check and save changes", type="primary")
            discard = b2.form_submit_button("Discard changes")
        if save:
            sheets = {
                name: Sheet(name, rows[0], [(i, r) for i, r in enumerate(rows[1:], start=1)], 0)
                for name, rows in edited.items()
            }
            parsed = rows_to_document(sheets, cur.catalog.organisation)
            catalog, problems = validate_document(parsed.doc, parsed.locate)
            problems = parsed.problems + problems
            if catalog is None or any(p.severity == "error" for p in problems):
                ws.save_draft(str(cur.key), edited, state.draft_session())
                show_problems(
                    problems,
                    "Not saved: fix the problems below (rows are numbered from 1 in each table). "
                    "Your edits are kept as a draft; the catalog in use is unchanged.",
                )
            else:
                ws.save_draft(
                    str(cur.key), edited, state.draft_session()
                )  # kept until the save lands, so a refused save loses nothing
                save_edit(catalog)
        if discard:
            ws.discard_draft(str(cur.key), state.draft_session())
            st.session_state["edit_version"] = version + 1
            st.rerun()

with switch_tab:
    st.markdown("**Bundled examples**")
    cols = st.columns(3)
    for col, path in zip(cols, example_paths(), strict=False):
        example = state.CatalogKey.example(path.stem)
        if col.button(example.label, key=f"switch_{path.stem}", disabled=example == cur.key):
            state.choose(example)
            st.rerun()
    saved = ws.catalogs()
    st.markdown("**Your catalogs** (kept in the workspace)")
    if not saved:
        st.caption("None yet: upload one, or edit an example and save it.")
    for item in saved:
        ref = state.CatalogKey.parse(f"saved:{item.name}")  # None: a name no address can carry
        c1, c2, c3 = st.columns([3, 1, 1])
        c1.markdown(
            f"**{md_escape(item.name)}** — version {item.version}, {md_escape(item.source)}, saved {item.saved_at} "
            f"by {md_escape(item.author)}"
        )
        if c2.button("Open", key=f"open_{item.name}", disabled=ref is None or ref == cur.key):
            state.choose(ref or state.DEFAULT_KEY)
            st.rerun()
        c3.button(
            "Delete",
            key=f"delete_{item.name}",
            disabled=not ws.may("owner"),
            on_click=delete_seen,
            args=(item.name, item.sha256, ref == cur.key),  # the version shown, not whatever is latest at the click
        )

with history_tab:
    if not cur.key.is_saved:
        st.info("A bundled example has no history. Save it (Edit) or upload a catalog to start one.")
    else:
        name = cur.key.name
        versions = ws.versions(name)
        st.dataframe(
            pd.DataFrame(
                {
                    "version": [v.version for v in versions],
                    "saved": [v.saved_at for v in versions],
                    "by": [v.author for v in versions],
                    "message": [v.message or "" for v in versions],
                    "from": [v.source for v in versions],
                }
            ),
            hide_index=True,
        )
        if len(versions) >= 2:
            numbers = [v.version for v in versions]
            c1, c2 = st.columns(2)
            older = c1.selectbox("Compare version", numbers, index=1, key="diff_from")
            newer = c2.selectbox("with version", numbers, index=0, key="diff_to")
            texts = {v.version: v.text for v in versions}
            before = read_catalog(texts[older].encode("utf-8"), name=f"{name} v{older}.yaml").catalog
            after = read_catalog(texts[newer].encode("utf-8"), name=f"{name} v{newer}.yaml").catalog
            if before is not None and after is not None:
                change = catalog_diff(before, after)
                if change.empty:
                    st.caption("These two versions hold the same catalog.")
                lines = [
                    (label, items)
                    for label, items in (
                        ("Services added", change.services_added),
                        ("Services removed", change.services_removed),
                        ("Services changed", change.services_changed),
                        ("Dependencies added", change.dependencies_added),
                        ("Dependencies removed", change.dependencies_removed),
                        ("Dependencies changed", change.dependencies_changed),
                    )
                    if items
                ]
                for label, items in lines:
                    st.markdown(
                        f"**{label}:** "
                        + "; ".join(
                            md_escape(i.name) + (f" ({md_escape(', '.join(i.fields))})" if i.fields else "")
                            for i in items
                        )
                    )
                if change.other_fields_changed:
                    st.markdown("**Catalog fields changed:** " + md_escape(", ".join(change.other_fields_changed)))
            pick = st.selectbox("Restore version", numbers[1:], key="restore_pick")
            if st.button(
                f"Restore version {pick} as a new version",
                key="restore",
                disabled=not ws.may("editor"),
                help="The history is kept: the restored catalog becomes the newest version.",
            ):
                number = ws.restore(name, pick, cur.sha256)
                if number is None:
                    st.error("Not restored: someone saved a newer version since you opened this one. Reload it first.")
                else:
                    state.reload(cur)
                    st.session_state["flash"] = f"Restored version {pick} of {name} as version {number}."
                    st.rerun()
