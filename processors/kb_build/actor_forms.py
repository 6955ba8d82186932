"""Build ``processors/data/actor_forms.json``: case forms of actors' names in pl, ru and uk.

The tagger's keys are the names as written in the actor tables, in the nominative; Polish,
Russian and Ukrainian texts name people and organisations in the other cases too ("встретился
с Сергеем Лавровым", "з Володимиром Зеленським", "Міністерством оборони", "z Viktorem
Orbánem"). This step writes those forms, per actor, as more keys of the same actor:

- Polish: organisations' Polish names (``"pl"`` in ``actors.json``) with Morfeusz 2
  (``polish.pl_forms``: Unia Europejska -> Unii Europejskiej…); people's names, which the
  dictionary mostly lacks, with the regular endings of Polish masculine names (Putin ->
  Putina, Putinowi, Putinem; Zełenski -> Zełenskiego; Łukaszenka -> Łukaszenki). Women's
  foreign surnames do not decline in Polish: only their given name does (Angeli Merkel).
  Curated people: their Polish names; people of the generated tables: their Latin full names
  (Polish press writes Latin-script names as they are spelt: Viktor Orbán -> Viktora Orbána),
  except those of states writing in Cyrillic (their English transliteration is not Polish).
- German: organisations' German names and aliases (``forms.de_org_forms``, regular endings):
  the adjectives before the head noun in -en, a masculine or neuter head in the genitive
  (Europäische Union -> Europäischen Union; Norddeutscher Rundfunk -> Norddeutschen
  Rundfunks), for companies and media too (``actors_companies.json``: German forms only).
- Russian: people's names with pytrovich (the petrovich rules, MIT), organisations' names
  with pymorphy3 and the OpenCorpora dictionary (MIT; dictionary CC BY-SA): the head noun and
  the adjectives before it that agree with it are inflected, what follows (a genitive
  complement: "Министерство обороны России") stays as it is.
- Ukrainian: people's names with shevchenko-py (a port of shevchenko-js, MIT), organisations'
  names with pymorphy3 and ``pymorphy3-dicts-uk`` (GPL-3.0: used at build time only, nothing
  of it is shipped but the generated word forms).

People's names: a given name and a surname (a patronymic or particles between them), in
genitive, dative, accusative, instrumental and locative; a lone surname only where the actor
already has it as an alias (curated people; the generated tables have no lone surnames).
The gender is the entity's when it says one or Wikidata's (Peppercat's ``bio.csv``, by QID),
else the given name's (pytrovich's or shevchenko's detector), else masculine. A form that is
a common word of our languages (justext's stoplists) or a key of another actor is dropped.

Build-time only (the ``kb`` extra: morfeusz2, pytrovich, shevchenko-py, pymorphy3 with its
ru/uk dictionaries); the runtime reads the JSON.
"""

from __future__ import annotations

import csv
import functools
import importlib
import itertools
import json
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

from processors.kb_build.forms import de_org_forms, is_cyrillic, stopwords
from processors.kb_build.polish import pl_forms
from processors.kb_build.sources import SOURCE, source_arg, write_json
from processors.text import normalize_key

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
ACTORS = DATA_DIR / "actors.json"
# Generated actor tables (other build steps), read when they exist; curated first.
GENERATED = ("actors_wikidata.json", "actors_orgs.json")
# Companies and media (kb_build/companies.py): their German names' case forms only.
GERMAN_ONLY = "actors_companies.json"
ACTOR_FORMS = DATA_DIR / "actor_forms.json"
# People's genders by QID come from Peppercat's Wikidata extract (``leaders/<country>/bio.csv``
# under ``sources.SOURCE``), read in place when it is there (the knowledge base has no gender; a
# name's ending is a poor guess).
NAME_ENDINGS = DATA_DIR / "name_endings.json"

