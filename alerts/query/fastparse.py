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
from typing_extensions import override

from alerts.errors import QueryError
from alerts.query.evaluate import ALWAYS, UNBOUNDED, AndNode, Keys, Node, NotNode, OrNode, Presearch
from alerts.query.fields import FIELDS, is_prefix_key, key_cost
from alerts.query.geo import without_units
from alerts.query.parse import MAX_CLAUSES, MAX_QUERY_LENGTH, TreeBuilder, clause_keys

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


# A token: (kind, text). Kinds: "(", ")", "+", "-", ":", "AND", "OR", "NOT", "T" (a term), "P"
# (a phrase).
_Token = tuple[str, str]

# luqum's TERM_RE: a term starts with none of its special characters and runs to a space or
# one of ``:^\~(){}[]``.
_TERM: Final = r"""[^\s:^~(){}\[\]/"'+\-\\<>][^\s:^\\~(){}\[\]]*"""
# A geo clause (alerts.query.geo) in the plainest forms luqum reads as one fuzzy term, proximity
# phrase or range (``near:Kharkiv~100``, ``near:"Nizhny Novgorod"~50``, ``bbox:[44,22 TO 52.5,40]``):
# its field, then its whole value as one term, which the geo leaf reads as written.
_NUM: Final = r"-?\d+(?:\.\d+)?"
_CORNER: Final = rf'(?:"{_NUM},{_NUM}"|{_NUM},{_NUM})'
_GEO: Final = (
    r"""(near|bbox):("[^"\\]*"~\d+|[^\s:^~(){}\[\]/"'+\-\\<>][^\s:^\\~(){}\[\]"']*~\d+(?:\.\d+)?"""
    rf"""|\[{_CORNER} TO {_CORNER}\])(?=\s|\)|$)"""
)
# The tokens, one group each (after a geo clause's two): an operator, a field name (a term
# directly followed by ":"), a phrase without escapes, a term, or any other character ("bad":
# escapes, boosts, fuzzy, ranges, regexes, a ":" elsewhere), which sends the query to luqum.
# ``findall`` skips only the whitespace between tokens.
_TOKEN: Final = re.compile(rf"""{_GEO}|([()+\-])|({_TERM}):|("[^"\\]*")|({_TERM})|(\S)""")
_TIME: Final = re.compile(r"T\d\d\Z")  # "T12" before ":" is a time in luqum's TERM_RE


def _lex(query: str) -> list[_Token]:
    out: list[_Token] = []
    append = out.append
    if "~" in query:
        query = without_units(query)  # "~100km" is "~100" (same positions): alerts.query.geo
    for geo_field, geo_value, op, field, phrase, term, _bad in _TOKEN.findall(query):
        if geo_field:
            append(("T", geo_field))
            append((":", ":"))
            append(("T", geo_value))
        elif term:
            if '"' in term or "'" in term or term == "TO":
                raise _unhandled(query)
            append((term, term) if term in _RESERVED else ("T", term))
        elif op:
            append((op, op))
        elif phrase:
            append(("P", phrase))
        elif field:
            if '"' in field or "'" in field or field in _RESERVED or _TIME.search(field):
                raise _unhandled(query)  # a reserved word or a time before ":": luqum's to judge
            append(("T", field))
            append((":", ":"))
        else:
            raise _unhandled(query)
    return out


class _Group:
    """Parentheses: an operation inside is not merged with one outside (as luqum's Group)."""

    __slots__ = ("node",)

    node: _Item

    def __init__(self, node: _Item) -> None:
        self.node = node


class _Op:
    """An operation being built: AND, OR or side by side ("IMPLICIT"), flattened like luqum."""

    __slots__ = ("kind", "operands")

    def __init__(self, kind: str, operands: list[_Item]) -> None:
        self.kind = kind
        self.operands = operands


class _Slot:
    """A clause in a :class:`_Plan`: which token, under which field."""

    __slots__ = ("field", "phrase", "token")

    def __init__(self, token: int, field: str | None, *, phrase: bool) -> None:
        self.token = token
        self.field = field
        self.phrase = phrase


# What the parsers build: nodes (fast_tree), or a plan's slots and UNBOUNDED for negations (fast_filing).
_Item = Node | _Op | _Group | _Slot | str


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
    assert isinstance(item, Node)  # the node parser builds nodes only
    return item


