"""Step 2 of tagging: the words around a match, and what they say about it.

Whether a place name is part of a person's name ("Michael Jordan", "Mr Paris", "said
Georgia."), whether a capital or country acts ("Moscow has not responded", "a letter to
Moscow", "dialogue with the United States"), and whether a demonym gives a person's
nationality ("the former Norwegian prime minister", "le président russe").
"""

from __future__ import annotations

from typing import Final

from processors.kb import Relation
from processors.tagging.scan import Match, Word
from processors.tagging.words import (
    ACTS_AFTER,
    ARTICLES,
    BORDER_NOUNS,
    COORDINATORS,
    CYRILLIC,
    EXCHANGE_NOUNS,
    EXCHANGE_PREPS,
    NEUTRAL_BEFORE,
    PARTY_PREPS,
    PERSON_ROLES,
    PERSON_TITLES,
    REPORTING,
    ROLE_MODIFIERS,
    SELF_WORDS,
    word_set,
)
from processors.text import NormalizedText

_WINDOW: Final = 48  # words are short: look this far back for one
# Prepositions of place, in our nine languages: a name after one is a place in that story.
LOCATIVE_BEFORE: Final = frozenset(
    """
    in near inside outside throughout im bei nahe dans près nel nella presso em w we в во біля около
    """.split()  # noqa: SIM905 - a word list kept by hand
)


# The context words are found by walking characters, not by regexes: compiled, a walk over a
# few characters costs less than one regex call (there are several per place name). A word
# character is what ``\w`` matches (``isalnum()`` or "_"); the tests check both against the
# regexes ``[\w'.-]*`` (before) and ``[ \t]*([\w'-]*)`` (after).
def word_before(norm: NormalizedText, pos: int) -> Word:
    """The word ending before ``pos`` (normalized, spaces and tabs skipped) and its start.

    A word here is a run of word characters, apostrophes, dots and hyphens ("u.s.", "o'neill")
    within the ``_WINDOW`` characters before ``pos``.
    """
    text = norm.text
    lo = pos - _WINDOW if pos > _WINDOW else 0
    end = pos
    while end > lo and text[end - 1] in " \t":
        end -= 1
    start = end
    while start > lo:
        ch = text[start - 1]
        if ch.isalnum() or ch in "_'.-":
            start -= 1
        else:
            break
    return text[start:end], start


def word_after(norm: NormalizedText, pos: int) -> tuple[str, int]:
    """The word starting after ``pos`` (normalized, spaces and tabs skipped) and its start.

    A word here is a run of word characters, apostrophes and hyphens (no dots: "Moscow." is
    followed by no word).
    """
    text = norm.text
    n = len(text)
    start = pos
    while start < n and text[start] in " \t":
        start += 1
    end = start
    while end < n:
        ch = text[end]
        if ch.isalnum() or ch in "_'-":
            end += 1
        else:
            break
    return text[start:end], start


def orig_char(norm: NormalizedText, npos: int) -> str:
    """The original character at normalized position ``npos``."""
    o, _ = norm.span(npos, npos + 1)
    return norm.original[o : o + 1]


def _sentence_start(norm: NormalizedText, npos: int) -> bool:
    """True when only spaces, quotes or sentence punctuation come before ``npos``."""
    i = npos
    while i > 0 and norm.text[i - 1] in " \t\"'«»“”":
        i -= 1
    return i == 0 or norm.text[i - 1] in ".!?\n:;—-("


def _names_no_person(norm: NormalizedText, word: str, pos: int) -> bool:
    """A capitalised word before a place name that is no first name.

    A possessive ("Pallister's Costa Rica", "Toronto's Ontario"), a German institution
    ("Kantonspolizei Bern") or an acronym ("CBC Toronto", "BBC Scotland"): an owner or an
    organisation, the place name after it still a place.
    """
    if word.endswith(("'s", "'", "’s", "’", "-")):
        return True  # a possessive, or the first part of a compound ("IBA-Thüringen")
    if word.endswith(INSTITUTION_ENDINGS):
        return True  # "Kantonspolizei Bern", "Stadtverwaltung Dessau"
    start, end = norm.span(pos, pos + len(word))
    original = norm.original[start:end]
    return len(original) >= 2 and original.isupper() and original.isalpha()


