"""Build ``processors/data/actors_orgs.json``: international organisations and political parties.

``python -m processors.kb_build.organisations [--source DIR]`` reads, from ``DIR`` (default
``../shared/kb-sources``, each folder's ``SOURCE.txt`` names its commit; nothing of it is copied here):

- ``supraverden/data/general_list.yaml`` (confirmordeny/supraverden, CC BY-SA 4.0): international
  organisations and agencies, their Wikidata QIDs, names in many languages and abbreviations;
- ``partyfacts/import/wikipedia/{wikidata,wikipedia}.csv`` (Party Facts, MIT): the core parties of
  Party Facts (those of the electoral data sets it links), with their English Wikipedia article,
  QID, English, short and native names and the years they were founded and dissolved. Kept: the
  parties that still exist or were dissolved in 2008 or later.

Alias policy, because an actor alias tags every actor that has it (no context decides): a name
is kept only when no other actor has it (curated, PETRARCH, another entry here) and it is not a
place, a demonym or a common word of our nine languages (justext's stoplists; a one-word name
also needs wordfreq's Zipf < ``NAME_ZIPF``, an acronym of four letters or more < ``ACRONYM_ZIPF``).
An acronym of two or three capitals (matched in capitals only) stands for an organisation named
in at least ``NOTABLE_LANGUAGES`` of the nine languages ("WHO", "FAO"), or for a party when it
has three letters and is a rare string ("DUP", not "GAP"). An entry whose English name is not
unique ("Labour Party", "Movement for Socialism") keeps a translation only when it is one word or
names its country, and shows its name with its country: "Labour Party (Norway)", which no text
matches. Entries curated in ``actors.json`` (same QID, or the same name of an actor of the same
country) are left out: the curated one wins. A PETRARCH organisation with one of an entry's names
is replaced: ``replaces`` maps its id to the QID, and the entry takes its old id and aliases.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pycountry
import yaml

from processors.kb_build.forms import stopwords
from processors.kb_build.petrarch import _blocked_keys
from processors.kb_build.sources import commit, source_arg, write_json, wrote
from processors.kb_build.wordlike import zipf
from processors.text import normalize_key

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
OUT = DATA_DIR / "actors_orgs.json"
LANGUAGES = ("en", "es", "fr", "de", "it", "pt", "pl", "ru", "uk")
# Names in this many of our languages make an organisation well known (the source lists the
# languages Wikidata labels it in): only then may an acronym of two or three capitals stand for it.
NOTABLE_LANGUAGES = 7
SHORT = 3  # an abbreviation this short is matched in capitals only (kb.case_rule)
DISSOLVED_SINCE = 2008
# A party's acronym of three capitals more frequent than this (Zipf, any of our languages) is
# mostly something else in text ("GAP", "INC", "DNA", "CUP").
PARTY_ACRONYM_ZIPF = 3.4  # "PHP" 3.43, "BJP" 3.54 out; "DUP" 3.11, "CHP" 2.93 in
# A longer acronym is matched capitalised ("Demos" for DEMOS): it must be rarer than a word.
ACRONYM_ZIPF = 3.8
# A one-word name as frequent as this is a word too ("Revival" 3.9, "Democratas" 3.9, "Lipa" 3.8;
# "Groen" 2.4, "Safina" 2.1 stay): lower than the gazetteer's 4.0, a party is rarer than a town.
NAME_ZIPF = 3.5
# Short acronyms of well-known organisations that news uses for something else as often (small
# curated corrections): WB the West Bank or Warner Bros, PCB the chemicals, ISA a savings account,
# CIS also "cisgender", AMF France's market regulator, ERA/ESM/EDA/ETI/ITC/PCA/SPC many things.
_AMBIGUOUS_SHORT = frozenset(
    {"WB", "PCB", "PCA", "ISA", "ERA", "CIS", "ITC", "ETI", "SPC", "ESM", "EDA", "AMF"}
)
# Party Facts' codes that are not ISO 3166-1 alpha-3.
_ISO3_EXTRA = {"XKX": "XK", "PSG": "PS"}
_QID = re.compile(r"^Q\d+$")
_MARKUP = re.compile(r"[\[\]{}|<>]|:$")  # wiki markup, "Basque:" (a label left in a native name)
_PAREN = re.compile(r"\s*\([^)]*\)\s*$")
_NON_PERSON = frozenset({"organization", "government", "opposition", "legislature", "armed group"})


@dataclass
class Org:
    """One organisation or party as the sources give it, before the alias policy."""

    id: str
    name: str
    type: str
    country: str | None
    names: list[tuple[str, str]] = field(default_factory=list)  # (name, language or "native")
    abbreviations: list[str] = field(default_factory=list)
    languages: int = 0


def _clean(value: object) -> str:
    return " ".join(str(value).split()) if isinstance(value, (str, int)) and value != "" else ""


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")


def read_supraverden(path: Path) -> list[Org]:
    """The international organisations of supraverden's ``general_list.yaml``."""
    data: dict[str, dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for title, item in data.items():
        name = _clean(item.get("Name_en")) or _clean(title)
        qid = _clean(item.get("Wikidata_code"))
        org = Org(
            id=qid if _QID.match(qid) else "org:" + _slug(name),
            name=name,
            type="organization",
            country=None,  # "ZZ" (none) or "EU" in the source
            languages=sum(1 for lang in LANGUAGES if _clean(item.get(f"Name_{lang}"))),
        )
        for key, value in item.items():
            text = _clean(value)
            lang = key.rsplit("_", 1)[-1]
            if not text or lang not in LANGUAGES:
                continue
            if key.startswith("Abbreviation_") and "former" not in key:
                org.abbreviations.append(text)
            elif key.startswith("Name_"):
                org.names.append((text, lang))
        out.append(org)
    return out


def _country(iso3: str) -> str | None:
    found = pycountry.countries.get(alpha_3=iso3)
    return found.alpha_2 if found is not None else _ISO3_EXTRA.get(iso3)


def read_partyfacts(folder: Path, since: int = DISSOLVED_SINCE) -> list[Org]:
    """Party Facts' parties that exist or were dissolved in ``since`` or later (one per QID)."""
    with (folder / "wikipedia.csv").open(encoding="utf-8", newline="") as fh:
        dissolved = {row["partyfacts_id"]: row["year_dissolved"] for row in csv.DictReader(fh)}
    by_qid: dict[str, Org] = {}
    with (folder / "wikidata.csv").open(encoding="utf-8", newline="") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: int(r["partyfacts_id"]))
    for row in rows:
        qid, year = row["wikidata_id"], dissolved.get(row["partyfacts_id"], "")
        if not _QID.match(qid) or (year[:4].isdigit() and int(year[:4]) < since):
            continue
        org = by_qid.get(qid)
        if org is None:
            name = _clean(row["name"])
            org = by_qid[qid] = Org(qid, name, "party", _country(row["country"]))
        for text, lang in ((row["name"], "en"), (row["name_native"], "native")):
            if _clean(text):
                org.names.append((_clean(text), lang))
        if _clean(row["name_short"]):
            org.abbreviations.append(_clean(row["name_short"]))
    return list(by_qid.values())