_VOWELS = set("aeiouyąęó")
_POLISH_LETTERS = set("ąćęłńóśźż")
# States whose names are written in Cyrillic: their people's English names are transliterations
# that Polish does not use (Sergei Lavrov is Siergiej Ławrow), so they get no Polish forms.
_CYRILLIC_STATES = frozenset({"RU", "UA", "BY", "BG", "RS", "MK", "KZ", "KG", "TJ", "MN", "ME", "BA"})
_UK_LETTERS = set("іїєґ")
_RU_LETTERS = set("ыэёъ")
# Words between a given name and a surname that do not decline ("фон дер", "аль").
_PARTICLES = frozenset(
    {"фон", "дер", "ван", "де", "да", "ди", "дель", "ла", "ле", "аль", "эль", "ель", "бин", "ибн", "бен"}
)
_PATRONYMIC_ENDINGS = ("вич", "вна", "ична", "інична", "івна", "ич")
_MAX_NAME_WORDS = 4
_MIN_ENDING = 3  # letters of a derived ending (tagging/nominative.py)
_MIN_GIVEN = 3  # shorter given names ("Ян", "Ли") are too often something else


# --- Polish -------------------------------------------------------------------------


def _word_forms(word: str) -> tuple[str, str, str, str] | None:
    """(genitive, dative, instrumental, accusative) of a masculine name word, or None."""
    low = word.casefold()
    if low.endswith(("ski", "cki", "dzki")):
        stem = word[:-1]
        return stem + "iego", stem + "iemu", stem + "im", stem + "iego"
    if low.endswith(("ka", "ga")):
        stem = word[:-1]
        return stem + "i", stem[:-1] + ("ce" if low.endswith("ka") else "dze"), stem + "ą", stem + "ę"
    if low.endswith("a"):
        stem = word[:-1]
        return stem + "y", stem + "ie", stem + "ą", stem + "ę"
    if low.endswith("e"):
        return word + "go", word + "mu", word + "m", word + "go"
    if low[-1:] in _VOWELS or not low[-1:].isalpha():
        return None  # indeclinable (Szojgu, Joe)
    inst = word + ("iem" if low.endswith(("k", "g")) else "em")
    return word + "a", word + "owi", inst, word + "a"


def _feminine_word_forms(word: str) -> tuple[str, str, str, str] | None:
    """The same for a woman's name word: -a given names and -ska surnames decline, the rest not."""
    low = word.casefold()
    if low.endswith(("ska", "cka", "dzka")):
        stem = word[:-1]
        return stem + "iej", stem + "iej", stem + "ą", stem + "ą"
    if low.endswith(("ia", "ja", "la")):
        stem = word[:-1]  # Maria -> Marii, Kaja -> Kai, Angela -> Angeli
        oblique = stem[:-1] + "i" if low.endswith("ja") else stem + "i"
        return oblique, oblique, stem + "ą", stem + "ę"
    if low.endswith(("ka", "ga")):
        stem = word[:-1]
        return stem + "i", stem[:-1] + ("ce" if low.endswith("ka") else "dze"), stem + "ą", stem + "ę"
    if low.endswith("a") and len(low) > 2:
        stem = word[:-1]
        return stem + "y", stem + "ie", stem + "ą", stem + "ę"
    return None


def person_forms(name: str, *, feminine: bool = False) -> set[str]:
    """The case forms of a person's name in Polish (each word that declines, declined)."""
    words = name.split()
    rule = _feminine_word_forms if feminine else _word_forms
    per_word = [None if "-" in w else rule(w) for w in words]  # "al-Asad" stays as it is
    if all(f is None for f in per_word):
        return set()
    out = set()
    for case in range(4):
        out.add(" ".join(w if f is None else f[case] for w, f in zip(words, per_word, strict=True)))
    out.discard(name)
    return out


def _latin_person_name(name: str) -> bool:
    """A full name of two to four Latin words, each a capitalised word or a hyphenated one."""
    words = name.split()
    if not 2 <= len(words) <= _MAX_NAME_WORDS or is_cyrillic(name):
        return False
    return all(w[:1].isupper() and w.replace("-", "").isalpha() for w in words)


