"""The subset of NSPredicate that WebDriverAgent's `predicate string` lookups need, over page-source nodes.

Supported: comparisons `ATTR OP VALUE` with OP one of `==`, `=`, `!=`, `<>`, `CONTAINS`, `BEGINSWITH`,
`ENDSWITH`, `LIKE` (`*`/`?` wildcards), each optionally `[c]` (case-insensitive) / `[d]` / `[cd]`; VALUE a
quoted string, a number or TRUE/FALSE/YES/NO; joined by AND/OR/NOT (`&&`, `||`, `!`) and parentheses.
Attributes are the page source's (`type`, `name`, `label`, `value`, `enabled`, `visible`, `accessible`,
also spelled `elementType`/`wdType`, `wdName`, ...). Anything else is an `invalid selector`, as WDA answers.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any, Callable

from mobile.sim.w3c.protocol import W3CError

Test = Callable[[Any], bool]
_TOKEN = re.compile(r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<op>(?:==|!=|<>|=)(?:\[[cdCD]+\])?|&&|\|\||!|\(|\))
                        |(?P<word>[A-Za-z_][A-Za-z0-9_.]*(?:\[[cdCD]+\])?)|(?P<num>-?\d+(?:\.\d+)?))""", re.X)
_ALIASES = {"elementtype": "type", "wdtype": "type", "wdname": "name", "wdlabel": "label", "wdvalue": "value",
            "wdenabled": "enabled", "wdvisible": "visible", "wdaccessible": "accessible", "identifier": "name",
            "placeholdervalue": "placeholderValue", "title": "label"}
_ATTRIBUTES = {"type", "name", "label", "value", "enabled", "visible", "accessible", "placeholderValue",
               "selected", "index", "x", "y", "width", "height"}
_BOOLEANS = {"enabled", "visible", "accessible", "selected"}
_OPERATORS = {"==", "=", "!=", "<>", "contains", "beginswith", "endswith", "like"}


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise W3CError("invalid selector", f"cannot parse predicate at {text[pos:pos + 20]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


def compile_predicate(text: str) -> Test:
    """A test function for one predicate string; raises W3CError('invalid selector') when unsupported."""
    if not isinstance(text, str) or not text.strip():
        raise W3CError("invalid selector", "the predicate string is empty")
    parser = _Parser(_tokens(text), text)
    test = parser.expression()
    if parser.pos != len(parser.tokens):
        raise W3CError("invalid selector", f"unexpected {parser.tokens[parser.pos][1]!r} in predicate {text!r}")
    return test


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], text: str):
        self.tokens, self.text, self.pos = tokens, text, 0

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        token = self._peek()
        if token is None:
            raise W3CError("invalid selector", f"predicate {self.text!r} ends too early")
        self.pos += 1
        return token

    def _is(self, *words: str) -> bool:
        token = self._peek()
        return token is not None and token[1].lower() in words

    def expression(self) -> Test:
        left = self.conjunction()
        while self._is("or", "||"):
            self._take()
            right, first = self.conjunction(), left
            left = (lambda a, b: lambda node: a(node) or b(node))(first, right)
        return left

    def conjunction(self) -> Test:
        left = self.unary()
        while self._is("and", "&&"):
            self._take()
            right, first = self.unary(), left
            left = (lambda a, b: lambda node: a(node) and b(node))(first, right)
        return left

    def unary(self) -> Test:
        if self._is("not", "!"):
            self._take()
            inner = self.unary()
            return lambda node: not inner(node)
        if self._is("("):
            self._take()
            inner = self.expression()
            if self._take()[1] != ")":
                raise W3CError("invalid selector", f"missing ')' in predicate {self.text!r}")
            return inner
        return self.comparison()

    def comparison(self) -> Test:
        kind, word = self._take()
        if kind != "word":
            raise W3CError("invalid selector", f"expected an attribute name, got {word!r} in {self.text!r}")
        attribute = _ALIASES.get(word.lower(), word)
        if attribute not in _ATTRIBUTES:
            raise W3CError("invalid selector", f"unknown attribute {word!r} in predicate {self.text!r}")
        _, op_text = self._take()
        op, _, flags = op_text.lower().partition("[")
        if op not in _OPERATORS:
            raise W3CError("invalid selector", f"unsupported operator {op_text!r} in predicate {self.text!r}")
        wanted = _literal(self._take(), self.text)
        if attribute in _BOOLEANS and wanted in ("1", "0"):
            wanted = "true" if wanted == "1" else "false"
        fold = "c" in flags
        return lambda node: _compare(_attribute(node, attribute), op, wanted, fold)


def _literal(token: tuple[str, str], text: str) -> str:
    kind, raw = token
    if kind == "str":
        return re.sub(r"\\(.)", r"\1", raw[1:-1])
    if kind == "num":
        return raw
    if kind == "word" and raw.lower() in ("true", "yes", "false", "no"):
        return "true" if raw.lower() in ("true", "yes") else "false"
    raise W3CError("invalid selector", f"expected a value, got {raw!r} in predicate {text!r}")


def _attribute(node: Any, name: str) -> str:
    value = node.get(name)
    if value is None and name == "name":
        value = node.get("label")  # WDA's name falls back to the label
    if value in ("1", "0") and name in _BOOLEANS:
        value = "true" if value == "1" else "false"
    return "" if value is None else value


def _compare(actual: str, op: str, wanted: str, fold: bool) -> bool:
    if fold:
        actual, wanted = actual.casefold(), wanted.casefold()
    if op in ("==", "="):
        return actual == wanted
    if op in ("!=", "<>"):
        return actual != wanted
    if op == "contains":
        return wanted in actual
    if op == "beginswith":
        return actual.startswith(wanted)
    if op == "endswith":
        return actual.endswith(wanted)
    return fnmatch.fnmatchcase(actual, wanted)
