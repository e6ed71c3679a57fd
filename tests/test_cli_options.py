"""The command line's shared options behave the same in every command: --format is one case-insensitive
choice of table or json (anything else exits 2 naming the choices), and --years, --seed and --order take
their ranges and defaults from risk.settings.Settings. Problems the core locates at a setting or an input
name it; the command line adds its own flag."""

from __future__ import annotations

import json

import pytest
import typer.main
from typer.testing import CliRunner

import risk.cli as cli
from risk.cli import app
from risk.settings import Settings
from tests.paths import DEFAULT_CATALOG

runner = CliRunner()


def _commands(group, prefix: str = ""):
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from _commands(command, f"{prefix}{name} ")
        yield f"{prefix}{name}", command


COMMANDS = dict(_commands(typer.main.get_command(app)))


def test_every_format_option_is_the_same_case_insensitive_choice():
    seen = []
    for name, command in COMMANDS.items():
        for param in command.params:
            if "--format" in getattr(param, "opts", ()) and name != "report":  # report: a list of file formats
                assert param.type_descriptor.annotation is cli.OutputFormat, name
                assert not param.type_descriptor.parameter_info.case_sensitive, name
                seen.append(name)
    assert {"validate", "assess", "recommend", "scenario", "outages", "diff", "incident"} <= set(seen), seen


def test_the_formats_are_table_and_json():
    assert [f.value for f in cli.OutputFormat] == ["table", "json"]


def test_an_unknown_format_exits_2_naming_the_choices():
    result = runner.invoke(app, ["recommend", str(DEFAULT_CATALOG), "--format", "xml"])
    assert result.exit_code == 2
    assert "'xml' is not one of 'table', 'json'" in result.output


@pytest.mark.parametrize("spelling", ["json", "JSON", "Json"])
def test_format_is_case_insensitive_everywhere(spelling):
    validated = runner.invoke(app, ["validate", str(DEFAULT_CATALOG), "--format", spelling])
    assert validated.exit_code == 0 and json.loads(validated.stdout)[0]["valid"] is True
    assessed = runner.invoke(app, ["assess", str(DEFAULT_CATALOG), "--exact", "--format", spelling])
    assert assessed.exit_code == 0, assessed.output
    assert "services" in json.loads(assessed.stdout)


@pytest.mark.parametrize(
    ("setting", "declared"),
    [("simulated_years", cli.YEARS_RANGE), ("seed", cli.SEED_RANGE), ("cut_set_order", cli.ORDER_RANGE)],
)
def test_the_shared_options_take_their_ranges_and_defaults_from_settings(setting, declared):
    field = Settings.model_fields[setting]
    bounds = {k: getattr(m, k) for m in field.metadata for k in ("ge", "le") if getattr(m, k, None) is not None}
    assert declared == (bounds["ge"], bounds["le"], field.default)
    flag = cli.SETTING_FLAGS[setting]
    for name, command in COMMANDS.items():
        for param in command.params:
            if flag in getattr(param, "opts", ()):
                low = 0 if (name, flag) == ("assess", "--years") else declared[0]  # assess: 0 is the exact part
                assert (param.min, param.max) == (low, declared[1]), name
                if param.help and "(" in param.help and "not used" not in param.help:
                    assert f"({declared[2]})" in param.help, (name, param.help)


@pytest.mark.parametrize(
    ("flag", "value", "ok"),
    [
        ("--years", "2000000", True),
        ("--years", "2000001", False),
        ("--seed", "-1", False),
        ("--order", "7", False),
        ("--order", "6", True),
    ],
)
def test_the_shared_ranges_are_enforced_at_the_flag(flag, value, ok):
    """--format xml is refused too, after the range (options are checked in their order, before any work): a
    value in range reaches it, one out of range stops at its own flag."""
    result = runner.invoke(app, ["assess", str(DEFAULT_CATALOG), flag, value, "--format", "xml"])
    assert result.exit_code == 2
    assert (f"'{flag}'" in result.output) is not ok, result.output
    assert ("'--format'" in result.output) is ok


def test_a_setting_the_core_refuses_gets_the_command_line_flag_as_its_hint():
    result = runner.invoke(app, ["assess", str(DEFAULT_CATALOG), "--years", "50"])
    assert result.exit_code == 2
    assert "setting 'simulated_years'" in result.stderr and "(on the command line: --years)" in result.stderr


