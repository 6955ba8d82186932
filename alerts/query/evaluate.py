"""Evaluating and explaining a query: the node tree a compiled query runs on a story.

Every node answers three questions:

* :meth:`Node.test`: does it hold on a :class:`~alerts.query.story.PreparedStory` (at a
  ``min_confidence``)? The hot path of matching.
* :meth:`Node.explain`: which clauses hold, with the tags and words of the story that make
  them hold (:class:`~schemas.models.MatchedClause`)? Asked only of a node that tests true.
* :meth:`Node.presearch`: which index keys does every story it holds on carry? What the
  subscription index files the query under.

Boolean nodes (:class:`AndNode`, :class:`OrNode`, :class:`NotNode`) combine leaves; a leaf
(:class:`Leaf`) is one ``field:value`` clause, of the kind its field needs. A leaf tests and
explains itself in one class: the explanation reuses what the test found (cached on the story).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from typing_extensions import override

from alerts.query.fields import PREFIX_LEN, key_cost, prefix_key, term_key
from alerts.query.story import COUNTRY_TAGS
from alerts.text import WILDCARD_CHARS, literal_prefix, wildcard_regex
from schemas.models import MatchedClause, Mention

if TYPE_CHECKING:
    import re

    from alerts.query.story import PreparedStory
    from schemas.models import Tag

# How many text mentions an explanation lists per clause (each costs a Mention per match).
MAX_TEXT_MENTIONS: Final = 3

# Presearch result of a node: a set of keys one of which any matching story carries,
# ALWAYS (positive but not reducible to keys: check against every story), or UNBOUNDED
# (the node can hold on a story that has none of the query's terms, e.g. NOT x).
Keys = frozenset[str]
ALWAYS: Final = "always"
UNBOUNDED: Final = "unbounded"
Presearch = Keys | str


class Node:
    """A node of a compiled query's tree."""

    __slots__ = ()

    def test(self, story: PreparedStory, min_conf: float) -> bool:
        """Whether the node holds on the story (tags below ``min_conf`` do not count)."""
        raise NotImplementedError

    def explain(self, story: PreparedStory, min_conf: float, out: list[MatchedClause]) -> None:
        """Append the clauses that hold (called only on a node that tests true)."""
        raise NotImplementedError

    def presearch(self) -> Presearch:
        """The keys one of which every story it holds on carries, or ALWAYS, or UNBOUNDED."""
        raise NotImplementedError


class AndNode(Node):
    """Holds when every child holds (``AND``, ``+``, and terms side by side)."""

    __slots__ = ("_ranked", "children")

    def __init__(self, children: tuple[Node, ...]) -> None:
        self.children = children
        self._ranked: list[Keys] | None = None

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
    def presearch(self) -> Presearch:
        ranked = self.ranked_key_sets()
        if ranked:
            return ranked[0]
        return ALWAYS if any(c.presearch() == ALWAYS for c in self.children) else UNBOUNDED

    def ranked_key_sets(self) -> list[Keys]:
        """The children's key sets, cheapest first (each is necessary for the AND; do not modify).

        Kept once computed: compiling asks for them twice (presearch, then the key options).
        """
        ranked = self._ranked
        if ranked is None:
            key_sets = {r for r in (c.presearch() for c in self.children) if isinstance(r, frozenset)}
            ranked = self._ranked = sorted(key_sets, key=lambda ks: (sum(map(key_cost, ks)), sorted(ks)))
        return ranked


class OrNode(Node):
    """Holds when a child holds."""

    __slots__ = ("children",)

    def __init__(self, children: tuple[Node, ...]) -> None:
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
    def presearch(self) -> Presearch:
        results = [c.presearch() for c in self.children]
        if UNBOUNDED in results:
            return UNBOUNDED
        if ALWAYS in results:
            return ALWAYS
        return frozenset().union(*(r for r in results if isinstance(r, frozenset)))


class NotNode(Node):
    """Holds when its child does not (``NOT``, ``-``)."""

    __slots__ = ("child",)

    def __init__(self, child: Node) -> None:
        self.child = child

    @override
    def test(self, story: PreparedStory, min_conf: float) -> bool:
        return not self.child.test(story, min_conf)

    @override
    def explain(self, story: PreparedStory, min_conf: float, out: list[MatchedClause]) -> None:
        # An absence has no mentions to show.
        return

    @override
    def presearch(self) -> Presearch:
        return UNBOUNDED


class Leaf(Node):
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
        self._keys: Presearch | None = None

    def _presearch_value(self, value: str) -> Presearch:
        if self.regex is None:
            return frozenset({term_key(self.field, value)})
        prefix = literal_prefix(value)
        if len(prefix) >= PREFIX_LEN:
            return frozenset({prefix_key(self.field, prefix)})
        return ALWAYS

    @override
    def presearch(self) -> Presearch:
        # Cached: a leaf is shared by every query that writes the same clause (see alerts.query.parse),
        # and so are its keys (an AND files a query under one of its children's key sets).
        found = self._keys
        if found is None:
            found = self._keys = self._leaf_presearch()
        return found

    def _leaf_presearch(self) -> Presearch:
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


class TagLeaf(Leaf):
    """``actor:``, ``place:``, ``region:``, ``topic:``: a tag's id, name or alias."""

    __slots__ = ()

    @override
    def test(self, story: PreparedStory, min_conf: float) -> bool:
        forms = story.forms(self.field)
        if self.regex is None:
            for tag in forms.get(self.value, ()):  # noqa: SIM110 - hot path, as above
                if tag.confidence >= min_conf:
                    return True
            return False
        return bool(_matching_tags(forms, self.value, self.regex, min_conf))

    @override
    def _explain(self, story: PreparedStory, min_conf: float) -> list[MatchedClause]:
        tags = _matching_tags(story.forms(self.field), self.value, self.regex, min_conf)
        return [self._clause(tag, tag.mentions) for tag in tags]


class CountryLeaf(Leaf):
    """``country:``: an ISO code in ``story.countries``, or a country place tag."""

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
            _matching_tags(story.forms(COUNTRY_TAGS), self.value, self.regex, min_conf)
        )

    @override
    def _explain(self, story: PreparedStory, min_conf: float) -> list[MatchedClause]:
        out: list[MatchedClause] = []
        shown: list[Tag] = []
        for tag in _matching_tags(story.forms(COUNTRY_TAGS), self.value, self.regex, min_conf):
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


class ScalarLeaf(Leaf):
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


class TextLeaf(Leaf):
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
    def _leaf_presearch(self) -> Presearch:
        if self.literals:
            # The longest literal token: the rarest, roughly.
            return frozenset({term_key(self.field, max(self.literals, key=lambda t: (len(t), t)))})
        best = max((literal_prefix(t) for t in self.toks), key=len)
        if len(best) >= PREFIX_LEN:
            return frozenset({prefix_key(self.field, best)})
        return ALWAYS

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


def _literal_suffix(pattern: str) -> str:
    """The literal text after the last wildcard of ``pattern``."""
    cut = max((i for i, ch in enumerate(pattern) if ch in WILDCARD_CHARS), default=-1)
    return pattern[cut + 1 :]
