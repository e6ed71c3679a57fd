"""The command line: validate, schema, convert, template and outages, as a user runs them."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from risk.catalog import load_catalog
from risk.cli import app
from tests.conftest import EXAMPLE_FILES, timeless
from tests.paths import DEFAULT_CATALOG, TEMPLATES

runner = CliRunner()


def test_validate_examples_exits_0():
    result = runner.invoke(app, ["validate", *map(str, EXAMPLE_FILES)])
    assert result.exit_code == 0, result.output
    assert result.output.count(": valid (") == 3


def test_validate_json_output(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("organisation: T\nservices: []\n")
    result = runner.invoke(app, ["validate", "--format", "json", str(bad)])
    assert result.exit_code == 2
    payload = json.loads(result.stdout)
    assert payload[0]["valid"] is False and payload[0]["problems"][0]["where"]["line"] == 2


def test_schema_is_json_schema_of_the_catalog():
    result = runner.invoke(app, ["schema"])
    schema = json.loads(result.output)
    assert schema["title"] == "Lynchpin catalog"
    assert set(schema["required"]) == {"organisation", "services"}


def test_convert_round_trips(tmp_path):
    for target in ("out.xlsx", "out.zip", "out.yaml", "folder"):
        result = runner.invoke(app, ["convert", str(DEFAULT_CATALOG), "-o", str(tmp_path / target)])
        assert result.exit_code == 0, result.output
        assert load_catalog(tmp_path / target) == load_catalog(DEFAULT_CATALOG)


def test_shipped_templates_are_current(tmp_path):
    from openpyxl import load_workbook

    runner.invoke(app, ["template", "-o", str(tmp_path / "t.xlsx")])
    fresh, shipped = load_workbook(tmp_path / "t.xlsx"), load_workbook(TEMPLATES / "catalog-template.xlsx")
    assert fresh.sheetnames == shipped.sheetnames
    for name in fresh.sheetnames:
        assert [list(r) for r in fresh[name].values] == [list(r) for r in shipped[name].values]
    runner.invoke(app, ["template", "-o", str(tmp_path / "csv")])
    for path in (TEMPLATES / "csv").iterdir():
        assert path.read_text() == (tmp_path / "csv" / path.name).read_text()


def test_outages_filters_by_provider_alias_and_capability():
    result = runner.invoke(
        app, ["outages", "--provider", "Azure Active Directory", "--capability", "mfa", "--format", "json"]
    )
    assert result.exit_code == 0
    records = json.loads(result.stdout)
    assert records and all("Entra ID" in r["product"] for r in records)
    assert {"microsoft-20250113", "microsoft-20181119"} <= {r["id"] for r in records}


def test_outages_table_lists_the_history():
    result = runner.invoke(app, ["outages", "--provider", "Cisco"])
    assert result.exit_code == 0 and "Outage history: 16 record(s)" in result.output


def test_outages_with_a_bad_incident_log_exits_2(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("id,provider\nx,Microsoft\n")
    result = runner.invoke(app, ["outages", "--file", str(log)])
    assert result.exit_code == 2 and "missing" in result.output


def test_assess_table_names_the_single_points_of_failure():
    result = runner.invoke(app, ["assess", str(DEFAULT_CATALOG), "--years", "1000"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "Clinical email and calendars" in result.output  # the name may wrap within its column
    services = result.output.split("Provider concentration")[0]
    assert "Entra ID sign-in" in services and "entra-signin," not in services  # named, not by id
    assert "Provider concentration" in result.output


def test_assess_json_is_the_contract_and_deterministic(tmp_path):
    args = ["assess", str(DEFAULT_CATALOG), "--years", "500", "--seed", "3", "--order", "2", "--format", "json"]
    first, second = runner.invoke(app, args), runner.invoke(app, args)
    a, b = json.loads(first.stdout), json.loads(second.stdout)
    assert a["settings"]["cut_set_order"] == 2 and a["settings"]["seed"] == 3
    assert timeless(a) == timeless(b)
    assert all(len(c) <= 2 for s in a["services"] for c in s["cut_sets"])


def test_assess_with_own_incident_log(tmp_path):
    log = tmp_path / "incidents.csv"
    log.write_text(
        "id,provider,product,capability,start,duration_minutes,severity,confidence\n"
        "ours-1,Microsoft,Azure AD,mfa,2026-10-01T08:00:00Z,600,major,high\n"
    )
    result = runner.invoke(
        app, ["assess", str(DEFAULT_CATALOG), "--years", "500", "--outages", str(log), "--format", "json"]
    )
    assert result.exit_code == 0
    mfa = next(d for d in json.loads(result.stdout)["dependencies"] if d["id"] == "entra-mfa")
    assert "ours-1" in mfa["record_ids"]


def test_assess_invalid_catalog_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("organisation: T\nservices: []\n")
    result = runner.invoke(app, ["assess", str(bad)])
    assert result.exit_code == 2 and "no services" in result.output


def test_validate_counts_dependencies_and_groups_apart():
    result = runner.invoke(app, ["validate", str(DEFAULT_CATALOG)])
    assert result.exit_code == 0 and "8 services, 22 dependencies and 2 groups" in result.output


def _changed_catalog(tmp_path):
    """The NHS example with the EPR also needing Entra sign-in: new single points of failure for it."""
    import yaml

    doc = yaml.safe_load(DEFAULT_CATALOG.read_text())
    for s in doc["services"]:
        if s["id"] == "epr":
            s["requires"] = [*s["requires"], "entra-signin"]
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def test_version_and_a_catalog_from_standard_input():
    from risk.version import __version__

    assert runner.invoke(app, ["--version"]).output.strip() == f"lynchpin {__version__}"
    result = runner.invoke(app, ["validate", "-"], input=DEFAULT_CATALOG.read_text())
    assert result.exit_code == 0 and "<stdin>: valid" in result.output
    result = runner.invoke(app, ["validate", "-"], input="organisation: [unclosed\n")
    assert result.exit_code == 2 and "<stdin>" in result.output


def test_one_format_option_and_the_old_spelling_still_works():
    new = runner.invoke(app, ["outages", "--provider", "Okta", "--format", "json"])
    old = runner.invoke(app, ["outages", "--provider", "Okta", "--json"])
    assert new.exit_code == old.exit_code == 0
    assert json.loads(new.stdout) == json.loads(old.stdout)
    assert "--json is now --format json" in old.stderr
    assert runner.invoke(app, ["validate", str(DEFAULT_CATALOG), "--format", "yaml"]).exit_code == 2


def test_diff_names_what_changed_in_the_catalog_and_its_assessment(tmp_path):
    changed = _changed_catalog(tmp_path)
    result = runner.invoke(app, ["diff", str(DEFAULT_CATALOG), str(changed), "--years", "1000", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [c["id"] for c in doc["catalog"]["services_changed"]] == ["epr"]
    assert doc["catalog"]["services_changed"][0]["fields"] == ["requires"]
    epr = next(m for m in doc["assessment"]["services"] if m["id"] == "epr")
    assert "entra-signin" in epr["single_points_added"]
    same = runner.invoke(app, ["diff", str(DEFAULT_CATALOG), str(DEFAULT_CATALOG), "--years", "1000"])
    assert "catalog: no change" in same.output and "no service's figures changed" in same.output


def test_diff_of_two_saved_assessments(tmp_path):
    for name, catalog in (("before", DEFAULT_CATALOG), ("after", _changed_catalog(tmp_path))):
        out = runner.invoke(app, ["assess", str(catalog), "--years", "1000", "--format", "json"])
        (tmp_path / f"{name}.json").write_text(out.stdout)
    result = runner.invoke(
        app, ["diff", str(tmp_path / "before.json"), str(tmp_path / "after.json"), "--format", "json"]
    )
    doc = json.loads(result.stdout)
    assert doc["catalog"] is None and any(m["id"] == "epr" for m in doc["assessment"]["services"])


def test_check_is_a_ci_gate(tmp_path):
    base = ["check", str(DEFAULT_CATALOG), "--years", "1000"]
    failing = runner.invoke(app, [*base, "--max-rating", "high"])
    assert failing.exit_code == 1 and "FAIL max-rating: Clinical email and calendars (NHSmail)" in failing.output
    assert runner.invoke(app, [*base, "--max-rating", "extreme"]).exit_code == 0
    assert runner.invoke(app, [*base, "--max-breach", "1"]).exit_code == 0
    assert runner.invoke(app, [*base, "--max-breach", "0.05"]).exit_code == 1
    changed = _changed_catalog(tmp_path)
    gate = runner.invoke(app, ["check", str(changed), "--no-new-spof", str(DEFAULT_CATALOG), "--years", "1000"])
    assert gate.exit_code == 1 and "Electronic patient record (hosted) has a new single point of failure" in gate.output
    assert runner.invoke(app, [*base, "--no-new-spof", str(DEFAULT_CATALOG)]).exit_code == 0
    assert runner.invoke(app, base).exit_code == 2  # no policy given
    assert runner.invoke(app, [*base, "--max-rating", "severe"]).exit_code == 2


def test_report_since_a_saved_assessment_says_what_changed(tmp_path):
    before = runner.invoke(app, ["assess", str(DEFAULT_CATALOG), "--years", "1000", "--format", "json"])
    (tmp_path / "before.json").write_text(before.stdout)
    changed = _changed_catalog(tmp_path)
    result = runner.invoke(
        app,
        [
            "report",
            str(changed),
            "--years",
            "1000",
            "--since",
            str(tmp_path / "before.json"),
            "-o",
            str(tmp_path),
            "--format",
            "html,xlsx",
        ],
    )
    assert result.exit_code == 0, result.output
    html = next(tmp_path.glob("*.html")).read_text()
    assert "Since the last assessment (before.json)" in html and "+Entra ID sign-in" in html
    from openpyxl import load_workbook

    sheet = load_workbook(next(tmp_path.glob("*.xlsx")))["since last assessment"]
    assert "Electronic patient record (hosted)" in [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)]


def test_assess_of_a_catalog_whose_cut_sets_explode_exits_2_with_the_fix(tmp_path, monkeypatch):
    """60 dependencies in six groups of ten have a million cut sets of order 6: past the budget, assess
    says where and what to lower, with no traceback, instead of filling the machine's memory."""
    import yaml

    from risk import limits

    groups = [[f"d{g}-{i}" for i in range(10)] for g in range(6)]
    deps = [
        {"id": x, "name": x, "provider": "P", "product": x, "capability": "compute", "annual_outages": 1}
        for g in groups
        for x in g
    ]
    service = {"id": "svc", "name": "Payments", "tier": 1, "impact_tolerance": "4h"}
    service["requires"] = [{"any_of": [{"all_of": g} for g in groups]}]
    path = tmp_path / "bomb.yaml"
    path.write_text(yaml.safe_dump({"organisation": "T", "services": [service], "dependencies": deps}))
    monkeypatch.setattr(limits, "MAX_CUT_SETS", 20_000)  # the default (a million) takes seconds to reach
    result = runner.invoke(app, ["assess", str(path), "--no-history", "--order", "6", "--years", "100"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "cut sets of service 'Payments' up to order 6" in result.output
    assert "set cut_set_order to 5 or less" in result.output


def test_assess_on_a_terminal_shows_its_progress_bar_and_its_table():
    """With stderr on a terminal, assess draws a rich progress bar there (off a terminal rich is never
    loaded): the bar must get a real console, or it fails at exit with the table already printed."""
    import os
    import pty
    import subprocess
    import sys
    import threading

    primary, secondary = pty.openpty()
    seen: list[bytes] = []

    def drain() -> None:  # keep the terminal's buffer empty so the child never blocks writing to it
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:
                return
            if not chunk:
                return
            seen.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "risk.cli", "assess", str(DEFAULT_CATALOG), "--years", "200"],
            stdout=subprocess.PIPE,
            stderr=secondary,
            timeout=120,
        )
    finally:
        os.close(secondary)
    reader.join(timeout=10)
    os.close(primary)
    terminal = b"".join(seen).decode("utf-8", "replace")
    assert done.returncode == 0, terminal
    assert "Traceback" not in terminal and "Error" not in terminal, terminal
    assert "Services" in done.stdout.decode("utf-8")


