"""Every importer and CLI path catches its own failures (issue 24, finding 6): a deeply nested document, a
number too large to hold, a CSV field over the csv module's limit, a mapping of the wrong shape and an
output path that cannot be written each end in a located message and exit 2, never in a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from risk.cli import app
from risk.interchange.backstage import from_backstage
from risk.interchange.incidents import import_incidents
from risk.interchange.servicenow import from_servicenow, read_mapping
from risk.problems import InputError
from tests.paths import DEFAULT_CATALOG, PROJECT_ROOT

runner = CliRunner()
SERVICENOW = PROJECT_ROOT / "tests" / "data" / "servicenow"
NESTED = "[" * 5000 + "]" * 5000  # 10 KB
NESTED_OBJECT = '{"a":' * 2000 + "1" + "}" * 2000
BIG_FIELD = "x" * 131_073  # one over the csv module's field limit


@pytest.fixture(params=[1000, 20_000], ids=["default-recursion-limit", "after-an-assessment"])
def recursion_limit(request):
    """Python's default recursion limit, and the one in force once the exact engine has run (it raises it
    to 20,000): a nested document fails to parse under the first and parses under the second, and either
    way must end in a located message."""
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(request.param)
    yield request.param
    sys.setrecursionlimit(before)


def _refused(args: list[str], *fragments: str) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    for fragment in fragments:
        assert fragment in result.output, result.output
    return result.output


@pytest.mark.parametrize("source", ["m365", "statuspage", "gcp"])
@pytest.mark.parametrize("text", [NESTED, NESTED_OBJECT], ids=["array", "object"])
def test_a_deeply_nested_incident_export_is_refused_with_its_name(tmp_path, source, text, recursion_limit):
    path = tmp_path / "export.json"
    path.write_text(text)
    with pytest.raises(InputError) as refused:  # what the dashboard's Settings page catches
        import_incidents(text.encode(), source, "export.json")
    why = "nested too deeply" if recursion_limit == 1000 else f"not a {source} incident export"
    assert why in str(refused.value) and "export.json" in str(refused.value)
    _refused(["outages", "import", "--from", source, str(path), "-o", str(tmp_path / "log.csv")], f"{path}", why)


def test_an_incident_export_with_an_infinite_number_is_refused(tmp_path):
    text = (
        '{"incidents": [{"id": "a", "name": "x", "impact": "major", "started_at": 1e999, "resolved_at": 1e999, '
        '"components": [{"name": "Okta Verify"}]}]}'
    )
    (tmp_path / "okta.json").write_text(text)
    _refused(
        ["outages", "import", "--from", "statuspage", str(tmp_path / "okta.json")], "okta.json", "not a statuspage"
    )


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("deep.json", NESTED, "deep"),
        (
            "users.json",
            '{"organisation": "A", "services": [{"id": "s", "name": "S", "tier": 1, '
            '"impact_tolerance": "4h", "users": 1e999}]}',
            "infinite",
        ),
        ("list.yaml", "- a\n- b\n", "mapping"),
    ],
)
def test_catalogs_that_cannot_be_read_exit_2_from_validate_and_assess(tmp_path, name, text, message, recursion_limit):
    path = tmp_path / name
    path.write_text(text)
    _refused(["validate", str(path)], str(path), message)
    _refused(["assess", str(path)], str(path), message)


def test_an_incident_log_with_a_huge_field_or_nesting_exits_2(tmp_path, recursion_limit):
    (tmp_path / "log.csv").write_text(f'id,provider,summary\nm,Microsoft,"{BIG_FIELD}"\n')
    (tmp_path / "log.json").write_text(NESTED)
    _refused(["outages", "--no-history", "--file", str(tmp_path / "log.csv")], "field larger than field limit")
    _refused(["outages", "--no-history", "--file", str(tmp_path / "log.json")], "log.json", "deep")


# --- ServiceNow -----------------------------------------------------------------------------------------


def _servicenow(tmp_path: Path, mapping: str | None = None, services: str | None = None) -> list[str]:
    args = ["import", "servicenow"]
    if services is None:
        args.append(str(SERVICENOW / "business-services.csv"))
    else:
        (tmp_path / "services.csv").write_text(services)
        args.append(str(tmp_path / "services.csv"))
    args.append(str(SERVICENOW / "relationships.csv"))
    if mapping is not None:
        (tmp_path / "mapping.yaml").write_text(mapping)
        args += ["--mapping", str(tmp_path / "mapping.yaml")]
    return [*args, "-o", str(tmp_path / "catalog.yaml")]


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ("- a\n- b\n", "must be a YAML mapping"),
        ("columns: [name]\n", "'columns' must be a mapping"),
        ("defaults: 4h\n", "'defaults' must be a mapping"),
        ("needs: 5\n", "'needs' must be a list"),
        ("needs: [[x]]\n", "'needs' must be a list"),
        ("items: {match: x}\n", "'items' must be a list"),
        ("items: [5]\n", "items[0] must be a mapping"),
        ("items: [{match: x}, {match: [x]}]\n", "items[1].match must be text"),
        ("items: [{match: '(('}]\n", "items[0].match is not a regular expression"),
        (NESTED, "nested too deeply|must be a YAML mapping|maximum nesting depth"),
        ("a: [\n", "not YAML|not valid YAML"),
    ],
)
def test_a_servicenow_mapping_of_the_wrong_shape_is_refused_with_where(tmp_path, mapping, message, recursion_limit):
    result = runner.invoke(app, _servicenow(tmp_path, mapping))
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert any(m in result.output for m in message.split("|")), result.output
    # What the dashboard's Catalog page catches: ValueError for a wrong shape, InputError (located) for a file
    # that is not YAML or too deeply nested (read_mapping reads with the catalog's YAML limits).
    with pytest.raises((ValueError, InputError), match=r"mapping"):
        from_servicenow(
            (SERVICENOW / "business-services.csv").read_bytes(),
            (SERVICENOW / "relationships.csv").read_bytes(),
            read_mapping(mapping),
        )


@pytest.mark.parametrize("users", ["1e999", "inf", "nan", "-1e400"])
def test_servicenow_numbers_too_large_to_hold_are_refused(tmp_path, users):
    services = f"name,sys_id,busines_criticality,u\nPay,1,1 - most critical,{users}\n"
    _refused(_servicenow(tmp_path, "columns: {users: u}\n", services), "service 'Pay', column 'u'", users)


def test_a_servicenow_field_over_the_csv_limit_is_refused_with_its_line(tmp_path):
    services = f'name,sys_id\nPay,1\n"{BIG_FIELD}",2\n'
    _refused(_servicenow(tmp_path, services=services), "the services export, line 3", "field larger")


def test_a_field_at_the_csv_limit_is_read(tmp_path):
    result = runner.invoke(app, _servicenow(tmp_path, services=f'name,sys_id\n"{BIG_FIELD[:-1]}",1\n'))
    assert result.exit_code in (0, 2) and result.exception is None or isinstance(result.exception, SystemExit)
    assert "field larger" not in result.output


# --- output paths ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("folder.yaml", "it is a folder"),
        ("missing/x.yaml", "does not exist"),
        ("file.txt/x.yaml", "does not exist (or is not a folder)"),
        ("file.txt/folder", "does not exist (or is not a folder)"),
    ],
)
def test_convert_to_a_place_it_cannot_write_exits_2(tmp_path, target, message):
    (tmp_path / "folder.yaml").mkdir()
    (tmp_path / "file.txt").write_text("x")
    _refused(
        ["convert", str(DEFAULT_CATALOG), "-o", str(tmp_path / target)], f"cannot write {tmp_path / target}", message
    )


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("folder.xlsx", "it is a folder"),
        ("missing/x.zip", "does not exist"),
        ("file.txt/x.xlsx", "does not exist (or is not a folder)"),
        ("file.txt/folder", "does not exist (or is not a folder)"),
    ],
)
def test_template_to_a_place_it_cannot_write_exits_2(tmp_path, target, message):
    (tmp_path / "folder.xlsx").mkdir()
    (tmp_path / "file.txt").write_text("x")
    _refused(["template", "-o", str(tmp_path / target)], f"cannot write {tmp_path / target}", message)


def test_exports_to_a_folder_exit_2(tmp_path):
    (tmp_path / "out.xml").mkdir()
    _refused(
        ["export", "mef", str(DEFAULT_CATALOG), "-o", str(tmp_path / "out.xml"), "--years", "200"], "it is a folder"
    )


# --- Backstage ------------------------------------------------------------------------------------------

_ENTITY = "apiVersion: backstage.io/v1alpha1\nkind: Component\n"


@pytest.mark.parametrize(
    "text",
    [
        _ENTITY + "metadata: 5\nspec: {type: service}\n",
        _ENTITY + "metadata: {name: a}\nspec: [1]\n",
        _ENTITY + "metadata: {name: a}\nspec: {type: service, dependsOn: 5}\n",
        _ENTITY + "metadata: {name: a, annotations: [1]}\nspec: {type: service}\n",
        _ENTITY + "metadata: {name: a, annotations: {lynchpin.io/tier: '1e999'}}\nspec: {type: service}\n",
        _ENTITY + "metadata: {name: a, annotations: {lynchpin.io/users: .inf}}\nspec: {type: service}\n",
    ],
    ids=["metadata", "spec", "dependsOn", "annotations", "tier", "users"],
)
def test_a_backstage_entity_of_the_wrong_shape_is_a_value_error_and_exit_2(tmp_path, text):
    with pytest.raises(ValueError, match="an entity has a shape this cannot read"):  # the dashboard catches it
        from_backstage(text)
    (tmp_path / "catalog-info.yaml").write_text(text)
    _refused(["import", "backstage", str(tmp_path / "catalog-info.yaml"), "-o", str(tmp_path / "c.yaml")], "shape")
