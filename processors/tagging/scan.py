"""Step 1 of tagging: find the knowledge base's keys in a story's fields.

One Aho-Corasick automaton over every normalized alias (and, after them, the cue words of
unresolved places). How matches are read:

- Matches must sit on word boundaries (Unicode letters and digits) of the normalized text;
  a stem (``withdr*``) needs only the left one and grows to the end of its word. A key
  without stem senses is in the automaton with a trailing space (the scan text gets one
  too), so it is never reported inside a longer word.
- Case matters in the original text: proper names must be capitalised, short acronyms
  upper-case ("US", not "us").
- Within a layer (geo names, actors, region phrases, topic triggers) the longest match wins
  (``longest``); layers may overlap ("the border with Ukraine" is a region phrase *and*
  contains the place Ukraine).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from operator import attrgetter
from typing import Final

import ahocorasick_rs

from processors.kb import KnowledgeBase, Sense
from processors.tagging.readings import Key, Reading, Readings, Value
from processors.tagging.words import CUE_PATTERNS
from processors.text import NormalizedText, scan_form
from schemas.models import TextField

# Module constants are Final: compiled, they are C statics, not a module-dict lookup per use.
FIELDS: Final[tuple[TextField, ...]] = ("title", "standfirst", "body")
FIELD_ORDER: Final[dict[str, int]] = {f: i for i, f in enumerate(FIELDS)}

Span = tuple[int, int, int]  # (the field's place in FIELDS, start, end): sorts in story order
Word = tuple[str, int]  # a context word and where it starts (normalized coordinates)
Cue = tuple[int, int]  # a cue word of unresolved places (its index in CUES) and where it starts in scan form


class Match:
    """A raw automaton match, in original-text coordinates.

    A plain class with its own ``__init__``, not a dataclass: mypyc compiles this one to C,
    while a dataclass's generated ``__init__`` stays interpreted (a story has ~90 matches).
    """

    __slots__ = (
        "after",
        "before",
        "end",
        "field",
        "layer",
        "n_end",
        "n_start",
        "norm_surface",
        "rank",
        "reading",
        "start",
        "text",
    )

    field: TextField
    rank: int  # the field's place in FIELDS
    start: int
    end: int
    n_start: int  # normalized coordinates, for context words
    n_end: int
    reading: Reading
    layer: int
    text: str  # the original field text
    norm_surface: str  # the normalized text of the match
    before: Word | None  # the words around it, once looked at
    after: Word | None

    def __init__(  # noqa: PLR0917 - positional on purpose: built once per raw match
        self,
        field: TextField,
        rank: int,
        start: int,
        end: int,
        n_start: int,
        n_end: int,
        reading: Reading,
        layer: int,
        text: str,
        norm_surface: str,
    ) -> None:
        self.field = field
        self.rank = rank
        self.start = start
        self.end = end
        self.n_start = n_start
        self.n_end = n_end
        self.reading = reading
        self.layer = layer
        self.text = text
        self.norm_surface = norm_surface
        self.before = None
        self.after = None

    @property
    def senses(self) -> tuple[Sense, ...]:
        """The senses of its reading."""
        return self.reading.senses

    @property
    def length(self) -> int:
        """Its length in the normalized text."""
        return self.n_end - self.n_start

    @property
    def span(self) -> Span:
        """Where it is in the story: (field rank, start, end)."""
        return (self.rank, self.start, self.end)

    @property
    def surface(self) -> str:
        """Its original text."""
        return self.text[self.start : self.end]


class Scanner:
    """The automaton over every key of the knowledge base, and the scan of one field with it."""

    __slots__ = ("_automaton", "_n_keys", "_patterns", "_readings", "_values")

    def __init__(self, kb: KnowledgeBase, readings: Readings) -> None:
        self._readings = readings
        merged: dict[str, list[Sense]] = {}
        for key, senses in kb.senses.items():
            form = scan_form(key)
            if form.strip():
                bucket = merged.setdefault(form, [])
                bucket.extend(s for s in senses if s not in bucket)
        exact: dict[str, set[str]] = defaultdict(set)
        for key in kb.senses:
            exact[scan_form(key)].add(key)
        patterns: list[str] = []
        # Per pattern, what the scan's fast path needs, unpacked at once, then the key itself.
        self._values: list[Value] = []
        for form, senses in merged.items():
            # A key that is no stem only ever counts as a whole word: with a space after it the
            # automaton reports no hit inside longer words (" ru" in " russia"), about half of
            # all hits on news text. Keys ending in punctuation already end in a space; and a
            # form whose spaced copy is another key's form ("u.s" beside "u.s.") stays bare.
            spaced = not form.endswith(" ") and not any(s.prefix for s in senses) and form + " " not in merged
            # Keys with punctuation ("u.s.", "la.") must match it exactly, not just any
            # non-word character; keys ending in it ("u.s.") have their right boundary built in.
            punct = frozenset(exact[form]) if any(k != form[1:] for k in exact[form]) else None
            entry = Key.build(len(patterns), form, senses, punct, spaced=spaced)
            self._values.append((entry.plain, entry.length, entry.cased, entry.readings, entry))
            patterns.append(form + " " if spaced else form)
        # ahocorasick-rs (the Rust aho-corasick crate ripgrep uses) returns all the matches of
        # a text in one call, with no Python step per hit (when chosen, its search ran about
        # twice as fast as iterating pyahocorasick's); the matches and their order are the same
        # (overlapping, by end position).
        self._patterns = patterns
        # The cue words of unresolved places ride along (the patterns after the keys): one
        # pass over the text finds both.
        self._n_keys = len(patterns)
        self._automaton = ahocorasick_rs.AhoCorasick(
            [*patterns, *CUE_PATTERNS], matchkind=ahocorasick_rs.MATCHKIND_STANDARD
        )

    @property
    def patterns(self) -> list[str]:
        """The knowledge base's keys as the automaton holds them (whole words: a space after)."""
        return self._patterns

    def scan(self, fld: TextField, norm: NormalizedText, scan: str, cues: list[Cue]) -> list[Match]:
        """Matches in one field; ``scan`` is ``scan_form(norm.text) + " "``.

        The space after the text lets a spaced key match the last word. The cue words of
        unresolved places found on the way go to ``cues``.
        """
        ntext = norm.text
        orig = norm.original
        offsets = norm.offsets
        n = len(scan) - 1  # the scan form's own length
        found: list[Match] = []
        rank = FIELD_ORDER[fld]
        values = self._values
        n_keys = self._n_keys
        for index, hit_start, hit_end in self._automaton.find_matches_as_indexes(scan, overlapping=True):
            if index >= n_keys:
                cues.append((index - n_keys, hit_start))
                continue
            end_idx = hit_end - 1  # the last character of the hit
            plain, length, key_cased, cached, key = values[index]
            if plain:
                # The common case, a whole word with nothing more to check: what _word_hit
                # does, less what cannot apply.
                start = end_idx - length
                m_end = end_idx - 1
                stem = 0
                cased = key_cased
                upper = cased == 2
            else:
                start, m_end, stem, cased, upper = _word_hit(key, ntext, scan, end_idx, n)
                if start < 0:
                    continue
            if offsets is None:
                o_start = start
                o_end = m_end
            else:
                o_start, o_end = norm.span(start, m_end)
            level = _case_level(orig, o_start, o_end, upper=upper) if cased else 0
            readings = cached[stem + level]
            if readings is None:
                readings = self._readings.of(key, stem, level)
            if len(readings) == 1:
                r = readings[0]
                found.append(
                    Match(fld, rank, o_start, o_end, start, m_end, r, r.layer, orig, ntext[start:m_end])
                )
            elif readings:
                surface = ntext[start:m_end]
                found.extend(
                    Match(fld, rank, o_start, o_end, start, m_end, r, r.layer, orig, surface)
                    for r in readings
                )
        return longest(found)