def test_the_command_never_looks_for_pydantic_plugins_unless_told_to():
    """`lynchpin` runs with pydantic's plugins off: no scan of every installed package's metadata, and no
    third-party hook sees the catalogs it validates. A user who sets PYDANTIC_DISABLE_PLUGINS keeps it."""
    import os
    import subprocess
    import sys

    code = (  # main() ends the process itself: what is seen at the end is printed by an exit handler
        "import atexit, os, sys\nfrom risk.cli import main\n"
        "def seen():\n    import pydantic.plugin._loader as plugins\n"
        "    print(plugins._plugins is None, os.environ['PYDANTIC_DISABLE_PLUGINS'], file=sys.stderr)\n"
        "atexit.register(seen)\n"
        f"sys.argv = ['lynchpin', 'assess', {str(DEFAULT_CATALOG)!r}, '--years', '100', '--format', 'json']\n"
        "main()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "True __all__"
    env["PYDANTIC_DISABLE_PLUGINS"] = "some-plugin"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert done.stderr.strip().splitlines()[-1] == "False some-plugin"


def _lynchpin(*args: str, before: str = "", timeout: float = 120):
    """`lynchpin ARGS` through main() in a fresh interpreter, with `before` run first; its output buffered,
    as it is when a user pipes it (PYTHONUNBUFFERED would hide an output left unflushed)."""
    import os
    import subprocess
    import sys

    code = f"import sys\n{before}\nfrom risk.cli import main\nsys.argv = ['lynchpin', *{list(args)!r}]\nmain()\n"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, env=env)


