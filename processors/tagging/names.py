"""Step 6 of tagging: people and organisations the knowledge base lacks (issue 12).

Every capitalised name in a story becomes an actor, with an id made from its folded name
(``name:jane-doe``), so that ``actor:"Jane Doe"`` works for anyone named (the query matches a
tag's name and aliases; the aliases hold the name without diacritics and the other forms seen).

Why rules and not a statistical recognizer: spaCy's small models (the only ones that install
from PyPI with their weights here: en, fr) tag ~4-5 stories of 4 KB a second on one core; the
whole tagger must keep >= 1,000. Measured on the English and French stories of the actor
evaluation set's tune split (benchmarks/eval_actors.py; 2026-12-07): en spaCy P 0.572 R 0.690,
the knowledge base plus spaCy P 0.560 R 0.718, this P 0.729 R 0.718; fr spaCy P 0.526 R 0.531,
knowledge base plus spaCy P 0.533 R 0.551, this P 0.701 R 0.541. spaCy finds more people
(en 0.92 vs 0.88), this more organisations (0.58 vs 0.53); it costs ~0.35 ms per 4 KB story.

How a story is read (data in, data out):

- Capitalised words (any script: Latin, Greek, Cyrillic) are found by one regex; neighbours
  separated by a space, or by one or two connectors ("of", "de", "von der", "bin"...), form a
  run. A sentence end, a comma or a line break ends a run.
- Spans the tagger already claimed (places, regions, known actors, demonyms, place-like names)
  split runs; a place inside an organisation's name does not ("Florida Department of
  Transportation"), nor one used as a given name ("Elon Musk"); a known actor always does.
- Leading words that are no names go: articles, pronouns, months and days, titles and roles
  ("President", "Frau", "pan", "г-н", "Innenminister": kept as evidence), and a sentence's
  first word when the story uses it in lower case elsewhere ("Officials", "Later").
- A piece with an organisation cue (Ministry, Partei, Bank, GmbH, Council, Министерство...) is
  an organisation; an upper-case word of 2–6 letters an acronym, and a word with an inner
  capital a brand ("WordPress"): organisations. Two to four name-shaped words that the story
  never writes in lower case are a person after a title, before "said", or with a known given
  name (the knowledge base's people's and ~13,600 of real people's, ``given_names.json``);
  without any of these only when the story names them again. A single word that is none of these (too
  ambiguous) counts only after a person title ("Mr Smith"), as the surname of a person named in
  full in the story ("Cueto" after "Josenrique Cueto"), or as the acronym of an organisation
  named in full ("CITT"). German capitalises nouns: there, words seen after an article are
  nouns, two capitalised words are a person only with other support (a title, a given name,
  "sagte") or when named again, a compound noun alone ("Datenschutzbehörde") is no
  organisation, and a long compound before a name is its title only when it names a person
  ("Munitionshersteller", not "Wiederbelebung").
- Two capital letters ("GA", "NC", "SW") are an organisation only as the initials of one named
  in full; a cue in the plural ("Schools") counts in names of three words or more ("Miami-Dade
  County Public Schools", not "Major Hospitals"); cue words alone ("News Agency") are no name; a
  title before a cue is part of the name ("Premier League"); a role before "of"/"de la"/"von"
  names what it is of, not its holder ("Fiscalía General de la República", "Vizebürgermeister von
  Eisenerz"); "and" after an acronym or a cue, and a German article, split two organisations
  ("IWES und Nordex Group", "Bundesministerium das Programm"). Tune split, before / after these
  rules (2026-12-07): P 0.742 / 0.763, R 0.668 / 0.667.
- Inflection (ru/uk/pl, and the German genitive): a form that is another form of the story plus
  a case ending ("Tuska", "Donalda Tuska", "Путина", "Merkels") is a mention of it, and so is
  the end of a longer name ("Ruiz Bermejo"). The id and the name come from the uninflected form
  when the story has it, else a person's from its nominative by a table of endings (no
  lemmatizer: ``nominative.py``; "Donalda Tuska" -> Donald Tusk), else from the form as written.
- A Title Case or upper-case headline is not read for new names; its words only add mentions of
  names found in the standfirst and body.
- Boundaries: a lower-case institution opens the name that follows it in Romance languages
  ("lycée Paul Bert", "université de Nantes"), a possessive opens an organisation ("Children's
  Hospital of Manitoba"), a German noun naming a kind goes ("Nachrichtenagentur Tasnim News"),
  a title after a force splits off its officer ("Police Detective Alvaro Zabaleta"), a title
  after a name goes ("Hitler Chancellor"). A web site's name ("netzpolitik.org") is an
  organisation. German names read as a given name and a surname when the first word is short
  and no inflected adjective or plural noun ("Leonhard Dobusch", not "Weltweite Strahlkraft").
  Measured on the actor evaluation set (2026-12-07), before / after these rules: tune split
  P 0.706 / 0.739, R 0.601 / 0.663; report split P 0.671 / 0.680, R 0.605 / 0.626.
- No person (``name_words.py``, ``name_claims.py``): a name opening with an adjective, a number
  or a place's word ("Gran Renuncia", "Sete Portas", "Avenida Paralela"), ending with one
  ("Caribbean Territory"), with a plural acronym, a noun suffix or plurals only ("Tory MPs",
  "Concept Development", "Asuntos Constitucionales"), after a place's word ("salle Louise
  Michel"), a gazetteer place without "said" ("Santiago de Compostela"), the rest of a known
  company's name ("Airbus Helicopters Technik"; with "GmbH" one company); in German a comma,
  then a conjunction ("Grüner Wasserstoff, dass"), is no apposition. A given name before a
  company's surname-like alias is a person ("Adrian Cummins"); a place in a hyphenated name
  splits nothing ("Ocasio-Cortez"). Tune split P / R (2026-12-07): before 0.800 / 0.654; first,
  last, noun-shaped words 0.821 / 0.652; place's word 0.824 / 0.652; "lycée" after a colon
  0.825 / 0.653; German comma 0.828 / 0.653; gazetteer 0.829 / 0.653 (the company rules change
  no tune story); "im." 0.830 / 0.653; hyphens 0.831 / 0.654; plurals 0.833 / 0.654. Report
  split P / R, before / after: 0.753 / 0.763, 0.622 / 0.617.
- Words around a name (``name_cues.py``): lists of people, nicknames, credits, "former".
- Organisations by their words (``org_words.py``): German compound endings ("Forstverein",
  "Polizeipräsidium") and federal compounds ("Bundespolizei"), lower-case legal forms ("e.V."),
  Romance organisation words ("Movimiento", "Revue"), a unit "of" an organisation (the
  organisation), "et d'", an institution's word after an article ("la Fiscalía"), Polish
  cases ("Trybunałem"). Tune split P / R (2026-12-07): before 0.834 / 0.656, after 0.847 /
  0.693 (organisations' R 0.540 / 0.601).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import pairwise

from processors.kb import DATA_DIR, KnowledgeBase, Relation
from processors.tagging.build import (
    TAG_FIELDS,
    construct,
    make_tag,
    mentions_of,
    roles_on,
    round3,
    sorted_tags,
)
from processors.tagging.name_claims import (
    actor_spans,
    namesakes_named,
    persons_in_names,
    persons_over_companies,
    with_surname,
    without_inner,
)
from processors.tagging.name_cues import (
    GIVEN_ALONE,
    acronym,
    by_first,
    camel,
    cited,
    compound_given,
    german_given_shaped,
    given_alone,
    listed_people,
    nicknamed,
    surname_lists,
    title_case,
)
from processors.tagging.name_lexicon import given_lexicon, kb_given_names, office_holders
from processors.tagging.name_words import (
    GERMAN_CLAUSE,
    NOT_FIRST,
    NOT_PERSON_LAST,
    PLURAL_ENDINGS,
    noun_shaped,
)
from processors.tagging.names_reader import Reader
from processors.tagging.nominative import Nominatives
from processors.tagging.org_words import (
    INSTITUTION,
    defined_acronyms,
    federal,
    headed,
    institution,
    outer_start,
    plain_form,
    romance_general,
)
from processors.tagging.scan import FIELD_ORDER, FIELDS, Match, Span
from processors.tagging.words import (
    ARTICLES_AFTER,
    COORDINATORS,
    CUE_WORDS,
    ENDINGS,
    FINAL_CUES,
    GERMAN_INFLECTED,
    NOT_ACTOR_LAST,
    NOUN_JOINERS,
    ORG_CUES,
    PARTICLES,
    REPORTING,
    SPEAKS,
    Piece,
    Token,
    fold_diacritics,
    has_org_cue,
    is_title,
    slug,
    word_before,
)
from processors.text import normalize_key
from schemas.models import Mention, Tag, TextField

# --- names: classified, linked, tagged -------------------------------------------------


class Name:
    """One unknown actor of a story, as its mentions are gathered."""

    __slots__ = ("base", "evidence", "forms", "kind", "known", "score", "spans", "stems", "sure")

    def __init__(self, kind: str, base: str, stems: tuple[str, ...], known: str = "") -> None:
        self.kind = kind  # "person" or "organization"
        self.known = known  # the id of the known actor this stands for (its lone surname's mentions)
        self.base = base  # the form its id and name come from
        self.stems = stems  # its words, casefolded and without case endings
        self.forms: dict[str, None] = {}
        self.spans: dict[Span, None] = {}
        self.evidence: list[str] = []
        self.score = 0.0
        self.sure = False  # named with support (not only as a capitalised name, once)

    def add(self, piece: Piece, text: str, score: float, evidence: str) -> None:
        """One more mention (``text`` is the piece's surface)."""
        self.spans[piece.rank, piece.start, piece.end] = None
        self.forms[text] = None
        self.score = max(self.score, score)
        if evidence and evidence not in self.evidence:
            self.evidence.append(evidence)


# ENDINGS by last letter, in order: ``stem`` (hot: every word of every name) tries only these.
_BY_LAST: dict[str, tuple[str, ...]] = {e[-1]: tuple(x for x in ENDINGS if x[-1] == e[-1]) for e in ENDINGS}


def stem(word: str) -> str:
    """A casefolded word without a case ending (kept when fewer than 3 letters would remain)."""
    for ending in _BY_LAST.get(word[-1:], ()):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def inflects(form: str, base: str) -> bool:
    """Whether ``form`` is ``base`` or ``base`` plus a case ending (both casefolded)."""
    if form == base:
        return True
    if len(base) < 3 or not form.startswith(base[:-1]):
        return False
    return stem(form) == stem(base) or (form.startswith(base) and form[len(base) :] in ENDINGS)


class Names:
    """The unknown names of a story, by id."""

    __slots__ = ("acronyms", "by_id", "known", "surnames")

    def __init__(self) -> None:
        self.by_id: dict[str, Name] = {}
        self.known: dict[str, Name] = {}  # stand-ins for known people, by their ids (``know``)
        self.surnames: dict[str, list[Name]] = {}  # a person's last word -> the persons
        self.acronyms: dict[str, Name] = {}  # an organisation's initials -> it

    def new(self, kind: str, surface: str, tokens: list[Token]) -> Name:
        """The name of ``surface``, created if new; an inflected form joins its base form."""
        key = slug(surface)
        name = self.by_id.get(key)
        if name is not None:
            return name
        folds = [t.fold for t in tokens]
        stems = tuple(stem(f) for f in folds)
        if kind == "person":
            same = self._same_person(surface, folds, stems)
            if same is not None:
                return same
        name = self.by_id[key] = Name(kind, surface, stems)
        if kind == "person":
            self.surnames.setdefault(folds[-1], []).append(name)
        elif len(tokens) >= 2:
            initials = "".join(t.text[0] for t in tokens if not t.upper or len(t.text) == 1)
            if len(initials) >= 2:
                self.acronyms.setdefault(initials.upper(), name)
        return name

    def _same_person(self, surface: str, folds: list[str], stems: tuple[str, ...]) -> Name | None:
        """The person already named that ``surface`` names too: inflected, shorter or longer."""
        n = len(stems)
        for other in self.by_id.values():
            if other.kind != "person":
                continue
            if _same_person(folds, stems, other.stems):
                if len(surface) < len(other.base):
                    other.base = surface  # the shorter form is the uninflected one
                return other
            m = len(other.stems)
            if 2 <= n < m and other.stems[m - n :] == stems:
                return other  # "Ruiz Bermejo" after "Carmen Ruiz Bermejo"
            if 2 <= m < n and stems[n - m :] == other.stems:
                other.base = surface  # the full name, found after a shorter one
                other.stems = stems
                return other
        return None

    def person_of(self, tok: Token) -> Name | None:
        """The person whose surname ``tok`` is, inflected or not (None when none, or several)."""
        found = self.surnames.get(tok.fold)
        if found is None:
            f = tok.fold
            found = [n for last, names in self.surnames.items() if inflects(f, last) for n in names]
        return found[0] if len(found) == 1 else None

    def know(self, tag_id: str, name: str) -> Name | None:
        """Stand-in for a known person of the story, so that its lone surname links to it.

        "Moreau" after "Cecilia Moreau" (a known actor: the scanner tagged the full name) is a
        mention of that actor; alone, a surname shared by hundreds of people tags nobody.
        """
        words = name.split()
        last = words[-1].casefold() if len(words) >= 2 else ""
        if len(last) < 3 or not last.replace("-", "").isalpha():
            return None  # "Jr.", initials: no surname to link
        proxy = self.known[tag_id] = Name(
            "person", name, tuple(stem(w.casefold()) for w in words), known=tag_id
        )
        self.surnames.setdefault(last, []).append(proxy)
        return proxy


def _same_person(folds: list[str], own: tuple[str, ...], stems: tuple[str, ...]) -> bool:
    # ``own``: the stems of ``folds``, computed once per name rather than once per other name.
    return len(folds) == len(stems) and all(
        o == s or f.startswith(s) for f, o, s in zip(folds, own, stems, strict=True)
    )


def _particle_gap(gap: str) -> bool:
    """Whether a gap inside a person's name holds only particles ("de", "von der", "bin")."""
    words = gap.casefold().split()
    if not words or not all(w in PARTICLES for w in words):
        return False
    return words[-1] not in {"der", "den"} or words[0] in {"von", "van"}


def subpieces(piece: Piece, text: str, *, org: bool) -> list[Piece]:
    """A piece split where its words are not one name.

    An organisation's name keeps its small words ("Bank of England"), but not a coordinator
    before another name ("the Police and the Army"); any other name keeps only spaces and
    person particles ("Kirchner y Alberto Fernández" is two).
    """
    tokens = piece.tokens
    out: list[Piece] = []
    cur = [tokens[0]]
    for a, b in pairwise(tokens):
        gap = text[a.end : b.start]
        if org and is_title(b) and b is not tokens[-1] and has_org_cue(cur) and not romance_general(b, text):
            keep = False  # "Miami-Dade Police Detective Alvaro Zabaleta"; not "Dirección General de"
        elif gap in {" ", "-", "&"}:  # "Rat&Tat", "Gault&Millau": one name
            keep = True
        elif org and not has_org_cue(cur) and (piece.title or (gap.split() or [""])[-1] in NOUN_JOINERS):
            keep = False  # "Eigentum der Hamburger Vereinsbank": a noun, then the name
        elif org and a.fold in FINAL_CUES:
            keep = False
        elif org:
            words = gap.casefold().split()
            # Split at "and" before an article or another name ("the Police and the Army", "IWES
            # und Nordex Group"), and at a German article ("Bundesministerium das Programm").
            keep = words not in (["das"], ["die"]) and (
                not any(w in COORDINATORS for w in words)
                or not (
                    words[-1] in ARTICLES_AFTER
                    or has_org_cue([b])
                    or b.upper
                    or cur[-1].cue
                    or (len(cur) == 1 and cur[0].upper)
                )
            )
        else:
            keep = _particle_gap(gap)
        if keep:
            cur.append(b)
        else:
            out.append(Piece(piece.rank, cur, piece.title if not out else ""))
            cur = [b]
    out.append(Piece(piece.rank, cur, piece.title if not out else ""))
    return out if len(out) > 1 else [piece]


def supported(text: str, piece: Piece, *, german: bool = False) -> bool:
    """Whether the words around a person's name say it is one (a title, "said", ", who")."""
    if piece.title:
        return True
    after = text[piece.end : piece.end + 24]
    words = after.lstrip(" ,").split(None, 1)  # none when only spaces and line breaks follow
    nxt = words[0].casefold().strip(".,;:") if words else ""
    if nxt in SPEAKS or nxt in REPORTING:
        return True
    if after.startswith(", ") and (after[2:3].islower() or after[2:3].isdigit()):
        # An apposition: "Jane Doe, 45," "Jane Doe, the mayor"; in German a comma opens a
        # clause as often (", dass", ", wo", ", sowie").
        return not german or nxt not in GERMAN_CLAUSE
    return word_before(text, piece.start) in REPORTING


def _person_shaped(reader: Reader, tokens: list[Token], *, titled: bool) -> bool:
    """Two to four name-shaped words, none of them a word the story writes in lower case."""
    words = [t for t in tokens if t.fold not in PARTICLES]
    if not 2 <= len(words) <= 4 or len(words[-1].text.rstrip(".")) < 2:
        return False
    first = words[0].fold
    if first in NOT_FIRST or words[-1].fold in NOT_PERSON_LAST:
        return False  # "Gran Renuncia", "Avenida Paralela", "Caribbean Territory"
    if all(t.fold.rstrip("'’").endswith(PLURAL_ENDINGS) for t in words) and not reader.is_given(first):
        return False  # plural nouns: "Asuntos Constitucionales", "États Généraux"
    for t in words:
        if (t.upper and len(t.text.rstrip(".")) > 1) or not t.name_shaped or noun_shaped(t.text):
            return False  # an acronym inside, "Nine-year-old", "Tory MPs", "Concept Development"
        if not titled and reader.common(t):
            return False
    return True


def _classify_word(reader: Reader, piece: Piece, text: str) -> tuple[str, float, str]:
    """(kind, score, evidence) of a one-word candidate: an acronym, a brand, "Mr Smith", "la Fiscalía"."""
    tok = piece.tokens[0]
    if tok.cue and institution(text, tok, reader.language):
        return "organization", 0.5, INSTITUTION
    if acronym(reader, tok):
        return "organization", 0.5, "unknown name: acronym"
    if camel(tok.text):
        return "organization", 0.5, "unknown name: brand"
    if piece.title and not tok.upper and tok.name_shaped and not reader.common(tok):
        return "person", 0.6, f"unknown name: title {piece.title}"
    if tok.fold in reader.given and not tok.upper and given_alone(text, tok) and not reader.common(tok):
        return "person", 0.55, GIVEN_ALONE  # "her daughter, Delicie"
    return "single", 0.0, ""


# Cues in the plural ("Schools"): a name's only cue in three words or more, "Miami-Dade County
# Public Schools", not "Major Hospitals", "Social Networks".
_PLURAL_CUES = CUE_WORDS - ORG_CUES


def _no_name(tokens: list[Token]) -> bool:
    """A thing's name ("... Act"), cue words only ("the News Agency"), a short plural phrase."""
    if tokens[-1].fold in NOT_ACTOR_LAST or (len(tokens) > 1 and all(t.cue for t in tokens)):
        return True
    cues = [t for t in tokens if t.cue]
    return 0 < len(tokens) < 3 and bool(cues) and all(t.fold in _PLURAL_CUES for t in cues)


def _classify(reader: Reader, piece: Piece, text: str) -> tuple[str, float, str]:
    """(kind, score, evidence) of a candidate.

    Kind "" when it is no name, "single" when it is one word that counts only as another
    name's mention, "unsure" for a person named without support (counted only if named again).
    """
    tokens = piece.tokens
    if _no_name(tokens):
        return "", 0.0, ""
    cue = has_org_cue(tokens)
    if cue and len(tokens) == 1 and reader.german and not federal(tokens[0].fold):
        # A German compound alone is a noun like any other ("die Datenschutzbehörde", "einem
        # Schwulenverband"): an organisation's name says which one ("Bundespolizei" does).
        return "", 0.0, ""
    if cue and (len(tokens) > 1 or tokens[0].fold not in CUE_WORDS):
        return "organization", 0.65, f"unknown name: organisation cue {cue}"
    if len(tokens) == 1:
        return _classify_word(reader, piece, text)
    if cue or not _person_shaped(reader, tokens, titled=bool(piece.title)) or reader.named_after(piece, text):
        return "", 0.0, ""
    return _person_kind(reader, piece, text)


def _person_kind(reader: Reader, piece: Piece, text: str) -> tuple[str, float, str]:
    """(kind, score, evidence) of a person-shaped name: with a title, named, or unsure."""
    if piece.title:
        return "person", 0.7, f"unknown name: title {piece.title}"
    if supported(text, piece, german=reader.german) or cited(text, piece.start):
        return "person", 0.65, "unknown name: person named"
    # A place's name ("Santiago de Compostela", "Benito Juárez" the town) without "said": no person.
    place = reader.place is not None and reader.place(text[piece.start : piece.end])
    first = piece.tokens[0]
    if not place and (reader.is_given(first.fold) or compound_given(piece.tokens)):
        return "person", 0.65, f"unknown name: given name {first.text}"
    if (
        not place
        and not any(t.fold in PARTICLES for t in piece.tokens)
        and (not reader.german or (len(piece.tokens) == 2 and german_given_shaped(reader, piece.tokens)))
    ):
        # No title, no speech, no known given name: as often a product, a place or a heading
        # ("Help Desk", "Movie Theaters", "Sierra Nevada") as a person; counted when named again.
        # Measured on the tune split (2026-12-07): P 0.763 -> 0.800, R 0.668 -> 0.640 (same F1),
        # with the given names of real people (kb_build/given.py) so that most people have one.
        return "unsure", 0.55, "unknown name: capitalised name"
    # German capitalises nouns: two capitalised words without a title, a given name or "sagte"
    # are as often an adjective and a noun ("Weltweite Strahlkraft") or two nouns ("Kantons
    # Genf"): a person only when named again, and never after an inflected adjective or a
    # plural noun (named again as "Strahlkraft", the noun alone).
    if place or (reader.german and first.fold.endswith(GERMAN_INFLECTED)):
        return "", 0.0, ""
    return "unsure", 0.55, "unknown name: capitalised name"


def find_names(
    texts: dict[TextField, str],
    claimed_actor: set[Span],
    claimed_other: set[Span],
    known: frozenset[str],
    *,
    language: str | None = None,
    given: frozenset[str] = frozenset(),
    persons: Iterable[tuple[str, str]] = (),
    holders: Callable[[str], tuple[str, str] | None] | None = None,
    place: Callable[[str], bool] | None = None,
    claimed_org: set[Span] | None = None,
) -> list[Name]:
    """The unknown names of a story.

    From its fields' texts, the spans the tagger claimed, the normalized names of the known
    actors it found, and its language if known. ``persons``: the known people found, as (id,
    name); a lone surname of one comes back as a :class:`Name` whose ``known`` is that id.
    ``holders``: the one known person whose surname a folded word is and who held an office on
    the story's date, as (id, name), if any: a lone surname after a title that links to no name
    of the story is theirs ("le ministre Blanquer" in a French story of 2019). ``place``:
    whether a name is a place's (the gazetteer's): no person's without a title or "said".
    ``claimed_org``: the spans of the known actors that are no person (a subset of
    ``claimed_actor``): the capitalised words after one are its name's, no person's.
    """
    reader = Reader(
        texts,
        claimed_actor,
        claimed_other,
        language=language,
        given=given,
        place=place,
        claimed_org=claimed_org,
    )
    for rank, fld in enumerate(FIELDS):
        text = texts.get(fld)
        if text:
            reader.read(rank, text)
    names = Names()
    for tag_id, person in persons:
        names.know(tag_id, person)
    _nicknamed(names, reader, texts)
    singles: list[tuple[Piece, str, float, str]] = []
    placed: list[tuple[Piece, Name]] = []  # the persons' pieces, in story order (``listed_people``)
    for whole in reader.pieces:
        text = texts[FIELDS[whole.rank]]
        if whole.rank == 0 and title_case(text):
            singles.append((whole, "", 0.0, ""))  # a headline: mentions of names found below only
            continue
        for part in subpieces(whole, text, org=bool(has_org_cue(whole.tokens))):
            piece = part if part is whole else reader.strip(part.rank, text, part.tokens, initial=False)
            if piece is None:
                continue
            surface = text[piece.start : piece.end]
            kind, score, evidence = _classify(reader, piece, text)
            if kind == "organization" and len(piece.tokens) > 2 and (k := outer_start(piece.tokens, text)):
                piece, surface = (  # "Board of the Natural Resources Fund": the Fund
                    Piece(piece.rank, piece.tokens[k:], ""),
                    text[piece.tokens[k].start : piece.end],
                )
            if not kind or " ".join(surface.casefold().split()) in known:
                continue
            if len(piece.tokens) == 1:
                # Counted as a mention of a name found in full first: "Mme Cardenal" after
                # "Ana Sofia Cardenal", "RWA" after "Riverside Water Authority".
                singles.append((piece, kind, score, evidence))
                continue
            name = names.new("person" if kind == "unsure" else kind, surface, piece.tokens)
            name.add(piece, surface, score, "" if kind == "unsure" else evidence)
            if piece.tokens[-1].text[:1].islower():
                plain_form(name.forms, piece.tokens, text)  # "BAfF" of "BAfF e.V."
            if kind != "unsure":
                name.sure = True
            placed.append((piece, name))
    _listed(placed, texts)
    _surname_lists(names, reader, texts)
    _singles(names, reader, singles, texts, holders)
    _add_sites(names, reader)
    found = [n for n in names.by_id.values() if n.sure or len(n.spans) > 1]
    return found + [p for p in names.known.values() if p.spans]


def _nicknamed(names: Names, reader: Reader, texts: dict[TextField, str]) -> None:
    """The persons named with a nickname inside ('Eduardo "Wado" de Pedro': Eduardo de Pedro)."""
    for rank, fld in enumerate(FIELDS):
        for tokens, base, nick in nicknamed(texts.get(fld, ""), reader.is_given):
            name = names.new("person", base, tokens)
            name.add(Piece(rank, tokens, ""), base, 0.65, "unknown name: nickname")
            name.forms[nick] = None
            name.sure = True


def _listed(placed: list[tuple[Piece, Name]], texts: dict[TextField, str]) -> None:
    """Persons named once without support, but in a list with people (``listed_people``)."""
    people = [(p, n) for p, n in placed if n.kind == "person"]
    for i in listed_people(lambda r: texts[FIELDS[r]], [(p, n.sure) for p, n in people]):
        people[i][1].sure = True
        people[i][1].evidence.append("unknown name: listed with people")


def _surname_lists(names: Names, reader: Reader, texts: dict[TextField, str]) -> None:
    """A list of surnames with a person of the story in it and no other actor or place: people."""
    for rank, fld in enumerate(FIELDS):
        claims = [c for c in (reader.claimed_actor.get(rank), reader.claimed_other.get(rank)) if c]
        for items in surname_lists(texts.get(fld, "")):
            people = [names.person_of(i[-1]) for i in items]  # "Caicedo" after "Moisés Caicedo"
            if not any(people) or any(
                p is None and c.meets(i[0].start, i[-1].end)
                for p, i in zip(people, items, strict=True)
                for c in claims
            ):
                continue  # "Getafe, Leganés, Alcorcón y Móstoles": places, no people
            for person, item in zip(people, items, strict=True):
                surface = texts[fld][item[0].start : item[-1].end]
                name = person or names.new("person", surface, item)
                name.add(
                    Piece(rank, item, ""), surface, 0.6, "" if person else "unknown name: listed with people"
                )
                name.sure = name.sure or person is None


def _singles(
    names: Names,
    reader: Reader,
    singles: list[tuple[Piece, str, float, str]],
    texts: dict[TextField, str],
    holders: Callable[[str], tuple[str, str] | None] | None,
) -> None:
    """One-word names: another name's mention, an office holder's surname, or a name of their own."""
    for piece, kind, score, evidence in singles:
        text = texts[FIELDS[piece.rank]]
        if _link(names, piece, text):
            continue
        # After a title only ("Minister Blanquer", "presidente Milei"): alone, a surname is as
        # often a common word ("Note", "Fall", "Rolle" in German) or someone else's (tune split:
        # precision 0.796 -> 0.785 for one actor more).
        if kind == "person" and holders is not None and _holder(names, reader, holders, piece):
            continue
        if kind in {"person", "organization"}:
            surface = text[piece.start : piece.end]
            if evidence == INSTITUTION and (head := headed(names.by_id.values(), surface)) is not None:
                head.add(piece, surface, 0.0, "")  # "el Tribunal" after "Tribunal de Apelación"
                continue
            if evidence == GIVEN_ALONE and (
                full := by_first([*names.by_id.values(), *names.known.values()], surface.casefold())
            ):
                full.add(piece, surface, 0.0, "")  # "Valarie" after "Valarie Taylor"
                continue
            name = names.new(kind, surface, piece.tokens)
            name.add(piece, surface, score, evidence)
            name.sure = True


def _holder(
    names: Names, reader: Reader, holders: Callable[[str], tuple[str, str] | None], piece: Piece
) -> bool:
    """A lone word as the surname of the one office holder of the day who bears it (see find_names)."""
    if len(piece.tokens) != 1:
        return False
    tok = piece.tokens[0]
    if tok.upper or not tok.name_shaped or reader.common(tok):
        return False
    found = holders(tok.fold)
    if found is None:
        return False
    person = names.known.get(found[0]) or names.know(*found)
    if person is None:
        return False
    person.add(piece, tok.text, 0.0, "")
    return True


def _add_sites(names: Names, reader: Reader) -> None:
    """The web sites' names as organisations, unless a known actor holds them."""
    for piece in reader.sites:
        claimed = reader.claimed_actor.get(piece.rank)
        if claimed is None or not claimed.covers(piece.tokens[0]):
            surface = piece.tokens[0].text
            name = names.new("organization", surface, piece.tokens)
            name.add(piece, surface, 0.6, "unknown name: web site")
            name.sure = True


def _link(names: Names, piece: Piece, text: str) -> bool:
    """A single word (or a headline's name) as a mention of a name found in full (if any)."""
    surface = text[piece.start : piece.end]
    name = names.by_id.get(slug(surface))
    if name is not None and name.spans:
        name.add(piece, surface, 0.0, "")
        return True
    linked = False
    for tok in piece.tokens:
        part = Piece(piece.rank, [tok], "")
        if tok.upper:
            found = names.acronyms.get(tok.text) or names.by_id.get(slug(tok.text))
        else:
            found = names.person_of(tok)
        if found is not None:
            found.add(part, tok.text, 0.0, "")
            linked = True
    return linked


def tag_names(
    names: list[Name], texts: dict[TextField, str], nominative: Nominatives | None = None, lang: str = ""
) -> list[Tag]:
    """The actor tags of the unknown names (a person's in its nominative, when ``nominative`` knows it)."""
    tags = []
    for name in names:
        if not name.spans or name.known:
            continue
        base = (
            nominative.of(name.base, lang) if nominative is not None and name.kind == "person" else name.base
        )
        forms = [f for f in name.forms if f != base]
        plain = fold_diacritics(base)
        if plain != base:
            forms.insert(0, plain)
        confidence = min(0.85, name.score + 0.05 * (len(name.spans) - 1))
        values = {
            "id": "name:" + slug(base),
            "name": base,
            "type": name.kind,
            "aliases": tuple(forms[:12]),
            "country": None,
            "confidence": round3(confidence),
            "mentions": mentions_of(name.spans, texts),
            "evidence": tuple(name.evidence),
            "geo": None,
        }
        tags.append(construct(Tag, values, TAG_FIELDS))
    return tags


def claimed_spans(
    matches: list[Match], groups: Iterable[Iterable[Tag]], unresolved: Iterable[Mention]
) -> set[Span]:
    """The spans of the tags' mentions, of the demonyms and of the place-like names."""
    out: set[Span] = {m.span for m in matches if m.layer == 0 and m.reading.demonym is not None}
    for tags in groups:
        for tag in tags:
            out.update((FIELD_ORDER[m.field], m.start, m.end) for m in tag.mentions)
    out.update((FIELD_ORDER[m.field], m.start, m.end) for m in unresolved)
    return out


def given_names(kb: KnowledgeBase) -> frozenset[str]:
    """The given names of the knowledge base's people (``name_lexicon``; ``places.py`` asks here)."""
    return kb_given_names(kb)


class UnknownNames:
    """Step 6 of tagging, built once per knowledge base: what it knows of people's names."""

    __slots__ = ("_by_surname", "_entities", "_given", "_nominative", "_senses")

    def __init__(self, kb: KnowledgeBase) -> None:
        own = given_names(kb)
        self._given = own | given_lexicon(DATA_DIR / "given_names.json")
        self._nominative = Nominatives.load(DATA_DIR / "name_endings.json", own)
        self._by_surname = office_holders(kb, self._given)
        self._entities = kb.entities
        self._senses = kb.senses

    def _place(self, name: str) -> bool:
        """Whether ``name`` is a place's or a region's name in the knowledge base."""
        senses = self._senses.get(normalize_key(name).strip(), ())
        return any(s.layer in {0, 2} and s.relation is Relation.NAME for s in senses)

    def _holders(self, on: str) -> Callable[[str], tuple[str, str] | None]:
        """The lookup of :func:`find_names`: the one person bearing a surname in office on ``on``."""

        def holder(word: str) -> tuple[str, str] | None:
            found = [e for e in self._by_surname.get(word, ()) if roles_on(e, on)]
            return (found[0].id, found[0].name) if len(found) == 1 else None

        return holder

    def _holder_tag(self, surname: Name, texts: dict[TextField, str], on: str | None) -> Tag:
        """The tag of an office holder named by surname alone, the office as evidence."""
        ent = self._entities[surname.known]
        evidence = ["surname of an office holder of the day", *roles_on(ent, on)]
        return make_tag(ent, mentions_of(surname.spans, texts), 0.6, evidence)

    def with_names(
        self,
        actors: tuple[Tag, ...],
        texts: dict[TextField, str],
        matches: list[Match],
        others: tuple[tuple[Tag, ...], ...],
        unresolved: tuple[Mention, ...],
        *,
        language: str | None = None,
        on: str | None = None,
    ) -> tuple[Tag, ...]:
        """The known actors plus the unknown names (places, regions, known actors claim their spans).

        ``on``: the story's date (ISO): a lone surname of who held an office then is theirs.
        """
        actors = persons_over_companies(actors, texts, self._given)  # "Adrian Cummins", not Cummins
        actors = persons_in_names(actors, texts)  # "Pierre Elliott Trudeau International Airport"
        claimed_actor, claimed_org = actor_spans(actors)
        claimed_other = claimed_spans(matches, others, unresolved)
        known = frozenset(n.casefold() for t in actors for n in (t.name, *t.aliases))
        persons = [(t.id, t.name) for t in actors if t.type == "person"]
        found = find_names(
            texts,
            claimed_actor,
            claimed_other,
            known,
            language=language,
            given=self._given,
            persons=persons,
            holders=self._holders(on) if on else None,
            place=self._place,
            claimed_org=claimed_org,
        )
        actors, found = defined_acronyms(actors, found, texts)  # "Norddeutscher Rundfunk (NDR)"
        if not found:
            return actors
        # A known actor at the head of a longer company's name is that name's ("Airbus
        # Helicopters Technik GmbH"), not also a mention of its own.
        actors = without_inner(actors, [s for n in found if n.kind == "organization" for s in n.spans])
        actors = namesakes_named(actors, found, self._entities)  # "Governor Bush" after "Jeb Bush"
        surnames = {n.known: n for n in found if n.known}
        if surnames:
            actors = tuple(with_surname(t, surnames.pop(t.id, None), texts) for t in actors)
        # Office holders named by their surname alone (none of them was named in full).
        held = [self._holder_tag(n, texts, on) for n in surnames.values()]
        return sorted_tags([*actors, *held, *tag_names(found, texts, self._nominative, language or "")])