def _word_hit(key: Key, ntext: str, scan: str, end_idx: int, n: int) -> tuple[int, int, int, int, bool]:
    """A hit of a key that is not plain: ``(start, end, stem, cased, upper)``, start -1 if none.

    ``start`` and ``end`` are normalized coordinates of the word; ``stem`` is 3 for a stem
    match that ends inside a word (else 0); ``cased`` whether some senses need a capital and
    ``upper`` whether some need upper case. (A fixed tuple: compiled, it is returned in
    registers, with nothing allocated.)
    """
    if key.spaced:
        end = word_end = end_idx  # exclusive, in scan coordinates: the space after the word
        by_case = key.whole
        stem = 0
    else:
        if end_idx >= n:
            return -1, 0, 0, 0, False  # only spaced keys may use the space after the text
        end = end_idx + 1  # exclusive, in scan coordinates
        if key.closed or end >= n or scan[end] == " ":
            word_end = end
            by_case = key.whole
            stem = 0
        else:
            if not key.stem:
                return -1, 0, 0, 0, False
            word_end = scan.find(" ", end)
            if word_end < 0:
                word_end = n
            by_case = key.partial
            stem = 3
    # Scan index i is normalized index i - 1; the key's leading space sits on the
    # character before the word, so the word starts at normalized index end - klen + 1.
    start = end - key.length
    if key.punct is not None and ntext[start : end - 1] not in key.punct:
        return -1, 0, 0, 0, False
    m_end = word_end - 1
    if key.closed:
        m_end = _rstrip(ntext, start, m_end)
    return start, m_end, stem, 1 if by_case[1] or by_case[2] else 0, bool(by_case[2])


