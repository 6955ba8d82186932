"""Parsing a query: Lucene syntax (luqum) into our node tree, or a :class:`QueryError`.

:func:`parse_query` runs luqum and turns its syntax errors into messages with the position
of the offending character (``QueryError`` draws the caret under it). :class:`TreeBuilder`
then walks luqum's tree into :mod:`alerts.query.evaluate` nodes, rejecting what the query
language does not support (unknown or nested fields, ranges, regexes, fuzzy and proximity
searches, empty values, wildcards without a letter, more than :data:`MAX_CLAUSES` clauses).
"""

from __future__ import annotations

import re
import weakref
from typing import Final

from luqum.exceptions import ParseError
from luqum.thread import parse
from luqum.tree import (
    AndOperation,
    BaseGroup,
    Boost,
    Fuzzy,
    Item,
    Not,
    OrOperation,
    Phrase,
    Plus,
    Prohibit,
    Proximity,
    Range,
    Regex,
    SearchField,
    Term,
    UnknownOperation,
    Word,
)

from alerts.errors import QueryError
from alerts.query.evaluate import (
    ALWAYS,
    AndNode,
    CountryLeaf,
    Leaf,
    Node,
    NotNode,
    OrNode,
    Presearch,
    ScalarLeaf,
    TagLeaf,
    TextLeaf,
)
from alerts.query.fields import FIELDS, GEO_FIELDS, PREFIX_LEN, TAG_FIELDS, prefix_key, term_key
from alerts.query.geo import geo_leaf, without_units
from alerts.text import WILDCARD_CHARS, literal_prefix, norm_value, pattern_tokens, tokens, wildcard_regex

MAX_QUERY_LENGTH: Final = 4096
MAX_CLAUSES: Final = 200

_PARSE_POSITION: Final = re.compile(r"position (\d+)")


def parse_query(query: str) -> Item:
    """Parse a query with luqum; raise :class:`QueryError` (with a position) if it is not valid syntax."""
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"query is longer than {MAX_QUERY_LENGTH} characters", query=query, position=MAX_QUERY_LENGTH
        )
    if not query.strip():
        raise QueryError("empty query", query=query, position=0)
    try:
        # "near:Kharkiv~100km": the unit is read as part of the radius (alerts.query.geo).
        return parse(without_units(query))
    except ParseError as exc:
        raise QueryError(_parse_message(exc), query=query, position=_parse_position(exc, query)) from exc
    except ValueError as exc:  # luqum reads a phrase's "~" with int(): '"a b"~2.5' fails there
        found = re.search(r'"~\d*\.', query)
        raise QueryError(
            'syntax error: a phrase\'s "~" takes a whole number',
            query=query,
            position=found.start() + 1 if found else 0,
        ) from exc
    except RecursionError as exc:
        raise QueryError("query is nested too deeply", query=query, position=0) from exc


def _parse_position(exc: ParseError, query: str) -> int:
    found = _PARSE_POSITION.search(str(exc))
    return int(found.group(1)) if found else len(query)


def _parse_message(exc: ParseError) -> str:
    text = str(exc)
    if "unexpected end" in text:
        return "syntax error: unexpected end of query (unbalanced parenthesis or quote, or dangling operator)"
    if "Illegal character '\"" in text:
        return "syntax error: unterminated phrase (a '\"' has no closing quote)"
    illegal = re.search(r"Illegal character '(.*)' at position", text, re.DOTALL)
    if illegal:
        return f"syntax error: illegal character {illegal.group(1)[:1]!r}"
    found = re.search(r"unexpected\s+'([^']*)'", text)
    if found:
        return f"syntax error: unexpected {found.group(1)!r}"
    return f"syntax error: {text}"


def first_negation(item: Item) -> int:
    """Where the first NOT/- is (where an unbounded query goes wrong), else 0."""
    if isinstance(item, Not | Prohibit):
        return _pos(item)
    for child in item.children:
        found = first_negation(child)
        if found:
            return found
    return 0


def _pos(item: Item) -> int:
    return int(item.pos) if item.pos is not None else 0