def _genitive(m: Match) -> bool:
    """A German genitive of the place's name after a noun ("die Angriffe Russlands"): no person's.

    German capitalises every noun, and no name of a person ends in a place's genitive; the
    knowledge base has the genitive as an alias (``kb_build/german.py``) beside the name itself.
    """
    surface = m.norm_surface.casefold()
    if not surface.endswith("s"):
        return False
    stem = surface[:-1]
    return any(a.casefold() == stem for ent in m.reading.names for a in (ent.name, *ent.aliases))


# Nouns of administrative units and institutions, capitalised in German: "Kanton Bern",
# "Landkreis Harburg", "Universität Hamburg" name the place after them, not a person.
PLACE_NOUNS_BEFORE: Final = frozenset(
    """
    kanton stadt gemeinde landkreis kreis bezirk region provinz bundesland freistaat hansestadt
    landeshauptstadt hauptstadt universität uni ortsteil stadtteil county province
    """.split()  # noqa: SIM905 - a word list kept by hand
)
# German compounds that name an institution of the place after them.
INSTITUTION_ENDINGS: Final = ("polizei", "verwaltung", "gericht", "regierung", "rat", "amt", "werke")
WEAK: Final = 1  # a capitalised word before the name: this mention is no place
STRONG: Final = 2  # a title, a given name we know, a person speaking: no mention of it is


def person_cue(
    norm: NormalizedText, m: Match, before: Word, after: Word, given: frozenset[str] | None = None
) -> int:
    """How surely the place name at ``m`` is part of a person's name, or a person speaking.

    0: not at all; ``WEAK``: a capitalised word right before it ("Real Madrid", "Cassandra
    Rivera"), so this mention is no place; ``STRONG``: a person's title, a given name of
    ``given`` (casefolded) or a person speaking ("said Georgia."), so the name is a person's
    in the whole story.
    """
    word, pos = before
    if word in PERSON_TITLES or (word.endswith(".") and word.rstrip(".") in PERSON_TITLES):
        return STRONG
    # "Michael Jordan": a capitalised word right before, not a function word, not sentence-initial.
    # (The same tests as ever, the cheap and decisive ones first.)
    if (
        word
        and word not in NEUTRAL_BEFORE
        and orig_char(norm, pos).isupper()
        and (gap := norm.text[pos + len(word) : m.n_start]).strip() == ""
        and "\n" not in gap
        and not word.endswith(".")
        # Russian and Ukrainian put a place in the genitive after a noun ("Губернатор Курска"):
        # a capitalised word there is a sentence start far more often than a first name.
        and not CYRILLIC.search(word)
        and word not in PLACE_NOUNS_BEFORE
        and not _names_no_person(norm, word, pos)
        and not _genitive(m)
    ):
        return STRONG if given is not None and word in given else WEAK
    # '"...," said Georgia.' / 'Georgia herself': people, not places.
    if after[0] in SELF_WORDS:
        return STRONG
    if word in REPORTING and norm.text[m.n_end : m.n_end + 1] in {".", ",", ""}:
        return STRONG
    if m.reading.has_country:
        return 0
    # "Clinton said": a small city that speaks is a person.
    return STRONG if after[0] in REPORTING and m.reading.small_cities else 0


def looks_like_person(norm: NormalizedText, m: Match, before: Word, after: Word) -> bool:
    """True when the place name at ``m`` is part of a person's name, or a person speaking."""
    return person_cue(norm, m, before, after) > 0


def acts(norm: NormalizedText, m: Match) -> bool:
    """True when the name at ``m`` is the subject of a verb or a party to an exchange."""
    text = norm.text
    after, apos = m.after if m.after is not None else word_after(norm, m.n_end)
    # The rules below state_acts() are for countries only: a capital that acts is no
    # place any more, and places must not change with them.
    country = m.reading.metonym is None and m.reading.has_country
    if after.endswith(("'s", "'")) or text[m.n_end : m.n_end + 2] == "'s":
        return False  # "Moscow's Red Square": possessive, ambiguous; leave it a place
    prev, ppos = m.before if m.before is not None else word_before(norm, m.n_start)
    if prev in ARTICLES:
        prev, ppos = word_before(norm, ppos)
    if country and after.startswith("-"):
        return False  # the first part of a compound ("mit Belarus-Bezug", "Russia-linked")
    if (
        after
        and text[m.n_end : apos].strip() == ""
        and _verb_after(norm, m, after, apos, prev, country=country)
    ):
        return True
    if prev in EXCHANGE_PREPS or prev in PARTY_PREPS:
        prev2, _ = word_before(norm, ppos)
        if prev in EXCHANGE_PREPS and prev2 in EXCHANGE_NOUNS:
            return True
        if (
            prev in PARTY_PREPS
            and prev2 not in BORDER_NOUNS
            and m.senses[0].relation is Relation.NAME
            and _is_country_sense(m)
        ):
            return True
    return country and state_acts(norm, m)


