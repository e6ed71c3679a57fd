"""YAML and JSON catalogs (and outage logs): safe parsing with line numbers for every path.

Parsing uses PyYAML's safe loader only (the C build when present, for speed), so no tag can construct
Python objects. Line numbers come from composing the node tree (no objects constructed either), done
only when there is a problem to locate, so valid files pay nothing for it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

import yaml

from risk.catalog.sources.base import MAX_DEPTH, MAX_EXPANDED_VALUES, Parsed, decode_text
from risk.catalog.sources.plainyaml import NotPlain, line_map, read_plain
from risk.problems import Location, Problem

__all__ = ["parse_document", "load_yaml", "expanded_size", "depth", "Unusable", "MAX_DIGITS"]

#: Longest whole number accepted, in digits. No count in a catalog needs more than 15; longer numbers are
#: reported (and never converted: Python refuses to convert more than 4,300 digits, and slowly below that).
MAX_DIGITS = 30


def _digits(text: str) -> int:
    """Digits of an integer literal in any base (0x.., 0o.., 0b.., sexagesimal), signs and '_' aside."""
    if len(text) <= MAX_DIGITS:  # cannot be over the limit: skip the count (most numbers in a catalog)
        return len(text)
    body = text.strip().lstrip("+-").replace("_", "")
    if body[:2].lower() in ("0x", "0o", "0b"):
        body = body[2:]
    return sum(c.isalnum() for c in body)


class Unusable:
    """A value the parser read but the engine could not use (a huge integer, infinity, not-a-number). Kept in
    the document so that the problem can be reported at its path, with its line."""

    def __init__(self, text: str, why: str):
        self.text, self.why = text, why

    def __repr__(self) -> str:  # what pydantic would print if it ever got one
        return self.text[:20] + ("..." if len(self.text) > 20 else "")


_BaseSafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SafeLoader(_BaseSafeLoader):  # type: ignore[misc, valid-type]
    """PyYAML's safe loader (the C parser when present) with a per-document memo of implicit tag
    resolution: catalogs repeat the same ids and words thousands of times, and resolving each scalar
    against every implicit pattern was a third of the load time. Construction stays SafeConstructor's."""

    def __init__(self, stream):
        super().__init__(stream)
        self._resolved: dict[tuple, str] = {}
        self.has_duplicate_keys = False

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            keys = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode) and k.value != "<<"]
            if len(keys) != len(set(keys)):
                self.has_duplicate_keys = True
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node):
        value = self.construct_scalar(node)
        digits = _digits(value)
        if digits > MAX_DIGITS:
            return Unusable(value, f"a whole number of {digits} digits")
        return super().construct_yaml_int(node)

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode:
            key = (value, implicit)
            tag = self._resolved.get(key)
            if tag is None:
                tag = self._resolved[key] = super().resolve(kind, value, implicit)
            return tag
        return super().resolve(kind, value, implicit)


_SafeLoader.add_constructor("tag:yaml.org,2002:int", _SafeLoader.construct_yaml_int)


def depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """How deeply lists and mappings nest (iterative, each shared node visited once; stops past `limit`)."""
    deepest, seen = 0, set()
    stack = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if not isinstance(v, dict | list) or id(v) in seen:
            continue
        seen.add(id(v))
        deepest = max(deepest, d)
        if deepest > limit:
            return deepest
        stack.extend((item, d + 1) for item in (v.values() if isinstance(v, dict) else v))
    return deepest


def unusable_numbers(value: Any) -> list[tuple[tuple, str]]:
    """(path, why) for every value the engine could not use: huge integers, infinities, not-a-number."""
    out: list[tuple[tuple, str]] = []
    seen: set[int] = set()
    stack: list[tuple[Any, tuple]] = [(value, ())]
    while stack:
        v, path = stack.pop()
        if isinstance(v, Unusable):
            out.append((path, v.why))
        elif isinstance(v, float) and not math.isfinite(v):
            out.append((path, "not a finite number" if math.isnan(v) else "infinite (or too large to hold)"))
        elif isinstance(v, dict | list) and id(v) not in seen:
            seen.add(id(v))
            items = v.items() if isinstance(v, dict) else enumerate(v)
            stack.extend((item, (*path, key)) for key, item in items)
    return sorted(out, key=lambda x: [str(p) for p in x[0]])


