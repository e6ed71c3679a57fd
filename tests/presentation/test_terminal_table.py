"""`lynchpin assess`'s services table: rich's layout below PLAIN_TABLE_FROM services, aligned plain text from
there (rich's layout costs about 1 ms a row), with the same cells either way. How long 2,000 rows take to print is
a speed goal, measured in bench/bench_cli.py, not timed here: a test's CPU clock counts every thread of the
process (a timed check failed in the full suite at 0.68 s while background threads ran)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.console import Console

from risk.catalog import load_catalog
from risk.presentation.terminal import PLAIN_TABLE_FROM, render_assessment
from risk.run import Run

pytestmark = pytest.mark.timeout(300)

NHS = Path(__file__).resolve().parents[2] / "catalogs" / "examples" / "nhs-acute-trust.yaml"


@pytest.fixture(scope="module")
def small():
    return Run.build(load_catalog(NHS), [], {"simulated_years": 200, "uncertainty_draws": 1}).assessment


def widened(assessment, services: int):
    """The assessment with its services repeated (new ids and names) up to `services` rows."""
    base = assessment.services
    rows = [
        base[i % len(base)].model_copy(update={"id": f"{base[i % len(base)].id}-{i}", "name": f"Row {i}"})
        for i in range(services)
    ]
    return assessment.model_copy(update={"services": rows})


def printed(assessment, terminal_colours: bool = False) -> str:
    buffer = io.StringIO()
    render_assessment(assessment, Console(file=buffer, width=200, force_terminal=terminal_colours, highlight=False))
    return buffer.getvalue()


@pytest.mark.parametrize("services", [PLAIN_TABLE_FROM - 1, PLAIN_TABLE_FROM, PLAIN_TABLE_FROM + 1])
def test_the_plain_layout_starts_at_its_threshold_with_every_row(small, services: int) -> None:
    text = printed(widened(small, services))
    services_part = text.split("For analysts")[0]
    boxed = "┃" in services_part or "│" in services_part
    assert boxed is (services < PLAIN_TABLE_FROM)
    for i in range(services):
        assert f"Row {i} " in services_part or f"Row {i}\n" in services_part or f"Row {i}│" in services_part


def test_the_plain_layout_aligns_its_columns_and_keeps_the_cells(small) -> None:
    big = widened(small, PLAIN_TABLE_FROM)
    lines = printed(big).split("Services\n", 1)[1].split("\n")
    header, rule = lines[0], lines[1]
    starts = [m.start() for m in re.finditer(r"-+", rule)]
    assert [header[s:].split("  ")[0] for s in starts][:2] == ["service", "tier"]
    first = big.services[0]
    for cell in (first.id, str(first.tier)):
        assert any(cell in line for line in lines[2:40])
    # every ruled column starts at the same place on each row: nothing but spaces just before it
    for line in lines[2 : 2 + 2 * PLAIN_TABLE_FROM]:
        assert all(s < 2 or line[s - 2 : s] in ("  ", "") for s in starts), line


def test_ratings_keep_their_colour_on_a_terminal(small) -> None:
    text = printed(widened(small, PLAIN_TABLE_FROM), terminal_colours=True)
    assert "\x1b[" in text.split("For analysts")[0]


def test_a_name_cannot_inject_terminal_sequences_in_the_plain_layout(small) -> None:
    big = widened(small, PLAIN_TABLE_FROM)
    evil = big.services[0].model_copy(update={"name": "bad\x1b]0;title\x07name"})
    text = printed(big.model_copy(update={"services": [evil, *big.services[1:]]}))
    assert "\x1b" not in text and "badname" in text


@pytest.mark.parametrize("width", [80, 100, 120, 160, 180, 200, 210, 260])
def test_the_services_table_fits_the_terminal_and_names_single_points_of_failure(small, width):
    """Every line of the services table ends with its right border at any width (a fixed minimum width for
    the service column made rich crop the last columns, the rating among them, from 80 to 200 columns), and
    single points of failure are named, not given by id."""
    from risk.presentation.terminal import _rich_services

    buffer = io.StringIO()
    _rich_services(small, Console(file=buffer, width=width, color_system=None))
    lines = [line.rstrip() for line in buffer.getvalue().splitlines()[1:] if line.strip()]
    assert all(line[-1] in "┓┃┩│┘" for line in lines), (width, [line for line in lines if line[-1] not in "┓┃┩│┘"][:2])
    if width >= 160:
        text = buffer.getvalue()
        assert "Azure Front Door" in text and "afd," not in text
