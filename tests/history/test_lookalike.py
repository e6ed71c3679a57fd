"""Provider names that only look like a known provider (an invisible character, a look-alike letter of
another script, a compatibility variant, another case) are warned with the name meant, where they are
written; real names, aliases and plain different names are not. Each catalog is built in the test."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from risk.catalog.load import catalog_from_dict
from risk.history.lookalike import odd_characters, skeleton
from risk.history.match import unrecognised_products
from risk.history.model import OutageRecord
from risk.run import Run

pytestmark = pytest.mark.timeout(60)


def _catalog(*providers: str, facts: tuple[str, ...] = (), feeds: tuple[str, ...] = (), estimate: bool = False):
    deps = [
        {
            "id": f"d{i}",
            "name": f"D{i}",
            "provider": name,
            "product": "Entra ID",
            "capability": "sign-in",
            **({"annual_outages": 1, "mean_outage": "1h"} if estimate else {}),
        }
        for i, name in enumerate(providers)
    ]
    doc = {
        "organisation": "T",
        "services": [
            {"id": "s", "name": "S", "tier": 1, "impact_tolerance": "4h", "requires": [d["id"] for d in deps]}
        ],
        "dependencies": deps,
        "providers": [{"name": n} for n in facts],
    }
    if feeds:
        doc["controls"] = {"status_feeds_monitored": list(feeds)}
    return catalog_from_dict(doc)


def _warnings(catalog, records=()):
    return [p for p in unrecognised_products(catalog, list(records), where="c.yaml") if "provider '" in p.message]


#: Invisible characters are refused outright by the catalog's name rule (risk.catalog.model): an error where
#: they are written, before any look-alike warning is needed.
INVISIBLE = {
    "zero-width space": "Micro\u200bsoft",
    "zero-width joiner": "Microsoft\u200d",
    "soft hyphen": "Micro\u00adsoft",
    "byte order mark": "\ufeffMicrosoft",
}
LOOKALIKES = {
    "Cyrillic o": "Micr\u043esoft",
    "Cyrillic capital O in upper case": "MICR\u041eSOFT",
    "Greek omicron": "Micr\u03bfsoft",
    "full-width letters (NFKC)": "\uff2d\uff49\uff43\uff52\uff4f\uff53\uff4f\uff46\uff54",
    "digit zero for o": "Micr0soft",
}


@pytest.mark.parametrize("name", LOOKALIKES.values(), ids=LOOKALIKES.keys())
def test_a_provider_that_only_looks_like_a_known_one_is_warned_where_it_is_written(name):
    [w] = _warnings(_catalog("Okta", name))
    assert w.severity == "warning"
    assert "did you mean Microsoft?" in w.message
    assert w.location.path == "dependencies[1].provider" and w.location.file == "c.yaml"
    assert "no-data default" in w.message and "'Microsoft'" in w.hint


@pytest.mark.parametrize("name", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_a_provider_with_an_invisible_character_is_refused_where_it_is_written(name):
    from risk.problems import InputError

    with pytest.raises(InputError) as caught:
        _catalog("Okta", name)
    [problem] = caught.value.problems
    assert problem.severity == "error" and problem.location.path == "dependencies[1].provider"
    assert "invisible or control character" in problem.message


def test_the_warning_names_the_odd_character():
    [w] = _warnings(_catalog("Micr\u043esoft"))
    assert "U+043E CYRILLIC SMALL LETTER O" in w.message


@pytest.mark.parametrize(
    "name", ["Microsoft", "microsoft", "MICROSOFT", " Microsoft ", "Azure", "AWS", "Acme", "Micro soft"]
)
def test_known_names_aliases_and_unrelated_names_are_not_warned(name):
    assert _warnings(_catalog(name)) == []


def test_an_estimate_does_not_silence_the_warning_exposure_still_counts_it_apart():
    [w] = _warnings(_catalog("Micr\u043esoft", estimate=True))
    assert "did you mean Microsoft?" in w.message


def test_a_provider_known_only_from_the_history_is_matched_too():
    record = OutageRecord.model_validate(
        {
            "id": "z1",
            "provider": "Zscaler",
            "product": "ZIA",
            "capability": "network-edge",
            "start": "2024-01-01T00:00:00Z",
            "severity": "major",
            "confidence": "high",
        }
    )
    assert _warnings(_catalog("Zsc\u0430ler")) == []  # nothing known looks like it without the history
    [w] = _warnings(_catalog("Zsc\u0430ler"), [record])
    assert "did you mean Zscaler?" in w.message
    assert _warnings(_catalog("Zscaler"), [record]) == []


def test_two_spellings_of_one_provider_in_the_catalog_are_warned_on_the_odd_one():
    [w] = _warnings(_catalog("Acme", "Acm\u0435"))  # Cyrillic e
    assert w.location.path == "dependencies[1].provider" and "did you mean Acme?" in w.message
    assert "two providers" in w.message
    [w] = _warnings(_catalog("Acm\u0435", "Acme"))  # the plain spelling is meant wherever it is written
    assert w.location.path == "dependencies[0].provider" and "did you mean Acme?" in w.message


def test_a_case_only_difference_between_dependencies_is_warned_as_it_splits_exposure():
    [w] = _warnings(_catalog("Microsoft", "microsoft"))
    assert w.location.path == "dependencies[1].provider" and "only in letter case" in w.message


def test_provider_facts_and_monitored_feeds_written_with_a_lookalike_are_warned():
    catalog = _catalog("Microsoft", facts=("Micr\u043esoft", "microsoft"), feeds=("Micr\u03bfsoft",))
    warned = {w.location.path: w for w in _warnings(catalog)}
    assert set(warned) == {"providers[0].name", "controls.status_feeds_monitored[0]"}  # case is fine for facts
    assert "not linked" in warned["providers[0].name"].message


def test_skeleton_and_odd_characters():
    assert skeleton("\uff2d\uff29\uff23\uff32\u041e\u200bSOFT") == "microsoft"
    assert skeleton("Cisco\u2011Duo") == skeleton("cisco-duo")
    assert odd_characters("Microsoft") == []
    assert odd_characters("\uff2dicrosoft") == ["U+FF2D FULLWIDTH LATIN CAPITAL LETTER M (a variant of 'M')"]


def test_the_assessment_and_validate_carry_the_warning(tmp_path):
    catalog = _catalog("Micr\u043esoft")
    run = Run.build(catalog, [], {"simulated_years": 100})
    assert any("did you mean Microsoft?" in w for w in run.assessment.warnings)

    from risk.catalog.writers import catalog_to_yaml
    from risk.cli import app

    path = tmp_path / "c.yaml"
    path.write_text(catalog_to_yaml(catalog), encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    [entry] = json.loads(result.output)
    [w] = [p for p in entry["problems"] if "did you mean Microsoft?" in p["message"]]
    assert w["severity"] == "warning" and w["where"]["path"] == "dependencies[0].provider"


def test_a_product_with_a_look_alike_character_is_guessed_by_its_skeleton():
    record = OutageRecord.model_validate(
        {
            "id": "m1",
            "provider": "Microsoft",
            "product": "Entra ID",
            "capability": "sign-in",
            "start": "2024-01-01T00:00:00Z",
            "severity": "major",
            "confidence": "high",
        }
    )
    cat = catalog_from_dict(
        {
            "organisation": "T",
            "services": [{"id": "s", "name": "S", "tier": 1, "impact_tolerance": "4h", "requires": ["d"]}],
            "dependencies": [
                {"id": "d", "name": "D", "provider": "Microsoft", "product": "Entr\u0430 ID", "capability": "sign-in"}
            ],
        }
    )
    [w] = unrecognised_products(cat, [record])
    assert w.location.path == "dependencies[0].product" and "did you mean 'Entra ID'?" in w.message