def _verb_after(norm: NormalizedText, m: Match, after: str, apos: int, prev: str, *, country: bool) -> bool:
    """True when the word ``after`` the name at ``m`` is a verb the name is the subject of."""
    if not country:
        return after in ACTS_AFTER
    if prev in PLACE_PREPS:
        return False  # "a noodle shop in China has killed two": the shop is the subject
    if after in COPULAS:
        return copula_acts(word_after(norm, apos + len(after))[0])
    return verb_after(after, m.norm_surface)


def _is_country_sense(m: Match) -> bool:
    return len(m.senses[0].entity) == 2  # ISO alpha-2 ids are countries


def in_compound_name(norm: NormalizedText, m: Match) -> bool:
    """True when a capitalised word right before the demonym at ``m`` makes one name of them.

    "Anglo American" (a company), "Pan American Health Organization", "Latin American": not
    the United States. Only a capitalised demonym (in Romance languages and German the
    adjective is lower-case and follows or precedes a capitalised noun: "Tropas russas");
    sentence starts, function words, possessives and acronyms do not count.
    """
    if not orig_char(norm, m.n_start).isupper():
        return False
    word, pos = word_before(norm, m.n_start)
    return bool(
        word
        and not _sentence_start(norm, pos)
        and word not in NEUTRAL_BEFORE
        and word not in PERSON_TITLES
        and orig_char(norm, pos).isupper()
        and (gap := norm.text[pos + len(word) : m.n_start]).strip() == ""
        and "\n" not in gap
        and not word.endswith(".")
        and not CYRILLIC.search(word)
        and not _names_no_person(norm, word, pos)
    )


def nationality(norm: NormalizedText, m: Match) -> bool:
    """True when the demonym at ``m`` gives a person's nationality."""
    pos = m.n_end
    for _ in range(3):
        word, start = word_after(norm, pos)
        if not word:
            break
        if word in PERSON_ROLES:
            return True
        if word not in ROLE_MODIFIERS:
            break
        pos = start + len(word)
    # Romance word order: "el primer ministro noruego", "le président russe".
    word, start = word_before(norm, m.n_start)
    if word in PERSON_ROLES:
        return True
    return bool(word) and word_before(norm, start)[0] in PERSON_ROLES


# --- whether a country acts, beyond a verb right after it ----------------------------
# A state is an actor when it decides, demands, attacks or is attacked ("Rosja próbuje", "the
# invasion of Ukraine", "el gobierno de Israel"); a country only as a place ("a noodle shop in
# China has…") is not. These rules are for countries only: a capital that acts stops being a
# place, a country that acts stays one (place tags do not change with them).