class _Parser:
    """Recursive descent over the tokens, leaves built by the shared :class:`TreeBuilder`."""

    def __init__(self, query: str, tokens: list[_Token], builder: TreeBuilder | None) -> None:
        self.query = query
        self.tokens = tokens
        self.at = 0
        self.builder = builder or TreeBuilder(query)

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
        kind, text = self.take()
        if kind in {"-", "NOT"}:
            return self.negate(self.unary(field))
        if kind == "+":
            return self.unary(field)
        if kind == "(":
            inner = self.expression(field)
            if self.take()[0] != ")":
                raise _unhandled(self.query)
            return _Group(inner)
        if kind == "P":
            return self.leaf(text, field, phrase=True)
        if kind != "T":
            raise _unhandled(self.query)
        if self.peek() == ":":
            self.take()
            if field is not None or text not in FIELDS:
                raise _unhandled(self.query)  # nested or unknown field: luqum's error message
            return self.field_group(self.unary(text))
        return self.leaf(text, field, phrase=False)

    # What the parser builds: nodes here, a plan in _PlanParser.

    def leaf(self, text: str, field: str | None, *, phrase: bool) -> _Item:
        """One clause (a term or a phrase, as written) under ``field``."""
        # No position: the clause is the value as written; an error sends the query to luqum.
        return self.builder.leaf(Phrase(text) if phrase else Word(text), field)

    def negate(self, item: _Item) -> _Item:
        """``NOT``/``-`` applied to ``item``."""
        return NotNode(_to_node(item))

    def field_group(self, item: _Item) -> _Item:
        """``field:x``: its operand, closed (never merged with an operation outside)."""
        return _Group(_to_node(item))


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


# -- index keys without a tree ---------------------------------------------------------------

#: Where a query is filed: ``(required, also, options)`` as :class:`~alerts.query.CompiledQuery`'s
#: ``required_terms``, ``also_required`` and ``key_options``.
Filing = tuple[Keys, Keys | None, tuple[Keys, ...]]

# The keys of each clause seen lately (values repeat: a million subscriptions name far fewer
# entities), or None for a clause the fast path leaves to a full compile. Emptied when full.
_CLAUSE_KEYS: Final[dict[tuple[str | None, str, bool], _ClauseKeys | None]] = {}
_CLAUSE_KEYS_MAX: Final = 65_536
# The sort key of a key set in an AND's ranking (as AndNode.ranked_key_sets: static cost, then
# the keys; distinct sets never tie, so the third item, "exact keys only", never decides).
_RankKey = tuple[int, list[str], bool]
# A clause's keys and, if they are a key set, its sort key in an AND's ranking.
_ClauseKeys = tuple[Presearch, _RankKey | None]
# The sort keys of key sets of more than one key (OR groups), by key set.
_RANK_KEYS: Final[dict[Keys, _RankKey]] = {}


class _AndKeys:
    """The index keys of an AND in a plan: its children's key sets, cheapest first."""

    __slots__ = ("presearch", "ranked")

    def __init__(self, ranked: list[Keys], presearch: Presearch) -> None:
        self.ranked = ranked
        self.presearch = presearch


def _rank_key(keys: Keys) -> _RankKey:
    if len(keys) == 1:  # a clause's keys (most): nothing to remember
        (key,) = keys
        return key_cost(key), [key], not is_prefix_key(key)
    found = _RANK_KEYS.get(keys)
    if found is None:
        if len(_RANK_KEYS) >= _CLAUSE_KEYS_MAX:
            _RANK_KEYS.clear()
        found = _RANK_KEYS[keys] = (
            sum(map(key_cost, keys)),
            sorted(keys),
            not any(map(is_prefix_key, keys)),
        )
    return found


def _rank(key_sets: set[Keys]) -> list[Keys]:
    """Key sets cheapest first by the static costs (as :meth:`AndNode.ranked_key_sets`)."""
    if len(key_sets) == 1:
        return list(key_sets)
    return sorted(key_sets, key=_rank_key)


def _clause(field: str | None, text: str, *, phrase: bool) -> _ClauseKeys | None:
    """:func:`~alerts.query.parse.clause_keys` and their rank in an AND, remembered (see _CLAUSE_KEYS)."""
    key = (field, text, phrase)
    try:
        return _CLAUSE_KEYS[key]
    except KeyError:
        if len(_CLAUSE_KEYS) >= _CLAUSE_KEYS_MAX:
            _CLAUSE_KEYS.clear()
        keys = clause_keys(field, text, phrase=phrase)
        found = _CLAUSE_KEYS[key] = (
            None if keys is None else (keys, _rank_key(keys) if isinstance(keys, frozenset) else None)
        )
        return found


def _presearch(item: _Item, values: list[Presearch]) -> Presearch:
    found = _keys_of(item, values)
    return found.presearch if isinstance(found, _AndKeys) else found


def _keys_of(item: _Item, values: list[Presearch]) -> Presearch | _AndKeys:
    """The presearch of a plan's item (as its node's ``presearch()``), ``values`` its clauses' keys."""
    while isinstance(item, _Group):
        item = item.node
    if isinstance(item, _Slot):
        return values[item.token]
    if not isinstance(item, _Op):
        return item  # type: ignore[return-value]  # UNBOUNDED (a negation)
    results = [_presearch(c, values) for c in item.operands]
    if item.kind != "OR":
        ranked = _rank({r for r in results if isinstance(r, frozenset)})
        return _AndKeys(ranked, ranked[0] if ranked else ALWAYS if ALWAYS in results else UNBOUNDED)
    if UNBOUNDED in results or ALWAYS in results:
        return UNBOUNDED if UNBOUNDED in results else ALWAYS
    return frozenset().union(*results)  # all key sets here