def _polish_names(actor: dict[str, Any], *, curated: bool) -> list[str]:
    """The names of a person that Polish text writes as they are (see the module's docstring)."""
    if curated and "pl" in actor:
        return list(actor["pl"])
    if actor.get("country") in _CYRILLIC_STATES:
        return [n for n in _names(actor) if _latin_person_name(n) and set(n.casefold()) & _POLISH_LETTERS]
    return [n for n in _names(actor) if _latin_person_name(n)]


# --- Russian and Ukrainian people ----------------------------------------------------


def _language(name: str) -> tuple[bool, bool]:
    """(may be Russian, may be Ukrainian) from the letters only one of them has."""
    letters = set(name.casefold())
    return not letters & _UK_LETTERS, not letters & _RU_LETTERS


@functools.cache
def _pytrovich() -> tuple[Any, Any, Any]:
    """The maker, gender detector and enums of pytrovich (build-time only: the kb extra)."""
    # Imported by name: the build's libraries need not be installed where mypy runs.
    maker = importlib.import_module("pytrovich.maker").PetrovichDeclinationMaker()
    detector = importlib.import_module("pytrovich.detector").PetrovichGenderDetector()
    return maker, detector, importlib.import_module("pytrovich.enums")


@functools.cache
def _shevchenko() -> Any:
    return importlib.import_module("shevchenko")  # shevchenko-py (the kb extra)


def _split_person(words: list[str]) -> tuple[str, list[str], str] | None:
    """(given name, the words between, surname) of a person's Cyrillic name, or None."""
    if not 2 <= len(words) <= _MAX_NAME_WORDS or not all(w[:1].isupper() or w in _PARTICLES for w in words):
        return None
    return words[0], words[1:-1], words[-1]


def person_gender(name: str, stated: str | None = None) -> str:
    """'female' or 'male': the entity's stated gender, else its given name's, else 'male'."""
    if stated in {"female", "male"}:
        return stated
    words = name.split()
    if len(words) < 2 or not is_cyrillic(words[0]):
        return "male"
    ru_ok, uk_ok = _language(name)
    if ru_ok:
        _maker, detector, enums = _pytrovich()
        if detector.detect(firstname=words[0]) == enums.Gender.FEMALE:
            return "female"
    if uk_ok and _shevchenko().detect_gender(given_name=words[0]) == "feminine":
        return "female"
    return "male"


def ru_person_forms(name: str, gender: str, *, surname_only: bool = False) -> set[str]:
    """The oblique cases of a person's Russian name (or of a lone surname) with pytrovich."""
    maker, _detector, enums = _pytrovich()
    sex = enums.Gender.FEMALE if gender == "female" else enums.Gender.MALE
    cases = [c for c in enums.Case if c is not enums.Case.NOMINATIVE]
    if surname_only:
        return {maker.make(enums.NamePart.LASTNAME, sex, c, name) for c in cases} - {name}
    parts = _split_person(name.split())
    if parts is None:
        return set()
    given, middle, surname = parts
    out = set()
    for case in cases:
        words = [maker.make(enums.NamePart.FIRSTNAME, sex, case, given)]
        for w in middle:
            if w in _PARTICLES or "-" in w:
                words.append(w)
            elif w.endswith(_PATRONYMIC_ENDINGS):
                words.append(maker.make(enums.NamePart.MIDDLENAME, sex, case, w))
            else:
                words.append(maker.make(enums.NamePart.FIRSTNAME, sex, case, w))
        words.append(surname if "-" in surname else maker.make(enums.NamePart.LASTNAME, sex, case, surname))
        out.add(" ".join(words))
    return out - {name}


_UK_CASES = ("genitive", "dative", "accusative", "ablative", "locative")


