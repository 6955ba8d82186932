"""Build ``processors/data/offices_generated.json``: dated titles of every state's leaders.

A story often names a leader by title alone: "the Hungarian prime minister", "Poland's foreign
minister", "министр обороны Казахстана". ``offices.json`` curates such titles for a few offices
in the nine languages; this step writes them for every state whose holders the generated actor
table knows (``actors_wikidata.json``, roles with a ``class``): head of state, head of government,
and the foreign, defence, interior and finance ministers. The office's name is the holders' role
name (``Prime Minister of Hungary``), so the loader finds them by their roles and the tagger
resolves a title to whoever held it on the story's date.

Titles are made from templates of each language with the state's name: English ("Hungary's
prime minister", "prime minister of Hungary", "Hungarian prime minister" where ``demonyms.json``
has the adjective), Spanish ("primer ministro de Hungría"), Polish, Russian and Ukrainian with the
name in the genitive (Morfeusz 2 for Polish, pymorphy3 for Russian and Ukrainian, single-word
names only: "premier Węgier", "премьер-министр Венгрии", "прем'єр-міністр Угорщини"), the title
in its nominative and genitive, and with the state's adjective declined before it ("brytyjski
premier", "британского премьера", "очільник британської дипломатії"); German with the state's
adjective declined ("der ungarische Ministerpräsident", "des ungarischen Außenministers").
French, Italian and Portuguese titles agree with the state's adjective in gender or take its
article ("le Premier ministre hongrois", "dell'Ungheria"), which no source here gives reliably:
they are left to the curated offices.
A state with several role names in one class (a president and an acting
president) gets the most frequent; a curated office of the same name wins.
"""

from __future__ import annotations

import csv
import functools
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from processors.kb_build.sources import write_json

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
ACTORS = DATA_DIR / "actors_wikidata.json"
OFFICES = DATA_DIR / "offices.json"
PLACES = DATA_DIR / "places.tsv"
DEMONYMS = DATA_DIR / "demonyms.json"
OUT = DATA_DIR / "offices_generated.json"

CLASSES = ("head_of_state", "head_of_government", "foreign", "defence", "interior", "finance")
SINCE = "2008-01-01"

