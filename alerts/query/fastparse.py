"""A fast path for the common query syntax: the same node tree as luqum's, without luqum.

Parsing with luqum (a PLY LALR parser) costs ~130 µs per query, most of the time it takes to
build an index of a million subscriptions. Almost every subscription uses a small part of the
syntax: terms, quoted phrases, ``field:``, field groups, parentheses, ``AND``/``OR``/``NOT``,
``+`` and ``-``. :func:`fast_tree` parses that part by recursive descent with luqum's
precedence (``AND`` binds tightest, then ``OR``, then terms side by side) and its flattening
(a chain of one operator is one operation; parentheses are not flattened through), and builds
the leaves with the same :class:`~alerts.query.parse.TreeBuilder` (so clauses, errors and the
shared leaves are the same). Anything else (escapes, boosts, fuzzy, ranges, regexes, a ``:``
after a space, odd quotes, errors) returns ``None``: the caller then parses with luqum, which
gives the reference result and the exact error message. A property test checks that both
paths build the same tree.
"""

from __future__ import annotations

import re
from typing import Final

from luqum.tree import Phrase, Word

from alerts.errors import QueryError
from alerts.query.evaluate import AndNode, Node, NotNode, OrNode
from alerts.query.fields import FIELDS
from alerts.query.parse import MAX_QUERY_LENGTH, TreeBuilder

# Characters luqum gives a meaning we do not handle here (escape, boost, fuzzy, ranges, regex).
_UNHANDLED: Final = frozenset("\\^~[]{}")
_RESERVED: Final = frozenset({"AND", "OR", "NOT", "TO"})


# Precedence levels of luqum's grammar (see Parser.expression); all operators are left associative.
_RANK: Final = {"IMPLICIT": 1, "OR": 2, "AND": 3}
_RANK_SIGN: Final = 4  # "+" or "-" starting the next operand
_RANK_OPERAND: Final = 0  # any other token starting the next operand (no precedence in luqum)
_BINARY: Final = frozenset({"AND", "OR"})


def _unhandled(query: str) -> QueryError:
    """The signal that the query needs luqum (or is invalid): caught by :func:`fast_tree`."""
    return QueryError("not in the fast parser's syntax", query=query)


# A token: (kind, text, position). Kinds: "(", ")", "+", "-", ":", "AND", "OR", "NOT", "T"
# (a term), "P" (a phrase).
_Token = tuple[str, str, int]


# One token at a time, as luqum's lexer (TERM_RE: a term starts with none of its special
# characters and runs to a space or one of ``:^\~(){}[]``); a phrase without escapes.
_TOKEN: Final = re.compile(
    r"""
    \s*(?:
      (?P<op>[()+\-])
    | (?P<colon>:)
    | (?P<phrase>"[^"\\]*")
    | (?P<term>[^\s:^~(){}\[\]/"'+\-\\<>][^\s:^\\~(){}\[\]]*)
    )
    """,
    re.VERBOSE,
)
_TIME: Final = re.compile(r"T\d\d\Z")  # "T12" before ":" is a time in luqum's TERM_RE


def _lex(query: str) -> list[_Token]:
    out: list[_Token] = []
    i, n = 0, len(query)
    match = _TOKEN.match
    while i < n:
        found = match(query, i)
        if found is None:
            if query[i:].isspace():
                break
            raise _unhandled(query)
        kind = found.lastgroup
        text = found.group(kind)  # type: ignore[arg-type]
        at = found.start(kind)  # type: ignore[arg-type]
        i = found.end()
        if kind == "term":
            if '"' in text or "'" in text or text == "TO":
                raise _unhandled(query)
            if i < n and (query[i] in _UNHANDLED or (query[i] == ":" and _TIME.search(text))):
                raise _unhandled(query)
            out.append((text, text, at) if text in _RESERVED else ("T", text, at))
        elif kind == "colon":
            # Only directly after a term (a field name); anything else is luqum's to judge.
            if not out or out[-1][0] != "T" or out[-1][2] + len(out[-1][1]) != at:
                raise _unhandled(query)
            out.append((":", text, at))
        elif kind == "phrase":
            out.append(("P", text, at))
        else:
            out.append((text, text, at))
    return out


class _Group:
    """Parentheses: an operation inside is not merged with one outside (as luqum's Group)."""

    __slots__ = ("node",)

    node: Node | _Op | _Group

    def __init__(self, node: Node | _Op | _Group) -> None:
        self.node = node