def _letters(text: str) -> int:
    return sum(c.isalpha() for c in text)


def _script_ok(text: str) -> bool:
    """Latin or Cyrillic letters only (the scripts of our nine languages)."""
    return all(unicodedata.name(c, "").startswith(("LATIN", "CYRILLIC")) for c in text if c.isalpha())


class Policy:
    """What may be an alias: the blocked keys of the rest of the knowledge base, and the word tests."""

    def __init__(self, data_dir: Path = DATA_DIR) -> None:
        # Places and demonyms apart from the common words: "WHO" is one, not in capitals.
        self.places, self.curated = _blocked_keys(set())
        self.words = stopwords()
        curated = json.loads((data_dir / "actors.json").read_text(encoding="utf-8"))["actors"]
        self.curated_qids = {a["id"] for a in curated if _QID.match(a["id"])}
        # (key, country) of the curated organisations and parties: the same entity, no QID needed.
        self.curated_named = {
            (normalize_key(n).strip(), a.get("country"))
            for a in curated
            if a["type"] != "person"
            for n in (a["name"], *a["aliases"])
        }
        petrarch = json.loads((data_dir / "actors_petrarch.json").read_text(encoding="utf-8"))["actors"]
        self.petrarch = {a["id"]: a for a in petrarch}
        self.petrarch_keys: dict[str, list[str]] = defaultdict(list)
        for a in petrarch:
            for n in (a["name"], *a["aliases"]):
                self.petrarch_keys[normalize_key(n).strip()].append(a["id"])

    def is_curated(self, org: Org) -> bool:
        """Whether ``actors.json`` has this entity (by QID, or a name of an actor of its country)."""
        if org.id in self.curated_qids:
            return True
        return any((normalize_key(n).strip(), org.country) in self.curated_named for n, _ in org.names)

    def names_place(self, text: str) -> bool:
        """Whether a word or two of ``text`` name a place or are a demonym ("Colombiano")."""
        words = normalize_key(text).split()
        pairs = [" ".join(words[i : i + 2]) for i in range(len(words) - 1)]
        return any(w in self.places for w in (*words, *pairs))

    def name_ok(self, text: str) -> bool:
        """A full name that may be an alias (before uniqueness)."""
        key = normalize_key(text).strip()
        if _letters(text) < SHORT or not self._plain(text, key):
            return False
        # A one-word name in capitals is an acronym ("DEMOS", "ОПЕК"): matched capitalised. A
        # PETRARCH organisation's name is a key already: the entry may replace it ("Hamas").
        return " " in key or self._rare(text) or self._petrarch_org(key)

    def abbreviation_ok(self, text: str, org: Org) -> bool:
        """An abbreviation that may be an alias (before uniqueness)."""
        letters = _letters(text)
        # "/": Party Facts' spelling of a hyphen or an alliance ("N/VA", "CD/V").
        if letters < 2 or "/" in text or not self._plain(text, normalize_key(text).strip()):
            return False
        if letters > SHORT or not text.isupper():
            return self._rare(text)
        # Matched in capitals only: "WHO" is no word there, but it must be the famous one.
        if org.type == "party":  # no notability signal: a string rare in text ("GAP", "INC" are not)
            return letters > 2 and zipf(text) < PARTY_ACRONYM_ZIPF
        return org.languages >= NOTABLE_LANGUAGES and text not in _AMBIGUOUS_SHORT

    def _plain(self, text: str, key: str) -> bool:
        """Our scripts, capitalised, no curated actor's, place's or demonym's key, no stopword.

        A stopword in capitals of three letters or fewer is matched only so: "WHO" is not "who".
        """
        if not _script_ok(text) or not text[:1].isupper() or _MARKUP.search(text):
            return False
        if key in self.curated or key in self.places:
            return False
        short_caps = text.isupper() and _letters(text) <= SHORT
        return short_caps or key not in self.words

    def _petrarch_org(self, key: str) -> bool:
        return any(self.petrarch[pid]["type"] in _NON_PERSON for pid in self.petrarch_keys.get(key, ()))

    @staticmethod
    def _rare(text: str) -> bool:
        """A one-word name or acronym rarer than a word (capitals: than a common acronym)."""
        return zipf(text) < (ACRONYM_ZIPF if text.isupper() else NAME_ZIPF)