def uk_person_forms(name: str, gender: str, *, surname_only: bool = False) -> set[str]:
    """The oblique cases of a person's Ukrainian name (or of a lone surname) with shevchenko-py."""
    sh = _shevchenko()
    sex = "feminine" if gender == "female" else "masculine"
    if surname_only:
        return {sh.in_case(c, family_name=name, gender=sex)["family_name"] for c in _UK_CASES} - {name}
    parts = _split_person(name.split())
    if parts is None:
        return set()
    given, middle, surname = parts
    patronymic = middle[0] if len(middle) == 1 and middle[0].endswith(_PATRONYMIC_ENDINGS) else None
    out = set()
    for case in _UK_CASES:
        fields = {"given_name": given, "family_name": surname, "gender": sex}
        if patronymic:
            fields["patronymic_name"] = patronymic
        got = sh.in_case(case, **fields)
        inner = [got["patronymic_name"]] if patronymic else middle
        last = surname if "-" in surname else got["family_name"]
        out.add(" ".join([got["given_name"], *inner, last]))
    return out - {name}


def cyrillic_person_forms(actor: dict[str, Any]) -> set[str]:
    """The ru/uk case forms of a person's Cyrillic full names and of its lone Cyrillic surnames."""
    names = [n for n in _names(actor) if is_cyrillic(n)]
    full = [n for n in names if " " in n]
    gender = person_gender(full[0], actor.get("gender")) if full else person_gender("", actor.get("gender"))
    out: set[str] = set()
    for name in names:
        ru_ok, uk_ok = _language(name)
        lone = " " not in name
        if lone and not any(f.endswith(" " + name) for f in full):
            continue  # a lone word that is no surname of its full names: leave it
        if ru_ok:
            out |= ru_person_forms(name, gender, surname_only=lone)
        if uk_ok:
            out |= uk_person_forms(name, gender, surname_only=lone)
    return out


# --- Russian and Ukrainian organisations ---------------------------------------------

_OBLIQUE = ("gent", "datv", "accs", "ablt", "loct")
# Archaic or poetic variants ("европейскою"): no news text writes them.
_RARE = frozenset({"V-oy", "V-ey", "Arch", "Poet", "Erro", "Dist"})
_MAX_VARIANTS = 3
_MAX_ADJECTIVES = 3


@functools.cache
def _morph(lang: str) -> Any:
    """pymorphy3's analyzer of ``lang`` (build-time only; no type information)."""
    return importlib.import_module("pymorphy3").MorphAnalyzer(lang=lang)  # the kb extra


def _restore_case(form: str, like: str) -> str:
    """``form`` written with the capitals of ``like`` (first letter, or all of it)."""
    if like.isupper() and len(like) > 1:
        return form.upper()
    return form[:1].upper() + form[1:] if like[:1].isupper() else form


def _head(words: list[str], morph: Any) -> tuple[int, Any, list[Any]] | None:
    """The head noun's index and reading, and the readings of the adjectives before it."""
    adjectives: list[Any] = []
    for i, word in enumerate(words[: _MAX_ADJECTIVES + 1]):
        readings = _nominatives(word, morph)
        if readings is None:
            return None  # acronyms ("ЧВК Вагнер") and words the dictionary lacks
        noun = next((p for p in readings if p.tag.POS == "NOUN"), None)
        adjective = next((p for p in readings if p.tag.POS == "ADJF"), None)
        # An adjective only before a word it agrees with ("Рада Безпеки": рада is no adjective).
        following = (
            _nominatives(words[i + 1], morph) if adjective is not None and i + 1 < len(words) else None
        )
        if (
            following is not None
            and adjective is not None
            and not any(_agrees(adjective, p) for p in following)
        ):
            adjective = None
        if noun is not None and (adjective is None or adjective.score < noun.score):
            if any(not _agrees(a, noun) for a in adjectives):
                return None
            return i, noun, adjectives
        if adjective is None or following is None:
            return None
        adjectives.append(adjective)
    return None


