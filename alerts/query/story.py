"""A story's searchable form (:class:`PreparedStory`): computed once, shared by every query.

Tag forms, country codes, source and language are normalized with
:func:`alerts.text.norm_value`; title, standfirst and body are tokenized with
:func:`alerts.text.tokens` into one token list (an empty token between fields, so that no
phrase spans two of them). Positions, mention spans, wildcard lookups and index keys are
computed lazily, when a phrase, an explanation or the index needs them.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import itertools
import operator
import re
from typing import TYPE_CHECKING, Final, cast

from alerts.query.fields import GEO_KEY_FIELD, INDEX_FIELDS, PREFIX_LEN, TAG_FIELDS, prefix_key, term_key
from alerts.query.geocells import point_cells
from alerts.text import iter_word_spans, norm_value, tokens
from schemas.models import EnrichedStory, MatchedClause, Mention

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Iterator

    from schemas.models import Tag, TextField

_HEAD: Final = operator.itemgetter(slice(PREFIX_LEN))


_TITLE, _STANDFIRST, _BODY = "title", "standfirst", "body"
#: The pseudo tag field of the country tags among the places (``country:`` clauses).
COUNTRY_TAGS: Final = "country"


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
        "_form_maps",
        "_form_sets",
        "_geo_cells",
        "_geo_points",
        "_keys",
        "_positions",
        "_prefixes",
        "_reversed_lines",
        "_sorted_tokens",
        "_spans",
        "_tags_of",
        "_text_mentions",
        "_text_starts",
        "_token_lines",
        "_wildcards",
        "countries",
        "language",
        "source",
        "story",
        "text_set",
        "text_tokens",
        "title_len",
        "title_set",
    )

    def __init__(self, story: EnrichedStory) -> None:
        self.story = story
        # A tag field's forms are computed when a query first needs them: the index needs only
        # their set (a union of per-entity sets, cached), a clause the map to the tags.
        self._tags_of: dict[str, tuple[Tag, ...]] = {
            field: getattr(story, attr) for field, attr in TAG_FIELDS.items()
        }
        self._tags_of[COUNTRY_TAGS] = tuple(t for t in story.places if t.type == "country")
        self._form_sets: dict[str, frozenset[str]] = {}
        self._form_maps: dict[str, dict[str, list[Tag]]] = {}
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
        self._geo_points: list[tuple[Tag, float, float]] | None = None
        self._geo_cells: frozenset[str] | None = None
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
        if field in TAG_FIELDS:
            return self.form_set(field)
        if field == GEO_KEY_FIELD:
            return self.geo_cells
        if field == "country":
            if self._country_values is None:  # the index asks once per posting that needs it
                codes = {c.casefold() for c in self.countries}
                self._country_values = frozenset(codes.union(self.form_set(COUNTRY_TAGS)))
            return self._country_values
        value = self.source if field == "source" else self.language
        return (value,) if value else ()

    def form_set(self, field: str) -> frozenset[str]:
        """The normalized forms (ids, names, aliases) of a tag field's tags (``COUNTRY_TAGS``: countries)."""
        found = self._form_sets.get(field)
        if found is None:
            found = self._form_sets[field] = frozenset().union(*(_tag_forms(t) for t in self._tags_of[field]))
        return found

    def forms(self, field: str) -> dict[str, list[Tag]]:
        """A tag field's tags by each of their normalized forms (``COUNTRY_TAGS``: countries)."""
        found = self._form_maps.get(field)
        if found is None:
            found = self._form_maps[field] = _forms(self._tags_of[field])
        return found

    @property
    def geo_points(self) -> list[tuple[Tag, float, float]]:
        """``(tag, lat, lon)`` of the place tags with a point, countries left out (geo clauses).

        A country's point (a label point) says nothing about where in it something happened.
        """
        if self._geo_points is None:
            self._geo_points = [
                (tag, tag.geo.lat, tag.geo.lon)
                for tag in self.story.places
                if tag.geo is not None
                and tag.geo.lat is not None
                and tag.geo.lon is not None
                and tag.type != "country"
            ]
        return self._geo_points

    @property
    def geo_cells(self) -> frozenset[str]:
        """The geohash cells of :attr:`geo_points` at every level (the ``geo`` index values)."""
        if self._geo_cells is None:
            self._geo_cells = frozenset(c for _, lat, lon in self.geo_points for c in point_cells(lat, lon))
        return self._geo_cells

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
                if field != GEO_KEY_FIELD  # cells are never wildcards
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


def _tag_forms(tag: Tag) -> tuple[str, ...]:
    """A tag's distinct normalized forms, in order: its id, name and aliases (cached by entity)."""
    key = (tag.id, tag.name, tag.aliases)
    found = _TAG_FORMS.get(key)
    if found is None:
        if len(_TAG_FORMS) >= _TAG_FORMS_SIZE:
            _TAG_FORMS.clear()
        normed = dict.fromkeys(norm_value(raw) for raw in (tag.id, tag.name, *tag.aliases))
        found = _TAG_FORMS[key] = tuple(form for form in normed if form)
    return found


def _forms(tags: Iterable[Tag]) -> dict[str, list[Tag]]:
    forms: dict[str, list[Tag]] = {}
    for tag in tags:
        for form in _tag_forms(tag):
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