@dataclass
class Built:
    """The actors in ``actors_petrarch.json``'s shape, the PETRARCH ids they replace, counts."""

    actors: list[dict[str, Any]]
    replaces: dict[str, str]
    skipped_curated: int
    per_language: Counter[str]


def _generic(orgs: list[Org]) -> set[str]:
    """The ids of entries whose English name (less a "(Country)") another entry has too."""
    by_name: dict[str, set[str]] = defaultdict(set)
    for org in orgs:
        by_name[normalize_key(_PAREN.sub("", org.name)).strip()].add(org.id)
    return {oid for ids in by_name.values() if len(ids) > 1 for oid in ids}


def _candidates(orgs: list[Org], policy: Policy) -> dict[str, list[tuple[str, str, str]]]:
    """Per entry id: its (alias, key, language) that pass the word and place tests.

    An entry of a generic English name ("Movement for Socialism", in Bolivia and Venezuela) keeps
    a translation only when it is one word ("Centerpartiet") or names its country ("Partido Liberal
    Colombiano"): "Movimiento al Socialismo" is as ambiguous as its English name.
    """
    generic = _generic(orgs)
    out: dict[str, list[tuple[str, str, str]]] = {}
    for org in orgs:
        seen: set[str] = set()
        found = []
        names = [(n, lang) for n, lang in org.names]
        names += [(_PAREN.sub("", n), lang) for n, lang in org.names if _PAREN.search(n)]
        if org.id in generic:
            names = [(n, lang) for n, lang in names if " " not in n.strip() or policy.names_place(n)]
        tagged = [(n, lang, policy.name_ok(n)) for n, lang in names]
        tagged += [(a, "abbr", policy.abbreviation_ok(a, org)) for a in org.abbreviations]
        for text, lang, ok in tagged:
            key = normalize_key(text).strip()
            if ok and key not in seen:
                seen.add(key)
                found.append((text, key, lang))
        out[org.id] = found
    return out


