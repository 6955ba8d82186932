"""Unknown organisations' tags revised with the words around them (step 6 of tagging, issue 12).

Runs once per story on the actor tags the name reader made (``names.py``), with the story's
place tags: it needs a tag's mentions and their neighbours, which the reader does not keep.
Not compiled (a few regex searches and a pass over the unknown names' mentions per story).

- An unknown acronym needs evidence that it names an organisation, not a place, a heading, a
  file or an address: one whose every mention is an abbreviation right after a place ("St.
  Thomas, USVI", "British Virgin Islands (BVI)"), on a line with no lower-case word (a heading
  or a table's cell: "PREVIA", "| RHEL |"), or inside an address or a file's name
  ("/INDEX.de.html", "2FA/OTP") is none; nor is a brand-shaped word that is only a hashtag or a
  handle ("#VoteNow", "@CityGazette": a topic, an account).
- An unknown acronym right before a city names the organisation's branch or seat there ("CBC
  Toronto", "OLG Köln"): the city is part of its name.
- A lower-case noun naming a kind of organisation before a capitalised name (an apposition)
  says what the name is: "la red Erbol", "el periódico Novaya Gazeta", "les éditions Allia",
  "betting company Bally's", "the civic association Friends of Pelham Parkway".
- A "person" named by a city and a plural ("Boston Celtics", "Philadelphia 76ers") is a team.
- A Romance organisation's name goes on over "a", "contra", "para" to its capitalised remit
  ("Coordenação de Repressão a Crimes Contra Instituições Financeiras"), taking in an unknown
  person read there without a given name or a title; never over a known name or a place, nor
  after a one-word institution ("la Policía a Interpol").
- In German, a noun of a kind of organisation before an English name is no part of it ("die
  Meeresbodenbehörde The Crown Estate", "Fonds Copenhagen Infrastructure Partners"): the rest,
  with an English article first or an English organisation's word last, is the name.
- A designation after an organisation's name is its dog's, aircraft's or weapon's, no part of
  the name ("Police Department K-9").

Measured on the tune split of the actor evaluation set (``benchmarks/eval_actors.py``,
2026-12-08), P / R / F1 / organisations' R: before 0.859 / 0.710 / 0.777 / 0.629; all rules
0.870 / 0.722 / 0.789 / 0.650. Each rule left out in turn: the acronyms' evidence 0.864 / 0.722
/ 0.786; branches 0.868 / 0.720 / 0.787; kinds' words 0.869 / 0.713 / 0.783; designations 0.869
/ 0.721 / 0.788; teams 0.870 / 0.722 / 0.789 (no tune story has one: kept for the class). An
acronym defined after a place whatever its letters dropped three stations' call signs after a
dateline ("EDMONTON, Ky (WBKO)"): only the place's initials count. Report split (table only),
before / after: P 0.766 / 0.777, R 0.630 / 0.639. Then, one after the other: hashtags and
handles 0.873 / 0.722 / 0.791; remits 0.875 / 0.724 / 0.793 / 0.654; (``org_words.py``: an
institution's word before an adjective 0.877 / 0.724 / 0.793); a German kind before an English
name 0.880 / 0.725 / 0.795 / 0.656.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from processors.tagging.build import mentions_of, sorted_tags
from processors.tagging.scan import FIELD_ORDER, FIELDS, Span
from processors.tagging.words import (
    ARTICLES_AFTER,
    NOT_NAMES,
    Token,
    fold_diacritics,
    is_title,
    runs_of,
    slug,
    tokens_of,
    word_set,
)
from schemas.models import Mention, Tag, TextField

_At = tuple[TextField, int]  # a mention's field and where it starts or ends
_ACRONYM: Final = "unknown name: acronym"
_BRAND: Final = "unknown name: brand"
_KIND: Final = "unknown name: kind's word"
_TEAM: Final = "unknown name: team"
_BRANCH: Final = "unknown name: acronym and city"
# The place tags' types that a branch's city has ("CBC Toronto"), not a country's.
_CITIES: Final = frozenset({"city", "town", "village", "populated place"})


def _line(text: str, m: Mention) -> str:
    """The line a mention is on."""
    start = text.rfind("\n", 0, m.start) + 1
    end = text.find("\n", m.end)
    return text[start : end if end >= 0 else len(text)]


def _shouted(text: str, m: Mention) -> bool:
    """A heading's or a table cell's word: no lower-case letter on its line."""
    return not any(c.islower() for c in _line(text, m))


def _in_address(text: str, m: Mention) -> bool:
    """Part of a web address, a path, a file's name, a hashtag or a handle ("/INDEX.de.html", "#VoteNow")."""
    before = text[m.start - 1 : m.start]
    after = text[m.end : m.end + 2]
    return (
        before in {"/", ".", "@", "_", "#"}
        or after[:1] in {"/", "_", "@"}
        or (after[:1] == "." and after[1:].isalnum())
    )


