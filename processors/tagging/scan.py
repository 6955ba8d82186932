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
from typing import Any, Final

import ahocorasick

from processors.kb import KnowledgeBase, Sense
from processors.tagging.readings import Key, Reading, Readings
from processors.tagging.words import CUE_LENGTHS, CUE_PATTERNS
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


# Per automaton key, what the scan's fast path needs, unpacked at once (plain, length, case
# rule, the cache of readings), then the key itself: None until a match needs it (loaded tables).
ScanValue = tuple[bool, int, int, list[tuple[Reading, ...] | None], Key | None]
_SPACED: Final = 1
_PLAIN: Final = 2  # flags of a key, one byte each; bits 2-3: its case rule (Key.cased)


class ScanTables:
    """The automaton over every key of a knowledge base, and what the scan needs of each key.

    Built from a knowledge base in seconds (``build``); ``processors.kb_cache`` keeps built
    ones on disk (``saved``: pyahocorasick's automaton pickles, where ahocorasick-rs' cannot be
    saved), so a cold start loads them instead (``restore``). Loaded tables make a key the
    first time a match needs it (few of ~220k ever are), from the knowledge base's senses.
    The keys' readings caches fill as stories are tagged: share tables only between taggers
    of the same knowledge base.
    """

    __slots__ = ("automaton", "both", "flags", "patterns", "senses", "sources", "values")

    def __init__(  # noqa: PLR0917 - the parts of the tables, as saved
        self,
        patterns: list[str],
        values: list[ScanValue],
        flags: bytes,
        sources: dict[int, tuple[str, ...]],
        automaton: Any,
        both: dict[int, int],
        senses: dict[str, list[Sense]],
    ) -> None:
        self.patterns = patterns  # the keys' patterns (the cue words after them are not listed)
        self.values = values
        self.flags = flags  # per key: _SPACED, _PLAIN, cased << 2
        # The knowledge base's keys of each scan form that is not simply one of them ("u.s."
        # and "u.s" are both " u s"), in the knowledge base's order; the others: form[1:].
        self.sources = sources
        # pyahocorasick, values: a key's index; len(keys) + a cue's index; -1 - a key's index
        # when a cue word is that key as well (its cue in ``both``).
        self.automaton = automaton
        self.both = both
        self.senses = senses  # the knowledge base's, to make keys from

    @classmethod
    def build(cls, kb: KnowledgeBase) -> ScanTables:
        """The tables of ``kb`` (seconds for the full knowledge base)."""
        merged: dict[str, list[Sense]] = {}
        for key, senses in kb.senses.items():
            form = scan_form(key)
            if form.strip():
                bucket = merged.setdefault(form, [])
                bucket.extend(s for s in senses if s not in bucket)
        exact: dict[str, list[str]] = defaultdict(list)
        for key in kb.senses:
            exact[scan_form(key)].append(key)
        patterns: list[str] = []
        values: list[ScanValue] = []
        flags = bytearray()
        sources: dict[int, tuple[str, ...]] = {}
        for form, senses in merged.items():
            # A key that is no stem only ever counts as a whole word: with a space after it the
            # automaton reports no hit inside longer words (" ru" in " russia"), about half of
            # all hits on news text. Keys ending in punctuation already end in a space; and a
            # form whose spaced copy is another key's form ("u.s" beside "u.s.") stays bare.
            spaced = not form.endswith(" ") and not any(s.prefix for s in senses) and form + " " not in merged
            # Keys with punctuation ("u.s.", "la.") must match it exactly, not just any
            # non-word character; keys ending in it ("u.s.") have their right boundary built in.
            punct = None
            if any(k != form[1:] for k in exact[form]):
                punct = frozenset(exact[form])
                sources[len(patterns)] = tuple(exact[form])
            k = Key.build(len(patterns), form, senses, punct, spaced=spaced)
            values.append((k.plain, k.length, k.cased, k.readings, k))
            flags.append((_SPACED if spaced else 0) | (_PLAIN if k.plain else 0) | k.cased << 2)
            patterns.append(form + " " if spaced else form)
        # pyahocorasick: its automaton pickles, so a cold start loads it (kb_cache) instead of
        # building it (about a second for ~220k keys); ahocorasick-rs, used before, cannot be
        # saved. Both report every overlapping match with its end; the scan is a small part of
        # tagging (benchmarks/bench_tagging.py compares the raw scans of both).
        automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        for i, pattern in enumerate(patterns):
            automaton.add_word(pattern, i)
        # The cue words of unresolved places ride along (after the keys): one pass finds both.
        n_keys = len(patterns)
        both: dict[int, int] = {}
        for c, cue in enumerate(CUE_PATTERNS):
            index = automaton.get(cue, None)
            if index is None:
                automaton.add_word(cue, n_keys + c)
            else:
                both[index] = c
                automaton.add_word(cue, -1 - index)
        automaton.make_automaton()
        return cls(patterns, values, bytes(flags), sources, automaton, both, kb.senses)

    def key(self, index: int) -> Key:
        """The key of automaton value ``index`` (made now if the tables were loaded without it)."""
        plain, length, cased, _, key = self.values[index]
        if key is None:
            pattern = self.patterns[index]
            spaced = bool(self.flags[index] & _SPACED)
            form = pattern[:-1] if spaced else pattern
            sources = self.sources.get(index)
            if sources is None:
                key = Key.build(index, form, self.senses[form[1:]], None, spaced=spaced)
            else:
                senses: list[Sense] = []
                for source in sources:
                    senses.extend(s for s in self.senses[source] if s not in senses)
                key = Key.build(index, form, senses, frozenset(sources), spaced=spaced)
            # Nothing read the readings cache in the slot before (no key, no readings): the key's own.
            self.values[index] = (plain, length, cased, key.readings, key)
        return key

    def saved(self) -> tuple[list[str], bytes, dict[int, tuple[str, ...]], Any, dict[int, int]]:
        """What a cache file keeps (with the knowledge base): patterns, flags, sources, automaton, cues."""
        return self.patterns, self.flags, self.sources, self.automaton, self.both

    @classmethod
    def restore(  # noqa: PLR0917 - what ``saved`` returned, and the senses
        cls,
        patterns: list[str],
        flags: bytes,
        sources: dict[int, tuple[str, ...]],
        automaton: Any,
        both: dict[int, int],
        senses: dict[str, list[Sense]],
    ) -> ScanTables:
        """Tables from what ``saved`` returned and their knowledge base's senses."""
        values: list[ScanValue] = [
            (bool(f & _PLAIN), len(p) - (f & _SPACED), f >> 2, [None] * 6, None)
            for p, f in zip(patterns, flags, strict=True)
        ]
        return cls(patterns, values, flags, sources, automaton, both, senses)