# Prepositions of place: a country after one is where things happen, not who does them.
PLACE_PREPS: Final = word_set("in im dans en nel nella em no na w we в во у ў")
# Any preposition before a state: a relative clause after it is of the place ("to France, which…").
LIST_PREPS: Final = PLACE_PREPS | word_set(
    "throughout across within inside outside near to into from at by for of über nach aus von zu bei vor "
    "para por pour vers entre de del da di do dla z ze od przez к с из от до з від"
)
# Verbs after a state in the common forms of our nine languages (ACTS_AFTER has the first ones).
VERBS_AFTER: Final = ACTS_AFTER | word_set(
    """
    signed signs imposed imposes vetoed voted votes pledged pledges offered offers approved approves
    supports supported backs backed invades attacks strikes recognized recognised recalled summoned
    retaliated retaliates joined withdrew confirmed confirms seeks sought tried tries cannot can won't
    hasn't haven't didn't doesn't
    haben hatte hatten will wollen wollte soll sollen sollte muss müssen musste kann können konnte
    forderte forderten erklärt erklärten kündigte kündigt verhängt verhängte verhängen unterzeichnete
    unterstützt unterstützte unterstützen lehnt lehnte lehnen reagiert reagierte beschuldigt beschuldigte
    drohte drohen verurteilt investiert investieren entwickelt entwickeln liefert lieferte liefern
    schickt schickte verlangt verlangte plant plante bestreiten warnen
    han dice dicen exigió negó anuncia advierte acusó amenaza amenazó firmó firma impuso impone
    respondió responde pidió pide quiere busca apoya apoyó invadió envió envía decidió aprobó exigen
    ont veut réclame refuse rejette dénonce demande soutient propose envoie impose signe
    hanno vuole accusa nega sostiene impone invia firma ha chiesto
    tem têm quer pede pediu enviou assinou impôs respondeu decidiu apoia
    musi może chce mają będzie powinna powinny muszą chcą mogą zamierza planuje próbuje wprowadza
    zapowiada ogłasza wspiera domaga oskarża potępia odrzuca rozważa
    хочет может должна должны будет намерен намерены продолжают заявили потребовала отказались
    хоче може має мають повинна буде
    """
)
# "Japan is seeing a shortage", "Argentina is a dominant force": a country, not an actor.
COPULAS: Final = word_set("is was")
NOT_DEEDS: Final = word_set("seeing experiencing suffering becoming getting going having being home")
READY: Final = word_set(
    "ready willing prepared set likely unlikely determined committed poised able unable not"
)
# Polish, Russian and Ukrainian verbs by their endings: present (-uje, -ет), past (-ła, -ла, -ли).
SLAVIC_VERB_ENDINGS: Final = (
    *("uje", "ują", "ała", "iła", "yła", "ęła", "ało", "iło", "ały", "iły", "yły", "ali", "ili", "yli"),
    *("ает", "яет", "ует", "ила", "ала", "ела", "яла", "ыла", "али", "или", "ели", "ают", "уют"),
    *("ує", "ає", "ила", "ала", "ли"),
)
# Nouns with those endings that follow a country's genitive ("у России нет", "w Rosji siła").
NOT_VERBS: Final = word_set("нет siła siły sali мали али")
# A declined form: the country is no subject ("w Polsce", "России", "Росію", "Rosję").
OBLIQUE_ENDINGS: Final = tuple("i ę e ą u om ach ech и ю у е ей ой ом і ї є".split())  # noqa: SIM905
# Of a war or an attack: its parties ("the invasion of Ukraine", "Angriff auf die Ukraine").
CONFLICT_NOUNS: Final = word_set(
    """
    attack attacks invasion war aggression offensive strikes airstrikes sanctions assault
    angriff angriffs angriffe angriffskrieg angriffskriegs krieg krieges kriegs einmarsch aggression
    sanktionen ataque ataques invasión guerra agresión ofensiva sanciones attaque attaques guerre
    agression attacco attacchi invasione aggressione offensiva sanzioni invasão agressão sanções
    atak ataki inwazja inwazji wojna wojny agresja agresji napaść napaści sankcje ofensywa
    атака нападение вторжение война войны агрессия агрессии санкции наступление напад вторгнення
    війна війни агресія агресії
    """
)
# Its institutions and deeds: "el gobierno de Israel", "rząd Rosji", "działania Rosji".
STATE_NOUNS: Final = word_set(
    """
    government administration army military troops policy decision stance leadership authorities regime
    regierung armee militär streitkräfte truppen haltung führung behörden
    gobierno ejército tropas política postura decisión régimen autoridades
    gouvernement armée troupes politique décision régime autorités
    governo esercito truppe politica decisione regime autorità
    exército tropas política decisão autoridades
    rząd rządu rządem władze władz armia armii wojska wojsk działania działań polityka polityki
    stanowisko decyzja decyzji reżim
    правительство правительства власти армия войска политика позиция решение действия режим руководство
    уряд уряду влада армія війська політика позиція рішення дії керівництво
    """
)
# Of a conflict's party: "on"/"against" and "of" (either party of "the war of Russia").
TARGET_PREPS: Final = word_set("on against auf gegen contra contre contro a à na на против проти przeciwko")
GENITIVE_PREPS: Final = word_set("of de di do da d' del della dello dos das des du")
# Joiners: "und hat Großbritannien verlassen" has its subject before.
LIST_JOINERS: Final = COORDINATORS | word_set(", oraz czy or oder ou o або или")


# A relative clause after a state not named as a place ("Russland, Israel und die USA, die … halten").
RELATIVES: Final = word_set(
    "which who die welche que qui che który która które którzy которая которые который яка які який"
)


def copula_acts(word: str) -> bool:
    """After "is"/"was": "Russia is hacking", "Iran was attacked", "Israel is ready" act."""
    if word.endswith("ing"):
        return word not in NOT_DEEDS
    return word.endswith("ed") or word in READY