def _owners(orgs: list[Org], cands: dict[str, list[tuple[str, str, str]]]) -> dict[str, str]:
    """Per key, the one entry it may name: the only one that has it, or whose English name it is."""
    holders: dict[str, set[str]] = defaultdict(set)
    for oid, found in cands.items():
        for _, key, _ in found:
            holders[key].add(oid)
    english: dict[str, set[str]] = defaultdict(set)
    for org in orgs:
        english[normalize_key(org.name).strip()].add(org.id)
    owners = {}
    for key, ids in holders.items():
        if len(ids) == 1:
            owners[key] = next(iter(ids))
        elif len(named := ids & english.get(key, set())) == 1:
            owners[key] = next(iter(named))  # the OPEC Fund's "abbreviation" is OPEC's name
    return owners


def _replacements(kept: dict[str, list[tuple[str, str, str]]], policy: Policy) -> dict[str, str]:
    """PETRARCH organisations that one entry with a QID names: their id -> the QID."""
    claims: dict[str, set[str]] = defaultdict(set)
    for oid, found in kept.items():
        for _, key, _ in found:
            for pid in policy.petrarch_keys.get(key, ()):
                if policy.petrarch[pid]["type"] in _NON_PERSON:
                    claims[pid].add(oid)
    return {
        pid: next(iter(ids))
        for pid, ids in sorted(claims.items())
        if len(ids) == 1 and _QID.match(next(iter(ids)))
    }


def _display_name(org: Org, own: list[tuple[str, str, str]], taken: set[str], old: list[str]) -> str:
    """The English name; else its first own full name; else the English name with its country.

    ``old``: the names of the PETRARCH actors the entry replaces, which it keeps ("Hamas").
    """
    keys = {key for _, key, _ in own} | {normalize_key(n).strip() for n in old}
    if normalize_key(org.name).strip() in keys:
        return org.name
    for text, _, lang in own:
        if lang != "abbr" and len(text.split()) > 1:
            return text  # "Nuevas Ideas", where Party Facts' English name is "NI"
    where = "international" if org.country is None else _country_name(org.country)
    name = org.name if _PAREN.search(org.name) else f"{org.name} ({where})"
    if normalize_key(name).strip() in taken:
        name = f"{org.name} ({where}, {org.id})"
    return name


def _country_name(code: str) -> str:
    found = pycountry.countries.get(alpha_2=code)
    return str(getattr(found, "common_name", None) or found.name) if found is not None else code


