"""The article a figure takes (format.with_article), and the tolerance phrase that uses it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from risk.presentation.format import tolerance_phrase, with_article


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8.0 h", "an 8.0 h"),
        ("80.0 h", "an 80.0 h"),
        ("11.0 h", "an 11.0 h"),
        ("18.5 h", "an 18.5 h"),
        ("1.8 d", "a 1.8 d"),
        ("110.0 h", "a 110.0 h"),
        ("10.0 h", "a 10.0 h"),
        ("12.0 h", "a 12.0 h"),
        ("7.0 h", "a 7.0 h"),
        ("4.0 h", "a 4.0 h"),
    ],
)
def test_the_article_follows_the_figure_read_aloud(text, expected):
    assert with_article(text) == expected


def test_the_tolerance_phrase_says_an_eight_hour_tolerance():
    s = SimpleNamespace(effective_tolerance_hours=10.0, impact_tolerance_hours=8.0, workaround_hours=2.0)
    assert tolerance_phrase(s) == "longer than 10.0 h (an 8.0 h impact tolerance plus a 2.0 h workaround)"