# The title words of each class: English (by the role's own title for heads), then the
# templates of the other languages: ``{g}`` is the state's name in the genitive (pl/ru/uk),
# ``{n}`` its name (es). Nominative and genitive of the title where the language declines it.
_EN_MINISTERS: dict[str, tuple[str, ...]] = {
    "foreign": ("foreign minister", "minister of foreign affairs", "top diplomat"),
    "defence": ("defence minister", "defense minister", "minister of defence", "minister of defense"),
    "interior": ("interior minister", "minister of the interior", "home minister"),
    "finance": ("finance minister", "minister of finance"),
}
_EN_HEADS: dict[str, tuple[str, ...]] = {
    "President": ("president",),
    "Prime Minister": ("prime minister", "premier"),
    "Chancellor": ("chancellor",),
    "Premier": ("premier",),
    "King": ("king",),
    "Queen": ("queen",),
    "Emir": ("emir",),
    "Sultan": ("sultan",),
    "Supreme Leader": ("supreme leader",),
}
# English titles two states give their ministers (curated: elsewhere a "foreign secretary" or
# "home secretary" is often a civil servant, as in India and Pakistan).
_EN_OWN: dict[tuple[str, str], tuple[str, ...]] = {
    ("GB", "foreign"): ("foreign secretary",),
    ("GB", "interior"): ("home secretary",),
    ("GB", "defence"): ("defence secretary",),
    # Only after the state ("Britain's chancellor"): a bare "the chancellor" is Germany's as often.
    ("GB", "finance"): ("chancellor of the exchequer", "chancellor"),
    ("US", "defence"): ("defense secretary", "secretary of defense", "defence secretary"),
    ("US", "finance"): ("treasury secretary", "secretary of the treasury"),
}
_OTHER: dict[str, dict[str, tuple[str, ...]]] = {
    "es": {
        "President": ("presidente de {n}",),
        "Prime Minister": ("primer ministro de {n}", "primera ministra de {n}", "jefe del Gobierno de {n}"),
        "foreign": (
            "ministro de Exteriores de {n}",
            "ministro de Asuntos Exteriores de {n}",
            "ministro de Relaciones Exteriores de {n}",
            "canciller de {n}",
        ),
        "defence": ("ministro de Defensa de {n}", "ministra de Defensa de {n}"),
        "interior": ("ministro del Interior de {n}", "ministra del Interior de {n}"),
        "finance": (
            "ministro de Finanzas de {n}",
            "ministro de Hacienda de {n}",
            "ministro de Economía de {n}",
        ),
    },
    "pl": {
        "President": ("prezydent {g}", "prezydenta {g}", "prezydentem {g}"),
        "Prime Minister": ("premier {g}", "premiera {g}", "premierem {g}"),
        "foreign": (
            "minister spraw zagranicznych {g}",
            "ministra spraw zagranicznych {g}",
            "szef MSZ {g}",
            "szefa MSZ {g}",
            "szef dyplomacji {g}",
            "szefa dyplomacji {g}",
        ),
        "defence": ("minister obrony {g}", "ministra obrony {g}"),  # "szef MON": Poland's own ministry
        "interior": ("minister spraw wewnętrznych {g}", "ministra spraw wewnętrznych {g}"),
        "finance": ("minister finansów {g}", "ministra finansów {g}"),
    },
    "ru": {
        "President": ("президент {g}", "президента {g}", "президентом {g}"),
        "Prime Minister": (
            "премьер-министр {g}",
            "премьер-министра {g}",
            "премьер {g}",
            "премьера {g}",
            "глава правительства {g}",
            "главы правительства {g}",
        ),
        "foreign": (
            "министр иностранных дел {g}",
            "министра иностранных дел {g}",
            "глава МИД {g}",
            "главы МИД {g}",
            "главой МИД {g}",
        ),
        "defence": (
            "министр обороны {g}",
            "министра обороны {g}",
            "глава Минобороны {g}",
            "главы Минобороны {g}",
        ),
        "interior": (
            "министр внутренних дел {g}",
            "министра внутренних дел {g}",
            "глава МВД {g}",
            "главы МВД {g}",
        ),
        "finance": (
            "министр финансов {g}",
            "министра финансов {g}",
            "глава Минфина {g}",
            "главы Минфина {g}",
        ),
    },
    "uk": {
        "President": ("президент {g}", "президента {g}", "президентом {g}"),
        "Prime Minister": (
            "прем'єр-міністр {g}",
            "прем'єр-міністра {g}",
            "прем’єр-міністр {g}",
            "прем’єр-міністра {g}",
            "прем'єр {g}",
            "прем’єр {g}",
        ),
        "foreign": (
            "міністр закордонних справ {g}",
            "міністра закордонних справ {g}",
            "глава МЗС {g}",
            "очільник МЗС {g}",
            "очільника МЗС {g}",
        ),
        "defence": ("міністр оборони {g}", "міністра оборони {g}", "очільник Міноборони {g}"),
        "interior": ("міністр внутрішніх справ {g}", "міністра внутрішніх справ {g}", "глава МВС {g}"),
        "finance": ("міністр фінансів {g}", "міністра фінансів {g}"),
    },
}


# German: the state's adjective stem (demonyms.json's "-isch" word) declined before the title
# (der ungarische Außenminister, ein ungarischer, des ungarischen Außenministers).
_DE: dict[str, tuple[str, ...]] = {
    "President": ("Präsident", "Präsidentin"),
    "Prime Minister": (
        "Ministerpräsident",
        "Premierminister",
        "Regierungschef",
        "Ministerpräsidentin",
        "Premierministerin",
        "Regierungschefin",
    ),
    "foreign": ("Außenminister", "Außenministerin"),
    "defence": ("Verteidigungsminister", "Verteidigungsministerin"),
    "interior": ("Innenminister", "Innenministerin"),
    "finance": ("Finanzminister", "Finanzministerin"),
}
# Spanish states named with their article: "el ministro de Exteriores del Reino Unido".
_ES_ARTICLE: dict[str, str] = {
    "Reino Unido": "el Reino Unido",
    "Países Bajos": "los Países Bajos",
    "Emiratos Árabes Unidos": "los Emiratos Árabes Unidos",
    "Estados Unidos": "Estados Unidos",
}


def _german(cls: str, office: str, stem: str) -> list[str]:
    titles = _DE.get(cls) or _DE.get(_title_of(office), ())
    out = []
    for title in titles:
        feminine = title.endswith("in")
        out += [f"{stem}e {title}", f"{stem}en {title}"]
        if not feminine:
            out.append(f"{stem}er {title}")
            out.append(f"{stem}en {title}en" if title.endswith("ent") else f"{stem}en {title}s")
    return out


