"""The `lynchpin` command: a thin layer over the public API. Every command that shows figures builds one
risk.Run (catalog, history, settings, aliases) and prints what it computed, so the same catalog gives the
same numbers here, in the dashboard and in every report.

Exit codes: 0 success, 2 invalid input (with every problem printed), 1 anything else.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from risk.data import MissingData
from risk.interchange.importers import CatalogImporter, catalog_importers, incident_importers
from risk.problems import InputError, Location, Problem

if TYPE_CHECKING:
    from risk.run import Run

# The engine, pydantic models, numpy and the readers are imported inside the commands that use them, so
# `lynchpin --help` (and a mistyped command) answer at once.


def read_catalog(source, *args, **kwargs):
    """A catalog from a path, or from standard input when the path is '-' (its form is sniffed)."""
    from risk.catalog.load import read_catalog as read

    if str(source) == "-":
        from risk.catalog.sources.base import MAX_INPUT_BYTES

        return read(sys.stdin.buffer.read(MAX_INPUT_BYTES + 1), *args, **({"name": "<stdin>"} | kwargs))
    return read(source, *args, **kwargs)


#: The one --format of the commands that print a result: table or json, in either case (json, JSON, Json);
#: anything else is refused by the option itself (exit 2, naming the choices).
class OutputFormat(StrEnum):
    table = "table"
    json = "json"


FormatOption = Annotated[OutputFormat, typer.Option("--format", case_sensitive=False, help="table or json")]


#: The settings the command line sets, with their flag and (lowest, highest, default) as risk.settings.Settings
#: declares them: copied here so that `lynchpin --help` need not load pydantic; tests/test_cli_options.py
#: checks them against Settings.
SETTING_FLAGS = {"simulated_years": "--years", "seed": "--seed", "cut_set_order": "--order"}
YEARS_RANGE = (100, 2_000_000, 20_000)
SEED_RANGE = (0, 2**32 - 1, 1)
ORDER_RANGE = (1, 6, 3)
#: What the core calls the other things a command line gives it (a problem's location), and the flag of each.
INPUT_FLAGS = {"replay": "--replay", "down": "--down", "until": "--until", "now": "--now", "since": "--since"}

YearsOption = Annotated[
    int | None,
    typer.Option("--years", min=YEARS_RANGE[0], max=YEARS_RANGE[1], help=f"Simulated years ({YEARS_RANGE[2]})."),
]
SeedOption = Annotated[
    int | None, typer.Option("--seed", min=SEED_RANGE[0], max=SEED_RANGE[1], help=f"Random seed ({SEED_RANGE[2]}).")
]
OrderOption = Annotated[
    int | None,
    typer.Option(
        "--order", min=ORDER_RANGE[0], max=ORDER_RANGE[1], help=f"Largest cut set to list ({ORDER_RANGE[2]})."
    ),
]


def _flag_hint(p: Problem) -> str:
    """The command line's own hint for a problem the core located at, or whose fix names, a setting (with the
    value it suggests, when it says "SETTING to N") or an input the command line gives by a flag."""
    import re

    loc = p.location
    if loc.file in INPUT_FLAGS:
        return f"on the command line: {INPUT_FLAGS[loc.file]}"
    flags = []
    for setting, flag in SETTING_FLAGS.items():
        said = re.search(rf"\b{setting}\b(?: to ([\d,]+))?", p.hint)
        if said:
            flags.append(f"{flag} {said.group(1).replace(',', '')}" if said.group(1) else flag)
        elif loc.file == "settings" and loc.path == setting:
            flags.append(flag)
    return f"on the command line: {', '.join(flags)}" if flags else ""


def _format(fmt: str | None, as_json: bool, allowed: tuple[str, ...] = ("table", "json")) -> str:
    """The one --format option; --json still works, with a notice."""
    if as_json:
        err.print("note: --json is now --format json (it still works)", markup=False)
        return "json"
    fmt = (fmt or allowed[0]).lower()
    if fmt not in allowed:
        err.print(f"--format must be {' or '.join(allowed)}", markup=False)
        raise typer.Exit(2)
    return fmt


def read_outages(*args, **kwargs):
    from risk.history.load import read_outages as read

    return read(*args, **kwargs)


def default_history_paths():
    from risk.history.load import default_history_paths as paths

    return paths()


__all__ = ["app", "main"]

app = typer.Typer(
    name="lynchpin",
    help="Dependency risk assessment: single points of failure, outage history, tolerance-breach risk.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class _Console:
    """A rich Console made on first use: a run that writes JSON never loads rich (a twentieth of a second).

    Its `print` reads no markup unless the caller passes markup=True (and then escapes the user text it
    puts in, as _print_problems does), and removes terminal control sequences from text: file names, ids
    and names are user text, and `[/bold]` in one must print as written, not end in a MarkupError."""

    def __init__(self, stderr: bool) -> None:
        self._stderr = stderr

    @functools.cached_property
    def console(self):
        """The rich Console itself, for what takes one (a progress bar, the renderers)."""
        from rich.console import Console

        if self._stderr:
            return Console(stderr=True, highlight=False, soft_wrap=True)
        return Console(highlight=False, width=None if sys.stdout.isatty() else 200)

    def print(self, *objects, markup: bool = False, **kwargs) -> None:
        from risk.untrusted import terminal_text

        shown = [terminal_text(o) if isinstance(o, str) else o for o in objects]
        self.console.print(*shown, markup=markup, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self.console, name)


out = _Console(stderr=False)
err = _Console(stderr=True)


def _show_version(value: bool) -> None:
    if value:
        from risk.version import __version__

        out.print(f"lynchpin {__version__}")
        raise typer.Exit(0)


@app.callback()
def _options(
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Dependency risk assessment: single points of failure, outage history, tolerance-breach risk.

    A catalog argument may be '-' to read the catalog from standard input."""
    _refuse_bad_configuration()


def _refuse_bad_configuration() -> None:
    """A LYNCHPIN_ variable with a bad value stops every command with one line each (the variable, its value,
    what is allowed) and exit 2. Nothing to check (and nothing imported) when none is set."""
    import os

    if not any(k.upper().startswith("LYNCHPIN_") for k in os.environ):
        return
    from risk.config import config_problems

    problems = config_problems()
    for p in problems:
        err.print(f"{p.location}: {p.message}; {p.hint}", markup=False, soft_wrap=True)
    if problems:
        raise typer.Exit(2)


def _print_problems(problems: list[Problem]) -> None:
    if not problems:  # nothing to print (and rich stays unloaded for a command that writes JSON)
        return
    from rich.markup import escape

    from risk.untrusted import terminal_text

    for p in problems:
        colour = "red" if p.severity == "error" else "yellow"
        where, what = escape(terminal_text(p.location)), escape(terminal_text(p.message))
        err.print(f"[bold]{where}[/bold]: [{colour}]{p.severity}[/{colour}]: {what}", markup=True)
        if p.hint:
            err.print(f"    fix: {p.hint}", markup=False)
        if flag := _flag_hint(p):
            err.print(f"    ({flag})", markup=False)