class TreeBuilder:
    """Turns a luqum tree into nodes, checking fields, values and the clause budget."""

    def __init__(self, query: str) -> None:
        self.query = query
        #: Clauses (leaves) built so far.
        self.clauses = 0

    def fail(self, message: str, item: Item) -> QueryError:
        """The error to raise for ``item``, pointing at where it is written."""
        return QueryError(message, query=self.query, position=_pos(item))

    def written(self, item: Item) -> str:
        """``item`` as the query writes it."""
        if item.pos is None or item.size is None:
            return str(item).strip()
        return self.query[item.pos : item.pos + item.size].strip()

    def node(self, item: Item, field: str | None) -> Node:
        """The node for ``item``; ``field`` is the enclosing field group's, if any."""
        if isinstance(item, Word | Phrase):
            return self.leaf(item, field)
        if isinstance(item, AndOperation | UnknownOperation | OrOperation | Not | Prohibit):
            return self._operation(item, field)
        if isinstance(item, SearchField):
            return self.node(item.expr, self._field_name(item, field))
        if isinstance(item, Plus):
            return self.node(item.a, field)
        if isinstance(item, BaseGroup | Boost):
            # Parentheses only group; a boost is accepted and ignored.
            return self.node(item.expr, field)
        if field in GEO_FIELDS and isinstance(item, Fuzzy | Proximity | Range):
            # A geo clause reads its whole value as written (radius, box): alerts.query.geo.
            return self.leaf(Word(self.written(item), pos=item.pos, size=item.size), field)
        raise self._unsupported(item)

    def _operation(
        self, item: AndOperation | UnknownOperation | OrOperation | Not | Prohibit, field: str | None
    ) -> Node:
        if isinstance(item, OrOperation):
            return OrNode(tuple(self.node(c, field) for c in item.children))
        if isinstance(item, Not | Prohibit):
            return NotNode(self.node(item.a, field))
        # AND, and terms side by side without an operator (luqum's UnknownOperation).
        return AndNode(tuple(self.node(c, field) for c in item.children))

    def _field_name(self, item: SearchField, field: str | None) -> str:
        if field is not None:
            raise self.fail(f"field {item.name!r} inside the {field!r} field group", item)
        name: str = item.name
        if name not in FIELDS:
            known = ", ".join(sorted(FIELDS))
            raise self.fail(f"unknown field {name!r} (known: {known})", item)
        return name

    def _unsupported(self, item: Item) -> QueryError:
        if isinstance(item, Proximity | Fuzzy):
            return self.fail("fuzzy and proximity searches (~) are not supported", item)
        if isinstance(item, Range):
            return self.fail("ranges are not supported", item)
        if isinstance(item, Regex):
            return self.fail("regular expressions are not supported; use * and ? wildcards", item)
        return self.fail(f"unsupported syntax: {self.written(item)!r}", item)

    def leaf(self, term: Term, field: str | None) -> Leaf:
        """The leaf of one clause (shared with any live query that writes the same clause)."""
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            raise self.fail(f"query has more than {MAX_CLAUSES} clauses", term)
        # The clause as written determines the leaf (a bare term searches text; a phrase
        # keeps its quotes): share the leaf of any live query that wrote the same clause.
        clause = f"{field}:{self.written(term)}" if field else self.written(term)
        leaf = _LEAVES.get(clause)
        if leaf is None:
            leaf = _LEAVES[clause] = self.new_leaf(term, field, clause)
        return leaf

    def new_leaf(self, term: Term, field: str | None, clause: str) -> Leaf:
        """A new leaf for ``term``, of the class its field needs."""
        if field in GEO_FIELDS:
            return geo_leaf(field, self.written(term), clause, self.query, _pos(term))
        is_phrase = isinstance(term, Phrase)
        raw = term.value[1:-1] if is_phrase else term.value
        # Cheap checks first: most values have no escape and no wildcard (compile speed at 1M).
        unescaped = re.sub(r"\\(.)", r"\1", raw) if "\\" in raw else raw
        wildcard = not is_phrase and ("*" in raw or "?" in raw) and term.has_wildcard()
        shown = unescaped
        name = field or "text"
        if name in {"text", "title"}:
            toks = tuple(pattern_tokens(unescaped) if wildcard else tokens(unescaped))
            if not toks:
                raise self.fail("the value has no words to search", term)
            if any(WILDCARD_CHARS & set(t) and not (set(t) - WILDCARD_CHARS) for t in toks):
                raise self.fail("a wildcard needs at least one letter or digit", term)
            return TextLeaf(name, toks, clause, shown)
        value = norm_value(unescaped)
        if not value:
            raise self.fail("empty value", term)
        if wildcard and not set(value) - WILDCARD_CHARS - {" "}:
            raise self.fail("a wildcard needs at least one letter or digit", term)
        regex = wildcard_regex(value) if wildcard else None
        cls: type[Leaf]
        if name in TAG_FIELDS:
            cls = TagLeaf
        elif name == "country":
            cls = CountryLeaf
        else:
            cls = ScalarLeaf
        return cls(name, value, regex, clause, shown)