# Polish, Russian and Ukrainian: the state's adjective (demonyms.json's ``*_stems``, all ending in
# -k/-к) declined before the title ("brytyjski premier", "британского премьера", "очільник
# британської дипломатії"): {m} masculine nominative, {mg} genitive, {mi} instrumental, {f}
# feminine nominative, {fg} feminine genitive. As common as the genitive of the state's name.
_ADJ_ENDINGS: dict[str, dict[str, str]] = {
    "pl": {"m": "i", "mg": "iego", "mi": "im", "f": "a", "fg": "iej"},
    "ru": {"m": "ий", "mg": "ого", "mi": "им", "f": "ая", "fg": "ой"},
    "uk": {"m": "ий", "mg": "ого", "mi": "им", "f": "а", "fg": "ої"},
}
_ADJ_TITLES: dict[str, dict[str, tuple[str, ...]]] = {
    "pl": {
        "President": ("{m} prezydent", "{mg} prezydenta", "{mi} prezydentem", "{f} prezydent"),
        "Prime Minister": ("{m} premier", "{mg} premiera", "{mi} premierem", "{f} premier"),
        "foreign": (
            "{m} minister spraw zagranicznych",
            "{mg} ministra spraw zagranicznych",
            "szef {fg} dyplomacji",
            "szefa {fg} dyplomacji",
            "szefowa {fg} dyplomacji",
        ),
        "defence": ("{m} minister obrony", "{mg} ministra obrony"),
        "interior": ("{m} minister spraw wewnętrznych", "{mg} ministra spraw wewnętrznych"),
        "finance": ("{m} minister finansów", "{mg} ministra finansów"),
    },
    "ru": {
        "President": ("{m} президент", "{mg} президента", "{mi} президентом"),
        "Prime Minister": (
            "{m} премьер",
            "{mg} премьера",
            "{m} премьер-министр",
            "{mg} премьер-министра",
            "{mi} премьер-министром",
        ),
        "foreign": (
            "{m} министр иностранных дел",
            "{mg} министра иностранных дел",
            "глава {fg} дипломатии",
            "главы {fg} дипломатии",
        ),
        "defence": ("{m} министр обороны", "{mg} министра обороны"),
        "interior": ("{m} министр внутренних дел", "{mg} министра внутренних дел"),
        "finance": ("{m} министр финансов", "{mg} министра финансов"),
    },
    "uk": {
        "President": ("{m} президент", "{mg} президента", "{mi} президентом"),
        "Prime Minister": (
            "{m} прем'єр",
            "{mg} прем'єра",
            "{m} прем'єр-міністр",
            "{mg} прем'єр-міністра",
            "{m} прем’єр",
            "{mg} прем’єра",
            "{m} прем’єр-міністр",
            "{mg} прем’єр-міністра",
        ),
        "foreign": (
            "{m} міністр закордонних справ",
            "{mg} міністра закордонних справ",
            "очільник {fg} дипломатії",
            "очільника {fg} дипломатії",
            "голова {fg} дипломатії",
        ),
        "defence": ("{m} міністр оборони", "{mg} міністра оборони"),
        "interior": ("{m} міністр внутрішніх справ", "{mg} міністра внутрішніх справ"),
        "finance": ("{m} міністр фінансів", "{mg} міністра фінансів"),
    },
}


def _adjective_titles(lang: str, cls: str, office: str, stems: list[str]) -> list[str]:
    """Titles with the state's adjective declined before them, for each of its stems."""
    table = _ADJ_TITLES[lang]
    templates = table.get(cls) or table.get(_title_of(office), ())
    endings = _ADJ_ENDINGS[lang]
    return [t.format(**{k: stem + e for k, e in endings.items()}) for stem in stems for t in templates]


def _title_of(role: str) -> str:
    """The title part of a role name: ``Prime Minister of Hungary`` -> ``Prime Minister``."""
    for title in ("Head of State", "Head of Government"):  # titles with an "of" of their own
        if role.startswith(f"{title} of "):
            return title
    return role.split(" of ", 1)[0]


def _state_of(role: str) -> str:
    """The state in a role name, without article: ``… of the United Kingdom`` -> ``United Kingdom``."""
    state = role.split(" of ", 1)[1] if " of " in role else ""
    if role.startswith("Minister of "):  # "Minister of Foreign Affairs of Hungary"
        state = role.rsplit(" of ", 1)[1]
    return state.removeprefix("the ")