def _case_level(orig: str, o_start: int, o_end: int, *, upper: bool) -> int:
    """The case level of a match: 0, 1 when it starts upper-case, 2 when it is all upper-case.

    Level 2 only when ``upper`` (some senses need it): it has no lower-case letter.
    """
    if not orig[o_start].isupper():
        return 0
    if upper and not any(c.islower() for c in orig[o_start:o_end]):
        return 2
    return 1


def _rstrip(text: str, start: int, end: int) -> int:
    """Drop trailing spaces a key's punctuation may have covered ("u.s. " -> "u.s.")."""
    while end > start and text[end - 1] == " ":
        end -= 1
    return end


def longest(found: list[Match]) -> list[Match]:
    """Per layer, keep the longest matches that do not overlap (ties: leftmost).

    ``found`` holds the matches of one field; the result is in text order (the order of
    matches of different layers that start at the same place is of no consequence).
    Most matches overlap nothing of their layer; only runs of overlapping ones ("Kharkiv"
    in "Kharkiv Oblast") need choosing between, and each run on its own.
    """
    found.sort(key=_n_start_of)
    # Per layer (0-3): the last match, the current run of overlapping matches (None while the
    # last overlaps nothing: the common case, with no list to build), and where it ends.
    last: list[Match | None] = [None, None, None, None]
    runs: list[list[Match] | None] = [None, None, None, None]
    reach = [-1, -1, -1, -1]
    dropped: set[int] = set()
    for m in found:
        layer = m.layer
        if m.n_start < reach[layer]:
            run = runs[layer]
            if run is None:
                runs[layer] = [last[layer], m]  # type: ignore[list-item]  # reach >= 0: a last
            else:
                run.append(m)
            reach[layer] = max(reach[layer], m.n_end)
            continue
        run = runs[layer]
        if run is not None:
            _drop_shorter(run, dropped)
            runs[layer] = None
        last[layer] = m
        reach[layer] = m.n_end
    for run in runs:
        if run is not None:
            _drop_shorter(run, dropped)
    return [m for m in found if id(m) not in dropped] if dropped else found


def _drop_shorter(run: list[Match], dropped: set[int]) -> None:
    """Longest first (ties: leftmost), drop each match that overlaps one already kept."""
    starts: list[int] = []
    ends: list[int] = []
    for m in sorted(run, key=_longest_first):
        i = bisect_left(starts, m.n_start)
        if (i > 0 and ends[i - 1] > m.n_start) or (i < len(starts) and starts[i] < m.n_end):
            dropped.add(id(m))
            continue
        starts.insert(i, m.n_start)
        ends.insert(i, m.n_end)


_n_start_of: Final = attrgetter("n_start")


def _longest_first(m: Match) -> int:
    # (-length, n_start) as one int: texts are far shorter than 2**32 characters.
    return ((m.n_start - m.n_end) << 32) + m.n_start