def _nominatives(word: str, morph: Any) -> list[Any] | None:
    """The nominative readings of a word (None for an acronym or a word the dictionary lacks)."""
    if word.isupper() or not word.isalpha() or not morph.word_is_known(word.casefold()):
        return None
    return [p for p in morph.parse(word) if "nomn" in p.tag]


def _agrees(adjective: Any, noun: Any) -> bool:
    number = noun.tag.number
    if adjective.tag.number != number:
        return False
    return number == "plur" or adjective.tag.gender in {None, noun.tag.gender}


def _forms_in(reading: Any, grammemes: set[str]) -> list[str]:
    """The forms of a word's lexeme with these grammemes (variants too: "союзі", "союзові")."""
    pos = reading.tag.POS
    # The singular, when the plural is not asked for (the Ukrainian dictionary writes no "sing").
    skip = _RARE if "plur" in grammemes else _RARE | {"plur"}
    found = {
        str(p.word)
        for p in reading.lexeme
        if pos == p.tag.POS and grammemes <= p.tag.grammemes and not p.tag.grammemes & skip
    }
    return sorted(found)[:_MAX_VARIANTS]


def org_forms(name: str, lang: str) -> set[str]:
    """The oblique cases of an organisation's Russian or Ukrainian name ("Евросоюза"...)."""
    words = name.split()
    morph = _morph(lang)
    found = _head(words, morph)
    if found is None:
        return set()
    i, noun, adjectives = found
    # The Ukrainian dictionary writes no number on singular words: None is the singular there.
    number, gender = noun.tag.number, noun.tag.gender
    out = set()
    for case in _OBLIQUE:
        if case == "accs" and noun.tag.animacy == "inan" and (number == "plur" or gender == "masc"):
            continue  # the same as the nominative
        agree = {case} | ({number} if number else set())
        heads = _forms_in(noun, agree)
        if case == "accs" and (number == "plur" or gender == "masc"):
            agree.add(noun.tag.animacy or "anim")  # an animate noun's adjectives: the genitive's form
        if gender and number != "plur":
            agree.add(gender)
        per_word = [
            [_restore_case(f, w) for f in _forms_in(a, agree)]
            for a, w in zip(adjectives, words, strict=False)
        ]
        for combo in itertools.product(*per_word, [_restore_case(h, words[i]) for h in heads]):
            out.add(" ".join([*combo, *words[i + 1 :]]))
    return {f for f in out if normalize_key(f) != normalize_key(name)}


def cyrillic_org_forms(actor: dict[str, Any]) -> set[str]:
    """The ru/uk case forms of an organisation's Cyrillic names."""
    out: set[str] = set()
    for name in _names(actor):
        if not is_cyrillic(name) or len(name.split()) > _MAX_NAME_WORDS + 2:
            continue
        ru_ok, uk_ok = _language(name)
        if ru_ok:
            out |= org_forms(name, "ru")
        if uk_ok:
            out |= org_forms(name, "uk")
    return out


# --- the build ----------------------------------------------------------------------


def _names(actor: dict[str, Any]) -> list[str]:
    """An actor's name and aliases, each once, in order."""
    return list(dict.fromkeys([actor["name"], *actor.get("aliases", ())]))


def actor_forms(actor: dict[str, Any], *, curated: bool) -> set[str]:
    """All the generated forms of one actor (before the stoplist and the other actors' keys)."""
    person = actor["type"] == "person"
    found: set[str] = set()
    if person:
        gender = actor.get("gender")
        if gender is None:
            full = [n for n in _names(actor) if " " in n and is_cyrillic(n)]
            gender = person_gender(full[0]) if full else _latin_gender(actor)
        for name in _polish_names(actor, curated=curated):
            found |= person_forms(name, feminine=gender == "female")
        found |= cyrillic_person_forms({**actor, "gender": gender})
    else:
        for name in _names(actor):
            found |= de_org_forms(name)
        if actor.get("german_only"):
            return {unicodedata.normalize("NFC", f) for f in found}
        for name in actor.get("pl", ()):
            found |= pl_forms(name, known_polish=True)
        found |= cyrillic_org_forms(actor)
    return {unicodedata.normalize("NFC", f) for f in found}