def _flag_mentions(path) -> list[str]:
    """String text inside Problem(...), Location(...) and years_fix that names a command-line flag."""
    import ast
    import re

    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        calls = isinstance(node, ast.Call) and ast.unparse(node.func) in ("Problem", "Location")
        if calls or (isinstance(node, ast.FunctionDef) and node.name == "years_fix"):
            body = node.body[1:] if isinstance(node, ast.FunctionDef) else [node]  # skip a docstring
            for part in body:
                for const in ast.walk(part):
                    text = const.value if isinstance(const, ast.Constant) else None
                    if isinstance(text, str) and re.search(r"(^|\s|\()--[a-z]", text):
                        found.append(f"{path.name}:{const.lineno} {text!r}")
    return found


def test_core_problems_name_settings_and_inputs_not_command_line_flags():
    from tests.paths import PROJECT_ROOT

    package = PROJECT_ROOT / "risk"
    found = [m for p in sorted(package.rglob("*.py")) if p.name != "cli.py" for m in _flag_mentions(p)]
    assert found == []


@pytest.mark.parametrize(
    ("location", "hint", "added"),
    [
        (("settings", "simulated_years"), "see docs", "on the command line: --years"),
        (
            ("catalog.yaml", ""),
            "ask for 10,000 simulated years or fewer (simulated_years to 10,000 or less)",
            "--years 10000",
        ),
        (
            ("settings", "cut_set_order"),
            "set cut_set_order to 2 or less (in the catalog's settings block)",
            "--order 2",
        ),
        (("down", ""), "use a dependency id", "on the command line: --down"),
        (("replay", ""), "", "on the command line: --replay"),
        (("until", ""), "", "on the command line: --until"),
        (("catalog.yaml", ""), "fix the id", ""),
    ],
)
def test_the_command_line_adds_its_flag_to_what_the_core_names(location, hint, added):
    from risk.problems import Location, Problem

    got = cli._flag_hint(Problem("x", Location(location[0], path=location[1]), hint))
    assert (added in got) if added else got == ""


def test_an_unknown_dependency_to_take_down_names_the_flag_on_the_command_line():
    result = runner.invoke(app, ["scenario", str(DEFAULT_CATALOG), "--down", "no-such-thing", "--for", "1h"])
    assert result.exit_code == 2
    assert "unknown dependency 'no-such-thing'" in result.stderr and "(on the command line: --down)" in result.stderr


@pytest.mark.parametrize(
    ("location", "hint", "added"),
    [
        (("settings", "simulated_years"), "see docs", "on the Settings page: Simulated years"),
        (("catalog.yaml", ""), "set simulated_years to 10,000 or less", "on the Settings page: Simulated years"),
        (("settings", "cut_set_order"), "", "on the Settings page: Largest cut set listed"),
        (("catalog.yaml", ""), "fix the id", ""),
    ],
)
def test_the_dashboard_adds_its_field_to_what_the_core_names(location, hint, added):
    from risk.dashboard.hints import field_hint
    from risk.problems import Location, Problem

    assert field_hint(Problem("x", Location(location[0], path=location[1]), hint)) == added


def test_the_dashboard_field_labels_are_the_settings_page_labels():
    from risk.dashboard.hints import SETTING_FIELDS
    from tests.paths import PROJECT_ROOT

    page = (PROJECT_ROOT / "risk" / "dashboard" / "pages" / "settings.py").read_text(encoding="utf-8")
    for setting, label in SETTING_FIELDS.items():
        assert setting in Settings.model_fields and f'number_input("{label}"' in page, setting


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("years", "refused"), [("1", True), ("2000", True), ("0", False)])
def test_exact_with_a_number_of_years_is_refused_not_silently_dropped(years, refused):
    """--exact simulates nothing: --years 1 (the least that simulates) or more with it is refused, located at
    --years, with what to drop; --years 0 means the same as --exact and is taken."""
    done = runner.invoke(app, ["assess", str(DEFAULT_CATALOG), "--no-history", "--exact", "--years", years])
    if refused:
        assert done.exit_code == 2
        assert "command line (--years): error: --exact works out the exact part alone" in done.output
        assert "drop --years for the exact part alone, or drop --exact" in done.output
    else:
        assert done.exit_code == 0, done.output
        assert "exact part only" in done.output
