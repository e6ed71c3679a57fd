"""Durations: every written form parses to hours, and formatting round-trips exactly."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from risk.durations import MAX_DURATION_HOURS, format_duration, parse_duration


@pytest.mark.parametrize(
    "text, hours",
    [
        ("90m", 1.5),
        ("4h", 4.0),
        ("2d", 48.0),
        ("1w", 168.0),
        ("1h30m", 1.5),
        (6, 6.0),
        (2.5, 2.5),
        ("3", 3.0),
        (" 8 hours ", 8.0),
        ("45 min", 0.75),
        ("0h", 0.0),
    ],
)
def test_parse(text, hours):
    assert parse_duration(text) == hours


@pytest.mark.parametrize("bad", ["", "soon", "4 horas", "-3h", "h4", "1h 30", True, None, [], "nan"])
def test_parse_rejects_with_guidance(bad):
    with pytest.raises(ValueError, match="duration"):
        parse_duration(bad)


@pytest.mark.parametrize(
    "hours, text", [(1.5, "90m"), (4.0, "4h"), (48.0, "2d"), (168.0, "1w"), (0.0, "0h"), (20 / 60, "20m")]
)
def test_format(hours, text):
    assert format_duration(hours) == text


@given(st.one_of(st.integers(0, 10**6).map(lambda m: m / 60), st.floats(0, MAX_DURATION_HOURS, allow_nan=False)))
def test_format_round_trips_exactly(hours):
    assert parse_duration(format_duration(hours)) == hours


def test_durations_are_bounded_at_ten_years():
    assert parse_duration("87600h") == MAX_DURATION_HOURS == parse_duration("3650d")
    with pytest.raises(ValueError, match="longer than ten years"):
        parse_duration("87600.1h")
    with pytest.raises(ValueError, match="longer than ten years"):
        parse_duration("1e308h")