def _refusing_bad_input(command):
    """Run a command so that input it cannot use (over the work limits, an unknown record, a missing data
    file) ends in the located problems and exit 2, never in a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except InputError as exc:
            _print_problems(exc.problems)
            raise typer.Exit(2) from None
        except MissingData as exc:
            err.print(str(exc), markup=False)
            raise typer.Exit(1) from None

    return wrapper


def _has_offset(text: str) -> bool:
    """Whether an ISO 8601 date-time names its offset (Z, +01:00, -0500)."""
    import re

    return bool(re.search(r"(Z|[+-]\d{2}:?\d{2})$", text.strip(), re.IGNORECASE))


#: The one --aliases option of every command that matches records to dependencies.
AliasFiles = Annotated[
    list[Path] | None,
    typer.Option(
        "--aliases",
        help="Your names for providers and products (YAML: providers:/products:, each name -> other names); "
        "added to the shipped table and the catalog's aliases block, and they win.",
    ),
]


def _alias_layers(files: list[Path] | None) -> list[tuple[str, object]]:
    """The --aliases files as (name, document) layers; every problem printed and exit 2 when one is unusable."""
    from risk.history.aliases import read_alias_file

    layers, problems = [], []
    for path in files or []:
        doc, found = read_alias_file(_read(path), str(path))
        problems += found
        layers.append((str(path), doc))
    _print_problems(problems)
    if any(p.severity == "error" for p in problems):
        raise typer.Exit(2)
    return layers


def _run(
    catalog: Path,
    outages: list[Path] | None,
    no_history: bool = False,
    all_problems: bool = False,
    overrides: dict | None = None,
    aliases: list[Path] | None = None,
    show_notes: bool = True,
    exact: bool = False,
) -> Run:
    """The one Run behind a command's output; prints every problem and exits 2 when an input is invalid.
    The notes on the inputs (aliases overriding the shipped table, your records folded into shipped ones)
    are printed unless the command shows them with its results (`show_notes=False`). `exact`: only the exact
    part will be computed, so the simulation's budget is not checked."""
    report = read_catalog(catalog, simulated_years=0 if exact else (overrides or {}).get("simulated_years"))
    _print_problems(report.problems if all_problems else report.errors)
    if report.catalog is None:
        raise typer.Exit(2)
    layers = _alias_layers(aliases)
    sources = ([] if no_history else default_history_paths()) + list(outages or [])
    history = read_outages(sources)
    _print_problems(history.problems)
    if not history.ok:
        raise typer.Exit(2)
    from risk.run import Run

    shipped, yours, where = history.split()
    try:
        run = Run.build(
            report.catalog,
            shipped,
            overrides,
            sources=[p.name for p in sources],
            user_aliases=layers,
            incident_log=yours,
            incident_origins=where,
            catalog_name=str(catalog),
        )
    except InputError as exc:
        _print_problems(exc.problems)
        raise typer.Exit(2) from None
    if show_notes:
        _print_problems(list(run.notes))
    return run


@app.command()
def validate(
    catalogs: Annotated[list[Path], typer.Argument(help="Catalog files (YAML, JSON, XLSX, CSV zip) or CSV folders.")],
    fmt: FormatOption = OutputFormat.table,
    as_json: Annotated[bool, typer.Option("--json", hidden=True, help="Old spelling of --format json.")] = False,
) -> None:
    """Check catalogs and report every problem with its location. Exit 2 when any is invalid."""
    as_json = _format(fmt, as_json) == "json"
    invalid = 0
    results = []
    history = read_outages(default_history_paths())
    for path in catalogs:
        report = read_catalog(path)
        if report.catalog is not None and history.ok:
            from risk.history.aliases import load_aliases, merge_aliases
            from risk.history.match import unrecognised_products

            table = load_aliases()
            if report.catalog.aliases is not None:  # the catalog's own names, and where they override ours
                table, notes = merge_aliases(table, [(report.source, report.catalog.aliases.model_dump(), "aliases")])
                report.problems += notes
            report.problems += unrecognised_products(report.catalog, history.records, table, where=report.source)
        invalid += not report.ok
        results.append(
            {"catalog": report.source, "valid": report.ok, "problems": [p.to_dict() for p in report.problems]}
        )
        if not as_json:
            _print_problems(report.problems)
            if report.ok:
                c = report.catalog
                assert c is not None
                from risk.presentation.format import catalog_size

                out.print(
                    f"{report.source}: valid ({catalog_size(c)}"
                    f"{', ' + str(len(report.warnings)) + ' warning(s)' if report.warnings else ''})"
                )
            else:
                out.print(f"{report.source}: INVALID ({len(report.errors)} error(s))")
    if as_json:
        out.print_json(json.dumps(results))
    raise typer.Exit(2 if invalid else 0)


@app.command()
@_refusing_bad_input
def assess(
    catalog: Annotated[Path, typer.Argument(help="The catalog to assess (YAML, JSON, XLSX, CSV zip or folder).")],
    outages: Annotated[
        list[Path] | None, typer.Option("--outages", help="Your own incident log(s), added to the shipped history.")
    ] = None,
    no_history: Annotated[bool, typer.Option("--no-history", help="Leave out the shipped outage history.")] = False,
    order: OrderOption = None,
    years: Annotated[
        int | None,
        typer.Option(
            "--years",
            min=0,
            max=YEARS_RANGE[1],
            help=f"Simulated years ({YEARS_RANGE[2]}); 0 is the exact part alone.",
        ),
    ] = None,
    seed: SeedOption = None,
    fmt: FormatOption = OutputFormat.table,
    aliases: AliasFiles = None,
    exact: Annotated[
        bool,
        typer.Option(
            "--exact",
            help="The exact part alone (unavailability, cut sets, importance, blast radius): nothing is "
            "simulated, so the simulation's budget does not apply. The same as --years 0.",
        ),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Also print how the assessment ran, on standard error: each stage's wall and CPU time, what it "
            "worked through and its warnings (the same records as the JSON's `stages`).",
        ),
    ] = False,
) -> None:
    """Assess a catalog: single points of failure, cut sets, breach probability, downtime, rating."""
    if exact and years:  # --exact simulates nothing: a number of years with it would be silently dropped
        raise InputError(
            [
                Problem(
                    f"--exact works out the exact part alone and simulates nothing, so --years {years} would "
                    "have no effect",
                    Location("command line", path="--years"),
                    "drop --years for the exact part alone, or drop --exact to simulate that many years",
                )
            ]
        )
    exact = exact or years == 0
    run = _run(
        catalog,
        outages,
        no_history,
        all_problems=fmt != "json",
        overrides={"cut_set_order": order, "simulated_years": None if exact else years, "seed": seed},
        aliases=aliases,
        show_notes=False,  # they are among the assessment's warnings
        exact=exact,
    )
    if exact:
        found = run.exact()
        if fmt == "json":
            sys.stdout.write(found.to_json() + "\n")
        else:
            from risk.presentation.exact import render_exact

            render_exact(found, out.console)
        if verbose:
            _print_stages(found.stages)
        return
    if not sys.stderr.isatty():  # no one to show progress to (and rich stays unloaded)
        result = run.assess()
    else:
        from rich.progress import BarColumn, Progress, TaskID, TextColumn

        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            console=err.console,
            transient=True,
        ) as bar:
            tasks: dict[str, TaskID] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done)

            result = run.assess(progress)
    if fmt == "json":
        sys.stdout.write(result.to_json() + "\n")
    else:
        from risk.presentation.terminal import render_assessment

        render_assessment(result, out.console)
    if verbose:
        _print_stages(result.stages)