def _after_place(text: str, m: Mention, ends: dict[_At, Mention]) -> bool:
    """An abbreviation of a state or territory after its place and a comma ("St. Thomas, USVI")."""
    return text.endswith(", ", 0, m.start) and (m.field, m.start - 2) in ends


def _defined_for_place(text: str, m: Mention, places: dict[_At, Mention]) -> bool:
    """Defined in brackets after a place's name, of its initials: the place's ("Virgin Islands (VI)").

    Not a station's call sign after a dateline's place ("EDMONTON, Ky (WBKO) -").
    """
    if not text.startswith(")", m.end):
        return False
    gap = 2 if text.endswith(" (", 0, m.start) else 1
    place = places.get((m.field, m.start - gap))
    if place is None or not text.endswith("(", 0, m.start):
        return False
    initials = "".join(w[0] for w in place.text.split() if w[0].isupper())
    return initials.casefold() == m.text.casefold()


def _weak(tag: Tag, texts: dict[TextField, str], ends: dict[_At, Mention]) -> bool:
    """Whether an unknown acronym is a place's abbreviation, a heading's word or an address's part.

    One definition after a place's name says what it stands for; else every mention must be
    one of these.
    """
    if any(_defined_for_place(texts[m.field], m, ends) for m in tag.mentions):
        return True
    for m in tag.mentions:
        text = texts[m.field]
        if not (_shouted(text, m) or _in_address(text, m) or _after_place(text, m, ends)):
            return False
    return True


def _branch(tag: Tag, texts: dict[TextField, str], cities: dict[_At, Mention]) -> Tag:
    """An acronym's tag named with the city after it ("CBC Toronto"), if one follows a mention."""
    for m in tag.mentions:
        city = cities.get((m.field, m.end + 1))
        if city is not None and texts[m.field][m.end : m.end + 1] == " ":
            name = f"{m.text} {city.text}"
            spans = {
                (FIELD_ORDER[x.field], x.start, city.end if x is m else x.end): None for x in tag.mentions
            }
            return tag.model_copy(
                update={
                    "id": "name:" + slug(name),
                    "name": name,
                    "aliases": (tag.name, *tag.aliases),
                    "mentions": mentions_of(spans, texts),
                    "evidence": (*tag.evidence, _BRANCH),
                }
            )
    return tag


# Lower-case nouns of a kind of organisation, before its name in apposition ("la red Erbol").
# Not the kinds that open an institution's own name (``words.LOWER_HEADS``: "université de
# Nantes"), nor the ones as often before a person ("seller", "developer", "medio").
_KINDS: Final = {
    "en": "newspaper magazine tabloid broadcaster website outlet publisher company firm startup carrier "
    "airline retailer charity nonprofit association organisation organization movement cartel",
    "es": "periódico diario revista semanario cadena emisora red portal empresa firma compañía aerolínea "
    "agrupación organización marca supermercados",
    "fr": "journal quotidien hebdomadaire revue magazine chaîne éditions entreprise firme groupe mouvement "
    "collectif",
    "pt": "jornal revista emissora rede portal empresa grupo movimento editora",
    "it": "giornale quotidiano rivista emittente società azienda",
    "pl": "gazeta dziennik tygodnik portal serwis spółka firma sieci sieć",
}
# The kind's word, then a capital: the word before is checked apart (a regex that opens with a
# literal word scans faster than one that opens with a look-behind).
_KIND_BEFORE: Final = {
    lang: re.compile("(?:" + "|".join(sorted(words.split(), key=len, reverse=True)) + ") (?=[A-ZÀ-ÞĀ-Ž])")
    for lang, words in _KINDS.items()
}
_WORD_BEFORE: Final = re.compile(r"[\w'’-]")
_POSSESSIVES: Final = ("’s", "'s")
# How far after a kind's word its name may run.
_KIND_WINDOW: Final = 60