def _latin_gender(actor: dict[str, Any]) -> str:
    """A guess from a Latin given name: most women's names of our languages end in -a."""
    words = actor["name"].split()
    return "female" if len(words) >= 2 and words[0].casefold().endswith("a") else "male"


def _read_actors(source: Path = SOURCE) -> list[tuple[dict[str, Any], bool]]:
    """(actor, curated) of the curated table and of the generated tables that exist, with genders."""
    out = [(a, True) for a in json.loads(ACTORS.read_text(encoding="utf-8"))["actors"]]
    seen = {a["id"] for a, _ in out}
    for file in (*GENERATED, GERMAN_ONLY):
        path = DATA_DIR / file
        if path.exists():
            for actor in json.loads(path.read_text(encoding="utf-8"))["actors"]:
                if actor["id"] not in seen and not (file == GERMAN_ONLY and actor["type"] == "person"):
                    seen.add(actor["id"])
                    out.append(({**actor, "german_only": True} if file == GERMAN_ONLY else actor, False))
    genders = wikidata_genders(source)
    return [
        ({**a, "gender": genders[a["id"]]} if "gender" not in a and a["id"] in genders else a, c)
        for a, c in out
    ]


def wikidata_genders(source: Path = SOURCE) -> dict[str, str]:
    """QID -> "male"/"female" from Peppercat's ``bio.csv`` files (empty when they are not there)."""
    out: dict[str, str] = {}
    for path in sorted((source / "peppercat" / "docs" / "leaders").glob("*/bio.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row.get("gender") in {"male", "female"} and row.get("id", "").startswith("Q"):
                    out[row["id"]] = row["gender"]
    return out


def _keys_of_all(actors: list[tuple[dict[str, Any], bool]]) -> dict[str, set[str]]:
    """Every actor's name keys (PETRARCH's too) -> the actors with that key."""
    keys: dict[str, set[str]] = defaultdict(set)
    petrarch = DATA_DIR / "actors_petrarch.json"
    every = [a for a, _ in actors]
    if petrarch.exists():
        every += json.loads(petrarch.read_text(encoding="utf-8"))["actors"]
    for actor in every:
        for name in _names(actor):
            keys[normalize_key(name).strip()].add(actor["id"])
    return keys


def build(source: Path = SOURCE) -> tuple[int, int]:
    """Write ``actor_forms.json``; returns (actors with forms, forms)."""
    actors = _read_actors(source)
    keys = _keys_of_all(actors)
    common = stopwords()
    forms: dict[str, list[str]] = {}
    for actor, curated in actors:
        own = {normalize_key(n).strip() for n in _names(actor)}
        kept = set()
        for form in actor_forms(actor, curated=curated):
            key = normalize_key(form).strip()
            if key in own or form.casefold() in common or keys.get(key, set()) - {actor["id"]}:
                continue  # already a key; a common word; another actor's name
            kept.add(form)
        if kept:
            forms[actor["id"]] = sorted(kept)
    doc = {
        "_doc": "Generated by `make kb` (processors/kb_build/actor_forms.py) from actors.json (and "
        "actors_wikidata.json, actors_orgs.json, actors_companies.json when present): the oblique "
        "case forms of actors' "
        "names in German (organisations, companies and media: regular endings), "
        "Polish (Morfeusz 2 with SGJP, BSD-2, for organisations; regular endings for people), "
        "Russian (people: pytrovich, MIT; organisations: pymorphy3, MIT, with the OpenCorpora "
        "dictionary, CC BY-SA) and Ukrainian (people: shevchenko-py, MIT; organisations: pymorphy3 "
        "with pymorphy3-dicts-uk, GPL-3.0, at build time only: only the generated word forms are "
        "kept). Forms that are common words "
        "(justext's stoplists) or another actor's name are left out.",
        "forms": dict(sorted(forms.items())),
    }
    write_json(doc, ACTOR_FORMS, indent=1, compact=False)
    return len(forms), sum(map(len, forms.values()))


def main(argv: list[str] | None = None) -> None:
    """``python -m processors.kb_build.actor_forms [--source DIR]``."""
    actors, n = build(source_arg(argv, __doc__))
    print(f"wrote {n} case forms of {actors} actors to {ACTOR_FORMS}")  # noqa: T201
    print(f"wrote {build_endings()} name-ending rules to {NAME_ENDINGS}")  # noqa: T201


# --- the endings of unknown names (tagging/nominative.py) ------------------------------


def _ending_rule(oblique: str, nominative: str) -> tuple[str, str]:
    """The ending of ``oblique`` that gives way to an ending of ``nominative``.

    With one letter of the stem before it, and three letters at least, so that endings that
    two shapes of name share compare alike ("-ным": Путиным -> Путин, Навальным -> Навальный).
    """
    o, n = oblique.casefold(), nominative.casefold()
    common = 0
    while common < min(len(o), len(n)) and o[common] == n[common]:
        common += 1
    keep = max(min(common - 1, len(o) - _MIN_ENDING), 0)
    return o[keep:], n[keep:]


def _case_pairs(given: str, surname: str, lang: str, gender: str) -> list[tuple[str, str, str]]:
    """(case, given name's form, surname's form) of a man's or woman's name in ``lang``."""
    if lang == "pl":
        rule = _feminine_word_forms if gender == "female" else _word_forms
        g, s = rule(given), rule(surname)
        cases = ("gen", "dat", "ins", "acc")
        return [(c, g[i] if g else given, s[i] if s else surname) for i, c in enumerate(cases)]
    if lang == "ru":
        maker, _detector, enums = _pytrovich()
        sex = enums.Gender.FEMALE if gender == "female" else enums.Gender.MALE
        return [
            (
                c.name.casefold()[:3],
                maker.make(enums.NamePart.FIRSTNAME, sex, c, given),
                maker.make(enums.NamePart.LASTNAME, sex, c, surname),
            )
            for c in enums.Case
            if c is not enums.Case.NOMINATIVE
        ]
    sh = _shevchenko()
    sex = "feminine" if gender == "female" else "masculine"
    out = []
    for case in _UK_CASES:
        got = sh.in_case(case, given_name=given, family_name=surname, gender=sex)
        out.append((case[:3], got["given_name"], got["family_name"]))
    return out


def _people_names(actors: list[tuple[dict[str, Any], bool]]) -> dict[str, set[tuple[str, str, str]]]:
    """(given name, surname, gender) of the two-word names of people, per language."""
    out: dict[str, set[tuple[str, str, str]]] = {"pl": set(), "ru": set(), "uk": set()}
    for actor, curated in actors:
        if actor["type"] != "person":
            continue
        latin = _polish_names(actor, curated=curated)
        cyrillic = [n for n in _names(actor) if is_cyrillic(n)]
        for name in [*latin, *cyrillic]:
            words = name.split()
            if len(words) != 2 or not all(w.isalpha() and w[:1].isupper() for w in words):
                continue
            stated = actor.get("gender")
            gender = person_gender(name, stated) if name in cyrillic else stated or _latin_gender(actor)
            ru_ok, uk_ok = _language(name)
            langs = ["pl"] if name in latin else [lang for lang, ok in (("ru", ru_ok), ("uk", uk_ok)) if ok]
            for lang in langs:
                out[lang].add((words[0], words[1], gender))
    return out


# Surnames of each shape that Russian and Ukrainian decline differently (-ов, -ин, -ский, -ый, -ой,
# -ко, -а, a consonant...), beside the knowledge base's: more paradigms in the derived table, so that
# an ending that two shapes share ("-ным": Путиным, Навальным) is seen as ambiguous and left alone.
_PARADIGMS = {
    "ru": (
        "Иванов",
        "Лебедев",
        "Путин",
        "Зеленский",
        "Трубецкой",
        "Навальный",
        "Горький",
        "Шевченко",
        "Кулеба",
        "Ковальчук",
        "Мельник",
        "Петрович",
        "Шойгу",
        "Гончаренко",
        "Соловьёв",
        "Ильин",
    ),
    "uk": (
        "Іванов",
        "Лебедєв",
        "Путін",
        "Зеленський",
        "Навальний",
        "Шевченко",
        "Кулеба",
        "Ковальчук",
        "Мельник",
        "Петрович",
        "Гончаренко",
        "Ільїн",
        "Сибіга",
        "Бойко",
        "Лисий",
        "Головатий",
    ),
}
_PARADIGM_GIVEN = {"ru": "Сергей", "uk": "Сергій"}


def build_endings() -> int:
    """Write ``name_endings.json``: how a given name and a surname end in each case, per language.

    Derived from the knowledge base's people (their two-word names in pl/ru/uk, inflected as
    above): ``[oblique ending, nominative ending, case]`` for given names and surnames. The
    unknown-name reader (``tagging/nominative.py``) gives "Сергеем Лавровым" the id of
    "Сергей Лавров" with them, when the nominative given name is one of the knowledge base's.
    """
    people = _people_names(_read_actors())
    for lang, surnames in _PARADIGMS.items():
        people[lang] |= {(_PARADIGM_GIVEN[lang], surname, "male") for surname in surnames}
    table: dict[str, dict[str, list[list[str]]]] = {}
    for lang, names in people.items():
        rules: dict[str, set[tuple[str, str, str]]] = {"given": set(), "surname": set()}
        for given, surname, gender in sorted(names):
            for case, g, s in _case_pairs(given, surname, lang, gender):
                if g.casefold() != given.casefold():
                    rules["given"].add((*_ending_rule(g, given), case))
                if s.casefold() != surname.casefold():
                    rules["surname"].add((*_ending_rule(s, surname), case))
        table[lang] = {part: sorted(map(list, found)) for part, found in rules.items()}
    doc = {
        "_doc": "Generated by `make kb` (processors/kb_build/actor_forms.py, build_endings) from the "
        "two-word pl/ru/uk names of the knowledge base's people, inflected as in actor_forms.json "
        "(pytrovich, shevchenko-py, both MIT; Polish: regular endings): per language, the endings "
        "[oblique, nominative, case] of given names and surnames, for tagging/nominative.py; and "
        "given names beside the knowledge base's: Ukrainian from shevchenko-py's list (MIT), Russian "
        "the given names (Name) of pymorphy3's OpenCorpora dictionary (CC BY-SA 3.0, opencorpora.org).",
        "endings": table,
        "given": {"ru": _russian_given_names(), "uk": _ukrainian_given_names()},
    }
    write_json(doc, NAME_ENDINGS, indent=1, compact=False)
    return sum(len(v) for parts in table.values() for v in parts.values())


def _ukrainian_given_names() -> list[str]:
    """shevchenko-py's list of Ukrainian given names (its ``data/given-names.json``), casefolded."""
    path = Path(_shevchenko().__file__).resolve().parent / "data" / "given-names.json"
    return sorted({name.casefold() for name in json.loads(path.read_text(encoding="utf-8"))})


def _russian_given_names() -> list[str]:
    """The given names of pymorphy3's Russian dictionary: lemmas tagged Name (a minute: 5M forms)."""
    found = set()
    for parse in _morph("ru").iter_known_word_parses(""):
        tag = parse.tag
        if "Name" in tag and "nomn" in tag and "sing" in tag and parse.word == parse.normal_form:
            found.add(parse.word)
    return sorted(w for w in found if len(w) >= _MIN_GIVEN)


if __name__ == "__main__":
    main()