def _print_stages(stages) -> None:
    """The stage records on standard error (`--verbose`), so standard output stays the result alone."""
    from risk.presentation.terminal import render_stages

    sys.stdout.flush()
    render_stages(stages, err.console)


@app.command()
@_refusing_bad_input
def report(
    catalog: Annotated[Path, typer.Argument(help="The catalog to report on.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder to write the reports into.")] = Path("."),
    formats: Annotated[
        str, typer.Option("--format", help="Comma-separated: pdf,html,xlsx,json")
    ] = "pdf,html,xlsx,json",
    outages: Annotated[list[Path] | None, typer.Option("--outages", help="Your own incident log(s).")] = None,
    years: YearsOption = None,
    seed: SeedOption = None,
    since: Annotated[
        Path | None,
        typer.Option(
            "--since",
            help="The last assessment (saved with `assess --format json`, or its catalog): "
            "the reports say what changed since.",
        ),
    ] = None,
    aliases: AliasFiles = None,
) -> None:
    """Management reports from one run: PDF, self-contained HTML, XLSX workbook and JSON."""
    from risk.report import FORMATS, build_report, write_reports

    wanted = [f.strip().lower() for f in formats.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        err.print(f"unknown format {', '.join(unknown) or '(none)'}; choose from {', '.join(FORMATS)}")
        raise typer.Exit(2)
    run = _run(catalog, outages, overrides={"simulated_years": years, "seed": seed}, aliases=aliases)
    previous = None
    if since is not None:
        previous = (
            f"{since.name}",
            _assessment_or_catalog(since, {"simulated_years": years, "seed": seed}, outages, aliases)[1],
        )
    with err.status("Assessing, measuring recommendations and running scenarios..."):
        result = build_report(run, previous=previous)
        try:
            written = write_reports(result, output, wanted)
        except OSError as exc:
            err.print(
                f"cannot write the reports into {output}: {exc.strerror or exc}; choose a folder you can write to",
                markup=False,
            )
            raise typer.Exit(2) from None
    for path in written:
        out.print(f"wrote {path}")


@app.command()
@_refusing_bad_input
def recommend(
    catalog: Annotated[Path, typer.Argument(help="The catalog to advise on.")],
    outages: Annotated[list[Path] | None, typer.Option("--outages", help="Your own incident log(s).")] = None,
    years: YearsOption = None,
    seed: SeedOption = None,
    fmt: FormatOption = OutputFormat.table,
    combine: Annotated[
        str | None, typer.Option("--combine", help="Rule ids (comma-separated) to measure applied together.")
    ] = None,
    aliases: AliasFiles = None,
) -> None:
    """Recommendations from vendor and regulatory guidance, each with its measured effect, ranked."""
    from risk.presentation.terminal import render_combined, render_recommendations

    run = _run(catalog, outages, overrides={"simulated_years": years, "seed": seed}, aliases=aliases)
    result = run.recommendations
    if combine is not None:
        picked = [x.strip() for x in combine.split(",") if x.strip()]
        applicable = {r.id for r in result.recommendations if r.effect is not None}
        unknown = [x for x in picked if x not in applicable]
        if unknown or not picked:
            err.print(
                f"cannot combine {', '.join(unknown) or '(nothing)'}: choose measured recommendations "
                f"that apply to this catalog: {', '.join(sorted(applicable))}"
            )
            raise typer.Exit(2)
        effect, _after = run.combined(picked)
        if fmt == "json":
            sys.stdout.write(
                json.dumps({"combined": picked, "effect": effect.model_dump(mode="json")}, indent=2) + "\n"
            )
        else:
            render_combined(picked, effect, out.console)
        return
    if fmt == "json":
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
    else:
        render_recommendations(result, out.console)


@app.command()
@_refusing_bad_input
def scenario(
    catalog: Annotated[Path, typer.Argument(help="The catalog to test.")],
    replay: Annotated[str | None, typer.Option("--replay", help="Replay a recorded outage by its id.")] = None,
    down: Annotated[
        str | None, typer.Option("--down", help="Dependency ids (comma-separated), or provider:NAME, to take down.")
    ] = None,
    duration: Annotated[str | None, typer.Option("--for", help="How long, e.g. 6h or 90m.")] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="When it starts (ISO 8601; the catalog's time zone unless it has an offset or Z)."),
    ] = None,
    severe: Annotated[
        bool, typer.Option("--severe", help="The severe-but-plausible set: every provider's worst recorded outages.")
    ] = False,
    outages: Annotated[list[Path] | None, typer.Option("--outages", help="Your own incident log(s).")] = None,
    fmt: FormatOption = OutputFormat.table,
    aliases: AliasFiles = None,
) -> None:
    """What happens to every service when dependencies go down: replay, what-if, or severe-but-plausible."""
    from risk.durations import parse_duration
    from risk.history.model import parse_when
    from risk.presentation.terminal import render_scenario, render_severe
    from risk.report.jsonfile import severe_document

    if [replay is not None, down is not None, severe].count(True) != 1:
        err.print("choose one of --replay RECORD_ID, --down ID[,ID...] --for DURATION, or --severe")
        raise typer.Exit(2)
    run = _run(catalog, outages, aliases=aliases)
    try:
        hours = parse_duration(duration) if duration is not None else None
        start = parse_when(at) if at else None
        if at and isinstance(start, datetime) and not _has_offset(at):
            from zoneinfo import ZoneInfo  # a time without an offset is local to the catalog

            start = start.replace(tzinfo=ZoneInfo(run.catalog.timezone))
    except ValueError as exc:
        err.print(str(exc))
        raise typer.Exit(2) from None
    if severe:
        results = run.severe
        if fmt == "json":
            sys.stdout.write(json.dumps(severe_document(results), indent=2) + "\n")
        else:
            render_severe(results, out.console)
        return
    try:
        if replay is not None:
            result = run.replay(replay, hours)
        else:
            if hours is None:
                err.print("--down needs --for DURATION, e.g. --for 6h")
                raise typer.Exit(2)
            items = [x for x in (down or "").split(",") if x.strip()]
            result = run.what_if(items, hours, start if isinstance(start, datetime) else None)
    except InputError as exc:
        _print_problems(exc.problems)
        raise typer.Exit(2) from None
    if fmt == "json":
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
    else:
        render_scenario(result, out.console, run.catalog.currency)