#: The fields whose index keys :func:`clause_keys` computes itself (mirroring :meth:`TreeBuilder.new_leaf`
#: and the leaves' ``presearch``); a clause of any other field (a new kind of leaf) is built as a
#: leaf and asked for its keys: see :func:`clause_keys`.
_PLAIN_FIELDS: Final = frozenset({*TAG_FIELDS, "country", "source", "lang"})


def clause_keys(field: str | None, text: str, *, phrase: bool) -> Presearch | None:
    """The index keys of one clause, as its leaf's ``presearch()`` gives them, without building the leaf.

    ``text`` is the clause's value as written (a phrase with its quotes, no escapes), ``field``
    the field it is under (None: text). Returns ``None`` when the clause is invalid or needs
    what only the leaf knows (escapes): the caller then compiles the query in full, which
    raises the exact error. The build of a million-subscription index files queries with
    these keys alone (about 1 µs per clause instead of ~15 µs for a leaf); the property tests
    check that they equal the compiled leaves' keys.

    The hook for a new kind of leaf (e.g. a geo clause): a field this function does not know
    is built with :meth:`TreeBuilder.new_leaf` and its leaf's ``presearch()`` taken, so a
    leaf class that answers ``presearch()`` (its index keys) and ``test()`` (its exact check)
    needs nothing here.
    """
    raw = text[1:-1] if phrase else text
    if "\\" in raw:
        return None
    wildcard = not phrase and ("*" in raw or "?" in raw)
    name = field or "text"
    if name in {"text", "title"}:
        return _text_keys(name, raw, wildcard=wildcard)
    if name in _PLAIN_FIELDS:
        return _value_keys(name, raw, wildcard=wildcard)
    try:
        term = Phrase(text) if phrase else Word(text)
        return TreeBuilder(text).new_leaf(term, field, f"{field}:{text}").presearch()
    except QueryError:
        return None


def _text_keys(name: str, raw: str, *, wildcard: bool) -> Presearch | None:
    """:class:`TextLeaf`'s keys: its longest literal token, else its longest literal prefix."""
    toks = pattern_tokens(raw) if wildcard else tokens(raw)
    if not toks:
        return None
    literals = [t for t in toks if not WILDCARD_CHARS & set(t)]
    if len(literals) < len(toks) and any(not set(t) - WILDCARD_CHARS for t in toks):
        return None  # a wildcard token without a letter
    if literals:
        return frozenset({term_key(name, max(literals, key=_length_then_text))})
    best = max((literal_prefix(t) for t in toks), key=len)
    return frozenset({prefix_key(name, best)}) if len(best) >= PREFIX_LEN else ALWAYS


def _value_keys(name: str, raw: str, *, wildcard: bool) -> Presearch | None:
    """The keys of a tag, country, source or lang leaf: its value, or its wildcard's prefix."""
    # ASCII letters and digits only (most values): what norm_value gives, without its regex.
    value = raw.lower() if raw.isascii() and raw.isalnum() else norm_value(raw)
    if not value or (wildcard and not set(value) - WILDCARD_CHARS - {" "}):
        return None
    if not wildcard:
        return frozenset({term_key(name, value)})
    prefix = literal_prefix(value)
    return frozenset({prefix_key(name, prefix)}) if len(prefix) >= PREFIX_LEN else ALWAYS


def _length_then_text(token: str) -> tuple[int, str]:
    return len(token), token


# Leaves are immutable and depend only on the clause as written: queries that write the same
# clause share one leaf (while one of them is alive). In a large index thousands of queries
# name the same entities, and their leaves are most of its memory.
_LEAVES: Final[weakref.WeakValueDictionary[str, Leaf]] = weakref.WeakValueDictionary()