def _kind_names(
    texts: dict[TextField, str], taken: list[Span], kinds: re.Pattern[str], persons: dict[Span, int]
) -> dict[str, dict[Span, None]]:
    """The names after a kind's word (surface -> spans) that no tag holds but an unknown person's.

    A person's span counts when it is the name, or the name less a leading article ("The").
    """
    found: dict[str, dict[Span, None]] = {}
    for rank, fld in enumerate(FIELDS):
        text = texts.get(fld)
        if not text or rank == 0:  # a headline's words are capitalised anyway
            continue
        for m in kinds.finditer(text):
            if m.start() and _WORD_BEFORE.match(text, m.start() - 1):
                continue  # the end of a longer word ("Bundesred ")
            start = m.end()
            window = text[start : start + _KIND_WINDOW]
            runs = runs_of(window, tokens_of(window))
            if not runs or runs[0][0].start != 0:
                continue
            run = _name_run(runs[0])
            if not run or any(is_title(t) for t in run):  # "the company President John Smith"
                continue
            end = start + run[-1].end
            if (
                len(run) > 1
                and run[0].fold in ARTICLES_AFTER
                and (rank, start + run[1].start, end) in persons
            ):
                start += run[1].start  # "the newspaper The Daily Harbour", read as "Daily Harbour"
            if any(
                r == rank and s < end and start < e and (r, s, e) != (rank, start, end) for r, s, e in taken
            ):
                continue
            if (rank, start, end) not in persons and (rank, start, end) in taken:
                continue
            found.setdefault(text[start:end], {})[rank, start, end] = None
    return found


def _name_run(run: list[Token]) -> list[Token]:
    """The run without a trailing small word; none if it is one word that is no name ("Le")."""
    while run and run[-1].fold in NOT_NAMES:
        run = run[:-1]
    if len(run) == 1 and (run[0].fold in NOT_NAMES or len(run[0].text) < 2):
        return []
    return run


def _other_mentions(
    surface: str, texts: dict[TextField, str], spans: dict[Span, None], taken: list[Span]
) -> None:
    """Add to ``spans`` the name's other mentions, written the same, that no tag holds."""
    pattern = re.compile(r"(?<![\w-])" + re.escape(surface) + r"(?![\w-])")
    for rank, fld in enumerate(FIELDS):
        text = texts.get(fld)
        if not text:
            continue
        for m in pattern.finditer(text):
            s, e = m.span()
            if not any(r == rank and a < e and s < b for r, a, b in taken):
                spans[rank, s, e] = None


# A designation of a dog unit, an aircraft or a weapon ("K-9", "F-16", "T-72").
_DESIGNATION: Final = re.compile(r" [A-Z]{1,3}-\d{1,3}$")


def _trimmed(tag: Tag, texts: dict[TextField, str]) -> Tag:
    """An organisation's tag without the designation at the end of its name ("... Department K-9")."""
    cut = _DESIGNATION.search(tag.name)
    if cut is None or " " not in tag.name[: cut.start()]:
        return tag
    name = tag.name[: cut.start()]
    size = len(tag.name) - len(name)
    spans = {
        (FIELD_ORDER[m.field], m.start, m.end - size if m.text == tag.name else m.end): None
        for m in tag.mentions
    }
    return tag.model_copy(
        update={"id": "name:" + slug(name), "name": name, "mentions": mentions_of(spans, texts)}
    )


# A person's support that a team's name never has: a known given name, a title before it.
_PERSON_SUPPORT: Final = ("unknown name: given name", "unknown name: title")


# German nouns of a kind of organisation, alone or ending a compound ("Fonds", "Meeresbodenbehörde").
_DE_KINDS: Final = (
    *("fonds", "firma", "konzern", "unternehmen", "hersteller", "verlag", "sender", "agentur"),
    *("zeitung", "magazin", "behörde", "gruppe", "netzwerk", "plattform", "portal", "dienst"),
)
# What shows the rest is an English name: its article, or an English organisation's word last.
_EN_LAST: Final = word_set(
    """
    partners group holdings capital energy systems technologies media news network networks
    company corporation foundation trust fund estate investments ventures solutions labs studios
    """
)


