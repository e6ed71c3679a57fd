"""The plain-subset YAML reader (risk/catalog/sources/plainyaml.py): the same document as PyYAML's safe_load
wherever it reads a text, a fall back to PyYAML for everything else, the same lines for every path, and the
catalog's hostile-input limits (depth, digits, non-finite numbers, expansion) exactly where they were."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.synthetic import synthetic_document
from risk.catalog import read_catalog
from risk.catalog.sources import documents
from risk.catalog.sources.base import MAX_DEPTH
from risk.catalog.sources.documents import (
    MAX_DIGITS,
    _json_line_map,
    _line_map,
    _SafeLoader,
    _values_bound,
    expanded_size,
    parse_document,
)
from risk.catalog.sources.plainyaml import NotPlain, line_map, read_plain

ROOT = Path(__file__).resolve().parents[2]
YAML_FILES = sorted(
    [*ROOT.glob("catalogs/**/*.yaml"), *ROOT.glob("tests/**/*.yaml"), *ROOT.glob("tests/**/*.yml")],
    key=str,
)

pytestmark = pytest.mark.timeout(120)


def pyyaml(text: str):
    """What the PyYAML path builds (safe_load with the catalog's digit limit)."""
    return yaml.load(text, Loader=_SafeLoader)


def plain(text: str):
    return read_plain(text, _SafeLoader(""), MAX_DEPTH)[0]


def same(a, b) -> bool:
    """Equal values of equal types all the way down (1 is not 1.0 or True; NaN equals NaN)."""
    return repr(a) == repr(b) and type(a) is type(b)


def test_the_bench_and_example_catalogs_are_read_by_the_plain_reader() -> None:
    for name in ("nhs-acute-trust.yaml", "university-google-okta.yaml", "financial-firm-okta-aws.yaml"):
        text = (ROOT / "catalogs" / "examples" / name).read_text()
        assert same(plain(text), pyyaml(text)), name
    text = yaml.safe_dump(synthetic_document(services=300, dependencies=40, edges=1200), sort_keys=False)
    assert same(plain(text), yaml.safe_load(text))


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_bundled_and_test_yaml_file_reads_as_pyyaml_reads_it(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", errors="replace")
    try:
        expected = pyyaml(text)
    except yaml.YAMLError:
        with pytest.raises(NotPlain):
            plain(text)
        return
    except RecursionError:
        return
    try:
        got = plain(text)
    except NotPlain:
        return  # PyYAML reads it instead: the same document by construction
    assert same(got, expected)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("style", [False, None, True])
def test_generated_catalogs_in_each_dump_style(seed: int, style: bool | None) -> None:
    doc = synthetic_document(services=200, dependencies=30, edges=600, seed=seed)
    text = yaml.safe_dump(doc, default_flow_style=style, sort_keys=seed == 1, width=10_000)
    try:
        got = plain(text)
    except NotPlain:
        assert style is True  # one flow mapping over the whole document is left to PyYAML
        return
    assert same(got, yaml.safe_load(text)) and got == doc


SCALARS = """\
a: yes
b: No
c: on
d: OFF
e: ~
f: null
g: 1_000
h: 0x1F
i: 0o17
j: 017
k: 1:30
l: 1.5
m: .inf
n: -.Inf
o: .nan
p: 1e3
q: 1.0e+3
r: 2024-01-01
s: 2024-01-01 10:00:00
t: "quoted # not a comment"
u: 'it''s'
v: Mon-Fri 08:00-18:00
w: C# and F#
x: value # a comment
y: -5
z: +7
aa: 08:30
ab: 0b101
ac:
ad: []
ae: {}
af: [a, {b: c, d: [1, 2.5, yes]}, -x, ~]
ag: $HOME/(x)
ah: ""
ai: ''
yes: key that is True
2: key that is two
null: key that is None
aj: a, b [c] {d}
ak: 190:20:30
al: y
am: n
an: -.5
ao: .
ap: 12_345.6_7
"""


def test_yaml_1_1_scalars_resolve_exactly_as_pyyaml_resolves_them() -> None:
    got = plain(SCALARS)
    assert same(got, yaml.safe_load(SCALARS))
    assert got["a"] is True and got["g"] == 1000 and got["k"] == 90 and got[True] == "key that is True"
    assert got["w"] == "C# and F#" and got["x"] == "value" and got["t"] == "quoted # not a comment"


OUTSIDE = {
    "anchor and alias": "a: &x 1\nb: *x\n",
    "merge key": "a: {b: 1}\nc:\n  <<: {b: 2}\n",
    "tag": "a: !!str 1\n",
    "python tag": "a: !!python/object:os.system x\n",
    "literal block": "a: |\n  text\n",
    "folded block": "a: >-\n  text\n",
    "multi-line plain": "a: one\n  two\n",
    "multi-line single-quoted": "a: 'one\n  two'\n",
    "multi-line double-quoted": 'a: "one\n  two"\n',
    "escape": 'a: "tab\\there"\n',
    "tab": "a:\tb\n",
    "tab inside a value": "a: b\tc\n",
    "duplicate key": "a: 1\na: 2\n",
    "duplicate flow key": "a: {b: 1, b: 2}\n",
    "document marker": "---\na: 1\n",
    "document end": "a: 1\n...\n",
    "directive": "%YAML 1.1\n---\na: 1\n",
    "complex key": "? a\n: 1\n",
    "sequence in a sequence": "a:\n  - - 1\n",
    "item on the next line": "a:\n  -\n    b: 1\n",
    "flow over several lines": "a: [1,\n  2]\n",
    "trailing comma": "a: [1, 2,]\n",
    "empty flow entry": "a: [1, , 2]\n",
    "flow plain with a colon": "a: {b:c}\n",
    "quoted flow item": "a: ['x', y]\n",
    "byte-order mark": "\ufeffa: 1\n",
    "next line character": "a: b\x85c\n",
    "line separator": "a: b\u2028c\n",
    "lone carriage return": "a: b\rc: d\n",
    "top-level sequence": "- a\n- b\n",
    "top-level scalar": "just text\n",
    "comments only": "# nothing\n",
    "empty": "",
    "quoted key": "'a': 1\n",
    "key with a space": "a b: 1\n",
    "value with ': '": "a: b: c\n",
    "value ending in ':'": "a: b:\n",
    "indicator start": "a: @x\n",
    "sequence indicator as a value": "a: -\n",
    "text after a quoted value": "a: 'x' y\n",
    "bad indentation": "a:\n    b: 1\n  c: 2\n",
    "unexpected indentation": "a: 1\n  b: 2\n",
    "sequence after a scalar value": "a: 1\n- b\n",
}


@pytest.mark.parametrize("name", sorted(OUTSIDE))
def test_anything_outside_the_subset_falls_back_to_pyyaml(name: str) -> None:
    text = OUTSIDE[name]
    with pytest.raises(NotPlain):
        plain(text)
    # and parse_document then gives what PyYAML gives: the same document, or a problem for a bad one
    parsed = parse_document(text.encode(), "x.yaml", "yaml")
    try:
        expected = pyyaml(text)
    except yaml.YAMLError:
        assert parsed.doc is None and "not valid YAML" in parsed.problems[0].message
        return
    if parsed.doc is not None:
        assert same(parsed.doc, expected)
    else:
        assert parsed.problems


def test_windows_line_ends_read_as_unix_ones() -> None:
    text = SCALARS.replace("\n", "\r\n")
    assert same(plain(text), yaml.safe_load(text))


def nested(levels: int) -> str:
    """A mapping nested `levels` deep (the top one included), one key a level."""
    return "".join(" " * i + "k:\n" for i in range(levels - 1)) + " " * (levels - 1) + "k: 1\n"


def test_depth_exactly_at_the_limit_is_read_and_one_more_is_refused() -> None:
    assert documents.depth(plain(nested(MAX_DEPTH))) == MAX_DEPTH
    with pytest.raises(NotPlain):
        plain(nested(MAX_DEPTH + 1))
    assert parse_document(nested(MAX_DEPTH).encode(), "x.yaml", "yaml").doc is not None
    refused = parse_document(nested(MAX_DEPTH + 1).encode(), "x.yaml", "yaml")
    assert refused.doc is None and f"more than {MAX_DEPTH} levels" in refused.problems[0].message
    # flow collections count too
    flow = "a: " + "[" * (MAX_DEPTH - 1) + "1" + "]" * (MAX_DEPTH - 1) + "\n"
    assert documents.depth(plain(flow)) == MAX_DEPTH
    deeper = "a: " + "[" * MAX_DEPTH + "1" + "]" * MAX_DEPTH + "\n"
    with pytest.raises(NotPlain):
        plain(deeper)
    assert f"more than {MAX_DEPTH} levels" in parse_document(deeper.encode(), "x.yaml", "yaml").problems[0].message


@pytest.mark.parametrize("digits", [MAX_DIGITS - 1, MAX_DIGITS, MAX_DIGITS + 1])
def test_the_digit_limit_applies_on_the_plain_path_with_its_line(digits: int) -> None:
    text = f"organisation: x\nsettings:\n  simulated_years: {'9' * digits}\n"
    assert read_plain(text, _SafeLoader(""), MAX_DEPTH)[1] is (digits > MAX_DIGITS)
    parsed = parse_document(text.encode(), "x.yaml", "yaml")
    if digits <= MAX_DIGITS:
        assert parsed.doc["settings"]["simulated_years"] == int("9" * digits)
    else:
        assert parsed.doc is None
        (problem,) = parsed.problems
        assert f"a whole number of {digits} digits" in problem.message and problem.location.line == 3


@pytest.mark.parametrize("value", [".inf", "-.inf", ".NaN"])
def test_non_finite_numbers_are_refused_with_their_line_on_the_plain_path(value: str) -> None:
    parsed = parse_document(f"organisation: x\nservices:\n  - users: {value}\n".encode(), "x.yaml", "yaml")
    assert parsed.doc is None and parsed.problems[0].location.line == 3


@pytest.mark.parametrize("items", [97, 98, 99])
def test_the_expansion_limit_still_applies_on_the_plain_path(monkeypatch, items: int) -> None:
    monkeypatch.setattr(documents, "MAX_EXPANDED_VALUES", 100)
    text = "a: [" + ", ".join(["1"] * items) + "]\n"
    assert expanded_size(plain(text), 10**9) == items + 2
    parsed = parse_document(text.encode(), "x.yaml", "yaml")
    assert (parsed.doc is None) is (items + 2 > 100)


def test_the_value_bound_never_undercounts() -> None:
    for text in [SCALARS, (ROOT / "catalogs/examples/nhs-acute-trust.yaml").read_text()]:
        assert _values_bound(text) >= expanded_size(plain(text), 10**9)
    doc = synthetic_document(services=100, dependencies=20, edges=300)
    for style in (False, None):
        text = yaml.safe_dump(doc, default_flow_style=style, width=10_000)
        assert _values_bound(text) >= expanded_size(plain(text), 10**9)


def test_the_alias_bomb_is_still_refused() -> None:
    report = read_catalog(ROOT / "tests/data/bad/alias-bomb.yaml")
    assert report.catalog is None and any("alias" in p.message for p in report.problems)


def lines_of(mapping: dict) -> dict:
    return {path: where[0] if isinstance(where, tuple) else where for path, where in mapping.items()}


@pytest.mark.parametrize(
    "text",
    [
        (ROOT / "catalogs/examples/nhs-acute-trust.yaml").read_text(),
        (ROOT / "catalogs/examples/financial-firm-okta-aws.yaml").read_text(),
        yaml.safe_dump(synthetic_document(services=100, dependencies=20, edges=300)),
        yaml.safe_dump(
            synthetic_document(services=100, dependencies=20, edges=300), default_flow_style=None, width=10_000
        ),
    ],
    ids=["nhs", "financial", "block", "mixed"],
)
def test_every_path_maps_to_the_line_pyyaml_gives_it(text: str) -> None:
    ours, theirs = lines_of(line_map(text, _SafeLoader(""), MAX_DEPTH)), lines_of(_line_map(text))
    # every path ours knows has PyYAML's line; paths inside a one-line flow collection resolve to its key's
    # line, which is the same line
    assert all(theirs[path] == line for path, line in ours.items())
    for path, line in theirs.items():
        probe = path
        while probe not in ours:
            probe = probe[:-1]
        assert ours[probe] == line, path


def test_json_paths_map_to_the_lines_pyyaml_gives_them() -> None:
    doc = synthetic_document(services=50, dependencies=20, edges=150)
    for text in (json.dumps(doc, indent=2), json.dumps(doc), '{"a\\"b": [1, {"c": [[], {}]}],\n "d": null}'):
        assert lines_of(_json_line_map(text)) == lines_of(_line_map(text))


def test_warnings_are_located_on_their_lines_in_yaml_and_json(tmp_path: Path) -> None:
    doc = synthetic_document(services=60, dependencies=20, edges=200)
    for dep in doc["dependencies"][:3]:
        del dep["annual_outages"]
    written = {
        "c.yaml": yaml.safe_dump(doc, sort_keys=False),
        "c.json": json.dumps(doc, indent=1),
    }
    for name, text in written.items():
        (tmp_path / name).write_text(text)
        report = read_catalog(tmp_path / name)
        warned = [p for p in report.warnings if "without annual_outages" in p.message]
        assert len(warned) == 3
        expected = lines_of(_line_map(text))
        for i, problem in enumerate(warned):
            assert problem.location.line == expected[("dependencies", i, "mean_outage")], (name, problem)


_SCALAR_TEXT = st.text(
    alphabet=st.sampled_from(list("abcyYnNoOtTfF019_.:-+ #'\"[]{},&*!|>%@~eE\\/")), min_size=0, max_size=8
)
_VALUES = st.recursive(
    st.one_of(_SCALAR_TEXT, st.integers(), st.floats(allow_nan=False), st.booleans(), st.none()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(["a", "b", "yes", "1", "id"]), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    doc=st.dictionaries(st.sampled_from(["id", "name", "on", "x"]), _VALUES, min_size=1),
    style=st.sampled_from([False, None]),
)
def test_generated_documents_read_as_safe_load_or_fall_back(doc, style) -> None:
    text = yaml.safe_dump(doc, default_flow_style=style)
    try:
        got = plain(text)
    except NotPlain:
        return
    expected = pyyaml(text)  # safe_load with the catalog's digit limit, as the PyYAML path reads it
    assert same(got, expected), (text, got, expected)


_LINE = st.tuples(
    st.sampled_from(["", "  ", "    ", "   "]),
    st.sampled_from(["", "- ", "-  "]),
    st.sampled_from(["", "a:", "b:", "a: ", "yes: ", "1: ", "a:  "]),
    st.sampled_from(
        [
            "",
            "x",
            "1",
            "yes",
            "~",
            "[1, b]",
            "{a: 1}",
            "'q'",
            '"q"',
            "x # c",
            "x#c",
            "[",
            "a: b",
            "1:2",
            "- y",
            "&a x",
            "*a",
            "-",
            "'a''b'",
            "[a, {b: [c]}]",
            "# only",
            "2024-01-01",
            "0x1f",
        ]
    ),
)


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(_LINE, min_size=1, max_size=8))
def test_hand_written_texts_read_as_pyyaml_or_fall_back(lines) -> None:
    text = "".join("".join(parts) + "\n" for parts in lines)
    try:
        expected = pyyaml(text)
    except yaml.YAMLError:
        with pytest.raises(NotPlain):
            plain(text)
        return
    try:
        got = plain(text)
    except NotPlain:
        return
    assert same(got, expected), (text, got, expected)


_WORDS = [
    "x",
    "yes",
    "No",
    "on",
    "~",
    "null",
    "1",
    "-2",
    "0x1f",
    "1_000",
    "1:30",
    "1.5",
    ".inf",
    "2024-01-01",
    "a b",
    "C#",
    "a#b",
    "Mon-Fri 08:00-18:00",
    "dep-1",
    "-x",
    "$v",
    "(p)",
    "a, b",
    "a [b]",
    "1e3",
    "08",
]


def _render(rng, value, indent: int, out: list[str]) -> None:
    """Append lines writing the mapping `value` in a random mix of the subset's forms."""
    pad = " " * indent
    for key, item in value.items():
        out.append(pad + key + ":" + _inline_or_block(rng, item, indent, out))


def _scalar(rng, word: str) -> str:
    form = rng.random()
    if form < 0.15:
        return "'" + word.replace("'", "''") + "'"
    if form < 0.25:
        return '"' + word + '"'
    return word + (" # note" if rng.random() < 0.2 else "")


def _flow(rng, value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(rng, v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(rng, v) for v in value) + "]"
    return value


def _inline_or_block(rng, item, indent: int, out: list[str]) -> str:
    if not isinstance(item, dict | list):
        return " " + _scalar(rng, item)
    if rng.random() < 0.3 and all(not isinstance(v, str) or v.isalnum() for v in item):
        return " " + _flow(rng, item) + (" # c" if rng.random() < 0.3 else "")
    if isinstance(item, dict):
        if not item:
            return " {}"
        lines: list[str] = []
        _render(rng, item, indent + rng.choice([1, 2, 4]), lines)
        out.extend(lines[:0])
        return "\n" + "\n".join(lines)
    if not item:
        return " []"
    step = rng.choice([0, 2])
    pad = " " * (indent + step)
    lines = []
    for element in item:
        if isinstance(element, dict) and element:
            inner: list[str] = []
            _render(rng, element, indent + step + 2, inner)
            inner[0] = pad + "- " + inner[0].lstrip(" ")
            lines.extend(inner)
        else:
            lines.append(pad + "-" + _inline_or_block(rng, element, indent + step + 2, lines))
    return "\n" + "\n".join(lines)


def _random_doc(rng, level: int = 0):
    keys = rng.sample(["id", "name", "requires", "of", "a", "b", "yes", "n", "y", "1", "tier"], rng.randint(1, 4))
    out = {}
    for key in keys:
        roll = rng.random()
        if level < 3 and roll < 0.25:
            out[key] = _random_doc(rng, level + 1)
        elif level < 3 and roll < 0.5:
            out[key] = [
                _random_doc(rng, level + 1) if rng.random() < 0.4 else rng.choice(_WORDS)
                for _ in range(rng.randint(0, 3))
            ]
        else:
            out[key] = rng.choice(_WORDS)
    return out


@pytest.mark.parametrize("seed", range(5))
def test_randomly_written_documents_read_as_pyyaml_reads_them(seed: int) -> None:
    rng = random.Random(seed)
    accepted = 0
    for _ in range(400):
        lines: list[str] = []
        _render(rng, _random_doc(rng), 0, lines)
        text = "\n".join(lines) + "\n"
        try:
            expected = pyyaml(text)
        except yaml.YAMLError:
            with pytest.raises(NotPlain):
                plain(text)
            continue
        try:
            got = plain(text)
        except NotPlain:
            continue
        accepted += 1
        assert same(got, expected), text
    assert accepted > 200  # the subset is what these texts are mostly written in