def duplicate_keys(text: str) -> list[tuple[str, int, int]]:
    """(key, first line, second line) for every mapping key given twice, from the YAML node tree (JSON is
    YAML here too). Run only when the parser has already seen a duplicate, so valid files pay nothing."""
    try:
        root = yaml.compose(text, Loader=_SafeLoader)
    except yaml.YAMLError:
        return []
    out = []
    stack = [root] if root is not None else []
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, val in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                    line = key.start_mark.line + 1
                    if key.value in first:
                        out.append((key.value, first[key.value], line))
                    else:
                        first[key.value] = line
                stack.append(val)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return sorted(out, key=lambda x: x[2])


class _Duplicates:
    """object_pairs_hook for json.loads: builds the dict and notes whether any key came twice."""

    def __init__(self) -> None:
        self.found = False

    def __call__(self, pairs: list[tuple[str, Any]]) -> dict:
        out = dict(pairs)
        if len(out) != len(pairs):
            self.found = True
        return out


def _json_int(text: str) -> int | Unusable:
    digits = _digits(text)
    return Unusable(text, f"a whole number of {digits} digits") if digits > MAX_DIGITS else int(text)


def _json_constant(name: str) -> Unusable:
    return Unusable(name, f"'{name}', which is not a number JSON allows")


def expanded_size(value: Any, limit: int = MAX_EXPANDED_VALUES) -> int:
    """How many values the document holds once aliases are expanded (memoised, so bombs cost nothing)."""
    memo: dict[int, int] = {}

    def size(v: Any) -> int:
        if isinstance(v, dict | list):
            key = id(v)
            if key in memo:
                return memo[key]
            memo[key] = 0  # a self-referencing alias counts as nothing the second time round
            items = v.values() if isinstance(v, dict) else v
            total = 1
            for item in items:
                total += size(item)
                if total > limit:
                    break
            memo[key] = total
            return total
        return 1

    return size(value)


def _line_map(text: str) -> dict[tuple, tuple[int, int]]:
    """Document path -> (line, column), 1-based, from the YAML node tree (JSON is YAML too, nearly)."""
    try:
        root = yaml.compose(text, Loader=_SafeLoader)
    except yaml.YAMLError:
        return {}
    out: dict[tuple, tuple[int, int]] = {}
    seen: set[int] = set()

    def walk(node: yaml.Node, path: tuple) -> None:
        if id(node) in seen or len(out) > MAX_EXPANDED_VALUES:
            return
        seen.add(id(node))
        out.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            for key, val in node.value:
                if isinstance(key, yaml.ScalarNode):
                    child = (*path, key.value)
                    out[child] = (key.start_mark.line + 1, key.start_mark.column + 1)
                    walk(val, child)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, i))

    if root is not None:
        walk(root, ())
    return out


_JSON_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+')


def _json_line_map(text: str) -> dict[tuple, tuple[int, int]]:
    """Document path -> (line, 1) for JSON, from one pass over its tokens (the JSON parser has accepted the
    text already). Each key maps to its own line and each list item to the line where it starts."""
    out: dict[tuple, tuple[int, int]] = {}
    # a frame per open container: [path, is_mapping, next index, pending key]
    stack: list[list] = []
    expect_key = False
    line, counted = 1, 0
    for token in _JSON_TOKEN.finditer(text):
        value = token.group()
        if value == ",":
            expect_key = bool(stack) and stack[-1][1]
            continue
        if value == ":":
            continue
        if value == "]" or value == "}":
            stack.pop()
            continue
        at = token.start()
        line += text.count("\n", counted, at)
        counted = at
        if expect_key:
            frame = stack[-1]
            frame[3] = value[1:-1] if "\\" not in value else json.loads(value)
            out[(*frame[0], frame[3])] = (line, 1)
            expect_key = False
            continue
        if stack:
            frame = stack[-1]
            if frame[1]:
                path = (*frame[0], frame[3])
            else:
                path = (*frame[0], frame[2])
                frame[2] += 1
                out[path] = (line, 1)
        else:
            path = ()
            out[path] = (line, 1)
        if value == "[" or value == "{":
            stack.append([path, value == "{", 0, None])
            expect_key = value == "{"
            if len(stack) > MAX_DEPTH + 1:
                break
    return out