def test_the_quick_exit_keeps_the_whole_output_the_exit_code_and_the_exit_handlers(tmp_path):
    """main() ends the process without the interpreter's teardown: every byte of a long output still
    arrives, exit handlers registered before or during the run still run, and invalid input still exits 2
    with its problems."""
    mark = tmp_path / "handler-ran"
    done = _lynchpin(
        "assess",
        str(DEFAULT_CATALOG),
        "--years",
        "100",
        "--format",
        "json",
        before=(
            f"import atexit, pathlib\natexit.register(pathlib.Path({str(mark)!r}).write_text, 'yes')\n"
            "atexit.register(lambda: sys.stdout.write(chr(10) + 'LAST-LINE'))"  # left unflushed by the handler
        ),
    )
    assert done.returncode == 0, done.stderr
    assert len(done.stdout) > 65_536  # more than a pipe holds
    assessment, last = done.stdout.rstrip().rsplit(chr(10), 1)
    assert json.loads(assessment)["services"] and last == "LAST-LINE"
    assert mark.read_text() == "yes"
    bad = tmp_path / "bad.yaml"
    bad.write_text("organisation: X\nservices:\n- id: s\n  name: S\n  tier: 7\n", encoding="utf-8")
    done = _lynchpin("assess", str(bad))
    assert done.returncode == 2
    assert "tier" in done.stderr and "Traceback" not in done.stderr
    done = _lynchpin("--version")
    assert done.returncode == 0 and done.stdout.startswith("lynchpin ")


def test_the_quick_exit_steps_aside_for_a_running_thread_or_a_message(monkeypatch):
    """With another thread alive, or a message instead of a number, main() leaves the normal way (Python
    waits for the thread, prints the message); otherwise handlers run, then os._exit with the code."""
    import atexit
    import os
    import threading

    import pytest

    from risk import cli

    calls: list[object] = []
    monkeypatch.setattr(atexit, "_run_exitfuncs", lambda: calls.append("handlers"))
    monkeypatch.setattr(os, "_exit", lambda code: calls.append(code))
    monkeypatch.setattr(threading, "active_count", lambda: 1)  # other tests may have left threads running
    cli._leave(2)
    cli._leave(None)
    assert calls == ["handlers", 2, "handlers", 0]
    with pytest.raises(SystemExit) as left:
        cli._leave("no catalog given")
    assert left.value.code == "no catalog given"
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    with pytest.raises(SystemExit) as left:
        cli._leave(0)
    assert left.value.code == 0 and calls == ["handlers", 2, "handlers", 0]
