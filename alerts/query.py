"""Subscription queries: Lucene syntax compiled into a predicate over a tagged story.

A query is parsed with luqum and compiled into a small tree of nodes. A compiled query
checks a story (:meth:`CompiledQuery.match`) and says why it matched (the
:class:`~schemas.models.MatchedClause` list), and it tells the subscription index which
terms any matching story must contain (:attr:`CompiledQuery.required_terms`).

Fields (a bare term searches ``text``):

=========  ==========================================================================
actor      an actor tag's id, name or alias (likewise ``place``, ``region``, ``topic``)
country    an ISO code in ``story.countries``, or a country place tag's id/name/alias
source     ``story.source``;  ``lang``: ``story.language``
title      words or phrases of the title;  ``text``: of title + standfirst + body
=========  ==========================================================================

Semantics:

* Tag, country, source and lang values compare after :func:`alerts.text.norm_value`
  (NFKC, casefold, dashes/spaces/underscores unified): ``region:"Russia–Ukraine border"``
  equals ``region:russia-ukraine_border``.
* ``title``/``text`` values are tokenized like the story (:func:`alerts.text.tokens`); a
  value of several tokens (a phrase, or ``Russia-Ukraine``) must appear as consecutive
  tokens within one of title, standfirst or body.
* Wildcards ``*`` and ``?`` work on every field; on text they apply per token.
* ``AND``, ``OR``, ``NOT``, ``+``, ``-``, parentheses and field groups ``actor:(NATO OR EU)``.
  Terms side by side without an operator are ANDed (luqum binds that implicit operator
  loosest: ``a b OR c`` is ``a AND (b OR c)``). ``^`` boosts are accepted and ignored.
* ``min_confidence``: tags below it do not count. A country code in ``story.countries``
  counts at ``min_confidence`` 0; above it, only when a place tag of that country reaches it.
* Rejected with :class:`~alerts.errors.QueryError`: syntax errors, unknown or nested fields,
  ranges, regexes, fuzzy and proximity searches, empty values, wildcards without a letter,
  queries longer than 4 KiB or with more than 200 clauses, and queries that could match a
  story containing none of their terms (``NOT x``, ``a OR NOT b``), which no index can find.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import itertools
import operator
import re
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, cast

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
from typing_extensions import override

from alerts.errors import QueryError
from alerts.text import (
    WILDCARD_CHARS,
    iter_word_spans,
    literal_prefix,
    norm_value,
    pattern_tokens,
    tokens,
    wildcard_regex,
)
from schemas.models import EnrichedStory, MatchedClause, Mention

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Iterator

    from schemas.models import Tag, TextField

MAX_QUERY_LENGTH: Final = 4096
MAX_CLAUSES: Final = 200
TAG_FIELDS: Final = {"actor": "actors", "place": "places", "region": "regions", "topic": "topics"}
FIELDS: Final = frozenset({*TAG_FIELDS, "country", "source", "lang", "title", "text"})
#: The fields index keys use (``title`` clauses use ``text`` keys: the title is text too).
INDEX_FIELDS: Final = (*TAG_FIELDS, "country", "source", "lang", "text")
# A wildcard indexes under this many literal leading characters; shorter ones are checked
# against every story (see SubscriptionIndex.always_checked).
PREFIX_LEN: Final = 3
# How many text mentions an explanation lists per clause (each costs a Mention per match).
MAX_TEXT_MENTIONS: Final = 3

# Rough cost of an index term (how many stories carry it): AND indexes its cheapest child.
_FIELD_COST: Final = {
    "actor": 4,
    "place": 5,
    "region": 5,
    "topic": 20,
    "country": 30,
    "text": 12,
    "source": 200,
    "lang": 1000,
}
_PREFIX_COST: Final = 60
_HEAD: Final = operator.itemgetter(slice(PREFIX_LEN))


def term_key(field: str, value: str) -> str:
    """The index key for an exact normalized value (``title`` shares ``text``'s keys)."""
    return f"{'text' if field == 'title' else field}:{value}"


def prefix_key(field: str, prefix: str) -> str:
    """The index key for a wildcard's first :data:`PREFIX_LEN` literal characters."""
    return f"{'text' if field == 'title' else field}*:{prefix[:PREFIX_LEN]}"


def key_cost(key: str) -> int:
    """A static guess of how many stories (per thousand, roughly) carry an index key."""
    field, _, value = key.partition(":")
    if field.endswith("*"):
        return _PREFIX_COST
    cost = _FIELD_COST.get(field, 10)
    if field == "text":
        # Longer words tend to be rarer; a crude but useful stand-in for document frequency.
        cost += max(0, 8 - len(value)) * 4
    return cost


# --------------------------------------------------------------------------- story side


_TITLE, _STANDFIRST, _BODY = "title", "standfirst", "body"


class PreparedStory:
    """A story's normalized terms, computed once and shared by every query checked against it.

    Tokens are computed eagerly (a set, for the index and single words); positions, spans
    and index keys lazily, when a phrase, an explanation or a diagnostic needs them.
    """

    __slots__ = (
        "_country_values",
        "_exact_keys",
        "_explained",
        "_field_starts",
        "_keys",
        "_positions",
        "_prefixes",
        "_reversed_lines",
        "_sorted_tokens",
        "_spans",
        "_text_mentions",
        "_text_starts",
        "_token_lines",
        "_wildcards",
        "countries",
        "country_forms",
        "language",
        "source",
        "story",
        "tag_forms",
        "text_set",
        "text_tokens",
        "title_len",
        "title_set",
    )

    def __init__(self, story: EnrichedStory) -> None:
        self.story = story
        self.tag_forms: dict[str, dict[str, list[Tag]]] = {
            field: _forms(getattr(story, attr)) for field, attr in TAG_FIELDS.items()
        }
        self.country_forms = _forms(t for t in story.places if t.type == "country")
        self.countries = frozenset(story.countries)
        self.source = norm_value(story.source)
        self.language = norm_value(story.language) if story.language else ""
        title = tokens(story.title)
        toks = title
        self.title_len = len(title)
        # (field, index of its first token in text_tokens), in token order, for mentions.
        starts: list[tuple[str, int]] = [(_TITLE, 0)] if title else []
        for name, text in ((_STANDFIRST, story.standfirst), (_BODY, story.body)):
            if text:
                more = tokens(text)
                if more:
                    # An empty token between fields: no phrase spans two of them.
                    starts.append((name, len(toks) + 1 if toks else 0))
                    toks = [*toks, "", *more] if toks else more
        self._field_starts = starts
        self.text_tokens = toks
        self.text_set = frozenset(toks)
        self.title_set = frozenset(title)
        self._positions: dict[str, list[int]] | None = None
        # field -> the spans of its first tokens, and the iterator that finds the next ones
        self._spans: dict[str, tuple[list[tuple[int, int]], Iterator[tuple[int, int]]]] = {}
        self._prefixes: dict[str, frozenset[str]] = {}
        self._keys: frozenset[str] | None = None
        self._country_values: frozenset[str] | None = None
        self._exact_keys: frozenset[str] | None = None
        self._wildcards: dict[str, frozenset[str]] = {}
        self._sorted_tokens: list[str] | None = None
        self._token_lines: str | None = None
        self._reversed_lines: str | None = None
        # (field, tokens) of a text clause -> where it occurs
        self._text_starts: dict[tuple[str, str], list[int]] = {}
        # (field, tokens) of a text clause -> its first mentions (for explanations)
        self._text_mentions: dict[tuple[str, str], tuple[Mention, ...]] = {}
        # (clause, field, min_confidence) -> its explanation: many queries share clauses.
        self._explained: dict[tuple[str, str, float], list[MatchedClause]] = {}

    def tokens_matching(self, pattern: re.Pattern[str], prefix: str, suffix: str = "") -> frozenset[str]:
        """The distinct text tokens a wildcard token matches.

        ``prefix`` and ``suffix`` are the pattern's literal text before its first and after
        its last wildcard (either may be empty): they narrow the tokens to check.
        """
        found = self._wildcards.get(pattern.pattern)
        if found is None:
            if prefix:
                # Only tokens starting with the prefix can match: a range of the sorted tokens.
                if self._sorted_tokens is None:
                    self._sorted_tokens = sorted(self.text_set)
                ordered = self._sorted_tokens
                start = bisect.bisect_left(ordered, prefix)
                end = bisect.bisect_left(ordered, prefix + "\U0010ffff", start)
                fullmatch = pattern.fullmatch
                pool = ordered[start:end]
                found = frozenset(t for t in pool if t and fullmatch(t))
            elif suffix:
                # A leading wildcard: find the suffix as a literal prefix of the reversed
                # tokens (one C-level search), then check those few tokens.
                if self._reversed_lines is None:
                    self._reversed_lines = "\n" + "\n".join(self.text_set)[::-1]
                fullmatch = pattern.fullmatch
                hits = (hit[:0:-1] for hit in _suffix_pattern(suffix).findall(self._reversed_lines))
                found = frozenset(t for t in hits if fullmatch(t))
            else:
                # Nothing literal at either end: one C-level scan of all the tokens, one a line.
                if self._token_lines is None:
                    self._token_lines = "\n".join(self.text_set)
                found = frozenset(_line_pattern(pattern).findall(self._token_lines))
                found = found - {""} if "" in found else found
            self._wildcards[pattern.pattern] = found
        return found

    def values(self, field: str) -> Collection[str]:
        """The story's normalized values for an index field (``title`` shares ``text``)."""
        if field in {"text", "title"}:
            return self.text_set
        if field in self.tag_forms:
            return self.tag_forms[field].keys()
        if field == "country":
            if self._country_values is None:  # the index asks once per posting that needs it
                codes = {c.casefold() for c in self.countries}
                self._country_values = frozenset(codes.union(self.country_forms))
            return self._country_values
        value = self.source if field == "source" else self.language
        return (value,) if value else ()

    def prefixes(self, field: str) -> frozenset[str]:
        """The first :data:`PREFIX_LEN` characters of the field's values (for wildcards).

        A value shorter than that gives itself, which no wildcard key equals.
        """
        found = self._prefixes.get(field)
        if found is None:
            found = self._prefixes[field] = frozenset(map(_HEAD, self.values(field)))
        return found

    def positions(self, token: str) -> list[int]:
        """Where ``token`` occurs in the text tokens."""
        if self._positions is None:
            self._positions = {}
        found = self._positions.get(token)
        if found is None:
            found = []
            if token in self.text_set:
                # list.index runs in C: cheaper than mapping every token of a long story.
                index, at = self.text_tokens.index, -1
                with contextlib.suppress(ValueError):
                    while True:
                        at = index(token, at + 1)
                        found.append(at)
            self._positions[token] = found
        return found

    def first_positions(self, token: str, count: int, limit: int) -> list[int]:
        """The first ``count`` positions of ``token`` before ``limit`` (scans no further)."""
        found: list[int] = []
        index, at = self.text_tokens.index, -1
        with contextlib.suppress(ValueError):
            while len(found) < count:
                at = index(token, at + 1, limit)
                found.append(at)
        return found

    @property
    def exact_keys(self) -> frozenset[str]:
        """The story's index keys for exact values (no wildcard prefixes)."""
        if self._exact_keys is None:
            keys: set[str] = set()
            for field in INDEX_FIELDS:
                head = term_key(field, "")
                keys.update([head + v for v in self.values(field) if v])
            self._exact_keys = frozenset(keys)
        return self._exact_keys

    @property
    def keys(self) -> frozenset[str]:
        """Every index key this story carries (see :attr:`CompiledQuery.required_terms`)."""
        if self._keys is None:
            prefixes = (
                prefix_key(field, p)
                for field in INDEX_FIELDS
                for p in self.prefixes(field)
                if len(p) == PREFIX_LEN
            )
            self._keys = self.exact_keys.union(prefixes)
        return self._keys

    def mention(self, first: int, last: int) -> Mention:
        """The mention covering text tokens ``first`` to ``last`` (same field)."""
        field, offset = next(s for s in reversed(self._field_starts) if s[1] <= first)
        text = getattr(self.story, field)
        # Token spans only as far as the mention: explanations cite a clause's first
        # occurrence, and a long body rarely needs spans to its end.
        entry = self._spans.get(field)
        if entry is None:
            entry = self._spans[field] = ([], iter_word_spans(text))
        field_spans, more = entry
        need = last - offset + 1
        if len(field_spans) < need:
            field_spans.extend(itertools.islice(more, need - len(field_spans)))
        start, end = field_spans[first - offset][0], field_spans[last - offset][1]
        return Mention(field=cast("TextField", field), start=start, end=end, text=text[start:end])


@functools.lru_cache(maxsize=4096)
def _line_pattern(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` (a whole-token wildcard regex) as a regex finding whole lines of a text."""
    # Without DOTALL, "." stops at a newline: tokens (\w runs) never hold one.
    return re.compile(f"^(?:{pattern.pattern})$", re.MULTILINE)


@functools.lru_cache(maxsize=4096)
def _suffix_pattern(suffix: str) -> re.Pattern[str]:
    """Finds, in the reversed newline-joined tokens, each (reversed) token ending in ``suffix``."""
    return re.compile("\n" + re.escape(suffix[::-1]) + "[^\n]*")


def _literal_suffix(pattern: str) -> str:
    """The literal text after the last wildcard of ``pattern``."""
    cut = max((i for i, ch in enumerate(pattern) if ch in WILDCARD_CHARS), default=-1)
    return pattern[cut + 1 :]


def _forms(tags: Iterable[Tag]) -> dict[str, list[Tag]]:
    forms: dict[str, list[Tag]] = {}
    for tag in tags:
        key = (tag.id, tag.name, tag.aliases)
        found = _TAG_FORMS.get(key)
        if found is None:
            if len(_TAG_FORMS) >= _TAG_FORMS_SIZE:
                _TAG_FORMS.clear()
            normed = dict.fromkeys(norm_value(raw) for raw in (tag.id, tag.name, *tag.aliases))
            found = _TAG_FORMS[key] = tuple(form for form in normed if form)
        for form in found:
            bucket = forms.get(form)
            if bucket is None:
                forms[form] = [tag]
            elif bucket[-1] is not tag:  # the same tag listed twice enters once
                bucket.append(tag)
    return forms


# (id, name, aliases) of a tag -> its distinct normalized forms: stories repeat the same
# knowledge-base entities, and normalizing is most of the cost of preparing their tags.
_TAG_FORMS: Final[dict[tuple[str, str, tuple[str, ...]], tuple[str, ...]]] = {}
_TAG_FORMS_SIZE: Final = 200_000


def prepare(story: EnrichedStory | PreparedStory) -> PreparedStory:
    """Prepare a story once for many queries (a prepared story is returned as is)."""
    return story if isinstance(story, PreparedStory) else PreparedStory(story)


# --------------------------------------------------------------------------- query nodes

# Presearch result of a node: a set of keys one of which any matching story carries,
# ALWAYS (positive but not reducible to keys: check against every story), or UNBOUNDED
# (the node can hold on a story that has none of the query's terms, e.g. NOT x).
_Keys = frozenset[str]
_ALWAYS: Final = "always"
_UNBOUNDED: Final = "unbounded"
_Presearch = _Keys | str


class _Node:
    __slots__ = ()

    def test(self, story: PreparedStory, min_conf: float) -> bool:
        raise NotImplementedError

    def explain(self, story: PreparedStory, min_conf: float, out: list[MatchedClause]) -> None:
        """Append the clauses that hold (called only on a node that tests true)."""
        raise NotImplementedError

    def presearch(self) -> _Presearch:
        raise NotImplementedError


class _And(_Node):
    __slots__ = ("children",)

    def __init__(self, children: tuple[_Node, ...]) -> None:
        self.children = children

    @override
    def test(self, story: PreparedStory, min_conf: float) -> bool:
        for c in self.children:  # noqa: SIM110 - hot path: a loop, not a generator per call
            if not c.test(story, min_conf):
                return False
        return True

    @override
    def explain(self, story: PreparedStory, min_conf: float, out: list[MatchedClause]) -> None:
        for c in self.children:
            c.explain(story, min_conf, out)

    @override
    def presearch(self) -> _Presearch:
        ranked = self.ranked_key_sets()
        if ranked:
            return ranked[0]
        return _ALWAYS if any(c.presearch() == _ALWAYS for c in self.children) else _UNBOUNDED

    def ranked_key_sets(self) -> list[_Keys]:
        """The children's key sets, cheapest first (each is necessary for the AND)."""
        key_sets = {r for r in (c.presearch() for c in self.children) if isinstance(r, frozenset)}
        return sorted(key_sets, key=lambda ks: (sum(key_cost(k) for k in ks), sorted(ks)))


class _Or(_Node):
    __slots__ = ("children",)

    def __init__(self, children: tuple[_Node, ...]) -> None:
        self.children = children

    @override
    def test(self, story: PreparedStory, min_conf: float) -> bool:
        for c in self.children:  # noqa: SIM110 - hot path: a loop, not a generator per call
            if c.test(story, min_conf):
                return True
        return False

    @override
    def explain(self, story: PreparedStory, min_conf: float, out: list[MatchedClause]) -> None:
        # Every alternative that holds is part of the reason, not only the first.
        for c in self.children:
            if c.test(story, min_conf):
                c.explain(story, min_conf, out)

    @override
    def presearch(self) -> _Presearch:
        results = [c.presearch() for c in self.children]
        if _UNBOUNDED in results:
            return _UNBOUNDED
        if _ALWAYS in results:
            return _ALWAYS
        return frozenset().union(*(r for r in results if isinstance(r, frozenset)))


class _Not(_Node):
    __slots__ = ("child",)

    def __init__(self, child: _Node) -> None:
        self.child = child

    @override
    def test(self, story: PreparedStory, min_conf: float) -> bool:
        return not self.child.test(story, min_conf)

    @override
    def explain(self, story: PreparedStory, min_conf: float, out: list[MatchedClause]) -> None:
        # An absence has no mentions to show.
        return

    @override
    def presearch(self) -> _Presearch:
        return _UNBOUNDED


class _Leaf(_Node):
    """One field:value clause. ``value`` is normalized; ``regex`` is set for wildcards."""

    __slots__ = ("__weakref__", "_keys", "clause", "field", "regex", "shown", "value")

    def __init__(
        self, field: str, value: str, regex: re.Pattern[str] | None, clause: str, shown: str
    ) -> None:
        self.field = field
        self.value = value
        self.regex = regex
        self.clause = clause
        self.shown = shown
        self._keys: _Presearch | None = None

    def _presearch_value(self, value: str) -> _Presearch:
        if self.regex is None:
            return frozenset({term_key(self.field, value)})
        prefix = literal_prefix(value)
        if len(prefix) >= PREFIX_LEN:
            return frozenset({prefix_key(self.field, prefix)})
        return _ALWAYS

    @override
    def presearch(self) -> _Presearch:
        # Cached: a leaf is shared by every query that writes the same clause (see _LEAVES),
        # and so are its keys (an AND files a query under one of its children's key sets).
        found = self._keys
        if found is None:
            found = self._keys = self._leaf_presearch()
        return found

    def _leaf_presearch(self) -> _Presearch:
        return self._presearch_value(self.value)

    @override
    def explain(self, story: PreparedStory, min_conf: float, out: list[MatchedClause]) -> None:
        key = (self.clause, self.field, min_conf)
        found = story._explained.get(key)  # noqa: SLF001 - the story's cache is for its queries
        if found is None:
            found = story._explained[key] = self._explain(story, min_conf)  # noqa: SLF001
        out.extend(found)

    def _explain(self, story: PreparedStory, min_conf: float) -> list[MatchedClause]:
        raise NotImplementedError

    def _clause(self, tag: Tag | None = None, mentions: tuple[Mention, ...] = ()) -> MatchedClause:
        # Plain validated construction: in pydantic 2 it is faster than model_construct.
        return MatchedClause(
            clause=self.clause,
            field=self.field,
            value=self.shown,
            tag_id=tag.id if tag else None,
            tag_name=tag.name if tag else None,
            mentions=mentions,
        )


def _matching_tags(
    forms: dict[str, list[Tag]], value: str, regex: re.Pattern[str] | None, min_conf: float
) -> list[Tag]:
    if regex is None:
        return [t for t in forms.get(value, ()) if t.confidence >= min_conf]
    found: list[Tag] = []
    for form, tags in forms.items():
        if regex.fullmatch(form):
            found.extend(t for t in tags if t.confidence >= min_conf and t not in found)
    return found


class _TagLeaf(_Leaf):
    __slots__ = ()

    @override
    def test(self, story: PreparedStory, min_conf: float) -> bool:
        forms = story.tag_forms[self.field]
        if self.regex is None:
            for tag in forms.get(self.value, ()):  # noqa: SIM110 - hot path, as above
                if tag.confidence >= min_conf:
                    return True
            return False
        return bool(_matching_tags(forms, self.value, self.regex, min_conf))

    @override
    def _explain(self, story: PreparedStory, min_conf: float) -> list[MatchedClause]:
        tags = _matching_tags(story.tag_forms[self.field], self.value, self.regex, min_conf)
        return [self._clause(tag, tag.mentions) for tag in tags]


class _CountryLeaf(_Leaf):
    __slots__ = ()

    def _codes(self, story: PreparedStory, min_conf: float) -> list[str]:
        if self.regex is None:
            codes = [c for c in story.countries if c.casefold() == self.value]
        else:
            codes = sorted(c for c in story.countries if self.regex.fullmatch(c.casefold()))
        if min_conf > 0:
            # The code alone has no confidence: require a place tag that reaches it.
            places = story.story.places
            codes = [c for c in codes if any(t.country == c and t.confidence >= min_conf for t in places)]
        return codes

    @override
    def test(self, story: PreparedStory, min_conf: float) -> bool:
        return bool(self._codes(story, min_conf)) or bool(
            _matching_tags(story.country_forms, self.value, self.regex, min_conf)
        )

    @override
    def _explain(self, story: PreparedStory, min_conf: float) -> list[MatchedClause]:
        out: list[MatchedClause] = []
        shown: list[Tag] = []
        for tag in _matching_tags(story.country_forms, self.value, self.regex, min_conf):
            shown.append(tag)
            out.append(self._clause(tag, tag.mentions))
        for code in self._codes(story, min_conf):
            support = [
                t
                for t in story.story.places
                if t.country == code and t.confidence >= min_conf and t not in shown
            ]
            country_tags = [t for t in support if t.type == "country"]
            if country_tags:
                shown.append(country_tags[0])
                out.append(self._clause(country_tags[0], country_tags[0].mentions))
            elif not any(t.country == code for t in shown):
                # Places in that country are the evidence (e.g. a city).
                mentions = tuple(m for t in support for m in t.mentions)
                out.append(self._clause(None, mentions))
        return out


class _ScalarLeaf(_Leaf):
    """``source:`` and ``lang:``: one normalized value per story."""

    __slots__ = ()

    def _story_value(self, story: PreparedStory) -> str:
        return story.source if self.field == "source" else story.language

    @override
    def test(self, story: PreparedStory, min_conf: float) -> bool:
        value = self._story_value(story)
        if self.regex is None:
            return value == self.value
        return bool(value) and self.regex.fullmatch(value) is not None

    @override
    def _explain(self, story: PreparedStory, min_conf: float) -> list[MatchedClause]:
        return [self._clause()]


class _TextLeaf(_Leaf):
    """Consecutive tokens in the title (``title:``) or in title, standfirst or body (``text:``).

    ``value`` is the tokens joined by spaces; ``patterns`` has, per token, ``None`` for a
    literal token or the regex of a wildcard token.
    """

    __slots__ = ("literals", "patterns", "prefixes", "suffixes", "toks")

    def __init__(self, field: str, toks: tuple[str, ...], clause: str, shown: str) -> None:
        patterns = tuple(wildcard_regex(t) if WILDCARD_CHARS & set(t) else None for t in toks)
        super().__init__(field, " ".join(toks), None, clause, shown)
        self.toks = toks
        self.patterns = patterns
        self.literals = frozenset(t for t, p in zip(toks, patterns, strict=True) if p is None)
        self.prefixes = tuple(literal_prefix(t) for t in toks)
        self.suffixes = tuple(_literal_suffix(t) for t in toks)

    @override
    def _leaf_presearch(self) -> _Presearch:
        if self.literals:
            # The longest literal token: the rarest, roughly.
            return frozenset({term_key(self.field, max(self.literals, key=lambda t: (len(t), t)))})
        best = max((literal_prefix(t) for t in self.toks), key=len)
        if len(best) >= PREFIX_LEN:
            return frozenset({prefix_key(self.field, best)})
        return _ALWAYS

    def _starts(self, story: PreparedStory) -> list[int]:
        """Token positions where the whole sequence matches (cached on the story)."""
        key = (self.field, self.value)
        found = story._text_starts.get(key)  # noqa: SLF001 - the story's cache is for its queries
        if found is None:
            found = story._text_starts[key] = self._find_starts(story)  # noqa: SLF001
        return found

    def _find_starts(self, story: PreparedStory) -> list[int]:
        # Cheap rejections first: every literal token and every wildcard must occur somewhere.
        if not self.literals <= story.text_set:
            return []
        allowed = [
            None if p is None else story.tokens_matching(p, prefix, suffix)
            for p, prefix, suffix in zip(self.patterns, self.prefixes, self.suffixes, strict=True)
        ]
        if any(a is not None and not a for a in allowed):
            return []
        limit = story.title_len if self.field == "title" else len(story.text_tokens)
        toks, text, n = self.toks, story.text_tokens, len(self.toks)
        first = allowed[0]
        if first is None:
            starts = story.positions(toks[0])
        else:
            starts = sorted(i for tok in first for i in story.positions(tok))
        found: list[int] = []
        for i in starts:
            if i + n > limit:
                break
            for j in range(1, n):
                ok = allowed[j]
                if (text[i + j] != toks[j]) if ok is None else (text[i + j] not in ok):
                    break
            else:
                found.append(i)
        return found

    @override
    def test(self, story: PreparedStory, min_conf: float) -> bool:
        if len(self.toks) == 1 and self.patterns[0] is None:
            return self.toks[0] in (story.title_set if self.field == "title" else story.text_set)
        return bool(self._starts(story))

    @override
    def _explain(self, story: PreparedStory, min_conf: float) -> list[MatchedClause]:
        # The mentions depend on the tokens only: shared by every way of writing the clause.
        key = (self.field, self.value)
        mentions = story._text_mentions.get(key)  # noqa: SLF001 - the story's cache is for its queries
        if mentions is None:
            n = len(self.toks)
            if n == 1 and self.patterns[0] is None:
                # A single word: no need to find every occurrence, only the first few.
                limit = story.title_len if self.field == "title" else len(story.text_tokens)
                starts = story.first_positions(self.toks[0], MAX_TEXT_MENTIONS, limit)
            else:
                starts = self._starts(story)[:MAX_TEXT_MENTIONS]
            mentions = tuple(story.mention(i, i + n - 1) for i in starts)
            story._text_mentions[key] = mentions  # noqa: SLF001
        return [self._clause(None, mentions)]


# --------------------------------------------------------------------------- compiled query


@dataclass(frozen=True, slots=True)
class Match:
    """Why a query matched a story: the clauses that held, in query order."""

    explanation: tuple[MatchedClause, ...]


class CompiledQuery:
    """A parsed, validated query: checks stories and lists the terms the index needs."""

    __slots__ = ("_root", "also_required", "clauses", "holds", "key_options", "query", "required_terms")

    def __init__(  # noqa: PLR0917 - built in one place, by compile_query
        self,
        query: str,
        root: _Node,
        clauses: int,
        required_terms: frozenset[str] | None,
        also_required: frozenset[str] | None = None,
        key_options: tuple[frozenset[str], ...] = (),
    ) -> None:
        self.query = query
        self._root = root
        self.clauses = clauses
        #: Keys one of which every matching story carries (see :attr:`PreparedStory.keys`);
        #: ``None`` when the query cannot be reduced to keys and must see every story.
        self.required_terms = required_terms
        #: For a top-level AND: the key set of another of its children (exact keys only), of
        #: which a matching story also carries one; the index uses it as a second filter.
        self.also_required = also_required
        #: Every key set of which a matching story carries a key (for a top-level AND: one
        #: per indexable child, cheapest first by the static costs; else ``required_terms``
        #: alone). An index that knows how often stories carry each key (see
        #: :class:`alerts.index.TermStatistics`) files the query under the rarest of them.
        self.key_options = key_options or ((required_terms,) if required_terms is not None else ())
        #: ``holds(prepared, min_confidence) -> bool``: the bare verify step for a
        #: :class:`PreparedStory` (no argument handling, no explanation); the index's hot path.
        self.holds: Callable[[PreparedStory, float], bool] = root.test

    @property
    def always_check(self) -> bool:
        """True when the index must check this query against every story."""
        return self.required_terms is None

    def test(self, story: EnrichedStory | PreparedStory, *, min_confidence: float = 0.0) -> bool:
        """Whether the query holds, without building an explanation."""
        return self._root.test(prepare(story), min_confidence)

    def match(self, story: EnrichedStory | PreparedStory, *, min_confidence: float = 0.0) -> Match | None:
        """Check the story exactly; ``None`` if the query does not hold, else why it holds."""
        prepared = prepare(story)
        if not self._root.test(prepared, min_confidence):
            return None
        out: list[MatchedClause] = []
        self._root.explain(prepared, min_confidence, out)
        return Match(tuple(out))

    def explain(self, story: PreparedStory, min_confidence: float = 0.0) -> tuple[MatchedClause, ...]:
        """Why the query holds on ``story`` (call only when :attr:`holds` says it does)."""
        out: list[MatchedClause] = []
        self._root.explain(story, min_confidence, out)
        return tuple(out)

    def __repr__(self) -> str:
        return f"CompiledQuery({self.query!r})"


def compile_query(query: str) -> CompiledQuery:
    """Parse and compile a subscription query; raise :class:`QueryError` if it is invalid."""
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"query is longer than {MAX_QUERY_LENGTH} characters", query=query, position=MAX_QUERY_LENGTH
        )
    if not query.strip():
        raise QueryError("empty query", query=query, position=0)
    try:
        tree = parse(query)
    except ParseError as exc:
        raise QueryError(_parse_message(exc), query=query, position=_parse_position(exc, query)) from exc
    except RecursionError as exc:
        raise QueryError("query is nested too deeply", query=query, position=0) from exc
    compiler = _Compiler(query)
    root = compiler.node(tree, None)
    result = root.presearch()
    if result == _UNBOUNDED:
        raise QueryError(
            "query can match a story that has none of its terms (e.g. only NOT clauses); "
            "add a positive term with AND",
            query=query,
            position=_first_negation(tree),
        )
    required = result if isinstance(result, frozenset) else None
    also = None
    options: tuple[frozenset[str], ...] = ()
    if required is not None and isinstance(root, _And):
        options = tuple(root.ranked_key_sets())
        others = [ks for ks in options[1:] if not any(is_prefix_key(k) for k in ks)]
        also = others[0] if others else None
    return CompiledQuery(query, root, compiler.clauses, required, also, options)


def is_prefix_key(key: str) -> bool:
    """Whether an index key is a wildcard prefix key (``field*:pre``), not an exact value."""
    return key.partition(":")[0].endswith("*")


_PARSE_POSITION: Final = re.compile(r"position (\d+)")


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


def _first_negation(item: Item) -> int:
    """Where the first NOT/- is (where an unbounded query goes wrong), else 0."""
    if isinstance(item, Not | Prohibit):
        return _pos(item)
    for child in item.children:
        found = _first_negation(child)
        if found:
            return found
    return 0


def _pos(item: Item) -> int:
    return int(item.pos) if item.pos is not None else 0


class _Compiler:
    """Turns a luqum tree into nodes, checking fields, values and the clause budget."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.clauses = 0

    def fail(self, message: str, item: Item) -> QueryError:
        return QueryError(message, query=self.query, position=_pos(item))

    def written(self, item: Item) -> str:
        if item.pos is None or item.size is None:
            return str(item).strip()
        return self.query[item.pos : item.pos + item.size].strip()

    def node(self, item: Item, field: str | None) -> _Node:
        if isinstance(item, AndOperation | UnknownOperation):
            return _And(tuple(self.node(c, field) for c in item.children))
        if isinstance(item, OrOperation):
            return _Or(tuple(self.node(c, field) for c in item.children))
        if isinstance(item, Not | Prohibit):
            return _Not(self.node(item.a, field))
        if isinstance(item, Plus):
            return self.node(item.a, field)
        if isinstance(item, BaseGroup):
            return self.node(item.expr, field)
        if isinstance(item, Boost):
            return self.node(item.expr, field)
        if isinstance(item, SearchField):
            if field is not None:
                raise self.fail(f"field {item.name!r} inside the {field!r} field group", item)
            name = item.name
            if name not in FIELDS:
                known = ", ".join(sorted(FIELDS))
                raise self.fail(f"unknown field {name!r} (known: {known})", item)
            return self.node(item.expr, name)
        if isinstance(item, Proximity | Fuzzy):
            raise self.fail("fuzzy and proximity searches (~) are not supported", item)
        if isinstance(item, Range):
            raise self.fail("ranges are not supported", item)
        if isinstance(item, Regex):
            raise self.fail("regular expressions are not supported; use * and ? wildcards", item)
        if isinstance(item, Word | Phrase):
            return self.leaf(item, field)
        raise self.fail(f"unsupported syntax: {self.written(item)!r}", item)

    def leaf(self, term: Term, field: str | None) -> _Leaf:
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

    def new_leaf(self, term: Term, field: str | None, clause: str) -> _Leaf:
        is_phrase = isinstance(term, Phrase)
        raw = term.value[1:-1] if is_phrase else term.value
        unescaped = re.sub(r"\\(.)", r"\1", raw)
        wildcard = not is_phrase and term.has_wildcard()
        shown = unescaped
        name = field or "text"
        if name in {"text", "title"}:
            toks = tuple(pattern_tokens(unescaped) if wildcard else tokens(unescaped))
            if not toks:
                raise self.fail("the value has no words to search", term)
            if any(WILDCARD_CHARS & set(t) and not (set(t) - WILDCARD_CHARS) for t in toks):
                raise self.fail("a wildcard needs at least one letter or digit", term)
            return _TextLeaf(name, toks, clause, shown)
        value = norm_value(unescaped)
        if not value:
            raise self.fail("empty value", term)
        if wildcard and not set(value) - WILDCARD_CHARS - {" "}:
            raise self.fail("a wildcard needs at least one letter or digit", term)
        regex = wildcard_regex(value) if wildcard else None
        cls: type[_Leaf]
        if name in TAG_FIELDS:
            cls = _TagLeaf
        elif name == "country":
            cls = _CountryLeaf
        else:
            cls = _ScalarLeaf
        return cls(name, value, regex, clause, shown)


# Leaves are immutable and depend only on the clause as written: queries that write the same
# clause share one leaf (while one of them is alive). In a large index thousands of queries
# name the same entities, and their leaves are most of its memory.
_LEAVES: Final[weakref.WeakValueDictionary[str, _Leaf]] = weakref.WeakValueDictionary()
