"""The shipped outage history: complete, normalised to the contract, traceable to its sources."""

from __future__ import annotations

import csv

from risk.catalog.vocabulary import CAPABILITIES
from risk.history import load_history
from risk.history.load import FIELDS, default_history_paths


def test_history_has_every_researched_record_with_contract_fields():
    records = load_history()
    assert len(records) == 251
    with default_history_paths()[0].open(encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert set(header) == set(FIELDS)
    for r in records:
        assert r.source_url and r.source_url.startswith("http"), r.id
        assert r.confidence in ("high", "medium", "low")
        assert r.summary and len(r.summary) < 220
        assert all(c in (*CAPABILITIES, "all") for c in r.capability)


def test_known_durations_match_start_and_end_when_both_have_times():
    for r in load_history():
        if r.has_exact_times and r.duration_minutes is not None:
            derived = (r.end - r.start).total_seconds() / 60
            assert abs(derived - r.duration_minutes) <= 1, r.id


def test_the_2025_microsoft_mfa_incidents_are_present():
    by_id = {r.id: r for r in load_history()}
    jan, jun = by_id["microsoft-20250113"], by_id["microsoft-20250613"]
    assert jan.product == ["Entra ID"] and "mfa" in jan.capability
    assert "mfa-registration" in jun.capability
    assert jan.duration_hours is None  # sources disagree; left unknown rather than guessed
