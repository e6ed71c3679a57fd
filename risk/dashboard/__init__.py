"""The Streamlit dashboard: thin pages over the risk library. Streamlit is imported only below this folder
and in app.py; every figure shown comes from risk.assess."""

from pathlib import Path as _Path

#: Where the dashboard's pages are: inside the package, so a source checkout and an installed image (the
#: Dockerfile copies only app.py) find them the same way.
PAGES = _Path(__file__).resolve().parent / "pages"


def page(name: str) -> str:
    """The path of a page, as app.py registers it and links name it."""
    return str(PAGES / f"{name}.py")


#: The browser tab's icon, read once per process (not from disk on every page view).
ICON = (PAGES.parent / "icon.png").read_bytes()
