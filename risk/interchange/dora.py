"""DORA register of information (Commission Implementing Regulation (EU) 2024/2956 of 29 November 2024, with
its 2025 corrigendum: the column codes and labels below follow that text): the ICT third-party provider
(B_05.01), function (B_06.01) and ICT-service assessment (B_07.01) templates, filled from what the catalog
and its assessment know, as CSV with the templates' column codes.

A catalog does not hold identifiers (LEI, contract references), countries, costs or licensed activities, so
those cells are left empty, and `not-filled.csv` lists every column left empty with the reason, for the
register's owner to complete. Values are the templates' own labels (not the xBRL-CSV codes).

Mappings (docs/integrations/dora-register.md):
- a service is a function; it is critical or important (B_06.01 c0050) when its tier is 1 or 2;
- its impact tolerance (hours, rounded up; without a workaround's extra time) is reported as the function's
  RTO (c0080): the longest it may be down, which is what the tolerance says;
- each provider has one B_07.01 row; a provider's identifier is the placeholder `TO-FILL:<provider>` in
  B_05.01 and B_07.01, so the templates stay linked until the owner puts the LEI in;
- the impact of discontinuing (B_06.01 c0100, B_07.01 c0100) is the assessment's impact score: 1-2 Low,
  3 Medium, 4-5 High;
- substitutability and the exit plan come from the catalog's `providers` section;
- the date of the last assessment (B_06.01 c0070) is the date of the assessment the export is made from;
- the RPO (B_06.01 c0090) is '0': a catalog does not define one, and the ITS instructs that an undefined
  RPO is reported as 0 (not-filled.csv says so, for the owner to put in a defined one);
- the organisation's own IT (a provider named like the organisation, or whose dependencies are all
  `kind: internal`) is not an ICT third-party service provider: it is left out of B_05.01 and B_07.01
  and listed apart in internal-providers.csv.
"""

from __future__ import annotations

import csv
import io
import math

from risk.run import Run
from risk.untrusted import spreadsheet_cell

__all__ = ["TEMPLATES", "dora_register", "internal_providers"]

B_05_01 = (
    ("c0010", "Identification code of the ICT third-party service provider"),
    ("c0020", "Type of code to identify the ICT third-party service provider"),
    ("c0030", "Additional identification code of ICT third-party service provider"),
    ("c0040", "Type of additional identification code to identify the ICT third-party service provider"),
    ("c0050", "Legal name of the ICT third-party service provider"),
    ("c0060", "Name of the ICT third-party service provider in Latin alphabet"),
    ("c0070", "Type of person of the ICT third-party service provider"),
    ("c0080", "Country of the ICT third-party service provider's headquarters"),
    ("c0090", "Currency of the amount reported in RT.05.01.0100"),
    ("c0100", "Total annual expense or estimated cost of the ICT third-party service provider"),
    ("c0110", "Identification code of the ICT third-party service provider's ultimate parent undertaking"),
    ("c0120", "Type of code to identify the ICT third-party service provider's ultimate parent undertaking"),
)
B_06_01 = (
    ("c0010", "Function identifier"),
    ("c0020", "Licenced activity"),
    ("c0030", "Function name"),
    ("c0040", "LEI of the financial entity"),
    ("c0050", "Criticality or importance assessment"),
    ("c0060", "Reasons for criticality or importance"),
    ("c0070", "Date of the last assessment of criticality or importance"),
    ("c0080", "Recovery time objective of the function"),
    ("c0090", "Recovery point objective of the function"),
    ("c0100", "Impact of discontinuing the function"),
)
B_07_01 = (
    ("c0010", "Contractual arrangement reference number"),
    ("c0020", "Identification code of the ICT third-party service provider"),
    ("c0030", "Type of code to identify the ICT third-party service provider"),
    ("c0040", "Type of ICT services"),
    ("c0050", "Substitutability of the ICT third-party service provider"),
    (
        "c0060",
        "Reason if the ICT third-party service provider is considered not substitutable or difficult to be substitutable",
    ),
    ("c0070", "Date of the last audit on the ICT third-party service provider"),
    ("c0080", "Existence of an exit plan"),
    ("c0090", "Possibility of reintegration of the contracted ICT service"),
    ("c0100", "Impact of discontinuing the ICT services"),
    ("c0110", "Are there alternative ICT third-party service providers identified?"),
    ("c0120", "Identification of alternative ICT TPP"),
)
TEMPLATES = {"b_05.01": B_05_01, "b_06.01": B_06_01, "b_07.01": B_07_01}

#: Marks a cell the register's owner must replace (a provider's LEI): it keeps the templates linked.
PLACEHOLDER = "TO-FILL:"


