"""Words that say a capitalised name is no person's (step 6 of tagging, ``names.py``; issue 12).

Kept by hand like ``words.py`` (whitespace-separated, casefolded, ``Final``). A person's name
starts with a given name or a surname: not with an adjective ("Real Life", "Gran Renuncia",
"Happy Pride"), a number or an ordinal ("Sete Portas", "Cuarta Sala"), nor with the generic
word of a place, a street or a building ("Avenida Paralela", "Casa de Gobierno", "Montes de
María", "Schloss Juval"). Words that are given names too are left out ("Sierra", "Isla",
"Rio", "Val", "Park", "Costa", "Belle", "Otto", "Bas", "Nova"), and adjectives that are given
names or nicknames ("Young", "Little", "Big").
"""

from __future__ import annotations

import re
from typing import Final

from processors.tagging.words import word_set

# The prefixes of surnames with an inner capital ("McDonald", "DiCaprio", "LeBlanc"): no brand's.
NAME_PREFIXES: Final = frozenset({"Mc", "Di", "De", "Le", "La", "Da", "Du"})
# Adjectives, numbers and ordinals that begin names of things, not of people.
_NOT_FIRST_WORDS: Final = word_set(
    """
    real happy merry great grand small new old holy good best top free open
    global international national electrical electronic digital social public general central
    regional local federal modern ancient classic human natural nazi soviet imperial
    first second third fourth fifth sixth seventh eighth ninth tenth
    one two three four five six seven eight nine ten twelve hundred thousand
    gran grande grandes nuevo nueva nuevos nuevas viejo vieja alto alta bajo baja
    primero primera primer segundo segunda tercero tercera tercer cuarto cuarta quinto quinta
    sexto sexta séptimo séptima octavo octava noveno novena décimo décima
    uno dos tres cuatro cinco seis siete ocho nueve diez once doce cien mil
    grand grande petit petite nouveau nouvel nouvelle vieux vieille haut haute
    deuxième troisième quatrième cinquième
    deux trois quatre cinq sept huit neuf dix
    nuovo nuova vecchio vecchia secondo seconda terzo terza quarto quarta
    due tre quattro cinque sei sette nove dieci
    novo velho velha primeiro primeira terceiro terceira
    um dois duas três quatro sete oito nove dez
    nowy nowa nowe wielki wielka stary stara pierwszy pierwsza drugi druga trzeci trzecia
    neue neuer neues alte alter altes große großer großes erste erster zweite dritte
    zwei drei vier fünf sechs sieben acht neun zehn
    lorem ipsum nobel
    """
)
# The generic word that opens the name of a place, a street or a building (Romance and German
# order: the generic first) or that names one before a person's name ("salle Louise Michel",
# "rue Victor Hugo"): what follows is the place's name, even when it is a person's.
PLACE_HEADS: Final = word_set(
    """
    avenue boulevard rue allée chemin impasse quai place salle gare stade aéroport palais château
    tour pont parc jardin église cathédrale bourse hôtel théâtre musée marché mont lac île
    avenida calle carrera camino paseo plaza carretera autopista casa palacio castillo torre sala
    salón estación estadio aeropuerto puente parque jardín iglesia catedral teatro museo mercado
    montes monte cerro lago río isla islas bahía cabo valle barrio colonia distrito
    rua travessa praça largo estrada rodovia palácio castelo estação aeroporto ponte igreja
    museu bairro ilha baía
    viale piazza corso palazzo castello chiesa stazione
    schloss burg kloster
    ulica aleja plac zamek im.
    city
    """
)
# Words that begin no person's name: the lists above.
NOT_FIRST: Final = _NOT_FIRST_WORDS | PLACE_HEADS
# The last word of a place's name ("Caribbean Territory", "Takla Makan Desert").
NOT_PERSON_LAST: Final = word_set(
    """
    territory territories desert peninsula province provinces region mountains hills isles
    ocean sea gulf strait canal
    """
)
# German words that open a clause after a comma, not an apposition ("Grüner Wasserstoff, dass",
# "Schloss Juval, wo"), nor a relative clause, as common after a noun ("Schreine von
# Naturgottheiten, die"); "Kumi Naidoo, früherer Generalsekretär" is one.
GERMAN_CLAUSE: Final = word_set(
    """
    dass daß wo wie weil wenn ob sowie neben und oder aber sondern denn doch als um mit bei für
    auf in an zu nach von seit während obwohl damit was wer es er sie wir ist sind war waren
    wird werden hat haben kann der die das dem den des deren dessen welche welcher welches
    """
)
# Legal forms that end a company's name ("GmbH", "Inc."): see ``names_reader._one_company``.
LEGAL_FORMS: Final = word_set(
    "gmbh ag se sa s.a. inc inc. corp corp. co. ltd ltd. llc plc nv bv spa s.p.a. srl kg ug sas sarl"
)
# Plural nouns end so: a name of such words only, without a known given name, is no person's.
PLURAL_ENDINGS: Final = ("s", "aux", "eux")
# An acronym in the plural ("MPs", "PCs", "NGOs"): a common noun, no name.
PLURAL_ACRONYM: Final = re.compile(r"[A-Z]{2,}s")
# English nouns by their suffix ("Development", "Integration", "Partnership"): no person's name.
# Not "-ence", "-ity", "-ness", "-ing": Florence, Charity, Guinness, Fleming are names.
NOUN_SUFFIXES: Final = ("tion", "sion", "ment", "ments", "ship", "ology")
# A word this long before such a suffix is a noun: "Clement" (7) is a given name.
NOUN_SUFFIX_MIN: Final = 8


def noun_shaped(word: str) -> bool:
    """A common noun by its form: an acronym in the plural, or a noun suffix ("Development")."""
    if PLURAL_ACRONYM.fullmatch(word):
        return True
    return len(word) >= NOUN_SUFFIX_MIN and word.casefold().endswith(NOUN_SUFFIXES)