@app.command()
@_refusing_bad_input
def incident(
    catalog: Annotated[Path, typer.Argument(help="The catalog.")],
    down: Annotated[
        str | None, typer.Option("--down", help="Dependency ids (comma-separated), or provider:NAME, that are down.")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="When it started: ISO 8601, or HH:MM today (the catalog's time zone unless it has an offset or Z).",
        ),
    ] = None,
    now: Annotated[str | None, typer.Option("--now", help="The time to look from (default: now); as --since.")] = None,
    notice: Annotated[
        Path | None,
        typer.Option(
            "--from-notice",
            help="A provider notice (Microsoft 365 service-health issue, Statuspage incidents.json, Google Cloud "
            "incident): what is down and since when.",
        ),
    ] = None,
    review: Annotated[
        bool,
        typer.Option("--review", help="Also list the recommendations that would have helped (runs the assessment)."),
    ] = False,
    brief: Annotated[
        Path | None,
        typer.Option("--brief", help="Also write the one-page incident brief for the bridge call (.pdf or .html)."),
    ] = None,
    outages: Annotated[list[Path] | None, typer.Option("--outages", help="Your own incident log(s).")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """It is happening now: every service's clock to its tolerance, the chance the outage outlasts it given
    how long it has lasted, and what to do now."""
    from datetime import UTC
    from zoneinfo import ZoneInfo

    from risk.advice.incident import dependencies_hit
    from risk.advice.incident import incident as clocks
    from risk.problems import Location

    fmt = OutputFormat(_format(fmt, False))
    if brief is not None and brief.suffix.lower() not in (".pdf", ".html", ".htm"):
        err.print(f"--brief {brief}: the file name must end in .pdf or .html", markup=False)
        raise typer.Exit(2)
    if notice is None and (down is None or since is None):
        err.print("give --down ID[,ID...] and --since TIME, or --from-notice FILE", markup=False)
        raise typer.Exit(2)
    run = _run(catalog, outages)
    zone = ZoneInfo(run.catalog.timezone)

    def moment(text: str, option: str) -> datetime:
        import re

        from risk.history.model import parse_when

        text = text.strip()
        try:
            if re.fullmatch(r"\d{1,2}:\d{2}", text):
                hour, minute = (int(x) for x in text.split(":"))
                return datetime.now(zone).replace(hour=hour, minute=minute, second=0, microsecond=0)
            when = parse_when(text)
        except ValueError as exc:
            raise InputError(
                [Problem(str(exc), Location(option), "write ISO 8601, e.g. 2026-12-07T08:00, or HH:MM")]
            ) from None
        if not isinstance(when, datetime):
            raise InputError([Problem(f"'{text}' has no time of day", Location(option), "add one, e.g. T08:00")])
        return when if _has_offset(text) else when.replace(tzinfo=zone)

    title, notes = "", []
    if notice is not None:
        from risk.interchange.notice import read_notice

        found = read_notice(_read(notice), str(notice))
        items = [x for x in (down or "").split(",") if x.strip()] or dependencies_hit(
            run.catalog, found.record, run.aliases
        )
        if not items:
            raise InputError(
                [
                    Problem(
                        f"the notice ({found.record.provider} {'; '.join(found.record.product)}, "
                        f"{'; '.join(found.record.capability)}) hits no dependency of this catalog",
                        Location(str(notice)),
                        "name what is down with --down",
                    )
                ]
            )
        start = moment(since, "--since") if since else found.start
        title, notes = found.title, found.notes
    else:
        items = [x for x in (down or "").split(",") if x.strip()]
        start = moment(since or "", "--since")
    at = moment(now, "--now") if now else datetime.now(UTC)
    result = clocks(
        run.catalog,
        run.records,
        run.settings,
        items,
        start,
        at,
        run.aliases,
        run.statistics,
        run.structure,
        title=title,
        recommendations=run.recommendations.recommendations if review else (),
    )
    result.assumptions.extend(notes)
    if brief is not None:
        if brief.suffix.lower() == ".pdf":
            from risk.report.incident_pdf import incident_brief_pdf

            data = incident_brief_pdf(result, run.catalog.organisation)
            try:
                brief.write_bytes(data)
            except OSError as exc:
                err.print(f"cannot write {brief}: {exc.strerror or exc}", markup=False)
                raise typer.Exit(2) from None
        else:
            from risk.presentation.incident import incident_brief_html

            _write(brief, incident_brief_html(result, run.catalog.organisation))
        err.print(f"wrote {brief}", markup=False)
    if fmt == "json":
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
    else:
        from risk.presentation.incident import render_incident

        render_incident(result, out.console)


@app.command()
@_refusing_bad_input
def why(
    catalog: Annotated[Path, typer.Argument(help="The catalog.")],
    dependency: Annotated[str, typer.Argument(help="The dependency id to explain.")],
    outages: Annotated[list[Path] | None, typer.Option("--outages", help="Your own incident log(s).")] = None,
    aliases: AliasFiles = None,
) -> None:
    """Why a dependency got its outage rate: matched records and weights, prior, history span, durations."""
    from risk.presentation.why import rate_explanation
    from risk.problems import Location, did_you_mean

    run = _run(catalog, outages, aliases=aliases)
    if dependency not in run.statistics:
        guess = did_you_mean(dependency, list(run.statistics))
        raise InputError(
            [
                Problem(
                    f"no basic dependency '{dependency}'" + (f"; {guess}" if guess else ""),
                    Location("why"),
                    "name one of the catalog's dependencies (not a logical group)",
                )
            ]
        )
    for line in rate_explanation(run, dependency):
        out.print(line, markup=False, highlight=False)


def _read_settings(path: Path):
    """Settings from a YAML or JSON file: a mapping of setting names (docs/methodology.md, "Settings"), or a
    catalog-style `settings:` block. Unknown names and bad values are located problems, never a traceback."""
    import yaml
    from pydantic import ValidationError

    from risk.problems import Location
    from risk.settings import Settings

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(
            [Problem(f"cannot read the settings file: {exc.strerror}", Location(str(path)), "check the path")]
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            [
                Problem(
                    f"not YAML or JSON: {getattr(exc, 'problem', None) or exc}",
                    Location(str(path), line=mark.line + 1 if mark else None),
                    "write one setting a line, e.g. recency_half_life_years: 2",
                )
            ]
        ) from None
    if isinstance(doc, dict) and set(doc) == {"settings"}:
        doc = doc["settings"]
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise InputError(
            [
                Problem(
                    "a settings file must be a mapping of names to values",
                    Location(str(path)),
                    "e.g. recency_half_life_years: 2",
                )
            ]
        )
    try:
        return Settings.model_validate(doc)
    except ValidationError as exc:
        raise InputError(
            [
                Problem(
                    e["msg"] if e["type"] != "extra_forbidden" else "not a setting",
                    Location(str(path), path=".".join(str(p) for p in e["loc"]) or "settings"),
                    "see the settings table in docs/methodology.md",
                )
                for e in exc.errors()
            ]
        ) from None


@app.command()
@_refusing_bad_input
def backtest(
    until: Annotated[str, typer.Option("--until", help="Fit on records before this date (YYYY-MM-DD).")],
    outages: Annotated[list[Path] | None, typer.Option("--outages", help="Your own incident log(s).")] = None,
    settings_file: Annotated[
        Path | None,
        typer.Option(
            "--settings", help="YAML or JSON settings to backtest (half-life, severity weights, prior, default rate)."
        ),
    ] = None,
    units: Annotated[
        str, typer.Option("--units", help="Which units to list: provider, dependency or none.")
    ] = "provider",
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Score the outage model against two pooled baselines: fit on records before a date, forecast the whole
    years after, at provider and catalog-dependency level (the bundled examples), with bootstrap intervals."""
    from datetime import date

    from risk.engine.backtest import backtest as run_backtest

    try:
        cut = date.fromisoformat(until)
    except ValueError:
        err.print(f"--until '{until}' is not a date; write YYYY-MM-DD, e.g. 2022-01-01")
        raise typer.Exit(2) from None
    if units not in ("provider", "dependency", "none"):
        err.print("--units must be provider, dependency or none")
        raise typer.Exit(2)
    fmt = OutputFormat(_format(fmt, False))
    settings = _read_settings(settings_file) if settings_file is not None else None
    history = read_outages(default_history_paths() + list(outages or []))
    _print_problems(history.problems)
    if not history.ok:
        raise typer.Exit(2)
    result = run_backtest(history.records, cut, settings)
    if fmt == "json":
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
        return
    from risk.presentation.backtest import render_backtest

    render_backtest(result, out.console, units)


@app.command()
def schema(
    which: Annotated[str, typer.Argument(help="catalog, outage or assessment")] = "catalog",
) -> None:
    """Print the JSON Schema of the catalog (or of an outage record, or the assessment), from the models."""
    if which not in ("catalog", "outage", "assessment"):
        err.print("choose 'catalog', 'outage' or 'assessment'")
        raise typer.Exit(2)
    from risk.schema import schema_json

    sys.stdout.write(schema_json(which))


@app.command()
def convert(
    catalog: Annotated[Path, typer.Argument(help="The catalog to read.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write: .yaml, .xlsx, .zip or a folder/")],
) -> None:
    """Save a catalog in another form (YAML, XLSX workbook, zip of CSVs, or a folder of CSVs)."""
    from risk.catalog.writers import catalog_to_yaml, csv_zip_bytes, write_csv_folder, xlsx_bytes

    report = read_catalog(catalog)
    _print_problems(report.problems)
    if report.catalog is None:
        raise typer.Exit(2)
    suffix = output.suffix.lower()
    if suffix not in (".yaml", ".yml", ".xlsx", ".zip", ""):
        err.print(f"cannot write '{suffix}': use .yaml, .xlsx, .zip or a folder name")
        raise typer.Exit(2)
    with _writing(output):
        if suffix in (".yaml", ".yml"):
            output.write_text(catalog_to_yaml(report.catalog), encoding="utf-8")
        elif suffix == ".xlsx":
            output.write_bytes(xlsx_bytes(report.catalog))
        elif suffix == ".zip":
            output.write_bytes(csv_zip_bytes(report.catalog))
        else:
            write_csv_folder(report.catalog, output)
    out.print(f"wrote {output}")


@app.command()
def template(
    output: Annotated[Path, typer.Option("-o", "--output", help="catalog.xlsx, catalog.zip or a folder for CSVs")],
) -> None:
    """Write a blank catalog template to fill in: an XLSX workbook, a zip of CSVs, or a folder of CSVs."""
    from risk.catalog.writers import template_csv_zip_bytes, template_rows, template_xlsx_bytes

    suffix = output.suffix.lower()
    if suffix not in (".xlsx", ".zip", ""):
        err.print(f"cannot write a template as '{suffix}': use .xlsx, .zip or a folder name")
        raise typer.Exit(2)
    with _writing(output):
        if suffix == ".xlsx":
            output.write_bytes(template_xlsx_bytes())
        elif suffix == ".zip":
            output.write_bytes(template_csv_zip_bytes())
        else:
            output.mkdir(parents=True, exist_ok=True)
            for name, table in template_rows().items():
                (output / f"{name}.csv").write_text(",".join(table[0]) + "\n", encoding="utf-8")
    out.print(f"wrote {output}")


outages_app = typer.Typer(help="The outage history, and incident logs imported into it.")
app.add_typer(outages_app, name="outages")


@outages_app.callback(invoke_without_command=True)
@_refusing_bad_input
def outages(
    ctx: typer.Context,
    provider: Annotated[
        str | None, typer.Option(help="Only this provider or product (aliases allowed, e.g. 'Azure AD').")
    ] = None,
    capability: Annotated[str | None, typer.Option(help="Only this capability, e.g. mfa.")] = None,
    files: Annotated[list[Path] | None, typer.Option("--file", help="Your own incident log (CSV/JSON/YAML).")] = None,
    no_history: Annotated[bool, typer.Option("--no-history", help="Leave out the shipped history.")] = False,
    fmt: FormatOption = OutputFormat.table,
    as_json: Annotated[bool, typer.Option("--json", hidden=True, help="Old spelling of --format json.")] = False,
    aliases: AliasFiles = None,
) -> None:
    """List the outage history as a table (the shipped records plus any incident log you add)."""
    if ctx.invoked_subcommand is not None:
        return
    as_json = _format(fmt, as_json) == "json"
    sources = ([] if no_history else default_history_paths()) + list(files or [])
    report = read_outages(sources)
    _print_problems(report.problems)
    if not report.ok:
        raise typer.Exit(2)
    from risk.history.aliases import load_aliases, merge_aliases
    from risk.history.combine import combine_history
    from risk.history.match import filter_records

    alias_table, notes = merge_aliases(load_aliases(), _alias_layers(aliases))
    shipped, yours, where = report.split()
    combined, merges = combine_history(shipped, yours, alias_table, where)
    _print_problems(notes + [m.problem() for m in merges])
    records = filter_records(combined, provider, capability, alias_table)
    if as_json:
        _write_json_list(r.model_dump_json(indent=2) for r in records)
        return
    from rich.table import Table

    from risk.presentation.terminal import shown

    table = Table(title=f"Outage history: {len(records)} record(s)", show_lines=False, expand=False)
    for column, kw in (
        ("start", {"no_wrap": True}),
        ("provider", {}),
        ("product", {}),
        ("capability", {}),
        ("hours", {"justify": "right"}),
        ("severity", {}),
        ("conf.", {}),
        ("summary", {"ratio": 1}),
    ):
        table.add_column(column, **kw)
    for r in records:
        hours = r.duration_hours
        table.add_row(
            r.start_dt.strftime("%Y-%m-%d %H:%M") if isinstance(r.start, datetime) else r.start_dt.strftime("%Y-%m-%d"),
            shown(r.provider),
            shown("; ".join(r.product)),
            shown("; ".join(r.capability)),
            "?" if hours is None else f"{hours:.1f}",
            shown(r.severity),
            shown(r.confidence),
            shown(r.summary or ""),
        )
    out.print(table, markup=True)  # its cells' user text is escaped (shown)
    out.print(
        "Durations marked ? are unknown in the source. Sources: `lynchpin outages --format json` lists every URL."
    )


def _write_json_list(texts) -> None:
    """A JSON list written one item at a time from each item's JSON text (indented by 2), laid out as
    json.dumps(indent=2) lays out a list: memory stays that of one item. (rich's print_json parsed and
    highlighted the whole text: 7.7 GB for a 9.5 MB log.)"""
    write = sys.stdout.write
    write("[")
    first = True
    for text in texts:
        write(("\n  " if first else ",\n  ") + text.replace("\n", "\n  "))
        first = False
    write("]\n" if first else "\n]\n")


def _assessment_or_catalog(
    path: Path, overrides: dict | None, outages: list[Path] | None, aliases: list[Path] | None = None
):
    """(catalog or None, assessment): a saved assessment JSON is read as it is; a catalog is assessed."""
    text = None
    if str(path) != "-" and path.suffix.lower() == ".json" and path.is_file():
        text = path.read_text(encoding="utf-8", errors="replace")
        if '"tolerance_breach_probability"' in text:
            from pydantic import ValidationError

            from risk.engine.assessment import Assessment

            try:
                return None, Assessment.model_validate_json(text)
            except ValidationError as exc:
                err.print(f"{path}: not an assessment this version can read: {exc.errors()[0]['msg']}", markup=False)
                raise typer.Exit(2) from None
    run = _run(path, outages, overrides=overrides, aliases=aliases)
    return run.catalog, run.assessment


@app.command()
@_refusing_bad_input
def diff(
    before: Annotated[Path, typer.Argument(help="A catalog, or an assessment saved with `assess --format json`.")],
    after: Annotated[Path, typer.Argument(help="The same, later.")],
    outages: Annotated[list[Path] | None, typer.Option("--outages", help="Your own incident log(s).")] = None,
    years: YearsOption = None,
    seed: SeedOption = None,
    fmt: FormatOption = OutputFormat.table,
    aliases: AliasFiles = None,
) -> None:
    """What changed between two catalogs (and in their assessments), or between two saved assessments."""
    fmt = OutputFormat(_format(fmt, False))
    overrides = {k: v for k, v in (("simulated_years", years), ("seed", seed)) if v is not None}
    old_catalog, old = _assessment_or_catalog(before, overrides, outages, aliases)
    new_catalog, new = _assessment_or_catalog(after, overrides, outages, aliases)
    from risk.compare import assessment_diff, catalog_diff

    changes = catalog_diff(old_catalog, new_catalog) if old_catalog and new_catalog else None
    moves = assessment_diff(old, new)
    if fmt == "json":
        out.print_json(
            json.dumps(
                {
                    "catalog": changes.model_dump(mode="json") if changes else None,
                    "assessment": moves.model_dump(mode="json"),
                }
            )
        )
        return
    from risk.presentation.terminal import render_diff

    render_diff(changes, moves, new, out.console)


@app.command()
@_refusing_bad_input
def check(
    catalog: Annotated[Path, typer.Argument(help="The catalog to check (or '-' for standard input).")],
    max_rating: Annotated[
        str | None, typer.Option("--max-rating", help="Fail when a service is rated above this (low ... extreme).")
    ] = None,
    max_breach: Annotated[
        float | None,
        typer.Option(
            "--max-breach",
            min=0,
            max=1,
            help="Fail when a service's yearly chance of an outage beyond tolerance is above this (0 to 1).",
        ),
    ] = None,
    no_new_spof: Annotated[
        Path | None,
        typer.Option(
            "--no-new-spof",
            help="Fail when a service has a single point of failure it did not have in "
            "this baseline (a catalog or a saved assessment).",
        ),
    ] = None,
    outages: Annotated[list[Path] | None, typer.Option("--outages", help="Your own incident log(s).")] = None,
    years: YearsOption = None,
    fmt: FormatOption = OutputFormat.table,
    aliases: AliasFiles = None,
) -> None:
    """A policy gate for CI: exit 1 when the catalog breaks a policy (printing why), 0 when it meets them."""
    fmt = OutputFormat(_format(fmt, False))
    from risk.engine.rating import BANDS

    if max_rating is not None and max_rating.lower() not in BANDS:
        err.print(f"--max-rating must be one of {', '.join(BANDS)}", markup=False)
        raise typer.Exit(2)
    if max_rating is None and max_breach is None and no_new_spof is None:
        err.print("give at least one policy: --max-rating, --max-breach or --no-new-spof", markup=False)
        raise typer.Exit(2)
    overrides = {"simulated_years": years} if years else None
    _, assessment = _assessment_or_catalog(catalog, overrides, outages, aliases)
    baseline = _assessment_or_catalog(no_new_spof, overrides, outages, aliases)[1] if no_new_spof else None
    from risk.compare import check_policy

    breaches = check_policy(assessment, max_rating and max_rating.lower(), max_breach, baseline)
    if fmt == "json":
        out.print_json(json.dumps({"passed": not breaches, "breaches": [b.model_dump() for b in breaches]}))
    else:
        for b in breaches:
            out.print(f"FAIL {b.rule}: {b.message}", markup=False)
        out.print(
            f"{len(breaches)} polic{'y breach' if len(breaches) == 1 else 'y breaches'}"
            if breaches
            else f"passed: {len(assessment.services)} services meet every policy given",
            markup=False,
        )
    raise typer.Exit(1 if breaches else 0)


@outages_app.command("import")
@_refusing_bad_input
def outages_import(
    source: Annotated[
        str,
        typer.Option(
            "--from",
            help="; ".join(f"{i.name}: {i.label}" for i in incident_importers().values()),
        ),
    ],
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="The exported incidents (JSON); several files: the saved pages of one Graph export."),
    ] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="The outage-record CSV to write.")] = Path("log.csv"),
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="statuspage: how the page's components map to products (YAML).")
    ] = None,
    mapping_template: Annotated[
        bool, typer.Option("--mapping-template", help="Print a commented component mapping to start from, and exit.")
    ] = False,
    aliases: AliasFiles = None,
) -> None:
    """Turn a tenant's or provider's incident export into outage records that --outages and the dashboard
    read; says how many incidents were read, written and left out (each with why), the products the alias
    table does not know (with the aliases block that would place them) and the locations that are not
    Lynchpin regions."""
    from risk.catalog.sources.documents import load_yaml
    from risk.history.aliases import load_aliases, merge_aliases, suggest_aliases
    from risk.interchange.incidents import import_incidents, records_csv
    from risk.interchange.incidents import mapping_template as template
    from risk.problems import Location
    from risk.run import load_shipped_history

    if mapping_template:
        out.print(template(), markup=False, highlight=False)
        return
    if not files:
        err.print("give the exported incidents file (or --mapping-template)", markup=False)
        raise typer.Exit(2)
    rules = None
    if mapping is not None:
        try:  # with the catalog's YAML limits (alias expansion, depth): a mapping is user input too
            rules = load_yaml(_read(mapping).decode("utf-8-sig", errors="replace"), str(mapping)) or {}
        except InputError as exc:
            _print_problems(exc.problems)
            raise typer.Exit(2) from None
        if not isinstance(rules, dict):
            _print_problems(
                [Problem("the mapping must be a YAML mapping", Location(str(mapping)), "see --mapping-template")]
            )
            raise typer.Exit(2)
    table, notes = merge_aliases(load_aliases(), _alias_layers(aliases))
    _print_problems(notes)
    pages = [(str(f), _read(f)) for f in files]
    result = import_incidents(
        pages if len(pages) > 1 else pages[0][1], source.lower(), str(files[0]), mapping=rules, aliases=table
    )
    for why in result.skipped:
        err.print(f"left out {why}", markup=False)
    for note in result.notes:
        err.print(note, markup=False)
    if result.unknown_locations:
        err.print(
            "locations that are not Lynchpin regions (kept as text in the record's scope; the record counts "
            "in the regions it names that are): " + ", ".join(result.unknown_locations),
            markup=False,
        )
    if result.unknown_products:
        err.print(
            "products the alias table does not know (map them with --mapping for a status page, or add them to "
            "your aliases; else they match only by this exact name): " + ", ".join(result.unknown_products),
            markup=False,
        )
        err.print(
            "the aliases block they need (paste it into your catalog, or into a file for --aliases):", markup=False
        )
        err.print(
            suggest_aliases(result.records, result.unknown_products, table, load_shipped_history()).rstrip(),
            markup=False,
            highlight=False,
        )
    _write(output, records_csv(result.records))
    out.print(f"wrote {output}: {result.summary()} ({', '.join(str(f) for f in files)})", markup=False)


export_app = typer.Typer(help="Write a catalog in another tool's format.", no_args_is_help=True)
app.add_typer(export_app, name="export")


@export_app.command("mef")
@_refusing_bad_input
def export_mef(
    catalog: Annotated[Path, typer.Argument(help="The catalog (or '-' for standard input).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The MEF file to write.")] = Path("model.xml"),
    outages: Annotated[list[Path] | None, typer.Option("--outages", help="Your own incident log(s).")] = None,
    years: Annotated[
        int | None,
        typer.Option("--years", min=YEARS_RANGE[0], max=YEARS_RANGE[1], help="Simulated years (checked, not used)."),
    ] = None,
    aliases: AliasFiles = None,
) -> None:
    """Each service's failure logic as an Open-PSA MEF fault tree (for SCRAM and other fault-tree tools),
    with the dependencies' unavailabilities as basic-event probabilities."""
    run = _run(catalog, outages, overrides={"simulated_years": years} if years else None, aliases=aliases)
    from risk.interchange.mef import to_mef

    _write(output, to_mef(run))
    out.print(f"wrote {output} ({len(run.catalog.services)} services as top events)")


@export_app.command("cyclonedx")
@_refusing_bad_input
def export_cyclonedx(
    catalog: Annotated[Path, typer.Argument(help="The catalog (or '-' for standard input).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The CycloneDX JSON file to write.")] = Path(
        "services.cdx.json"
    ),
) -> None:
    """The catalog's services and dependencies as a CycloneDX 1.6 services BOM (with the requirement links as
    its dependency graph), for SBOM and supply-chain tools."""
    report = read_catalog(catalog)
    _print_problems(report.errors)
    if report.catalog is None:
        raise typer.Exit(2)
    from risk.interchange.cyclonedx import to_cyclonedx

    _write(output, to_cyclonedx(report.catalog))
    out.print(
        f"wrote {output} ({len(report.catalog.services)} services, {len(report.catalog.dependencies)} dependencies)"
    )


@export_app.command("dora")
@_refusing_bad_input
def export_dora(
    catalog: Annotated[Path, typer.Argument(help="The catalog (or '-' for standard input).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The folder to write the CSV files into.")] = Path(
        "dora-register"
    ),
    outages: Annotated[list[Path] | None, typer.Option("--outages", help="Your own incident log(s).")] = None,
    years: YearsOption = None,
    aliases: AliasFiles = None,
) -> None:
    """DORA register of information templates B_05.01 (providers), B_06.01 (functions) and B_07.01 (ICT
    service assessment) as CSV, with not-filled.csv listing every column the catalog cannot fill."""
    run = _run(catalog, outages, overrides={"simulated_years": years} if years else None, aliases=aliases)
    from risk.interchange.dora import dora_register

    try:
        output.mkdir(parents=True, exist_ok=True)
        for name, text in dora_register(run).items():
            (output / name).write_text(text, encoding="utf-8")
    except OSError as exc:
        err.print(f"cannot write into {output}: {exc.strerror or exc}", markup=False)
        raise typer.Exit(2) from None
    out.print(f"wrote {output}/b_05.01.csv, b_06.01.csv, b_07.01.csv and not-filled.csv", markup=False)


class _ImportersGroup(TyperGroup):
    """`lynchpin import NAME`: one command per catalog importer in the registry (risk.interchange.importers),
    built from its record when it is asked for, so a registered importer is a command with no edit here."""

    def list_commands(self, ctx: Any) -> list[str]:  # Any: typer's own (vendored) click types
        return [*super().list_commands(ctx), *(n for n in catalog_importers() if n not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        importer = catalog_importers().get(cmd_name)
        if cmd_name in self.commands or importer is None:
            return super().get_command(ctx, cmd_name)
        return _import_command(importer)


import_app = typer.Typer(help="Make a catalog from another tool's records.", no_args_is_help=True, cls=_ImportersGroup)
app.add_typer(import_app, name="import")


def _import_command(importer: CatalogImporter) -> Any:
    """The `lynchpin import` command of a catalog importer: an argument per file it reads, -o, an option per
    option it declares, and --mapping and --mapping-template when it takes a mapping file. It writes the
    catalog, lists what was assumed or left out and what to check (stderr), and ends with exit 2 and the
    reason (located when the importer can say where) for files it cannot read, never a traceback."""
    import inspect

    keyword = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter(f.name, keyword, default=None, annotation=Annotated[Path | None, typer.Argument(help=f.help)])
        for f in importer.files
    ]
    params.append(
        inspect.Parameter(
            "output",
            keyword,
            default=Path("catalog.yaml"),
            annotation=Annotated[Path, typer.Option("-o", "--output", help="The catalog to write (YAML).")],
        )
    )
    params += [
        inspect.Parameter(
            o.name,
            keyword,
            default=o.default,
            annotation=Annotated[str, typer.Option(f"--{o.name.replace('_', '-')}", help=o.help)],
        )
        for o in importer.options
    ]
    if importer.mapping_template is not None:
        params += [
            inspect.Parameter(
                "mapping",
                keyword,
                default=None,
                annotation=Annotated[Path | None, typer.Option("--mapping", help="How the export maps (YAML).")],
            ),
            inspect.Parameter(
                "mapping_template",
                keyword,
                default=False,
                annotation=Annotated[
                    bool,
                    typer.Option("--mapping-template", help="Print a commented mapping file to start from, and exit."),
                ],
            ),
        ]

    def command(**given) -> None:
        from risk.catalog.load import catalog_from_dict
        from risk.catalog.writers import catalog_to_yaml
        from risk.interchange.importers import import_catalog

        if given.pop("mapping_template", False):
            out.print(importer.template(), markup=False, highlight=False)
            return
        paths = [given.pop(f.name) for f in importer.files]
        if any(path is None for path in paths):
            names = " and ".join(f.name.upper() for f in importer.files)
            more = " (or --mapping-template)" if importer.mapping_template is not None else ""
            err.print(f"give {names}{more}", markup=False)
            raise typer.Exit(2)
        output, mapping = given.pop("output"), given.pop("mapping", None)
        files = [(str(path), _read(path)) for path in paths]
        rules = (_read(mapping).decode("utf-8-sig", errors="replace"), str(mapping)) if mapping else None
        try:
            result = import_catalog(importer, files, rules, given)
        except InputError:
            raise  # located problems (not YAML, an alias bomb): printed by _refusing_bad_input
        except (ValueError, TypeError, KeyError, OverflowError, RecursionError) as exc:
            err.print(f"{paths[0]}: cannot import as {importer.label}: {exc}", markup=False)
            raise typer.Exit(2) from None
        for line in result.notes:
            err.print(line, markup=False)
        for line in result.checks:
            err.print(f"check: {line}", markup=False)
        catalog = catalog_from_dict(result.document, name=str(paths[0]))
        _write(output, catalog_to_yaml(catalog))
        out.print(
            f"wrote {output} ({len(catalog.services)} services, {len(catalog.dependencies)} dependencies)",
            markup=False,
        )

    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    one = typer.Typer(add_completion=False)
    one.command(importer.name, help=importer.help or f"Make a catalog from {importer.label}: {importer.reads}.")(
        _refusing_bad_input(command)
    )
    return typer.main.get_command(one)


def _read(path: Path) -> bytes:
    """A file's bytes within the input limit, or its problem printed and exit 2."""
    from risk.catalog.sources.base import MAX_INPUT_BYTES, read_limited

    data = read_limited(path, MAX_INPUT_BYTES)
    if isinstance(data, Problem):
        _print_problems([data])
        raise typer.Exit(2)
    return data


def _write(path: Path, text: str) -> None:
    with _writing(path):
        path.write_text(text, encoding="utf-8")


@contextlib.contextmanager
def _writing(path: Path):
    """Writing `path`: a folder in the way, a missing parent, no permission or a full disk ends in one line
    that says so and exit 2, never a traceback."""
    try:
        yield
    except OSError as exc:
        if path.is_dir() and path.suffix:
            why = "it is a folder; give a file name"
        elif not path.parent.is_dir():
            why = f"its folder {path.parent} does not exist (or is not a folder); create it or choose another"
        else:
            why = f"{exc.strerror or exc}; choose a place you can write to"
        err.print(f"cannot write {path}: {why}", markup=False)
        raise typer.Exit(2) from None


#: Allocations between two collections of young objects in a `lynchpin` process (see main).
GC_YOUNG = 100_000


def main() -> None:
    """Console-script entry point.

    The command runs with pydantic's plugins off (unless PYDANTIC_DISABLE_PLUGINS is already set): looking
    for them reads every installed package's metadata, a twentieth of a second on each run, and a plugin
    would see every catalog the command validates, where nothing outside Lynchpin should.

    The cyclic garbage collector looks at young objects every GC_YOUNG allocations instead of Python's 700:
    a command makes some 90,000 long-lived objects while it imports (modules, classes, pydantic's schemas),
    which the default had the collector walk some 130 times (a tenth of `lynchpin assess` of the bundled
    example), freeing nothing. Reference counting frees everything else as before; cycles wait a little
    longer for their collection.

    When the command is done, the process ends without tearing the interpreter down (see _leave)."""
    import gc
    import os

    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    gc.set_threshold(GC_YOUNG, *gc.get_threshold()[1:])
    try:
        app()
    except SystemExit as done:
        _leave(done.code)
    else:
        _leave(0)


def _leave(code: object) -> None:
    """End the process with `code` once the command is done: exit handlers run, then output is flushed,
    and then the process stops (os._exit) instead of unloading every module and freeing every object one by
    one. That teardown took 0.1 s after a small assessment and 0.4 s once numba was loaded (the pydantic
    models, numba and LLVM), longer than the work on most catalogs. Anything unusual (a message as the
    code, a thread still running, output that cannot be flushed) takes Python's normal way out."""
    import atexit
    import os
    import threading

    if (code is not None and not isinstance(code, int)) or threading.active_count() > 1:
        raise SystemExit(code)
    atexit._run_exitfuncs()  # what Python runs at exit, before its teardown (each handler once)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe or stream: let Python report it as it always has
        raise SystemExit(code) from None
    os._exit(code or 0)


if __name__ == "__main__":
    main()
