"""Outage loaders: CSV, JSON and YAML incident logs with located errors."""

from __future__ import annotations

import json

import pytest

from risk.history import read_outages
from risk.history.load import load_outages
from risk.problems import InputError

GOOD = {
    "id": "trust-20250301",
    "provider": "Microsoft",
    "product": "Azure Active Directory",
    "capability": "mfa",
    "start": "2025-03-01T09:00:00",
    "end": "2025-03-01T11:30:00Z",
    "severity": "major",
    "confidence": "medium",
    "summary": "Our own log",
}


def test_csv_json_yaml_give_the_same_record(tmp_path):
    (tmp_path / "log.json").write_text(json.dumps([GOOD]))
    (tmp_path / "log.yaml").write_text("outages:\n  - " + "\n    ".join(f"{k}: '{v}'" for k, v in GOOD.items()))
    (tmp_path / "log.csv").write_text(",".join(GOOD) + "\n" + ",".join(GOOD.values()) + "\n")
    records = [read_outages([tmp_path / f"log.{x}"]).records for x in ("json", "yaml", "csv")]
    assert records[0] == records[1] == records[2]
    r = records[0][0]
    assert r.duration_hours == 2.5  # a time without an offset is UTC
    assert r.product == ["Azure Active Directory"]


def test_bad_rows_are_located_by_row_and_column(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(
        "id,provider,product,capability,start,severity,confidence,sumary\n"
        "a,Microsoft,Entra ID,mfaa,2025-01-01,major,high,x\n"
        "b,Microsoft,Entra ID,mfa,yesterday,huge,high,x\n"
    )
    report = read_outages([path])
    assert not report.ok
    text = [f"{p.location} | {p.message}" for p in report.problems]
    assert any("unknown column 'sumary'; did you mean 'summary'?" in t for t in text)
    assert any("row 2, column capability" in t and "mfaa" in t for t in text), text
    assert any("row 3, column start" in t and "'yesterday' is not a date" in t for t in text), text
    assert any("row 3, column severity" in t for t in text), text
    assert report.records == []  # a file with errors contributes nothing until fixed


def test_end_before_start_and_duplicates(tmp_path):
    rows = [dict(GOOD), dict(GOOD, id="x", end="2025-02-01")]
    (tmp_path / "log.json").write_text(json.dumps(rows + [dict(GOOD)]))
    msgs = [p.message for p in read_outages([tmp_path / "log.json"]).problems]
    assert any("end is before start" in m for m in msgs)
    assert any("duplicate outage id 'trust-20250301'" in m for m in msgs)


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"", "empty"),
        (b"\x00\x01\x02" * 50, "binary"),
        (b"{not json", "not valid JSON"),
        (b'{"a": 1}', "list of records"),
    ],
)
def test_unreadable_logs(tmp_path, content, fragment):
    path = tmp_path / "log.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        load_outages([path])
    assert fragment in str(info.value.problems)


def test_unknown_file_type(tmp_path):
    (tmp_path / "log.txt").write_text("hello")
    assert "unknown outage file type" in read_outages([tmp_path / "log.txt"]).problems[0].message