def _locator(text: str, name: str, fmt: str = "yaml", plain: bool = False):
    """Path -> Location, from a map of every path's line built once, on the first path asked for: one pass
    of the plain reader over a YAML text it read, of the tokens of a JSON text, or PyYAML's node tree."""
    cache: dict[str, dict[tuple, tuple[int, int]]] = {}

    def build() -> dict[tuple, tuple[int, int]]:
        if plain:
            try:
                return {path: (line, 1) for path, line in line_map(text, _SafeLoader(""), MAX_DEPTH).items()}
            except NotPlain:  # not reached: the same text was read by the same reader
                pass
        if fmt == "json":
            return _json_line_map(text)
        return _line_map(text)

    def locate(path: tuple) -> Location:
        from risk.catalog.validate import path_text

        if not path:  # the whole document: no need to map every line of a large file to say so
            return Location(name, line=1)
        if "map" not in cache:
            cache["map"] = build()
        lines = cache["map"]
        probe = tuple(path)
        while probe and probe not in lines:
            probe = probe[:-1]
        line, col = lines.get(probe, (None, None))
        return Location(name, line=line, path=path_text(path))

    return locate


def parse_document(data: bytes, name: str, fmt: str, check: Callable[[Any], list[Problem]] | None = None) -> Parsed:
    """Parse YAML (fmt='yaml') or JSON (fmt='json') bytes into a plain document. `check`, when given, sees
    the document first, before anything walks it (a catalog's work limits from its counts): its problems
    refuse the document."""
    text = decode_text(data, name)
    if isinstance(text, Problem):
        return Parsed(None, lambda p: Location(name), [text])
    locate = _locator(text, name, fmt)
    duplicates, plain = False, False
    try:
        if fmt == "json":
            hook = _Duplicates()
            doc = json.loads(text, object_pairs_hook=hook, parse_int=_json_int, parse_constant=_json_constant)
            duplicates = hook.found
        else:
            try:  # the plain subset catalogs are written in, read exactly as safe_load would (plainyaml.py)
                (doc, odd_numbers), plain = read_plain(text, _SafeLoader(""), MAX_DEPTH), True
            except NotPlain:  # anything else: PyYAML's safe loader
                loader = _SafeLoader(text)
                try:
                    doc = loader.get_single_data()
                    duplicates = loader.has_duplicate_keys
                finally:
                    loader.dispose()
    except json.JSONDecodeError as exc:
        return Parsed(
            None,
            locate,
            [
                Problem(
                    f"this is not valid JSON: {exc.msg}",
                    Location(name, line=exc.lineno, column=exc.colno),
                    "check for a missing comma, quote or bracket near that point",
                )
            ],
        )
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return Parsed(
            None,
            locate,
            [
                Problem(
                    f"this is not valid YAML: {what}",
                    Location(name, line=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None),
                    "check the indentation and that every 'key: value' pair has a space after the colon",
                )
            ],
        )
    except (RecursionError, MemoryError):
        return Parsed(
            None,
            locate,
            [Problem("the document is nested too deeply to read", Location(name), "flatten the structure")],
        )
    except ValueError as exc:  # a number the parser itself cannot convert
        return Parsed(None, locate, [Problem(f"a value cannot be read: {str(exc)[:160]}", Location(name), "")])
    if plain:
        locate = _locator(text, name, fmt, plain=True)
    early = check(doc) if check is not None and isinstance(doc, dict) else []
    if early:
        return Parsed(None, locate, early)
    if not plain and depth(doc) > MAX_DEPTH:  # the plain reader gives way to PyYAML past MAX_DEPTH
        return Parsed(
            None,
            locate,
            [
                Problem(
                    f"the document nests lists and mappings more than {MAX_DEPTH} levels deep",
                    Location(name),
                    "a catalog needs about ten levels; write deep requirements with logical groups instead",
                )
            ],
        )
    problems = [
        Problem(
            f"'{key}' is given twice in the same place "
            + (f"(lines {first} and {second})" if first != second else f"(twice on line {first})")
            + "; only one value can count",
            Location(name, line=second),
            "keep one of them and delete the other",
        )
        for key, first, second in (duplicate_keys(text) if duplicates else [])
    ]
    if duplicates and not problems:
        problems.append(
            Problem("a key is given twice in the same mapping", Location(name), "keep one value for each key")
        )
    problems += [
        Problem(f"this value is {why}", locate(path), "use an ordinary number within the field's range")
        for path, why in (unusable_numbers(doc) if not plain or odd_numbers else [])
    ]
    if problems:
        return Parsed(None, locate, problems)
    if not (plain and _values_bound(text) <= MAX_EXPANDED_VALUES) and expanded_size(doc) > MAX_EXPANDED_VALUES:
        return Parsed(
            None,
            locate,
            [
                Problem(
                    f"the document expands to more than {MAX_EXPANDED_VALUES:,} values once its aliases are followed",
                    Location(name),
                    "remove the YAML anchors/aliases (&name / *name) that repeat each other; "
                    "this looks like an 'alias bomb'",
                )
            ],
        )
    if doc is None:
        return Parsed(
            None,
            locate,
            [
                Problem(
                    "the file holds no document (only comments or blank lines)",
                    Location(name),
                    "start from a template in catalogs/templates",
                )
            ],
        )
    return Parsed(doc, locate, checked=True)