class _Plan:
    """How a query of one shape (its tokens' kinds and field names) is filed, given its clauses' keys.

    The parse depends on the shape alone: a million queries have a few hundred shapes, parsed
    once each. ``flat`` when the query is one clause or an AND of clauses (most of them).
    """

    __slots__ = ("flat", "root", "slots")

    def __init__(self, root: _Item, slots: list[_Slot]) -> None:
        self.root = root
        self.slots = slots
        self.flat = isinstance(root, _Slot) or (
            isinstance(root, _Op) and root.kind != "OR" and all(isinstance(c, _Slot) for c in root.operands)
        )


class _PlanParser(_Parser):
    """The same grammar, building a :class:`_Plan`: clauses as slots (no leaves, no tree)."""

    def __init__(self, query: str, tokens: list[_Token]) -> None:
        super().__init__(query, tokens, None)
        self.slots: list[_Slot] = []

    @override
    def leaf(self, text: str, field: str | None, *, phrase: bool) -> _Item:
        slot = _Slot(self.at - 1, field, phrase=phrase)
        self.slots.append(slot)
        return slot

    @override
    def negate(self, item: _Item) -> _Item:
        return UNBOUNDED

    @override
    def field_group(self, item: _Item) -> _Item:
        # One clause needs no group: a slot is never merged into an operation anyway.
        return item if isinstance(item, _Slot) else _Group(item)


# Plans by query shape (None: the fast path cannot read that shape). Emptied when full.
_PLANS: Final[dict[tuple[str, ...], _Plan | None]] = {}
_PLANS_MAX: Final = 20_000


def _plan(query: str, tokens: list[_Token]) -> _Plan | None:
    # The kinds of the tokens; a field is known by its name (the term before ":").
    shape = tuple([kind if kind != ":" else tokens[i - 1][1] for i, (kind, _) in enumerate(tokens)])
    try:
        return _PLANS[shape]
    except KeyError:
        pass
    if len(_PLANS) >= _PLANS_MAX:
        _PLANS.clear()
    parser = _PlanParser(query, tokens)
    try:
        root = parser.expression(None)
        plan = _Plan(root, parser.slots) if parser.at == len(tokens) else None
    except (QueryError, RecursionError):
        plan = None
    if plan is not None and len(plan.slots) > MAX_CLAUSES:
        plan = None
    _PLANS[shape] = plan
    return plan


def fast_filing(query: str) -> Filing | None:
    """Where the index files ``query``, from its syntax alone; ``None``: compile it in full.

    Equal to the compiled query's ``(required_terms, also_required, key_options)`` (a property
    test checks it) for a valid query that the fast path reads and that has index keys; for
    anything else (luqum syntax, an invalid clause or query, no keys at all) ``None``, and the
    caller compiles the query, which raises the error or files it under every story.
    """
    if len(query) > MAX_QUERY_LENGTH:
        return None
    try:
        tokens = _lex(query)
    except QueryError:
        return None
    plan = _plan(query, tokens) if tokens else None
    if plan is None:
        return None
    if plan.flat:
        return _flat_filing(plan, tokens)
    values: list[Presearch] = [UNBOUNDED] * len(tokens)
    for slot in plan.slots:
        found = _clause(slot.field, tokens[slot.token][1], phrase=slot.phrase)
        if found is None:
            return None  # an invalid clause, or one that needs its leaf: compile in full
        values[slot.token] = found[0]
    return _filing(_keys_of(plan.root, values))


def _flat_filing(plan: _Plan, tokens: list[_Token]) -> Filing | None:
    """The filing of one clause or an AND of clauses (most queries): their key sets, ranked."""
    ranks: dict[Keys, _RankKey] = {}
    for slot in plan.slots:
        found = _clause(slot.field, tokens[slot.token][1], phrase=slot.phrase)
        if found is None:
            return None  # an invalid clause, or one that needs its leaf: compile in full
        keys, rank = found
        if rank is not None:
            ranks[keys] = rank  # type: ignore[index]  # a key set: it has a rank
    if not ranks:
        return None  # no keys: checked against every story (compiled in full)
    if len(ranks) == 1:
        (keys,) = ranks
        return keys, None, (keys,)
    options = sorted(ranks, key=ranks.__getitem__)
    # ``also``: the next key set of exact keys only (see _filing).
    also = next((keys for keys in options[1:] if ranks[keys][2]), None)
    return options[0], also, tuple(options)


def _filing(found: Presearch | _AndKeys) -> Filing | None:
    """The filing of a query whose root's presearch is ``found``."""
    if isinstance(found, frozenset):
        return found, None, (found,)
    if not isinstance(found, _AndKeys) or not found.ranked:
        return None
    options = found.ranked
    also = next((ks for ks in options[1:] if not any(map(is_prefix_key, ks))), None)
    return options[0], also, tuple(options)


def tree_shape(node: Node) -> object:
    """A comparable description of a tree (leaves by identity): for tests of both paths."""
    if isinstance(node, AndNode | OrNode):
        return (type(node).__name__, tuple(tree_shape(c) for c in node.children))
    if isinstance(node, NotNode):
        return ("NOT", tree_shape(node.child))
    return id(node)


__all__: Final[list[str]] = ["Filing", "fast_filing", "fast_tree", "tree_shape"]