class _Op:
    """An operation being built: AND, OR or side by side ("IMPLICIT"), flattened like luqum."""

    __slots__ = ("kind", "operands")

    def __init__(self, kind: str, operands: list[_Item]) -> None:
        self.kind = kind
        self.operands = operands


_Item = Node | _Op | _Group


def _combine(kind: str, a: _Item, b: _Item) -> _Op:
    """Luqum's ``create_operation``: merge operands of the same operation, not through groups."""
    operands = list(a.operands) if isinstance(a, _Op) and a.kind == kind else [a]
    operands.extend(b.operands if isinstance(b, _Op) and b.kind == kind else [b])
    return _Op(kind, operands)


def _to_node(item: _Item) -> Node:
    if isinstance(item, _Group):
        return _to_node(item.node)
    if isinstance(item, _Op):
        children = tuple(_to_node(c) for c in item.operands)
        return OrNode(children) if item.kind == "OR" else AndNode(children)
    return item


class _Parser:
    """Recursive descent over the tokens, leaves built by the shared :class:`TreeBuilder`."""

    def __init__(self, query: str, tokens: list[_Token], builder: TreeBuilder) -> None:
        self.query = query
        self.tokens = tokens
        self.at = 0
        self.builder = builder

    def peek(self) -> str | None:
        return self.tokens[self.at][0] if self.at < len(self.tokens) else None

    def take(self) -> _Token:
        if self.at >= len(self.tokens):
            raise _unhandled(self.query)
        token = self.tokens[self.at]
        self.at += 1
        return token

    def expression(self, field: str | None) -> _Item:
        """Operands joined by AND, OR and juxtaposition, resolved as luqum's LALR tables do.

        luqum (PLY) ranks the operators IMPLICIT < OR < AND < ``+``/``-``, all left
        associative. A pending operation is reduced unless the next token ranks higher; the
        token that starts an operand side by side (an implicit operation) ranks lowest,
        except ``+`` and ``-``, which rank highest: ``a AND b -c`` is ``a AND (b -c)`` while
        ``a AND b c`` is ``(a AND b) c``.
        """
        operands: list[_Item] = [self.unary(field)]
        ops: list[str] = []
        while (kind := self.peek()) not in {None, ")"}:
            if kind in _BINARY:
                self.take()
                op, rank = kind, _RANK[kind]
            else:
                op, rank = "IMPLICIT", (_RANK_SIGN if kind in {"+", "-"} else _RANK_OPERAND)
            while ops and rank <= _RANK[ops[-1]]:
                right = operands.pop()
                operands.append(_combine(ops.pop(), operands.pop(), right))
            ops.append(op)
            operands.append(self.unary(field))
        while ops:
            right = operands.pop()
            operands.append(_combine(ops.pop(), operands.pop(), right))
        return operands[0]

    def unary(self, field: str | None) -> _Item:
        kind, text, pos = self.take()
        if kind in {"-", "NOT"}:
            return NotNode(_to_node(self.unary(field)))
        if kind == "+":
            return self.unary(field)
        if kind == "(":
            inner = self.expression(field)
            if self.take()[0] != ")":
                raise _unhandled(self.query)
            return _Group(inner)
        if kind == "P":
            return self.builder.leaf(Phrase(text, pos=pos, size=len(text)), field)
        if kind != "T":
            raise _unhandled(self.query)
        if self.peek() == ":":
            self.take()
            if field is not None or text not in FIELDS:
                raise _unhandled(self.query)  # nested or unknown field: luqum's error message
            return _Group(_to_node(self.unary(text)))
        return self.builder.leaf(Word(text, pos=pos, size=len(text)), field)


def fast_tree(query: str) -> tuple[Node, int] | None:
    """The node tree of ``query`` and its clause count, or ``None`` if luqum must parse it."""
    if len(query) > MAX_QUERY_LENGTH:
        return None
    try:
        tokens = _lex(query)
        if not tokens:
            return None
        builder = TreeBuilder(query)
        parser = _Parser(query, tokens, builder)
        item = parser.expression(None)
        if parser.at != len(tokens):
            return None
        return _to_node(item), builder.clauses
    except (QueryError, RecursionError):
        return None


def tree_shape(node: Node) -> object:
    """A comparable description of a tree (leaves by identity): for tests of both paths."""
    if isinstance(node, AndNode | OrNode):
        return (type(node).__name__, tuple(tree_shape(c) for c in node.children))
    if isinstance(node, NotNode):
        return ("NOT", tree_shape(node.child))
    return id(node)


__all__: Final[list[str]] = ["fast_tree", "tree_shape"]
