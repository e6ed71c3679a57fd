"""YAML and JSON catalogs (and outage logs): safe parsing with line numbers for every path.

Parsing uses PyYAML's safe loader only (the C build when present, for speed), so no tag can construct
Python objects. Line numbers come from composing the node tree (no objects constructed either), done
only when there is a problem to locate, so valid files pay nothing for it.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from risk.catalog.sources.base import MAX_EXPANDED_VALUES, Parsed, decode_text
from risk.problems import Location, Problem

__all__ = ["parse_document", "expanded_size"]

_BaseSafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SafeLoader(_BaseSafeLoader):  # type: ignore[misc, valid-type]
    """PyYAML's safe loader (the C parser when present) with a per-document memo of implicit tag
    resolution: catalogs repeat the same ids and words thousands of times, and resolving each scalar
    against every implicit pattern was a third of the load time. Construction stays SafeConstructor's."""

    def __init__(self, stream):
        super().__init__(stream)
        self._resolved: dict[tuple, str] = {}

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode:
            key = (value, implicit)
            tag = self._resolved.get(key)
            if tag is None:
                tag = self._resolved[key] = super().resolve(kind, value, implicit)
            return tag
        return super().resolve(kind, value, implicit)


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


def _locator(text: str, name: str):
    cache: dict[str, dict[tuple, tuple[int, int]]] = {}

    def locate(path: tuple) -> Location:
        from risk.catalog.validate import path_text

        if "map" not in cache:
            cache["map"] = _line_map(text)
        lines = cache["map"]
        probe = tuple(path)
        while probe and probe not in lines:
            probe = probe[:-1]
        line, col = lines.get(probe, (None, None))
        return Location(name, line=line, path=path_text(path))

    return locate


def parse_document(data: bytes, name: str, fmt: str) -> Parsed:
    """Parse YAML (fmt='yaml') or JSON (fmt='json') bytes into a plain document."""
    text = decode_text(data, name)
    if isinstance(text, Problem):
        return Parsed(None, lambda p: Location(name), [text])
    locate = _locator(text, name)
    try:
        if fmt == "json":
            doc = json.loads(text)
        else:
            doc = yaml.load(text, Loader=_SafeLoader)  # noqa: S506 - the safe loader (C build of safe_load)
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
    if expanded_size(doc) > MAX_EXPANDED_VALUES:
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
    return Parsed(doc, locate)