_SUBSTITUTABILITY = {
    "not-substitutable": "Not substitutable",
    "highly-complex": "Highly complex substitutability",
    "medium": "Medium complexity in terms of substitutability",
    "easy": "Easily substitutable",
}
_WHY = {
    "b_05.01": {
        "c0010": f"no LEI or other identifier in the catalog: {PLACEHOLDER}<provider> links the templates; replace it",
        "c0020": "no identifier in the catalog",
        "c0030": "no identifier in the catalog",
        "c0040": "no identifier in the catalog",
        "c0070": "not in the catalog (legal or natural person)",
        "c0080": "no headquarters country in the catalog",
        "c0100": "no provider costs in the catalog",
        "c0110": "no parent undertaking in the catalog",
        "c0120": "no parent undertaking in the catalog",
    },
    "b_06.01": {
        "c0020": "licensed activities are not in the catalog",
        "c0040": "the financial entity's LEI is not in the catalog",
    },
    "b_07.01": {
        "c0010": "contract references are not in the catalog",
        "c0020": f"no provider identifier in the catalog: {PLACEHOLDER}<provider> as in B_05.01; replace it",
        "c0030": "no provider identifier in the catalog",
        "c0040": "the Annex III service type (S01-S19) is not in the catalog",
        "c0060": "the reason is not in the catalog",
        "c0070": "audit dates are not in the catalog",
        "c0090": "reintegration is not in the catalog",
        "c0110": "alternatives identified are not recorded in the catalog",
        "c0120": "alternatives identified are not recorded in the catalog",
    },
}


def _placeholder(provider: str) -> str:
    return PLACEHOLDER + provider


def _impact(score: int) -> str:
    return "Low" if score <= 2 else "Medium" if score == 3 else "High"


def _csv(columns, rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([code for code, _ in columns])
    writer.writerows([spreadsheet_cell(v) for v in row] for row in rows)
    return out.getvalue()


def internal_providers(run: Run) -> dict[str, str]:
    """The catalog's providers that are the organisation itself, not ICT third-party service providers
    (DORA Art. 3(19)), each with why: named like the organisation (through the aliases), or every one of
    its dependencies `kind: internal` (in-house systems)."""
    catalog, table = run.catalog, run.aliases
    own = table.provider(catalog.organisation)
    kinds: dict[str, set] = {}
    for d in catalog.dependencies:
        if d.provider and not d.is_logical:
            kinds.setdefault(d.provider, set()).add(d.kind)
    out = {}
    for name, seen in sorted(kinds.items()):
        if table.provider(name) == own:
            out[name] = "named as the organisation itself"
        elif seen == {"internal"}:
            out[name] = "every dependency on it is kind: internal (the organisation's own systems)"
    return out


def dora_register(run: Run) -> dict[str, str]:
    """File name -> CSV text: b_05.01.csv, b_06.01.csv, b_07.01.csv, internal-providers.csv and
    not-filled.csv. The last-assessment date is the assessment's own (its generated_at)."""
    catalog, assessment = run.catalog, run.assessment
    when = assessment.generated_at[:10]
    facts = {p.name: p for p in catalog.providers}
    internal = internal_providers(run)
    providers = sorted(
        {d.provider for d in catalog.dependencies if d.provider and not d.is_logical and d.provider not in internal}
    )
    impact_of = {s.id: s.impact for s in assessment.services}
    reliance = {p.name: set(p.exposed_services) for p in assessment.providers}

    b05 = [[_placeholder(name), "", "", "", name, name, "", "", catalog.currency, "", "", ""] for name in providers]
    b06 = []
    for n, s in enumerate(catalog.services, start=1):
        critical = "Yes" if s.tier <= 2 else "No"
        b06.append(
            [
                f"F{n}",
                "",
                s.name,
                "",
                critical,
                f"Tier {s.tier}; impact tolerance {s.impact_tolerance:g} h"[:300],
                when,
                str(math.ceil(s.impact_tolerance)),
                "0",  # RPO not defined in the catalog: the ITS says report 0
                _impact(impact_of.get(s.id, 1)),
            ]
        )
    b07 = []
    for name in providers:
        fact = facts.get(name)
        relying = reliance.get(name, set())
        worst = max((impact_of[sid] for sid in relying), default=1)
        b07.append(
            [
                "",
                _placeholder(name),
                "",
                "",
                _SUBSTITUTABILITY.get(fact.substitutability, "") if fact and fact.substitutability else "",
                "",
                "",
                ("Yes" if fact.exit_plan else "No") if fact and fact.exit_plan is not None else "",
                "",
                _impact(worst) if relying else "Low",
                "",
                "",
            ]
        )
    empty = []
    for template, columns, rows in (("b_05.01", B_05_01, b05), ("b_06.01", B_06_01, b06), ("b_07.01", B_07_01, b07)):
        for i, (code, label) in enumerate(columns):
            blank = [r for r in rows if not r[i] or str(r[i]).startswith(PLACEHOLDER)]
            if blank:
                why = _WHY[template].get(code) or (
                    "not recorded in the catalog's providers section for some providers"
                    if template == "b_07.01"
                    else "not in the catalog"
                )
                empty.append([template.upper(), code, label, f"{len(blank)} of {len(rows)} rows", why])
    if b06:
        empty.append(
            [
                "B_06.01",
                "c0090",
                dict(B_06_01)["c0090"],
                f"0 (not defined) in {len(b06)} of {len(b06)} rows",
                "the catalog defines no recovery point objective; the ITS instructs '0' when it is not defined: "
                "put in the function's RPO in hours where one is defined",
            ]
        )
    mine = [
        [name, "; ".join(d.id for d in catalog.dependencies if d.provider == name), why]
        for name, why in internal.items()
    ]
    return {
        "b_05.01.csv": _csv(B_05_01, b05),
        "b_06.01.csv": _csv(B_06_01, b06),
        "b_07.01.csv": _csv(B_07_01, b07),
        "internal-providers.csv": _csv((("provider", ""), ("dependencies", ""), ("why not a third party", "")), mine),
        "not-filled.csv": _csv((("template", ""), ("column", ""), ("name", ""), ("empty", ""), ("why", "")), empty),
    }