def _foreign_after_kind(tag: Tag, texts: dict[TextField, str]) -> Tag:
    """A German story's organisation without the German noun of its kind before an English name.

    "die Meeresbodenbehörde The Crown Estate", "den staatlichen Fonds Copenhagen Infrastructure
    Partners": a German noun is no part of an English name; it says what the name is.
    """
    words = tag.name.split()
    if len(words) < 3 or not words[0].casefold().endswith(_DE_KINDS):
        return tag
    if words[1] != "The" and words[-1].casefold() not in _EN_LAST:
        return tag
    cut = len(words[0]) + 1
    name = tag.name[cut:]
    spans = {
        (FIELD_ORDER[m.field], m.start + cut if m.text == tag.name else m.start, m.end): None
        for m in tag.mentions
    }
    return tag.model_copy(
        update={"id": "name:" + slug(name), "name": name, "mentions": mentions_of(spans, texts)}
    )


def _person_support(tag: Tag) -> bool:
    """Whether an unknown person's tag has a given name's or a title's support."""
    return any(e.startswith(_PERSON_SUPPORT) for e in tag.evidence)


def _team(tag: Tag, starts: set[_At]) -> bool:
    """Whether a person's name is a city's and a plural's: a team ("Boston Celtics").

    Not with a known given name or a title ("Austin Rivers", "Coach Boston Reyes").
    """
    if _person_support(tag):
        return False
    words = tag.name.split()
    if len(words) < 2 or not (words[-1].endswith("s") or any(c.isdigit() for c in words[-1])):
        return False
    return any((m.field, m.start) in starts and m.text == tag.name for m in tag.mentions)


# A Romance organisation's name goes on over a preposition to its remit, capitalised ("Coordenação
# de Repressão a Crimes Contra Instituições Financeiras", "Fiscalía Especializada contra
# Delitos Electorales"); never over another tag's words (a person: "denunció ante la Policía a
# Juan Pérez").
_REMIT: Final = re.compile(
    r" (?:a|à|al|ao|contra|para|pour|per) "
    r"((?:[A-ZÀ-Þ][\w-]+)(?: (?:(?:de|da|do|del|la|e|y|et) )?[A-ZÀ-Þ][\w-]+)*)"
)
_REMIT_LANGUAGES: Final = frozenset({"es", "pt", "fr", "it"})


def _with_remits(tags: list[Tag], texts: dict[TextField, str], places: list[Mention]) -> list[Tag]:
    """The tags with the unknown organisations' names gone on to their remits (``_REMIT``).

    An unknown person's mention that is the remit ("Crimes Contra Instituições Financeiras",
    read as a name before ", do") goes into the organisation's, unless a given name or a title
    says it is a person's.
    """
    weak = {
        (m.field, m.start, m.end)
        for t in tags
        if t.type == "person" and t.id.startswith("name:") and not _person_support(t)
        for m in t.mentions
    }
    taken = [(m.field, m.start, m.end) for t in tags for m in t.mentions] + [
        (m.field, m.start, m.end) for m in places
    ]
    taken = [s for s in taken if s not in weak]
    absorbed: set[tuple[TextField, int, int]] = set()
    out: list[Tag] = []
    for tag in tags:
        if tag.type == "organization" and tag.id.startswith("name:") and len(tag.name.split()) > 1:
            out.extend(_with_remit(tag, texts, taken, absorbed))
        else:
            out.append(tag)
    if not absorbed:
        return out
    kept = []
    for tag in out:
        if tag.type == "person" and any((m.field, m.start, m.end) in absorbed for m in tag.mentions):
            rest = tuple(m for m in tag.mentions if (m.field, m.start, m.end) not in absorbed)
            if not rest:
                continue
            tag = tag.model_copy(update={"mentions": rest})  # noqa: PLW2901 - the rest of its mentions
        kept.append(tag)
    return kept


