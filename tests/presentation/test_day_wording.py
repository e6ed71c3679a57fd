"""Issue 27 point 6: plain wording for how sure a rating band is, no arrow for no change, one history span."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from risk.engine.statistics import history_fit, history_span
from risk.history.model import OutageRecord
from risk.presentation.format import count_change, rating_certainty

pytestmark = pytest.mark.timeout(60)


def test_rating_certainty_says_certain_in_the_rating_never_likely():
    text = rating_certainty("extreme", {"extreme": 0.8, "high": 0.2})
    assert text == "extreme (rating 80% certain)" and "likely" not in text
    assert rating_certainty("extreme", {"extreme": 0.8}, bare=True) == "rating 80% certain"


def test_a_near_certain_rating_is_shown_bare_exactly_from_99_5_percent():
    assert rating_certainty("high", {"high": 0.995}) == "high"
    assert rating_certainty("high", {"high": 0.9949}) == "high (rating 99% certain)"
    assert rating_certainty("high", {"high": 0.995}, bare=True) == "rating certain"


def test_no_change_in_a_count_has_no_delta_so_no_arrow():
    assert count_change(0) is None
    assert count_change(1) == "+1" and count_change(-1) == "-1"


def _record(i: int, start: str, end: str | None = None) -> OutageRecord:
    return OutageRecord.model_validate(
        {
            "id": f"r{i}",
            "provider": "P",
            "product": "Q",
            "capability": "dns",
            "start": start,
            "end": end,
            "severity": "major",
            "confidence": "high",
        }
    )


def test_the_history_span_runs_to_the_last_record_not_to_today():
    records = [_record(1, "2016-01-01T00:00:00Z"), _record(2, "2024-05-01T00:00:00Z", "2024-05-01T12:00:00Z")]
    years, start, end = history_span(records)
    assert start == datetime(2016, 1, 1, tzinfo=UTC) and end == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert years == pytest.approx((end - start).total_seconds() / (8760 * 3600))
    assert history_fit(records).years == years  # the assessment's span is the same number
