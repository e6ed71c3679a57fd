"""Lynchpin dashboard entry point (`make run`): the page router. Pages live in risk/dashboard/pages and
render what the risk library computes; none computes risk itself."""

from __future__ import annotations

# A job-cluster worker starting: multiprocessing's spawn runs the main script again in each new process as
# "__mp_main__", and under Streamlit this script is the main one. A worker needs none of the page: without
# this guard every worker imported Streamlit, drew the default page in bare mode and tried to start a job
# cluster of its own (refused: "daemonic processes are not allowed to have children"), at every start.
if __name__ != "__mp_main__":
    import copy

    import streamlit as st

    from risk.dashboard import ICON, PAGES

    st.set_page_config(page_title="Lynchpin", page_icon=ICON, layout="wide")

    from risk.dashboard.access import gate  # noqa: E402 - after the page config, as Streamlit requires

    gate()  # sign-in, membership and the localhost rule: stops the page when the session may see nothing

    @st.cache_resource(show_spinner=False)
    def _pages() -> dict[str, list]:
        """The pages, made once per process (making one resolves its path on disk); every run gets copies,
        since st.navigation marks the page it returns on the object itself."""
        return {
            "Assessment": [
                st.Page(f"{PAGES}/overview.py", title="Overview", icon=":material/dashboard:", default=True),
                st.Page(f"{PAGES}/services.py", title="Services", icon=":material/list:"),
                st.Page(f"{PAGES}/dependency_map.py", title="Dependency map", icon=":material/hub:"),
                st.Page(f"{PAGES}/spof.py", title="Single points of failure", icon=":material/warning:"),
                st.Page(f"{PAGES}/history.py", title="Outage history", icon=":material/history:"),
            ],
            "Action": [
                st.Page(f"{PAGES}/recommendations.py", title="Recommendations", icon=":material/task_alt:"),
                st.Page(f"{PAGES}/scenarios.py", title="Scenarios", icon=":material/science:"),
                st.Page(f"{PAGES}/incident.py", title="Incident now", icon=":material/emergency:"),
                st.Page(f"{PAGES}/reports.py", title="Reports", icon=":material/summarize:"),
            ],
            "Data": [
                st.Page(f"{PAGES}/catalog.py", title="Catalog", icon=":material/upload_file:"),
                st.Page(f"{PAGES}/settings.py", title="Settings", icon=":material/tune:"),
            ],
            "Help": [
                st.Page(
                    f"{PAGES}/methodology.py", title="Methodology", icon=":material/functions:", url_path="methodology"
                ),
                st.Page(f"{PAGES}/catalog_format.py", title="Catalog format", icon=":material/description:"),
            ],
        }

    navigation = st.navigation({section: [copy.copy(p) for p in pages] for section, pages in _pages().items()})
    navigation.run()

    from risk.dashboard.state import start_jobs  # noqa: E402

    start_jobs()  # the job cluster starts once the first page is on the screen, not before it (risk.jobs)