def _with_remit(
    tag: Tag,
    texts: dict[TextField, str],
    taken: list[tuple[TextField, int, int]],
    absorbed: set[tuple[TextField, int, int]],
) -> list[Tag]:
    """An organisation's tag, its mentions before a remit moved to the longer names' tags."""
    longer: dict[str, dict[Span, None]] = {}
    kept: dict[Span, None] = {}
    for m in tag.mentions:
        text = texts[m.field]
        r = _REMIT.match(text, m.end)
        if r is None or any(f == m.field and s < r.end() and r.start(1) < e for f, s, e in taken):
            kept[FIELD_ORDER[m.field], m.start, m.end] = None
            continue
        absorbed.add((m.field, r.start(1), r.end()))
        longer.setdefault(text[m.start : r.end()], {})[FIELD_ORDER[m.field], m.start, r.end()] = None
    if not longer:
        return [tag]
    out = [tag.model_copy(update={"mentions": mentions_of(kept, texts)})] if kept else []
    for name, spans in longer.items():
        plain = fold_diacritics(name)
        out.append(
            tag.model_copy(
                update={
                    "id": "name:" + slug(name),
                    "name": name,
                    "aliases": (plain,) if plain != name else (),
                    "mentions": mentions_of(spans, texts),
                }
            )
        )
    return out


def revise(
    actors: tuple[Tag, ...], texts: dict[TextField, str], places: Iterable[Tag], language: str | None
) -> tuple[Tag, ...]:
    """The actor tags with unknown organisations' tags revised (see the module's docstring), sorted."""
    place_mentions = [m for p in places for m in p.mentions]
    ends = {(m.field, m.end): m for m in place_mentions}
    cities = {(m.field, m.start): m for p in places if p.type in _CITIES for m in p.mentions}
    starts = {(m.field, m.start) for m in place_mentions}
    out: list[Tag] = []
    for tag in actors:
        if tag.id.startswith("name:"):
            if _ACRONYM in tag.evidence or _BRAND in tag.evidence:
                if _weak(tag, texts, ends):
                    continue
                tag = _branch(tag, texts, cities)  # noqa: PLW2901 - the revised tag replaces it
            elif tag.type == "organization":
                tag = _trimmed(tag, texts)  # noqa: PLW2901
                if language == "de":
                    tag = _foreign_after_kind(tag, texts)  # noqa: PLW2901
            elif tag.type == "person" and _team(tag, starts):
                tag = tag.model_copy(update={"type": "organization", "evidence": (*tag.evidence, _TEAM)})  # noqa: PLW2901
        out.append(tag)
    if language in _REMIT_LANGUAGES:
        out = _with_remits(out, texts, place_mentions)
    kinds = _KIND_BEFORE.get(language or "")
    if kinds is not None:
        out.extend(_kind_tags(out, texts, place_mentions, kinds))
    if len(out) == len(actors) and all(a is b for a, b in zip(out, actors, strict=True)):
        return actors
    return sorted_tags(out)


def _kind_tags(
    tags: list[Tag], texts: dict[TextField, str], places: list[Mention], kinds: re.Pattern[str]
) -> list[Tag]:
    """New organisations' tags for the names after a kind's word that no tag holds.

    An unknown person's tag with such a mention is retyped (``tags`` is changed in place).
    """
    persons = {
        (FIELD_ORDER[m.field], m.start, m.end): i
        for i, t in enumerate(tags)
        if t.type == "person" and t.id.startswith("name:")
        for m in t.mentions
    }
    taken = [(FIELD_ORDER[m.field], m.start, m.end) for t in tags for m in t.mentions]
    taken += [(FIELD_ORDER[m.field], m.start, m.end) for m in places]
    found = _kind_names(texts, taken, kinds, persons)
    for spans in found.values():
        for span in [s for s in spans if s in persons]:
            i = persons[span]
            tags[i] = tags[i].model_copy(
                update={"type": "organization", "evidence": (*tags[i].evidence, _KIND)}
            )
            del spans[span]
    found = {surface: spans for surface, spans in found.items() if spans}
    ids = {t.id for t in tags}
    out = []
    for surface, spans in found.items():
        tag_id = "name:" + slug(surface)
        if tag_id in ids:
            continue
        _other_mentions(surface, texts, spans, taken)
        plain = fold_diacritics(surface)
        forms = [plain] if plain != surface else []
        rank, start, end = next(iter(spans))
        text = texts[FIELDS[rank]]
        if text.startswith(_POSSESSIVES, end):
            forms.append(text[start : end + 2])  # "Sedano’s", "Bally's": the name's own, or its possessive
        out.append(
            Tag(
                id=tag_id,
                name=surface,
                type="organization",
                aliases=tuple(forms),
                confidence=0.6,
                mentions=mentions_of(spans, texts),
                evidence=(_KIND,),
            )
        )
    return out