def _values_bound(text: str) -> int:
    """More values than a text the plain reader accepted can hold (it has no aliases): a line holds at most an
    item's mapping and one value, and a flow collection one more per comma and per bracket."""
    return 2 * text.count("\n") + 2 + text.count(",") + text.count("[") + text.count("{")


def load_yaml(text: str, name: str, many: bool = False) -> Any:
    """YAML from a file a person gave (a Backstage catalog-info.yaml, a ServiceNow mapping, ...), read as
    catalogs are: the safe loader, then the catalog's limits on alias expansion (MAX_EXPANDED_VALUES, over all
    the documents together when `many`) and on depth, before anything walks the result. PyYAML builds an
    alias as a shared reference, so a 467-byte alias bomb is cheap to load and only explodes when walked:
    it is refused here, while it is still small. `many` reads every document of a multi-document file (a
    list). Raises InputError with a located problem, never a YAMLError or a RecursionError."""
    from risk.problems import InputError

    loader = _SafeLoader(text)
    try:
        docs = []
        if many:
            while loader.check_data():
                docs.append(loader.get_data())
        else:
            docs.append(loader.get_single_data())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(
            [
                Problem(
                    f"this is not valid YAML: {what}",
                    Location(name, line=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None),
                    "check the indentation and that every 'key: value' pair has a space after the colon",
                )
            ]
        ) from None
    except (RecursionError, MemoryError):
        raise InputError(
            [Problem("the document is nested too deeply to read", Location(name), "flatten the structure")]
        ) from None
    finally:
        loader.dispose()
    if depth(docs) > MAX_DEPTH + 1:
        raise InputError(
            [
                Problem(
                    f"the document nests lists and mappings more than {MAX_DEPTH} levels deep",
                    Location(name),
                    "flatten the structure",
                )
            ]
        )
    if expanded_size(docs) > MAX_EXPANDED_VALUES + 1:
        raise InputError(
            [
                Problem(
                    f"the document expands to more than {MAX_EXPANDED_VALUES:,} values once its aliases are followed",
                    Location(name),
                    "remove the YAML anchors/aliases (&name / *name) that repeat each other; "
                    "this looks like an 'alias bomb'",
                )
            ]
        )
    return docs if many else docs[0]
