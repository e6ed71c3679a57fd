"""Reports: the management pack from one run, ready to hand over."""

import streamlit as st

from risk.dashboard import state
from risk.dashboard.widgets import header, sidebar
from risk.interchange.mef import to_mef
from risk.presentation.text import safe_filename
from risk.report import FORMATS

cur = sidebar()
header("Reports", "A report a board will read, and a workbook an analyst can filter.")
st.markdown(
    "One run of the assessment produces every format, so every figure agrees across them. They contain the "
    "executive summary, the risk matrix and top risks, single points of failure by provider, concentration, "
    "recommendations with their measured effect, the severe-but-plausible scenarios, and an appendix with the "
    "method, the rules applied, the outage records used, the settings and the catalog's SHA-256."
)
run = state.run(cur)
files = state.report_files(run)
if not (run.has("recommendations") and run.has("severe")):
    st.caption(
        "The first file takes longer: it measures the recommendations and works out the severe scenarios first "
        "(once; the other formats then reuse them)."
    )
for n, fmt in enumerate(FORMATS.values()):  # every registered format (risk.report.FORMATS), first one primary
    name, write = files[fmt.name]
    c1, c2 = st.columns([2, 3])
    c1.download_button(
        f"Download {fmt.label}",
        write,
        file_name=name,
        mime=fmt.mime,
        key=f"report_{fmt.name}",
        on_click="ignore",  # no rerun: the other buttons' files stay valid
        type="primary" if n == 0 else "secondary",
    )
    c2.caption(f"{fmt.description} Written when you click.")
c1, c2 = st.columns([2, 3])
c1.download_button(
    "Download the fault trees (Open-PSA MEF)",
    lambda: to_mef(run).encode("utf-8"),
    file_name=safe_filename(cur.catalog.organisation) + "-fault-trees.xml",
    mime="application/xml",
    key="export_mef",
    on_click="ignore",
)
c2.caption(
    "Each service's failure logic with the dependencies' unavailabilities, for SCRAM or another fault-tree "
    "tool: an auditor can reproduce the exact figures independently (docs/integrations/mef.md)."
)


def _dora_zip() -> bytes:
    import io
    import zipfile

    from risk.interchange.dora import dora_register

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in dora_register(run).items():
            archive.writestr(name, text)
    return buffer.getvalue()


d1, d2 = st.columns([2, 3])
d1.download_button(
    "Download the DORA register templates (zip)",
    _dora_zip,
    file_name=safe_filename(cur.catalog.organisation) + "-dora-register.zip",
    mime="application/zip",
    key="export_dora",
    on_click="ignore",
)
d2.caption(
    "B_05.01 providers, B_06.01 functions and B_07.01 ICT service assessment as CSV with the templates' column "
    "codes; internal-providers.csv lists your own IT, which is not a third party; not-filled.csv lists what "
    "the catalog cannot fill (identifiers, contracts, countries, costs)."
)
st.caption(
    "Reports are built on this machine; nothing is uploaded anywhere. The command line gives the same "
    f"files: `lynchpin report CATALOG -o DIR --format {','.join(FORMATS)}`."
)
