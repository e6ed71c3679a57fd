"""The one-cell text syntax for requirement expressions, and helpers that walk expressions.

Spreadsheets hold a requirement in one cell, e.g.
``exchange-online, entra-signin~8h, any_of(mfa-push, mfa-sms), at_least(2, a, b, c)``.
Grammar (commas separate items; the whole cell is a list of items that are all needed)::

    cell    := items
    items   := item ("," item)*
    item    := ID ["~" DURATION]                 a reference, with an optional grace period
             | "any_of" "(" items ")"
             | "all_of" "(" items ")"
             | "at_least" "(" INT "," items ")"
             | "(" items ")"                     a nested list (all needed)

`format_requirement` is the exact inverse, so a catalog saved to XLSX or CSV loads back equal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from risk.durations import format_duration, parse_duration

__all__ = ["parse_requirement_text", "format_requirement", "iter_refs", "RequirementSyntaxError"]

_TOKEN = re.compile(r"\s*(?:(?P<punct>[(),~])|(?P<word>[^\s(),~]+))")
_FUNCS = ("any_of", "all_of", "at_least")


class RequirementSyntaxError(ValueError):
    """A requirement cell that does not follow the text syntax; the message says where and what."""


def _tokens(text: str) -> list[tuple[str, int]]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise RequirementSyntaxError(f"unexpected character at position {pos + 1} of '{text}'")
        out.append((m.group("punct") or m.group("word"), m.start(m.lastindex or 0) + 1))
        pos = m.end()
    return out


#: Deepest nesting of groups in a requirement. Real requirements nest three or four levels; the limit keeps a
#: hostile cell from exhausting the parser's stack.
MAX_REQUIREMENT_DEPTH = 24


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.toks = _tokens(text)
        self.i = 0
        self.depth = 0

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_REQUIREMENT_DEPTH:
            raise RequirementSyntaxError(
                f"the requirement nests groups more than {MAX_REQUIREMENT_DEPTH} levels deep; "
                "name the inner groups as logical dependencies (kind: logical) and require those instead"
            )

    def peek(self) -> str | None:
        return self.toks[self.i][0] if self.i < len(self.toks) else None

    def where(self) -> str:
        if self.i < len(self.toks):
            return f"at position {self.toks[self.i][1]} ('{self.toks[self.i][0]}')"
        return "at the end"

    def fail(self, what: str) -> RequirementSyntaxError:
        return RequirementSyntaxError(
            f"cannot read requirement '{self.text}': {what} {self.where()}; "
            "write ids separated by commas, e.g. 'a, b~8h, any_of(c, d), at_least(2, e, f, g)'"
        )

    def expect(self, tok: str) -> None:
        if self.peek() != tok:
            raise self.fail(f"expected '{tok}'")
        self.i += 1

    def items(self) -> list[Any]:
        out = [self.item()]
        while self.peek() == ",":
            self.i += 1
            out.append(self.item())
        return out

    def item(self) -> Any:
        tok = self.peek()
        if tok is None or tok in ",)~":
            raise self.fail("expected an id")
        if tok == "(":
            self.i += 1
            self.nest()
            inner = self.items()
            self.expect(")")
            self.depth -= 1
            return inner
        self.i += 1
        if tok in _FUNCS and self.peek() == "(":
            self.i += 1
            self.nest()
            if tok == "at_least":
                k_tok = self.peek()
                if k_tok is None or not k_tok.isdigit():
                    raise self.fail("at_least needs a whole number first, e.g. at_least(2, a, b, c),")
                self.i += 1
                self.expect(",")
                inner = self.items()
                self.expect(")")
                self.depth -= 1
                return {"at_least": int(k_tok), "of": inner}
            inner = self.items()
            self.expect(")")
            self.depth -= 1
            return {tok: inner}
        if self.peek() == "~":
            self.i += 1
            dur = self.peek()
            if dur is None or dur in "(),~":
                raise self.fail("expected a grace period after '~', e.g. 8h,")
            self.i += 1
            try:
                grace = parse_duration(dur)
            except ValueError as exc:
                raise RequirementSyntaxError(f"grace period of '{tok}': {exc}") from None
            return {"id": tok, "grace": grace}
        return tok


def parse_requirement_text(text: str) -> list[Any]:
    """Parse a one-cell requirement into the document form (a list). An empty cell needs nothing."""
    if not text.strip():
        return []
    p = _Parser(text)
    items = p.items()
    if p.peek() is not None:
        raise p.fail("unexpected text")
    return items


def _fmt(expr: Any) -> str:
    from risk.catalog.model import AllOf, AnyOf, AtLeast, Ref

    if isinstance(expr, str):
        return expr
    if isinstance(expr, Ref):
        return expr.id if expr.grace is None else f"{expr.id}~{format_duration(expr.grace)}"
    if isinstance(expr, AnyOf):
        return f"any_of({', '.join(_fmt(e) for e in expr.any_of)})"
    if isinstance(expr, AllOf):
        return f"all_of({', '.join(_fmt(e) for e in expr.all_of)})"
    if isinstance(expr, AtLeast):
        return f"at_least({expr.at_least}, {', '.join(_fmt(e) for e in expr.of)})"
    if isinstance(expr, list):
        return f"({', '.join(_fmt(e) for e in expr)})"
    raise TypeError(f"not a requirement: {expr!r}")


def format_requirement(requirement: list[Any]) -> str:
    """The one-cell text of a (validated) top-level requirement list."""
    return ", ".join(_fmt(e) for e in requirement)


def iter_refs(expr: Any, path: tuple = ()) -> Iterator[tuple[str, tuple, float | None]]:
    """Every (id, path, grace) referenced by a validated expression, depth first, in written order."""
    from risk.catalog.model import AllOf, AnyOf, AtLeast, Ref

    if isinstance(expr, str):
        yield expr, path, None
    elif isinstance(expr, Ref):
        yield expr.id, path, expr.grace
    elif isinstance(expr, AnyOf):
        for i, e in enumerate(expr.any_of):
            yield from iter_refs(e, (*path, "any_of", i))
    elif isinstance(expr, AllOf):
        for i, e in enumerate(expr.all_of):
            yield from iter_refs(e, (*path, "all_of", i))
    elif isinstance(expr, AtLeast):
        for i, e in enumerate(expr.of):
            yield from iter_refs(e, (*path, "of", i))
    elif isinstance(expr, list):
        for i, e in enumerate(expr):
            yield from iter_refs(e, (*path, i))