def build(orgs: list[Org], policy: Policy) -> Built:
    """Apply the alias policy to the entries of both sources."""
    skipped = {o.id for o in orgs if policy.is_curated(o)}
    orgs = sorted((o for o in orgs if o.id not in skipped), key=lambda o: (o.type, o.id))
    cands = _candidates(orgs, policy)
    owners = _owners(orgs, cands)
    kept = {oid: [c for c in found if owners.get(c[1]) == oid] for oid, found in cands.items()}
    replaces = _replacements(kept, policy)
    replaced_by: dict[str, list[str]] = defaultdict(list)
    for pid, qid in replaces.items():
        replaced_by[qid].append(pid)
    actors: list[dict[str, Any]] = []
    per_language: Counter[str] = Counter()
    taken: set[str] = set(owners)
    seen_ids: set[str] = set()
    for org in orgs:
        if org.id in seen_ids:
            continue  # a QID listed twice in supraverden: the first entry
        seen_ids.add(org.id)
        own = [c for c in kept[org.id] if not _petrarch_clash(c[1], org.id, policy, replaces)]
        old_names = [n for pid in replaced_by.get(org.id, ()) for n in _names(policy.petrarch[pid])]
        name = _display_name(org, own, taken, old_names)
        taken.add(normalize_key(name).strip())
        aliases = [text for text, _, _ in own if text != name]
        per_language.update(lang for _, _, lang in own)
        kind = org.type
        # The old ids first: a tag carries its first aliases, and a subscription by id still matches.
        aliases = [*replaced_by.get(org.id, ()), *aliases]
        for pid in replaced_by.get(org.id, ()):
            old = policy.petrarch[pid]
            if old["type"] == "armed group":
                kind = old["type"]  # Hamas, UNITA: a party too, but news reports them as armed groups
            aliases += [a for a in (old["name"], *old["aliases"]) if a not in aliases and a != name]
        actors.append({"id": org.id, "name": name, "type": kind, "country": org.country, "aliases": aliases})
    return Built(actors, replaces, len(skipped), per_language)


def _names(actor: dict[str, Any]) -> list[str]:
    return [actor["name"], *actor["aliases"]]


def _petrarch_clash(key: str, oid: str, policy: Policy, replaces: dict[str, str]) -> bool:
    """Whether a PETRARCH actor this entry does not replace has the key (it would tag both)."""
    return any(replaces.get(pid) != oid for pid in policy.petrarch_keys.get(key, ()))


def write(built: Built, source: Path, out: Path = OUT) -> None:
    """Write ``actors_orgs.json`` (sorted by id: the same sources give the same bytes)."""
    doc = {
        "_doc": "Generated by `python -m processors.kb_build.organisations` (make kb) from "
        "confirmordeny/supraverden @ "
        f"{commit(source, 'supraverden')} data/general_list.yaml (international organisations; "
        "CC BY-SA 4.0, attribution: the supraverden project, https://github.com/confirmordeny/supraverden; "
        "this file is an adaptation under the same licence) and hdigital/partyfactsdata @ "
        f"{commit(source, 'partyfacts')} import/wikipedia (Party Facts core parties that exist or were "
        f"dissolved in {DISSOLVED_SINCE} or later; MIT, Party Facts, Döring & Regel). Aliases: unique in "
        "the knowledge base, no place, demonym or common word; curated actors (actors.json) left out; "
        "'replaces': PETRARCH actors of the same name, which these take the place of.",
        "replaces": built.replaces,
        "actors": sorted(built.actors, key=lambda a: a["id"]),
    }
    write_json(doc, out)


def main(argv: list[str] | None = None) -> None:
    """``python -m processors.kb_build.organisations [--source DIR]``."""
    source = source_arg(argv, __doc__)
    orgs = read_supraverden(source / "supraverden" / "data" / "general_list.yaml")
    orgs += read_partyfacts(source / "partyfacts" / "import" / "wikipedia")
    built = build(orgs, Policy())
    write(built, source)
    print(  # noqa: T201
        f"{wrote(built.actors, OUT)}, by language {dict(sorted(built.per_language.items()))}; "
        f"{built.skipped_curated} curated, {len(built.replaces)} PETRARCH actors replaced"
    )


if __name__ == "__main__":
    main()