def verb_after(word: str, surface: str) -> bool:
    """True when ``word``, right after the country ``surface``, is a verb it is the subject of."""
    if word in VERBS_AFTER:
        return True
    return (
        word.endswith(SLAVIC_VERB_ENDINGS) and word not in NOT_VERBS and not surface.endswith(OBLIQUE_ENDINGS)
    )


def _prev(norm: NormalizedText, pos: int) -> tuple[str, int]:
    """The word before ``pos``, a comma counting as one ("Russland, Israel")."""
    text = norm.text
    i = pos
    while i > 0 and text[i - 1] in " \t":
        i -= 1
    if i > 0 and text[i - 1] == ",":
        return ",", i - 1
    lo = max(0, i - 48)
    start = i
    while start > lo and (text[start - 1].isalnum() or text[start - 1] in "_'.-"):
        start -= 1
    return text[start:i], start


def _next(norm: NormalizedText, pos: int) -> tuple[str, int]:
    """The word after ``pos``, a comma counting as one."""
    text = norm.text
    n = len(text)
    i = pos
    while i < n and text[i] in " \t":
        i += 1
    if i < n and text[i] == ",":
        return ",", i + 1
    end = i
    while end < n and (text[end].isalnum() or text[end] in "_'-"):
        end += 1
    return text[i:end], end


def _capitalised(norm: NormalizedText, pos: int, word: str) -> bool:
    start, _ = norm.span(pos, pos + 1)
    return bool(word) and word not in LIST_JOINERS and norm.original[start : start + 1].isupper()


# German puts the finite verb before its subject after an adverb ("So entwickelt Großbritannien…").
VERBS_BEFORE: Final = word_set(
    """
    hat haben hatte hatten will wollen wollte wollten soll sollen sollte muss müssen musste kann können
    konnte wird werden fordert fordern forderte erklärt erklärte droht drohen drohte warnt warnte
    entwickelt entwickeln investiert investieren liefert liefern unterstützt unterstützen lehnt lehnen
    verhängt verhängte kündigt kündigte reagiert reagierte schickt schickte plant plante
    """
)
ADVERBS: Final = word_set("auch nun bereits jetzt schon erneut ebenfalls selbst inzwischen zuletzt nicht")


def _inverted(norm: NormalizedText, pos: int) -> bool:
    """True when a German finite verb comes right before the subject at ``pos``, after an adverb."""
    prev, ppos = _prev(norm, pos)
    for _ in range(3):
        if prev not in ADVERBS and prev not in ARTICLES:
            break
        prev, ppos = _prev(norm, ppos)
    if prev not in VERBS_BEFORE:
        return False
    # "Putin hat Russland…": a noun before the verb is its subject; "So hat Russland…" is fine.
    word, wpos = _prev(norm, ppos)
    if not word:
        return True
    if not _capitalised(norm, wpos, word):
        return word not in GENITIVE_PREPS and word not in LIST_JOINERS
    return norm.text[wpos - 2 : wpos].strip() in {"", ".", "!", "?", ":"} or wpos == 0


def cue_before(norm: NormalizedText, pos: int) -> bool:
    """True when the words before ``pos`` make the state after them a party or an institution's."""
    prev, ppos = _prev(norm, pos)
    if prev in ARTICLES:
        prev, ppos = _prev(norm, ppos)
    if prev in GENITIVE_PREPS or prev in TARGET_PREPS:
        noun, npos = _prev(norm, ppos)
        if noun in ARTICLES:  # "l'invasion de l'Ukraine" is fine, "de la guerre" needs one more
            noun, _ = _prev(norm, npos)
        if noun in CONFLICT_NOUNS:
            return True
        return prev in GENITIVE_PREPS and noun in STATE_NOUNS
    return prev in STATE_NOUNS or prev in CONFLICT_NOUNS


def state_acts(norm: NormalizedText, m: Match) -> bool:
    """True when the country at ``m`` acts by the words before it or a relative clause after it."""
    if cue_before(norm, m.n_start) or _inverted(norm, m.n_start):
        return True
    word, wend = _next(norm, m.n_end)
    if word != ",":
        return False
    rel, rend = _next(norm, wend)
    if rel not in RELATIVES:
        return False
    if rel == "die":  # or the article of the next name ("Indien, die Türkei und …")
        noun, nend = _next(norm, rend)
        if _capitalised(norm, nend - len(noun), noun):
            return False
    # "…, die USA, die das Abkommen ablehnen": a relative clause of a state, not of a place.
    prev, ppos = _prev(norm, m.n_start)
    if prev in ARTICLES:
        prev, _ = _prev(norm, ppos)
    return prev not in LIST_PREPS
