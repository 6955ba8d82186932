"""Step 6 of tagging, first half: the candidate names of a story (``names.py`` classifies them).

A ``Reader`` finds the runs of capitalised words of each field, splits them at the spans the
tagger claimed (known actors always; places unless inside an organisation's name) and strips
the words around a name that are none of it (articles, titles, a sentence's common first
word): what is left is a ``Piece``, a candidate name with the title seen before it. Before
that, an organisation's name is joined to its subject over lower-case German adjectives or a
list, a German state's head marked before its place, an English ordinal put before a name
(``org_words.py`` says how and what each rule measured).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from functools import partial
from typing import Final

from processors.tagging.name_cues import SECOND_GIVEN, after_former, genitive_end, given_al, rank_before
from processors.tagging.name_words import LEGAL_FORMS, PLACE_HEADS
from processors.tagging.org_words import joins, state_heads, with_legal, with_ordinal
from processors.tagging.scan import Span
from processors.tagging.words import (
    JOINERS,
    NAME_TITLES,
    NOT_NAMES,
    NOUN_ENDINGS,
    NOUN_MARKERS,
    PERSON_NOUN_ENDINGS,
    SURNAME_TITLES,
    TITLE_MODIFIERS,
    Piece,
    Token,
    coordinated,
    descriptor_shaped,
    fold_diacritics,
    has_org_cue,
    is_title,
    outside,
    possessive_orgs,
    runs_of,
    sentence_initial,
    split_where,
    tokens_of,
    web_names,
    with_head,
    word_before,
)
from schemas.models import TextField

# The two letters a lower-case legal form starts with, after the space ("e.V.", "gGmbH", "eG",
# "mbH"): most runs of capitalised words are followed otherwise, and a call per run costs.
_LEGAL_STARTS: Final = ("e.", "gG", "eG", "mb")
# The endings of German adjectives formed from a name or a noun ("Schweizerischen", "Bäuerliche").
_DE_ADJECTIVES: Final = ("ische", "ischen", "ischer", "isches", "liche", "lichen", "licher", "liches")
# How the German prepositions before an organisation's subject begin ("für", "der", "zur", "gegen").
_SUBJECT_GAPS: Final = frozenset({" f", " d", " z", " g"})


class Reader:
    """What one story says: its lower-case words, the claimed spans; the pieces it finds."""

    __slots__ = (
        "claimed_actor",
        "claimed_org",
        "claimed_other",
        "german",
        "given",
        "glued",
        "language",
        "lower",
        "nouns",
        "org_spans",
        "pieces",
        "place",
        "sites",
        "texts",
    )

    def __init__(
        self,
        texts: dict[TextField, str],
        claimed_actor: set[Span],
        claimed_other: set[Span],
        *,
        language: str | None = None,
        given: frozenset[str] = frozenset(),
        place: Callable[[str], bool] | None = None,
        claimed_org: set[Span] | None = None,
    ) -> None:
        self.texts = texts
        # The known actors that are no person (companies, media...): what follows one in a
        # name is that name's rest ("Airbus Helicopters Technik"), no person.
        # Built when first asked (``_glue``, where a run is split: a few stories in ten).
        self.claimed_org: dict[int, Coverage] | None = None
        self.org_spans = claimed_org or set()
        # Where a candidate is glued to a claimed name, (rank, start of its word): after a
        # known organisation or before a place ("Fox Sports Cono" of "Fox Sports Cono Sur").
        self.glued: set[tuple[int, int]] = set()
        self.given = given  # given names (casefolded) of the knowledge base's people
        self.place = place  # whether a name is a place's in the gazetteer ("Santiago de Compostela")
        # German capitalises every noun: a sentence's first two capitalised words are
        # as often an adjective and a noun as a name ("Klarer Gewinner").
        self.german = language == "de"
        self.language = language or ""
        self.claimed_actor = _by_field(claimed_actor)
        self.claimed_other = _by_field(claimed_other)
        self.lower: dict[str, bool] = {}  # whether a word is written in lower case, once asked
        self.nouns: set[str] | None = None  # capitalised words after a German article, once needed
        self.pieces: list[Piece] = []
        self.sites: list[Piece] = []  # web sites' names ("netzpolitik.org")

    def _nouns(self) -> set[str]:
        """The words after a German article or determiner ("der Wald"): nouns, not names."""
        nouns = self.nouns
        if nouns is None:
            nouns = self.nouns = set()
            if self.german:  # elsewhere "die", "das", "am" are other words
                for text in self.texts.values():
                    nouns.update(NOUN_MARKERS.findall(text))
        return nouns

    def written(self, word: str) -> bool:
        """Whether the story writes ``word`` as a whole word (as it is, case included)."""
        return any(_has_word(text, word) for text in self.texts.values())

    def noun_words(self) -> set[str]:
        """The words the story writes after a German article (nouns)."""
        return self._nouns()

    def _in_lower_case(self, word: str) -> bool:
        """Whether the story writes ``word`` with a lower-case first letter, as a whole word.

        A substring search per word asked (a few dozen per story) costs less than a set of
        every word of the story.
        """
        low = word[0].lower() + word[1:]
        found = self.lower.get(low)
        if found is None:
            found = self.lower[low] = any(_has_word(text, low) for text in self.texts.values())
        return found

    def common(self, tok: Token) -> bool:
        """A word the story writes in lower case too, or one that is never a name."""
        f = tok.fold
        if f in NOT_NAMES:
            return f != "al" or not given_al(tok, self.language)
        return self._in_lower_case(tok.text) or (
            not tok.upper and ((len(f) > 6 and f.endswith(NOUN_ENDINGS)) or tok.text in self._nouns())
        )

    def read(self, rank: int, text: str) -> None:
        """Find the candidate names of one field."""
        runs = runs_of(text, tokens_of(text))
        sites = web_names(text)
        if sites:
            self.sites.extend(Piece(rank, [site], "") for site in sites)
            runs = outside(runs, sites)
        if len(runs) > 1:
            runs = self._joined(rank, text, runs)  # "Bundeszentrale für politische Bildung"
        if self.german and ("Land " in text or "Freistaat " in text or "Kanton " in text):
            place = partial(self._place_word, rank)
            for run in runs:
                if len(run) > 1:
                    state_heads(text, run, place)  # "das Land Niedersachsen"
        for found in possessive_orgs(text, runs):
            if len(found) >= 3 and all(t.upper for t in found):
                continue  # a shouted line, not names
            run = with_head(text, found)
            start = run[0].start
            if self.language == "en" and start > 3 and text[start - 2] in "hdt" and has_org_cue(run):
                run = with_ordinal(text, run)  # "4th District Court of Appeal"
            if text.startswith(_LEGAL_STARTS, run[-1].end + 1):
                run = with_legal(text, run)  # "Wirtschaftsweiber e.V."
            segs = self._segments(rank, run)
            if segs and (len(segs) > 1 or len(segs[0]) < len(run)):
                self._glue(rank, text, run, segs)
            for seg in segs:
                self._piece(rank, text, seg)

    def _joined(self, rank: int, text: str, runs: list[list[Token]]) -> list[list[Token]]:
        """The runs, an organisation's name joined to its subject (``org_words.joined``).

        Only where the gap after an organisation's name may be one: a comma, or in German a
        preposition ("für", "der", "zur", "gegen"); most runs are followed otherwise.
        """
        out = [runs[0]]
        for run in runs[1:]:
            prev = out[-1]
            gap = text[prev[-1].end : prev[-1].end + 2]
            if (
                (gap == ", " or (self.german and gap in _SUBJECT_GAPS))
                and has_org_cue(prev)
                and all(self._free(rank, t) for t in run)
                and joins(text, prev, run, self.language)
            ):
                out[-1] = [*prev, *run]
            else:
                out.append(run)
        return out

    def _free(self, rank: int, tok: Token) -> bool:
        """No known name's or place's word, no given name: "Forschung", not "Müller"."""
        actor, other = self.claimed_actor.get(rank), self.claimed_other.get(rank)
        if (actor is not None and actor.covers(tok)) or (other is not None and other.covers(tok)):
            return False
        return not self.is_given(tok.fold)

    def _place_word(self, rank: int, tok: Token) -> bool:
        """A place's name: claimed as one, or the gazetteer's."""
        other = self.claimed_other.get(rank)
        claimed = other is not None and other.covers(tok)
        return claimed or (self.place is not None and self.place(tok.text))

    def _segments(self, rank: int, run: list[Token]) -> list[list[Token]]:
        """The run split at what the tagger claimed: known actors, places unless in an org.

        Not at a known actor that begins a company's name ("Airbus Helicopters Technik GmbH").
        """
        # Most runs meet no claimed span: one bisection per table says so, no call per word.
        lo, hi = run[0].start, run[-1].end
        actor = self.claimed_actor.get(rank)
        if actor is not None and not actor.meets(lo, hi):
            actor = None
        other = self.claimed_other.get(rank)
        if other is not None and not other.meets(lo, hi):
            other = None
        segs = actor.split(run) if actor is not None and not _one_company(run, actor) else [run]
        if other is None:
            return segs
        out: list[list[Token]] = []
        for seg in segs:
            if has_org_cue(seg) and not all(other.claims(t) for t in seg):
                out.append(seg)
            elif (
                (
                    len(seg) == 2
                    or (
                        len(seg) == 3
                        and not seg[0].upper
                        and (seg[1].fold not in self.given or seg[1].fold in SECOND_GIVEN)
                    )
                )
                and not any(other.claims(t) for t in seg[1:])
                and seg[1].name_shaped
                and not seg[1].upper
                and not is_title(seg[1])
                and not self.common(seg[1])
            ):
                # A place's name as a given name: "Elon Musk", "Paris Hilton", "Ariel Melgar Cabrera".
                out.append(seg)
            else:
                out.extend(split_where(seg, other.claims))
        return out

    def _glue(self, rank: int, text: str, run: list[Token], segs: list[list[Token]]) -> None:
        """Note the segments glued (by a space) to a known organisation before or a place after."""
        if self.claimed_org is None:
            self.claimed_org = _by_field(self.org_spans)
        org = self.claimed_org.get(rank)
        other = self.claimed_other.get(rank)
        at = {id(t): i for i, t in enumerate(run)}
        for seg in segs:
            i, j = at[id(seg[0])], at[id(seg[-1])]
            if i > 0 and org is not None and org.covers(run[i - 1]) and _spaced(text, run[i - 1], seg[0]):
                self.glued.add((rank, seg[0].start))
            after = run[j + 1] if j + 1 < len(run) else None
            if (
                after is not None
                and other is not None
                and other.claims(after)
                and _spaced(text, seg[-1], after)
            ):
                self.glued.add((rank, seg[-1].start))

    def is_given(self, fold: str) -> bool:
        """Whether a casefolded word is a known given name (with or without its diacritics)."""
        return fold in self.given or fold_diacritics(fold) in self.given

    def named_after(self, piece: Piece, text: str) -> bool:
        """Whether a person-shaped name is another thing's.

        A place named after a person ("salle Louise Michel", "Avenida Antero de Brito"), or a
        known company's division or product, or a name running on into a place's ("Airbus
        Helicopters Technik", "Fox Sports Cono Sur"); not someone with a known given name listed
        after an organisation ("Yale University Roger Cohen").
        """
        if word_before(text, piece.start) in PLACE_HEADS or piece.title.casefold() in PLACE_HEADS:
            return True
        glued = (piece.rank, piece.start) in self.glued or (piece.rank, piece.tokens[-1].start) in self.glued
        return glued and not self.is_given(piece.tokens[0].fold)

    def _piece(self, rank: int, text: str, seg: list[Token]) -> None:
        """Strip what is no name from a segment; keep the rest as a candidate."""
        piece = self.strip(rank, text, seg, initial=sentence_initial(text, seg[0].start))
        if piece is not None:
            self.pieces.append(piece)

    def _descriptor(self, text: str, seg: list[Token]) -> bool:
        """Whether ``seg`` opens with a German noun naming the kind of what follows."""
        if not self.german or len(seg) < 2 or seg[0].upper or text[seg[0].end : seg[1].start] != " ":
            return False
        if seg[0].fold.endswith(_DE_ADJECTIVES) and has_org_cue(seg[1:]):
            return False  # a long adjective of the name: "des Schweizerischen Forstvereins"
        # A kind of organisation only after an article ("die Datenschutzbehörde Agencia ...").
        return descriptor_shaped(seg[0], seg[1:]) and (not seg[0].cue or seg[0].text in self._nouns())

    def strip(self, rank: int, text: str, seg: list[Token], *, initial: bool) -> Piece | None:
        """The name in ``seg`` without the words before and after it that are no name."""
        if self._descriptor(text, seg):
            seg = seg[1:]  # "die Nachrichtenagentur Tasnim News", "dem Fonds Copenhagen Partners"
            initial = False
        title = ""
        before = word_before(text, seg[0].start)
        if before in NAME_TITLES:
            title = before
        i = 0
        while i < len(seg):
            tok = seg[i]
            if is_title(tok) and not (i + 1 < len(seg) and seg[i + 1].cue):
                title = tok.text  # not in an organisation's name: "Premier League", "General Assembly"
            elif (
                tok.name_shaped
                and not (
                    (tok.fold in TITLE_MODIFIERS and i + 1 < len(seg) and is_title(seg[i + 1]))
                    or (tok.fold in NOT_NAMES and not (tok.fold == "al" and given_al(tok, self.language)))
                    # A lower-case head ("lycée", ``with_head``) is no sentence's capitalised first word.
                    or (i == 0 and initial and tok.text[:1].isupper() and self.common(tok))
                )
            ):
                break
            i += 1
            initial = False
        tokens = seg[i:]
        if title and len(tokens) == 1 and i > 0 and text[seg[i - 1].end : tokens[0].start] != " ":
            title = ""  # what a role is of, not who holds it: "Fiscalía General de la República"
        while tokens and (
            (tokens[-1].fold in NOT_NAMES and not _place_after_of(text, tokens))
            or tokens[-1].fold in JOINERS
            or (tokens[-1].fold in NAME_TITLES and tokens[-1].fold not in SURNAME_TITLES)
            or (self.german and len(tokens) == 3 and genitive_end(self, tokens))
        ):
            # "appointing Hitler Chancellor": a title after a name is no part of it; nor is what a
            # German genitive owns ("Frank Wisbars Antikriegsfilme").
            tokens.pop()
        for j in range(len(tokens) - 2, 0, -1):
            if coordinated(text, tokens, j):
                # "Raphael Koller und Sachgebietsleiter Klaus Tschabuschnig": two names, split
                # later (``subpieces``); the title belongs to the second only.
                break
            if is_title(tokens[j]) and not has_org_cue(tokens):
                # "Ehrengäste Feuerwehrpräsident Albert Kern"; but "Fiscal General de la República":
                # after a small word, what the role is of, not who holds it.
                title = tokens[j].text if text[tokens[j].end : tokens[j + 1].start] == " " else ""
                tokens = tokens[j + 1 :]
                break
        if (
            len(tokens) >= 3
            and not title
            and tokens[1].fold in self.given
            and tokens[0].fold not in self.given
            and tokens[1].fold not in SECOND_GIVEN
            and not has_org_cue(tokens)
            and (not tokens[0].upper or rank_before(tokens, self.is_given))
        ) or (not title and i == 0 and len(tokens) >= 3 and after_former(text, tokens, self.is_given)):
            # A role before a given name: "Linguist Peter Eisenberg", "OBR Klaus Tschabuschnig";
            # what someone was: "former Sixer Jrue Holiday".
            title = tokens.pop(0).text
        if (
            len(tokens) >= 3
            and not title
            and len(tokens[0].text) >= 12
            and tokens[0].fold.endswith(PERSON_NOUN_ENDINGS)
            and not has_org_cue(tokens)
        ):
            # A German role compound: "Filmarchitekt Walter Haag", not "Wiederbelebung Filmstadt
            # Göttingen" (a noun that names no person: the rest is no person's name either).
            title = tokens.pop(0).text
        return Piece(rank, tokens, title) if tokens else None


# The small words before the region an organisation is of ("Federación de Camioneros del Sur").
_OF_REGION: Final = frozenset({" del ", " de ", " do ", " da ", " du "})


def _place_after_of(text: str, tokens: list[Token]) -> bool:
    """Whether the last word, a small word elsewhere ("sur", "sud"), is the region an organisation is of."""
    return (
        len(tokens) > 1
        and text[tokens[-2].end : tokens[-1].start] in _OF_REGION
        and tokens[-1].text[:1].isupper()
        and bool(has_org_cue(tokens[:-1]))
    )


def _has_word(text: str, word: str) -> bool:
    """Whether ``word`` occurs in ``text`` as a whole word."""
    n = len(word)
    i = text.find(word)
    while i >= 0:
        end = i + n
        if (i == 0 or not text[i - 1].isalnum()) and (end == len(text) or not text[end].isalnum()):
            return True
        i = text.find(word, i + 1)
    return False


class Coverage:
    """The spans of one field the tagger claimed: which words they cover, by bisection."""

    __slots__ = ("ends", "reach", "starts")

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        spans.sort()
        self.starts = [s for s, _ in spans]
        self.ends = [e for _, e in spans]
        # The furthest end reached by the spans up to each one.
        self.reach: list[int] = []
        far = -1
        for _, end in spans:
            far = max(far, end)
            self.reach.append(far)

    def covers(self, tok: Token) -> bool:
        """Whether a claimed span overlaps the word."""
        return self.meets(tok.start, tok.end)

    def meets(self, start: int, end: int) -> bool:
        """Whether a claimed span overlaps the text from ``start`` to ``end`` (a run of words)."""
        i = bisect_left(self.starts, end)
        return i > 0 and self.reach[i - 1] > start

    def split(self, run: list[Token]) -> list[list[Token]]:
        """The parts of ``run`` between the words a claimed span covers (``split_where`` by ``covers``).

        Its own loop: a bound method passed to ``split_where`` is a generic call per word.
        """
        starts, reach = self.starts, self.reach
        out: list[list[Token]] = []
        cur: list[Token] = []
        for tok in run:
            i = bisect_left(starts, tok.end)
            if i > 0 and reach[i - 1] > tok.start:
                if cur:
                    out.append(cur)
                cur = []
            else:
                cur.append(tok)
        if cur:
            out.append(cur)
        return out

    def claims(self, tok: Token) -> bool:
        """Whether a claimed span overlaps the word, not only inside it if it is hyphenated.

        A place claimed inside a hyphenated surname is no place: "Ocasio-Cortez" is one name;
        "St. Louis" of "University-St. Louis" reaches past the word.
        """
        if "-" not in tok.text:
            return self.covers(tok)
        i = bisect_right(self.starts, tok.start)
        if i > 0 and self.reach[i - 1] > tok.start:
            return True
        return any(self.ends[k] > tok.end for k in range(i, bisect_left(self.starts, tok.end)))


def _by_field(spans: set[Span]) -> dict[int, Coverage]:
    by_rank: dict[int, list[tuple[int, int]]] = {}
    for rank, start, end in spans:
        by_rank.setdefault(rank, []).append((start, end))
    return {rank: Coverage(found) for rank, found in by_rank.items()}


def _spaced(text: str, a: Token, b: Token) -> bool:
    """Whether one space alone separates two words."""
    return text[a.end : b.start] == " "


def _one_company(run: list[Token], actor: Coverage) -> bool:
    """A known actor, then words, then a legal form: one company ("Airbus Helicopters Technik GmbH").

    Not the known actor and its own legal form alone ("Siemens AG"): that is the known actor.
    """
    if len(run) < 3 or run[-1].fold not in LEGAL_FORMS or not actor.covers(run[0]):
        return False
    rest = [t for t in run[1:-1] if not actor.covers(t)]
    return bool(rest) and not actor.covers(run[-1])