def _offices(actors: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """(class, state code) -> the office name most holders since SINCE had."""
    names: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for actor in actors:
        for role in actor.get("roles", ()):
            cls, org = role.get("class"), role.get("org")
            if cls in CLASSES and org and len(org) == 2 and (role.get("end") or "9999") >= SINCE:
                names[cls, org][role["role"]] += 1
    return {key: counts.most_common(1)[0][0] for key, counts in sorted(names.items())}


@functools.cache
def _analyzer(lang: str) -> Any:  # pymorphy3 has no type information
    import pymorphy3  # noqa: PLC0415 - build-time only (the kb extra)

    return pymorphy3.MorphAnalyzer(lang=lang)


def _cyrillic_genitive(analyzer: Any, aliases: list[str]) -> str | None:
    """The genitive of the first one-word alias the analyzer knows as a place name in the nominative."""
    for alias in aliases:
        if " " in alias or "-" in alias or not alias[:1].isupper() or not _is_cyrillic(alias):
            continue
        for parse in analyzer.parse(alias):
            tag = parse.tag
            # Russian's tag set marks place names (Geox); Ukrainian's has no such grammeme.
            geo = "Geox" in tag if "Geox" in tag.KNOWN_GRAMMEMES else tag.POS == "NOUN"
            if geo and tag.case == "nomn" and parse.is_known and parse.normal_form == alias.lower():
                gent = parse.inflect({"gent"})
                if gent is not None:
                    return str(gent.word).capitalize()
    return None


def _is_cyrillic(word: str) -> bool:
    return all("\u0400" <= c <= "\u04ff" or c in "'’" for c in word)


def _polish_genitive(aliases: list[str]) -> str | None:
    """The genitive of the first one-word alias Morfeusz knows as a geographical name in the nominative."""
    from processors.kb_build.polish import _case_forms, _nominative  # noqa: PLC0415 - morfeusz2 only here

    for alias in aliases:
        if " " in alias or not alias[:1].isupper() or alias.isupper() or _is_cyrillic(alias):
            continue  # one word, not an abbreviation ("UK" is no Polish name)
        found = _nominative(alias, ("subst",), geo=True)
        if found is not None and found[0].split(":")[0] == alias:
            gen = _case_forms(found[0], found[1], set()).get("gen")
            if gen:
                return gen[0]
    return None


def _countries() -> dict[str, list[str]]:
    """State code -> its names (KB name first, then aliases) from the gazetteer."""
    out: dict[str, list[str]] = {}
    with PLACES.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\"):
            if row["type"] == "country":
                out[row["id"]] = [row["name"], *(a for a in row["aliases"].split("|") if a)]
    return out


def _english(cls: str, office: str, org: str, states: list[str], adjective: str | None) -> list[str]:
    """English titles: with each English name of the state (its initials also before the title)."""
    titles = _EN_MINISTERS.get(cls) or _EN_HEADS.get(_title_of(office), (_title_of(office).lower(),))
    titles = (*titles, *_EN_OWN.get((org, cls), ()))
    out = []
    for title in titles:
        for state in states:
            out += [f"{state}'s {title}", f"{state}’s {title}", f"{title} of {state}"]
            if _INITIALS.match(state):
                out.append(f"{state} {title}")  # "UK foreign secretary", "U.S. defense secretary"
        if adjective:
            out.append(f"{adjective} {title}")
    return out


# The shape of a state's initials ("UK", "U.S.", "DRC"); ``_english_names`` keeps those that spell
# the capitals of one of its English names (not Spanish "EEUU").
_INITIALS = re.compile(r"^(?:[A-Z]\.){2,4}$|^[A-Z]{2,4}$")
# An alias is an English short name of the state when English writes it far more than our other
# Latin-script languages do ("Britain", not "Reino Unido"; "the Netherlands" is left out: its
# possessive takes no "s").
_EN_ZIPF, _EN_MARGIN = 3.5, 1.0
_LATIN_LANGS = ("es", "fr", "de", "it", "pt", "pl")


def _capitals(name: str) -> str:
    return "".join(w[0] for w in name.split() if w[:1].isupper())


def _english_names(state: str, names: list[str]) -> list[str]:
    """The state's name, then its shorter English names and initials ("Britain", "UK", "U.K.")."""
    from wordfreq import zipf_frequency  # noqa: PLC0415 - the build's extra, imported when used

    english = [state]
    for alias in names:
        if not alias.isascii() or alias in english or alias[:1].islower() or alias.startswith("The "):
            continue
        if _INITIALS.match(alias):
            continue  # judged below, against the English names
        folded = alias.lower()
        en = zipf_frequency(folded, "en")
        if (
            len(alias) < len(state)
            and en >= _EN_ZIPF
            and en >= _EN_MARGIN + max(zipf_frequency(folded, lang) for lang in _LATIN_LANGS)
        ):
            english.append(alias)
    long_names = [state, *(a for a in names if a.isascii() and not _INITIALS.match(a))]
    spelled = {_capitals(n) for n in long_names if zipf_frequency(n.lower(), "en") >= _EN_ZIPF or n == state}
    english += [a for a in names if _INITIALS.match(a) and a.replace(".", "") in spelled and a not in english]
    return english


def _templates(lang: str, cls: str, office: str) -> tuple[str, ...]:
    table = _OTHER[lang]
    if cls in table:
        return table[cls]
    title = _title_of(office)
    if title in table:
        return table[title]
    return ()


def build() -> dict[str, Any]:
    """The generated offices, as ``offices.json``'s entries (no explicit holders: their roles name them)."""
    actors = json.loads(ACTORS.read_text(encoding="utf-8"))["actors"]
    curated = {o["office"] for o in json.loads(OFFICES.read_text(encoding="utf-8"))["offices"]}
    demonyms = json.loads(DEMONYMS.read_text(encoding="utf-8"))
    words: dict[str, list[str]] = demonyms["words"]
    stems: dict[str, dict[str, list[str]]] = {lang: demonyms[f"{lang}_stems"] for lang in ("pl", "ru", "uk")}
    adjectives = {code: forms[0] for code, forms in words.items()}
    countries = _countries()
    offices = []
    for (cls, org), office in _offices(actors).items():
        if office in curated or org not in countries:
            continue
        names = countries[org]
        # The state the role names, if it is one of the state's names ("United States Secretary of
        # Defense" names none: "Defense's defense secretary" is no title).
        state = _state_of(office)
        if state not in names:
            state = names[0]
        genitive = {
            "pl": _polish_genitive(names),
            "ru": _cyrillic_genitive(_analyzer("ru"), names),
            "uk": _cyrillic_genitive(_analyzer("uk"), names),
        }
        spanish = next((a for a in names if a in _spanish_names(org)), None)
        if spanish is not None:
            spanish = _ES_ARTICLE.get(spanish, spanish)
        stem = next((w for w in words.get(org, ()) if w.endswith("isch") and w.islower()), None)
        english = _english_names(state, names)
        phrases: dict[str, list[str]] = {"en": _english(cls, office, org, english, adjectives.get(org))}
        if stem:
            phrases["de"] = _german(cls, office, stem)
        for lang in ("es", "pl", "ru", "uk"):
            value = spanish if lang == "es" else genitive[lang]
            if value:
                key = "n" if lang == "es" else "g"
                phrases[lang] = [
                    t.format(**{key: value}).replace(" de el ", " del ")
                    for t in _templates(lang, cls, office)
                ]
            if lang != "es" and stems[lang].get(org):
                phrases.setdefault(lang, []).extend(_adjective_titles(lang, cls, office, stems[lang][org]))
        offices.append(
            {
                "office": office,
                "org": org,
                "class": cls,
                "holders": [],
                "phrases": {k: sorted(set(v)) for k, v in phrases.items() if v},
            }
        )
    return {
        "_doc": "Generated by `python -m processors.kb_build.titles` (processors/kb_build/titles.py): the "
        "titles of each state's head of state and government and foreign, defence, interior and finance "
        "ministers in en, es, de, pl, ru and uk, from the role names of actors_wikidata.json and the "
        "gazetteer's state names (Polish genitives by Morfeusz 2, Russian and Ukrainian by pymorphy3) and, "
        "in pl, ru and uk, the state's adjective declined before the title (demonyms.json's stems). "
        "Holders come from the actors' roles of the same name; curated offices (offices.json) win.",
        "offices": offices,
    }


@functools.cache
def _spanish_names_all() -> dict[str, set[str]]:
    import gettext  # noqa: PLC0415

    import pycountry  # noqa: PLC0415 - build-time only (the kb extra)

    tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["es"], fallback=True)
    out: dict[str, set[str]] = {}
    for country in pycountry.countries:
        names = {tr.gettext(country.name)}
        common = getattr(country, "common_name", None)
        if common:
            names.add(tr.gettext(common))
        out[country.alpha_2] = names
    return out


def _spanish_names(org: str) -> set[str]:
    """The state's Spanish names (ISO 3166 translations), to pick among the gazetteer's aliases."""
    return _spanish_names_all().get(org, set())


def main() -> int:
    """Write ``offices_generated.json``; returns the number of offices."""
    data = build()
    write_json(data, OUT, indent=1, compact=False, sort_keys=True)
    return len(data["offices"])


if __name__ == "__main__":
    print(f"{main()} offices")  # noqa: T201 - a build command's one line of output
