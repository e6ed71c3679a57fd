"""A restricted YAML reader for the plain subset catalogs are written in, with PyYAML's safe loader for the rest.

PyYAML's C parser spends about a second on a 5,000-service catalog, most of it building events and nodes in
Python. Catalogs use a small part of YAML: block mappings and sequences, plain scalars, one-line quoted strings,
one-line flow lists and mappings, comments. This reader handles exactly that subset, line by line, and gives up
(raises `NotPlain`) on anything else, so the caller reads the text with PyYAML instead: anchors and aliases,
tags, block scalars, multi-line scalars, document markers, tabs, escapes, duplicate keys, odd characters.

Semantics are PyYAML `safe_load`'s for what it accepts: every plain scalar is resolved with PyYAML's own
implicit resolvers (YAML 1.1: `yes` is True, `1_000` is 1000, `1:30` is 90, `2024-01-01` a date) and built by
the given constructor (so a catalog's digit limit applies exactly as on the PyYAML path); quoted scalars are
strings. tests/catalog/test_plainyaml.py checks identical documents on the bundled examples, the test catalogs
and generated catalogs, and that each construct outside the subset falls back. The same pass can also map
every path to its line (`line_map`), which is how a warning is located without composing PyYAML's node tree.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

__all__ = ["NotPlain", "read_plain", "line_map"]


class NotPlain(Exception):
    """The text uses YAML outside the plain subset: read it with PyYAML instead."""


#: Characters PyYAML refuses or treats specially anywhere (its reader's non-printable set, other line breaks,
#: a byte-order mark, tabs): any of them sends the whole text to PyYAML.
_ODD = re.compile("[^\x0a\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_KEY = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_.\-/]*):(?: +|$)")
_FLOW_PLAIN = re.compile(r"(?:[A-Za-z0-9_./~+(]|-(?=[A-Za-z0-9_.]))[A-Za-z0-9_./~+\- ()]*")
_PLAIN_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./~+-($")
_STR = "tag:yaml.org,2002:str"
_INT, _FLOAT = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"


class _Reader:
    def __init__(self, text: str, constructor: Any, max_depth: int, where: dict | None):
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        if _ODD.search(text):
            raise NotPlain("a character outside the plain subset")
        self.lines: list[list] = []  # [line number, indent, content]
        for number, raw in enumerate(text.split("\n"), 1):
            content = raw.lstrip(" ")
            if content and content[0] != "#":
                self.lines.append([number, len(raw) - len(content), content.rstrip(" ")])
        self.constructor = constructor
        self.implicit = constructor.yaml_implicit_resolvers  # the loader's own table, as PyYAML would use
        self.max_depth = max_depth
        self.where = where
        self.memo: dict[str, Any] = {}
        #: whether a number came out unusable (Unusable, or a float that is not finite): only then does the
        #: caller need to walk the document for them
        self.unusable = False

    # -- scalars ------------------------------------------------------------------------------------------
    def scalar(self, value: str) -> Any:
        """A plain scalar as safe_load builds it: PyYAML's implicit resolvers, then the constructor."""
        resolvers = self.implicit.get(value[0] if value else "")
        if not resolvers:
            return value
        memo = self.memo
        if value in memo:
            return memo[value]
        tag = _STR
        for candidate, regexp in resolvers:
            if regexp.match(value):
                tag = candidate
                break
        if tag == _STR:
            built: Any = value
        elif tag in ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"):
            raise NotPlain("a merge or value key")
        else:
            built = self.constructor.yaml_constructors[tag](self.constructor, yaml.ScalarNode(tag, value))
        if (tag == _INT and not isinstance(built, int)) or (tag == _FLOAT and not math.isfinite(built)):
            self.unusable = True
        memo[value] = built
        return built

    def inline(self, text: str, level: int) -> Any:
        """The value written after 'key: ' or '- ' on one line (a trailing comment allowed)."""
        first = text[0]
        if first == "'":
            end = 1
            while True:
                end = text.find("'", end)
                if end < 0:
                    raise NotPlain("a quoted string over several lines")
                if text[end + 1 : end + 2] == "'":
                    end += 2
                    continue
                break
            self.after(text[end + 1 :])
            return text[1:end].replace("''", "'")
        if first == '"':
            end = text.find('"', 1)
            if end < 0 or "\\" in text[1:end]:
                raise NotPlain("a double-quoted string with escapes or over several lines")
            self.after(text[end + 1 :])
            return text[1:end]
        if first == "[" or first == "{":
            value, end = self.flow(text, 0, level)
            self.after(text[end:])
            return value
        if first not in _PLAIN_START or (first == "-" and (len(text) == 1 or text[1] == " ")):
            raise NotPlain("a value starting with an indicator")
        cut = text.find(" #")
        if cut >= 0:
            text = text[:cut].rstrip(" ")
        if ": " in text or text[-1] == ":":
            raise NotPlain("a colon inside a plain value")
        return self.scalar(text)

    @staticmethod
    def after(rest: str) -> None:
        if rest and not (rest[0] == " " and rest.lstrip(" ")[:1] in ("", "#")):
            raise NotPlain("text after a closed value")

    def flow(self, text: str, at: int, level: int) -> tuple[Any, int]:
        """A one-line flow list or mapping of plain scalars (nested ones too) starting at text[at]."""
        if level > self.max_depth:
            raise NotPlain("too deep")
        closing = "]" if text[at] == "[" else "}"
        mapping = closing == "}"
        out: Any = {} if mapping else []
        at += 1
        n = len(text)
        while True:
            while at < n and text[at] == " ":
                at += 1
            if at >= n:
                raise NotPlain("a flow collection over several lines")
            if text[at] == closing and not out:
                return out, at + 1
            if mapping:
                key, at = self.flow_item(text, at, level)
                if text[at : at + 2] != ": ":
                    raise NotPlain("a flow mapping entry without ': '")
                at += 2
                while at < n and text[at] == " ":
                    at += 1
                if isinstance(key, list | dict) or key in out:
                    raise NotPlain("a duplicate or complex key")
                out[key], at = self.flow_item(text, at, level)
            else:
                item, at = self.flow_item(text, at, level)
                out.append(item)
            while at < n and text[at] == " ":
                at += 1
            if at < n and text[at] == ",":
                at += 1
                rest = text[at:].lstrip(" ")
                if rest[:1] in (closing, ""):
                    raise NotPlain("an empty flow entry")
                continue
            if at < n and text[at] == closing:
                return out, at + 1
            raise NotPlain("an unexpected character in a flow collection")

    def flow_item(self, text: str, at: int, level: int) -> tuple[Any, int]:
        if at < len(text) and text[at] in "[{":
            return self.flow(text, at, level + 1)
        match = _FLOW_PLAIN.match(text, at)
        if match is None:
            raise NotPlain("a flow value outside the plain subset")
        return self.scalar(match.group().rstrip(" ")), match.end()

    # -- blocks -------------------------------------------------------------------------------------------
    def block(self, i: int, indent: int, path: tuple, level: int) -> tuple[Any, int]:
        content = self.lines[i][2]
        if content[0] == "-" and (len(content) == 1 or content[1] == " "):
            return self.sequence(i, indent, path, level)
        return self.mapping(i, indent, path, level)

    def mapping(self, i: int, indent: int, path: tuple, level: int) -> tuple[dict, int]:
        if level > self.max_depth:
            raise NotPlain("too deep")
        lines, where, n = self.lines, self.where, len(self.lines)
        out: dict = {}
        while i < n:
            number, at, content = lines[i]
            if at != indent:
                if at < indent:
                    break
                raise NotPlain("unexpected indentation")
            match = _KEY.match(content)
            if match is None:
                if content[0] == "-" and (len(content) == 1 or content[1] == " "):
                    break  # a compact sequence's item ends the mapping only in the caller's eyes
                raise NotPlain("a line that is not 'key: value'")
            key = self.scalar(match.group(1))
            if key in out:
                raise NotPlain("a duplicate key")
            child = (*path, key)
            if where is not None:
                where[child] = number
            rest = content[match.end() :]
            i += 1
            if rest and rest[0] != "#":
                if where is None:  # a map of lines needs no values: the text was read already
                    out[key] = self.inline(rest, level + 1)
                continue
            if i < n and lines[i][1] > indent:
                out[key], i = self.block(i, lines[i][1], child, level + 1)
            elif i < n and lines[i][1] == indent and lines[i][2][0] == "-" and lines[i][2][1:2] in ("", " "):
                out[key], i = self.sequence(i, indent, child, level + 1)
            else:
                out[key] = None
        if i < n and lines[i][1] == indent and not path:
            raise NotPlain("a top-level line that is not 'key: value'")
        return out, i

    def sequence(self, i: int, indent: int, path: tuple, level: int) -> tuple[list, int]:
        if level > self.max_depth:
            raise NotPlain("too deep")
        lines, where, n = self.lines, self.where, len(self.lines)
        out: list = []
        while i < n:
            line = lines[i]
            number, at, content = line
            if at != indent or not (content[0] == "-" and (len(content) == 1 or content[1] == " ")):
                if at > indent:
                    raise NotPlain("unexpected indentation")
                break
            rest = content[1:].lstrip(" ")
            child = (*path, len(out))
            if where is not None:
                where[child] = number
            if not rest or rest[0] == "#":
                raise NotPlain("an item whose value starts on the next line")
            if rest[0] == "-" and (len(rest) == 1 or rest[1] == " "):
                raise NotPlain("a sequence inside a sequence item")
            if _KEY.match(rest):
                # '- key: value' opens a mapping whose keys line up with this first one
                line[1], line[2] = at + len(content) - len(rest), rest
                value, i = self.mapping(i, line[1], child, level + 1)
                out.append(value)
                continue
            out.append(self.inline(rest, level + 1) if where is None else None)
            i += 1
        return out, i

    def document(self) -> Any:
        if not self.lines or self.lines[0][1] != 0:
            raise NotPlain("no top-level mapping")
        if self.where is not None:
            self.where[()] = self.lines[0][0]
        doc, i = self.mapping(0, 0, (), 1)
        if i != len(self.lines):
            raise NotPlain("text after the top-level mapping")
        return doc


def read_plain(text: str, constructor: Any, max_depth: int) -> tuple[Any, bool]:
    """(the document safe_load would give for `text`, whether any number in it is unusable), or NotPlain.
    The top must be a mapping; nesting deeper than `max_depth` is NotPlain (PyYAML's path then reports it).
    `constructor` is a PyYAML safe loader: its implicit resolvers decide each plain scalar's type and its
    constructors build the non-strings (its int rule may refuse long numbers: such a value, an infinity or
    a NaN sets the flag)."""
    reader = _Reader(text, constructor, max_depth, None)
    return reader.document(), reader.unusable


def line_map(text: str, constructor: Any, max_depth: int) -> dict[tuple, int]:
    """Document path -> line (1-based) of its key or its item's '- ', for a text `read_plain` accepts."""
    where: dict[tuple, int] = {}
    _Reader(text, constructor, max_depth, where).document()
    return where
