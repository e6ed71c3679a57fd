"""Shared pieces of the dashboard: the sidebar, page headers, help text and safe text."""

from __future__ import annotations

from functools import partial

import streamlit as st

from risk.dashboard import state
from risk.presentation.format import catalog_size
from risk.presentation.text import md_escape

__all__ = ["sidebar", "header", "explain", "md_escape", "selected_points", "download_table", "METHODOLOGY"]

METHODOLOGY = "methodology"


def explain(what: str, how: str, anchor: str) -> None:
    """Plain-English help under a figure: what it means, how it was computed, where the maths is."""
    with st.expander("What is this?", expanded=False):
        st.markdown(
            f"{what}\n\n**How it is computed.** {how}\n\n[Methodology: {anchor.replace('-', ' ')}]"
            f"(/{METHODOLOGY}#{anchor})"
        )


def sidebar() -> state.Current:
    """The catalog switcher shown on every page; returns the catalog in use."""
    cur = state.current()
    state.draft_session()  # this tab's own drafts (without sign-in), from its first page view
    refused = state.refused_reference()
    if refused:
        st.warning(refused)
    options = [str(k) for k in state.choices()]
    if str(cur.key) not in options:
        options.insert(0, str(cur.key))
    with st.sidebar:
        # The key follows the catalog in use, so a switch made elsewhere (upload, edit, the Catalog page)
        # starts a fresh widget showing it; only a user's pick (on_change) switches catalogs.
        widget_key = f"sidebar_catalog:{cur.key}"
        st.selectbox(
            "Catalog",
            options,
            index=options.index(str(cur.key)),
            format_func=state.label,
            key=widget_key,
            on_change=lambda: _choose(st.session_state[widget_key]),
            help="Bundled examples and the catalogs you uploaded or edited.",
        )
        st.caption(
            f"{md_escape(cur.catalog.organisation)}  \n{catalog_size(cur.catalog)}  \nsource: {md_escape(cur.source)}"
        )
    from risk.dashboard.live import banner  # live provider notices (off unless an operator set feeds)

    banner(cur.catalog)
    return cur


def _choose(text: str) -> None:
    """Switch to the catalog picked in the sidebar (its options are keys' text, so this always parses)."""
    key = state.CatalogKey.parse(text)
    if key is not None:
        state.choose(key)


def header(title: str, question: str) -> None:
    st.title(title)
    st.caption(question)


def download_table(frame, name: str, key: str) -> None:
    """CSV and XLSX download buttons for a table; formula-like text is neutralised."""
    from risk.presentation.tables import table_csv, table_xlsx
    from risk.presentation.text import safe_filename

    c1, c2, _ = st.columns([1, 1, 4])
    stem = safe_filename(name)
    # Written when clicked (a callable), not on every page view: an XLSX of a few hundred rows takes tens of
    # milliseconds, which every user paid on every view. on_click="ignore": the click does not rerun the page.
    c1.download_button(
        "Download CSV",
        partial(table_csv, frame),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        on_click="ignore",
    )
    c2.download_button(
        "Download XLSX",
        partial(table_xlsx, frame, name),
        file_name=f"{stem}.xlsx",
        key=f"{key}_xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
    )


def selected_points(event) -> list[dict]:
    """The points a user clicked in a plotly chart drawn with on_select="rerun" (empty when none)."""
    return list(getattr(getattr(event, "selection", None), "points", None) or []) if event else []


def capped(items: list, key: str, limit: int = 10) -> list:
    """The first `limit` items (the caller orders them worst first), with a "Show all N" switch when there
    are more, so a list of 300 services never floods the page."""
    if len(items) <= limit or st.toggle(f"Show all {len(items)}", key=key):
        return items
    return items[:limit]


#: Width of the main column at a 1280 px window (the sidebar open, the wide layout's padding; 818 px measured in
#: Chromium), less a margin, in pixels: a table whose columns add up to no more than this shows without a
#: horizontal scroll.
FITS_AT_1280 = 800
#: The same in one of two equal columns (400 px measured), less the margin.
HALF_AT_1280 = 385
#: The same inside an expander (its border and padding take 34 px: 784 px measured), less the same margin.
FITS_IN_EXPANDER = 766


def fitted_table(
    frame, widths: dict[str, int], details=None, what: str = "details", room: int = FITS_AT_1280, **kwargs
) -> None:
    """A table with the columns a decision needs, each given a width so that together they fit at 1280 px
    (`room`: FITS_AT_1280 in the page, FITS_IN_EXPANDER inside an expander) without a horizontal scroll;
    `details` (every column) in an expander below it. `frame` is a DataFrame or an Arrow table."""
    import pyarrow as pa
    import streamlit as st

    assert sum(widths.values()) <= room, (sum(widths.values()), room, widths)
    config = dict(kwargs.pop("column_config", {}) or {})
    for name, width in widths.items():
        column = config.get(name)
        config[name] = st.column_config.Column(width=width) if column is None else _with_width(column, width)
    shown = frame.select(list(widths)) if isinstance(frame, pa.Table) else frame[list(widths)]
    st.dataframe(shown, hide_index=True, column_config=config, **kwargs)
    if details is not None:
        with st.expander(f"More columns: {what}"):
            st.dataframe(details, hide_index=True, column_config=config)


def _with_width(column: dict, width: int) -> dict:
    return {**column, "width": width}


#: Help pages that are pages of the app too: a link to the file opens the page (relative, so a server under
#: a base path keeps working).
_IN_APP = {"methodology.md": "methodology", "catalog.md": "catalog_format"}


def in_app_links(markdown: str) -> str:
    """A help page's Markdown with its links made to work inside the app: a link to another help page opens
    that page; a link to a file only the repository has (errors.md, the JSON Schema, the contracts) names
    the file in the repository instead of opening 'Page not found'. Web addresses and anchors stay."""
    import re

    def fix(match: re.Match) -> str:
        text, target = match.group(1), match.group(2)
        if re.match(r"^([a-z][a-z0-9+.-]*:|#|/)", target, re.IGNORECASE):
            return match.group(0)
        file, _, anchor = target.partition("#")
        if file in _IN_APP:
            return f"[{text}]({_IN_APP[file]}" + (f"#{anchor}" if anchor else "") + ")"
        where = f"`docs/{file}`"
        return f"{where} (in the repository)" if text.strip("`") == file else f"{text} ({where} in the repository)"

    return re.sub(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)", fix, markdown)
