"""Aliases from the user's side (issue 26, point 3): a catalog's `aliases:` block, `--aliases FILE` and the
dashboard's saved aliases, added over the shipped table in a documented order (later wins, with a located
warning), and the aliases block `lynchpin outages import` suggests for what it could not place."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from risk.catalog import load_catalog, read_catalog
from risk.catalog.model import Aliases
from risk.cli import app
from risk.history.aliases import ALIAS_LAYERS, load_aliases, merge_aliases, read_alias_file, suggest_aliases
from risk.history.model import OutageRecord
from risk.problems import InputError
from risk.run import Run, load_shipped_history
from tests.paths import EXAMPLES

pytestmark = pytest.mark.timeout(120)

UNIVERSITY = EXAMPLES / "university-google-okta.yaml"
DUO_COMPONENT = {
    "id": "tenant-duo-20250110",
    "provider": "Duo",
    "product": "DUO1 Authentication",
    "capability": "mfa",
    "start": "2025-01-10T09:00:00Z",
    "end": "2025-01-10T10:30:00Z",
    "severity": "major",
    "confidence": "high",
}


def test_a_user_alias_places_a_status_page_component():
    table, problems = merge_aliases(load_aliases(), [("mine.yaml", {"products": {"Duo": ["DUO1 Authentication"]}})])
    assert problems == []
    assert table.product("duo1  AUTHENTICATION") == "duo"
    assert table.product("Cisco Duo") == "duo"  # the shipped spellings still hold
    assert load_aliases().product("DUO1 Authentication") == "duo1 authentication"  # the shipped table is untouched


def test_a_user_alias_that_contradicts_the_shipped_table_wins_with_a_located_warning():
    table, problems = merge_aliases(
        load_aliases(), [("cat.yaml", {"products": {"Okta Workforce Identity": ["Entra"]}}, "aliases")]
    )
    assert table.product("Entra") == "okta workforce identity"
    assert [(str(p.location), p.severity, p.message) for p in problems] == [
        (
            "cat.yaml (aliases.products.Okta Workforce Identity)",
            "warning",
            "product 'Entra' is 'Entra ID' in the shipped alias table; here it is 'Okta Workforce Identity', "
            "which wins",
        )
    ]


def test_later_layers_win_and_the_warning_names_the_earlier_one():
    assert ALIAS_LAYERS == ("shipped", "catalog", "user")
    table, problems = merge_aliases(
        load_aliases(),
        [
            ("cat.yaml", {"products": {"Duo": ["DUO1 Authentication"]}}, "aliases"),
            ("mine.yaml", {"products": {"Okta Verify": ["DUO1 Authentication"]}}),
        ],
    )
    assert table.product("DUO1 Authentication") == "okta workforce identity"  # Okta Verify is an Okta alias
    assert [p.message for p in problems] == [
        "product 'DUO1 Authentication' is 'Duo' in cat.yaml; here it is 'Okta Workforce Identity', which wins"
    ]
    assert str(problems[0].location) == "mine.yaml (products.Okta Verify)"


def test_a_name_already_meaning_the_same_product_is_no_conflict_and_a_known_spelling_resolves():
    table, problems = merge_aliases(
        load_aliases(), [("mine.yaml", {"products": {"Outlook Online": "OWA", "Duo": ["Cisco Duo"]}})]
    )
    assert problems == []
    assert table.product("OWA") == "exchange online"
    assert table.product("Outlook Online") == "exchange online"


@pytest.mark.parametrize(
    "doc, where, message",
    [
        ({"products": {"Duo": 3}}, "bad.yaml (products.Duo)", "'Duo' must list other names as text"),
        ({"product": {"Duo": ["x"]}}, "bad.yaml (product)", "unknown aliases section 'product'"),
        ({"providers": ["Cisco"]}, "bad.yaml (providers)", "'providers' must map each name to a list of other names"),
        (["Duo"], "bad.yaml", "aliases must be a mapping with providers: and products:"),
    ],
)
def test_an_unusable_aliases_document_is_a_located_error(doc, where, message):
    table, problems = merge_aliases(load_aliases(), [("bad.yaml", doc)])
    assert [(str(p.location), p.severity, p.message) for p in problems] == [(where, "error", message)]
    assert table.products == load_aliases().products  # left out whole


def test_an_aliases_file_reads_bare_or_wrapped_in_aliases():
    bare, problems = read_alias_file(b"products:\n  Duo: [DUO1 Authentication]\n", "a.yaml")
    wrapped, more = read_alias_file(b'{"aliases": {"products": {"Duo": ["DUO1 Authentication"]}}}', "a.json")
    assert bare == wrapped == {"products": {"Duo": ["DUO1 Authentication"]}}
    assert problems == more == []
    assert [p.message for p in read_alias_file(b"products: [x\n", "b.yaml")[1]] == [
        "this is not valid YAML: did not find expected ',' or ']'"
    ]


def test_the_catalog_aliases_block_is_part_of_the_catalog_format(tmp_path):
    text = UNIVERSITY.read_text(encoding="utf-8")
    good = tmp_path / "good.yaml"
    good.write_text(text + "\naliases:\n  products:\n    Duo: [DUO1 Authentication]\n", encoding="utf-8")
    assert load_catalog(good).aliases.products == {"Duo": ["DUO1 Authentication"]}
    bad = tmp_path / "bad.yaml"
    bad.write_text(text + "\naliases:\n  product:\n    Duo: [DUO1 Authentication]\n", encoding="utf-8")
    report = read_catalog(bad)
    assert report.catalog is None
    assert any("product" in p.message and "aliases" in str(p.location) for p in report.errors)


def _duo_records(run: Run) -> int:
    return run.statistics["duo-mfa"].records


def test_the_catalog_block_makes_a_component_record_count_for_the_dependency():
    catalog = load_catalog(UNIVERSITY)
    log = [OutageRecord.model_validate(DUO_COMPONENT)]
    shipped = load_shipped_history()
    plain = Run.build(catalog, shipped, {"simulated_years": 200}, incident_log=log)
    taught = catalog.model_copy(update={"aliases": Aliases(products={"Duo": ["DUO1 Authentication"]})})
    run = Run.build(taught, shipped, {"simulated_years": 200}, incident_log=log)
    assert _duo_records(run) == _duo_records(plain) + 1
    assert "tenant-duo-20250110" in run.statistics["duo-mfa"].record_ids
    assert "tenant-duo-20250110" not in plain.statistics["duo-mfa"].record_ids
    assert run.notes == ()  # nothing overridden, nothing merged


def test_user_layers_come_after_the_catalog_and_a_bad_one_is_refused():
    catalog = load_catalog(UNIVERSITY).model_copy(
        update={"aliases": Aliases(products={"Google Workspace": ["DUO1 Authentication"]})}
    )
    log = [OutageRecord.model_validate(DUO_COMPONENT)]
    run = Run.build(
        catalog,
        load_shipped_history(),
        {"simulated_years": 200},
        user_aliases=[("mine.yaml", {"products": {"Duo": ["DUO1 Authentication"]}})],
        incident_log=log,
        catalog_name="uni.yaml",
    )
    assert "tenant-duo-20250110" in run.statistics["duo-mfa"].record_ids
    assert [str(p.location) for p in run.notes] == ["mine.yaml (products.Duo)"]
    with pytest.raises(InputError) as info:
        Run.build(catalog, [], user_aliases=[("mine.yaml", {"products": {"Duo": 1}})])
    assert [str(p.location) for p in info.value.problems] == ["mine.yaml (products.Duo)"]


runner = CliRunner()


def test_cli_aliases_option_on_why_and_its_errors(tmp_path):
    log = tmp_path / "log.json"
    log.write_text(json.dumps([DUO_COMPONENT]))
    aliases = tmp_path / "aliases.yaml"
    aliases.write_text("products:\n  Duo: [DUO1 Authentication]\n")
    args = ["why", str(UNIVERSITY), "duo-mfa", "--outages", str(log)]
    without = runner.invoke(app, args)
    taught = runner.invoke(app, [*args, "--aliases", str(aliases)])
    assert without.exit_code == taught.exit_code == 0, taught.output
    assert "tenant-duo-20250110" not in without.output
    assert "tenant-duo-20250110" in taught.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("products:\n  Duo: {a: 1}\n")
    refused = runner.invoke(app, [*args, "--aliases", str(broken)])
    assert refused.exit_code == 2
    assert f"{broken} (products.Duo): error: 'Duo' must list other names as text" in refused.output


STATUSPAGE = {
    "page": {"name": "Duo"},
    "incidents": [
        {
            "id": "abc1",
            "name": "DUO1 Authentication latency",
            "impact": "major",
            "started_at": "2024-05-02T10:00:00Z",
            "resolved_at": "2024-05-02T12:00:00Z",
            "shortlink": "https://stspg.io/x1",
            "components": [{"name": "DUO1 Authentication"}, {"name": "DUO1 Admin Panel"}],
        },
        {
            "id": "abc2",
            "name": "Widget sync delays",
            "impact": "minor",
            "started_at": "2024-06-02T10:00:00Z",
            "resolved_at": "2024-06-02T11:00:00Z",
            "components": [{"name": "Widget Sync"}],
        },
    ],
}


def test_suggested_block_places_every_unknown_product_and_reads_back():
    records = [
        OutageRecord.model_validate(
            {**DUO_COMPONENT, "id": "a", "product": ["DUO1 Authentication", "DUO1 Admin Panel"]}
        ),
        OutageRecord.model_validate({**DUO_COMPONENT, "id": "b", "provider": "Acme Cloud", "product": "Widget: Sync"}),
    ]
    table = load_aliases()
    text = suggest_aliases(
        records, ["DUO1 Authentication", "DUO1 Admin Panel", "Widget: Sync"], table, load_shipped_history()
    )
    assert text.splitlines()[2:] == [
        "aliases:",
        "  providers:",
        "    Acme Cloud: [Acme Cloud]  # a provider the history does not know: rename to your catalog's",
        "  products:",
        "    Duo: [DUO1 Authentication, DUO1 Admin Panel]  # Duo's product in the history",
        '    "Widget: Sync": ["Widget: Sync"]  # a product the history does not know: rename to the name your '
        "catalog uses",
    ]
    doc = yaml.safe_load(text)["aliases"]
    merged, problems = merge_aliases(table, [("snippet", doc)])
    assert problems == []
    assert merged.product("DUO1 Admin Panel") == merged.product("DUO1 Authentication") == "duo"
    assert suggest_aliases(records, [], table, []) == ""


def test_outages_import_prints_the_aliases_block_and_a_given_file_silences_it(tmp_path):
    export = tmp_path / "duo.json"
    export.write_text(json.dumps(STATUSPAGE))
    done = runner.invoke(app, ["outages", "import", "--from", "statuspage", str(export), "-o", str(tmp_path / "l.csv")])
    assert done.exit_code == 0, done.output
    # every component of Duo's status page is put under Duo, the one Duo product the history knows
    assert (
        "    Duo: [DUO1 Authentication, DUO1 Admin Panel, Widget Sync]  # Duo's product in the history" in done.output
    )
    aliases = tmp_path / "aliases.yaml"
    aliases.write_text("products:\n  Duo: [DUO1 Authentication, DUO1 Admin Panel, Widget Sync]\n")
    taught = runner.invoke(
        app,
        [
            "outages",
            "import",
            "--from",
            "statuspage",
            str(export),
            "-o",
            str(tmp_path / "m.csv"),
            "--aliases",
            str(aliases),
        ],
    )
    assert taught.exit_code == 0, taught.output
    assert "aliases:" not in taught.output and "does not know" not in taught.output


@pytest.mark.parametrize("writer", ["yaml", "xlsx", "csv"])
def test_the_aliases_block_survives_every_catalog_format(writer):
    from risk.catalog.writers import catalog_to_yaml, csv_zip_bytes, xlsx_bytes

    block = Aliases(providers={"Cisco": ["Duo status"]}, products={"Duo": ["DUO1 Authentication", "DUO1 Admin Panel"]})
    catalog = load_catalog(UNIVERSITY).model_copy(update={"aliases": block})
    data, name = {
        "yaml": (catalog_to_yaml(catalog).encode(), "c.yaml"),
        "xlsx": (xlsx_bytes(catalog), "c.xlsx"),
        "csv": (csv_zip_bytes(catalog), "c.zip"),
    }[writer]
    back = read_catalog(data, name=name)
    assert back.errors == []
    assert back.catalog.aliases == block


def test_an_alias_row_without_a_kind_is_a_located_error():
    from risk.catalog.writers import csv_zip_bytes

    catalog = load_catalog(UNIVERSITY).model_copy(update={"aliases": Aliases(products={"Duo": ["DUO1"]})})
    import io
    import zipfile

    source, buffer = zipfile.ZipFile(io.BytesIO(csv_zip_bytes(catalog))), io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for item in source.namelist():
            text = source.read(item)
            out.writestr(item, text.replace(b"product,Duo,DUO1", b"thing,Duo,DUO1") if item == "aliases.csv" else text)
    data = buffer.getvalue()
    problems = read_catalog(data, name="c.zip").errors
    assert [(str(p.location), p.message) for p in problems] == [
        (
            "c.zip/aliases.csv, row 2",
            "an alias row needs kind (provider or product) and name; got kind 'thing', name 'Duo'",
        )
    ]


def test_validate_reads_the_catalogs_own_aliases(tmp_path):
    text = UNIVERSITY.read_text(encoding="utf-8").replace("product: Duo\n", "product: Campus Duo\n", 1)
    plain, taught = tmp_path / "plain.yaml", tmp_path / "taught.yaml"
    plain.write_text(text, encoding="utf-8")
    taught.write_text(
        text + "\naliases:\n  products:\n    Duo: [Campus Duo]\n    Okta Workforce Identity: [Entra]\n",
        encoding="utf-8",
    )
    before = runner.invoke(app, ["validate", str(plain), "--format", "json"])
    after = runner.invoke(app, ["validate", str(taught), "--format", "json"])
    assert before.exit_code == after.exit_code == 0, after.output
    unknown = [p["message"] for p in json.loads(before.output)[0]["problems"] if "Campus Duo" in p["message"]]
    assert len(unknown) == 1
    problems = json.loads(after.output)[0]["problems"]
    assert not [p for p in problems if "Campus Duo" in p["message"]]
    assert [(p["location"], p["severity"]) for p in problems if "'Entra'" in p["message"]] == [
        (f"{taught} (aliases.products.Okta Workforce Identity)", "warning")
    ]


def test_a_status_page_named_unlike_any_provider_is_placed_by_the_closest_name():
    """A page called 'Duo Security Status' is guessed to be Cisco (its words hold the shipped alias 'Duo
    Security'), so its components go under Cisco's product Duo; 'Acme Cloud' is not Google ('Google Cloud'
    shares one word only)."""
    records = [
        OutageRecord.model_validate({**DUO_COMPONENT, "provider": "Duo Security Status"}),
        OutageRecord.model_validate({**DUO_COMPONENT, "id": "z", "provider": "Acme Cloud", "product": "Zed"}),
    ]
    text = suggest_aliases(records, ["DUO1 Authentication", "Zed"], load_aliases(), load_shipped_history())
    assert text.splitlines()[2:] == [
        "aliases:",
        "  providers:",
        "    Cisco: [Duo Security Status]  # its name is like 'duo security': check",
        "    Acme Cloud: [Acme Cloud]  # a provider the history does not know: rename to your catalog's",
        "  products:",
        "    Duo: [DUO1 Authentication]  # Duo Security Status's product in the history",
        "    Zed: [Zed]  # a product the history does not know: rename to the name your catalog uses",
    ]
    merged, problems = merge_aliases(load_aliases(), [("snippet", yaml.safe_load(text)["aliases"])])
    assert problems == []
    assert merged.provider("Duo Security Status") == "cisco" and merged.product("DUO1 Authentication") == "duo"