class Scanner:
    """The automaton over every key of the knowledge base, and the scan of one field with it."""

    __slots__ = ("_automaton", "_both", "_n_keys", "_patterns", "_readings", "_tables", "_values")

    def __init__(self, kb: KnowledgeBase, readings: Readings, tables: ScanTables | None = None) -> None:
        """Scan with ``tables`` (built from ``kb`` when not given: seconds)."""
        self._readings = readings
        if tables is None:
            tables = ScanTables.build(kb)
        self._tables = tables
        self._values = tables.values
        self._patterns = tables.patterns
        self._n_keys = len(tables.patterns)
        self._automaton = tables.automaton
        self._both = tables.both

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
        # Typed, so that the compiled loop works on C integers (the automaton is untyped), and
        # reads each hit as a tuple (unpacking an untyped one makes an iterator per hit).
        hit: tuple[int, int]
        index: int
        for hit in self._automaton.iter(scan):
            end_idx, value = hit  # end_idx: the hit's last character
            if value >= n_keys:
                cue = value - n_keys
                cues.append((cue, end_idx - CUE_LENGTHS[cue] - 1))
                continue
            if value < 0:  # a cue word that is a key as well (rare)
                index = -1 - value
                cue = self._both[index]
                cues.append((cue, end_idx - CUE_LENGTHS[cue] - 1))
            else:
                index = value
            plain, length, key_cased, cached, maybe_key = values[index]
            if plain:
                # The common case, a whole word with nothing more to check: what _word_hit
                # does, less what cannot apply.
                start = end_idx - length
                m_end = end_idx - 1
                stem = 0
                cased = key_cased
                upper = cased == 2
            else:
                key = self._tables.key(index) if maybe_key is None else maybe_key
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
                key = self._tables.key(index) if maybe_key is None else maybe_key
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

    Level 2 only when ``upper`` (some senses need it): it has no lower-case letter. A name of
    two words or more written with its article ("The Aspen Times", "The Jihad Group") is
    capitalised after a lower-case "the" in running text too ("said the Aspen Times"); one word
    after it is too often a common noun there ("the River", "the Right").
    """
    if not orig[o_start].isupper() and not (
        orig[o_start : o_start + 4] == "the "
        and orig[o_start + 4 : o_start + 5].isupper()
        and " " in orig[o_start + 5 : o_end]
    ):
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
