"""Build ``processors/data/actors_companies.json``: companies and news media.

``python -m processors.kb_build.companies [--source DIR]`` reads, from ``DIR`` (default
``../shared/kb-sources``, extracted by ``deploy/kb-sources.sh``; nothing of it is copied here):

- ``nsi/data/{brands,operators/power,operators/telecom}`` (osmlab/name-suggestion-index, BSD
  3-Clause): brands and operators with their Wikidata QIDs and names in several languages. Entries
  of one name (Walmart's store and fuel brands) are one actor, under the QID most entries give;
- ``financedatabase/database/equities/*.csv`` (JerBouma/FinanceDatabase, MIT): listed companies of
  ``CAPS`` market capitalisation, their names with and without the legal form ("Rheinmetall AG",
  "Rheinmetall"); one that a brand already names joins the brand's QID, the others get a slug id;
- ``fundus/src/fundus/publishers/*/__init__.py`` (flairNLP/fundus, MIT): news publishers;
- ``sp500/data/constituents.csv`` (ODC-PDDL) and ``universities/world_universities_and_domains.json``
  (MIT): the S&P 500's companies and the world's universities, read by ``listings.py``;
- ``newspapers/full_list_of_newspapers.json`` (patrickswickard/international_newspapers): a
  Wikidata query's newspapers with an official website, their QIDs, English labels and countries
  (Wikidata's data, CC0); a publisher of the same name joins its newspaper.

Alias policy (an alias tags every mention; no context decides): ``organisations.Policy`` (unique,
no place, demonym, stopword or other actor's name) and, for a one-word name, ``word_ok``: rarer
than a word (Zipf < ``RARE_ZIPF``), or a notable company's (listed) or publisher's name, no English
word (FinanceDatabase's summaries never write it in lower case) and rare enough or used alike in
our languages ("Volkswagen", "Airbus"; not "Shell", "Target", "Esprit", each a word).
No given name ("Paul") and no given name and surname ("Ralph Lauren"), no phrase of common words
only ("Best Buy", "Post Office").
"""

from __future__ import annotations

import csv
import json
import re
import statistics
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pycountry

from processors.kb_build.organisations import DATA_DIR, LANGUAGES, SHORT, Built, Org, Policy, build
from processors.kb_build.sources import commit, source_arg, write_json
from processors.text import normalize_key

OUT = DATA_DIR / "actors_companies.json"
CAPS = frozenset({"Mega Cap", "Large Cap"})  # FinanceDatabase: $10 billion or more
# A one-word name rarer than this (Zipf, the highest of our languages) is no word ("Cupra" 2.4; a
# shop's "Kieser" 2.5 and "Klass" 2.8 are surnames).
RARE_ZIPF = 2.5
# A publisher's name (of its own language: "Tageblatt" 3.3) and a notable acronym of three capitals
# or fewer ("UBS" 3.3; "DNS" 3.7 is not) may be as frequent as this.
NAME_ZIPF = 3.5
# A notable entry's name (a listed company and its brand) that is no English word (the summaries
# write it capitalised only) may be as frequent as this: "Walmart" 3.95, "Rheinmetall" 3.1; not
# "Tapestry" 3.2 or "Compass" 3.7 ...
NOTABLE_ZIPF = 4.0
# ... or as this when it is about as frequent in most of our languages (a name, not a word of one
# language): "Intel" 4.1 and "Renault" 4.2 are; "Shell" 4.4 (en; 3.4 elsewhere) and "Allianz"
# 4.2 (de) are not.
INTERNATIONAL_ZIPF = 4.6
SPREAD = 0.8  # Zipf: the highest minus the median of the languages that use the name at all
ALIKE_LANGUAGES = 5  # ... and that many of them do: "Лента" (ribbon, ru and uk only) is a word
# Acronyms of listed companies that news uses for something else: DLF is Deutschlandfunk.
_AMBIGUOUS_SHORT = frozenset({"DLF", "DNS", "SAS", "PBS", "CSD", "TKO", "AES"})  # a knockout, a cipher
# Notable names that are words of every language, nouns in German ("Visa", "Titan") or surnames, or
# say something else in news ("Dow": the Dow Jones; "Carnival": Rio's; "Everest", the mountain): a
# small curated correction of the word test.
_AMBIGUOUS = frozenset(
    {"Visa", "Titan", "Magma", "Magnum", "Dow", "Pandora", "Oracle", "Lumen", "Lear", "Goodman", "Coles"}
    | {"Rollins", "Caterpillar", "Vogue", "Kapitol", "Mesopotamia", "Salamander", "Hexagon", "Ozon"}
    | {"Kakao", "Cheetah", "Countdown", "Kerry", "Mowi", "Alphabet", "Affirm", "Plenitude", "Workday"}
    | {"Kingfisher", "Cintas", "Red Baron", "Carnival", "Everest"}
)
# A word the company summaries write in lower case this often against capitalised is a word:
# "tapestry" 0.056, "compass" 0.053, "apple" 0.10, "shell" 0.72; "siemens" 0.027, "airbus" 0.008.
LOWERCASE_SHARE = 0.05
PHRASE_ZIPF = 4.5  # a word of a name this frequent is common: "Market" 5.2, "Energy" 5.0, "Direct" 4.9
WORD_ZIPF = 4.0  # wordlike.WORD_ZIPF: "The Nation" (4.9), "The Citizen" (4.6) are a word each
_NSI_KEYS = ("brand", "operator")
# The name-suggestion-index's categories of brands that are no companies: schools, hospitals,
# charities, clubs, emergency services, unions and associations (Caritas, Johanniter, DLRG).
_NON_COMMERCIAL = frozenset(
    {
        *("amenity/animal_shelter", "amenity/childcare", "amenity/clinic", "amenity/college"),
        *("amenity/community_centre", "amenity/hospital", "amenity/kindergarten", "amenity/library"),
        *("amenity/prep_school", "amenity/school", "amenity/social_centre", "amenity/social_facility"),
        *("amenity/university", "office/association", "office/government", "office/political_party"),
        *("office/union", "shop/charity", "healthcare/blood_donation"),
    }
)
_NON_COMMERCIAL_KEYS = frozenset({("club",), ("emergency",)})
_INSTITUTION = re.compile(r"Universit|College|Hospital|School|Schule|Klinik|Krankenhaus|Hôpital")
_QID = re.compile(r"^Q\d+$")
_LEGAL = re.compile(
    r"(?:,?\s+(?:Inc|Incorporated|Corp|Corporation|Co|Company|Ltd|Limited|plc|PLC|AG|SE|NV|N\.V|SA|"
    r"S\.A|S\.p\.A|SpA|AB|ASA|A/S|Oyj|Holdings?|LLC|L\.P|LP|KGaA|GmbH|Tbk|Bhd|Berhad|PJSC|OJSC|"
    r"JSC|PAO|S\.A\.B\. de C\.V|SAB de CV|Ltda|S\.A\.A|& Co|and Company|Group|Public Company|Public|"
    r"Class [A-C]|Ordinary Shares|Aktiengesellschaft))\.?$"
)
_LOWER_WORD = re.compile(r"(?<![\w.-])[a-z]+(?![\w-]|\.\w)")  # not "walmart.com"
_CAPITAL_WORD = re.compile(r"(?<![\w.-])[A-Z][a-z]+(?![\w-]|\.\w)")
_PUBLISHER = re.compile(r'Publisher\(\s*name="([^"]+)"')
_ABBREVIATION = re.compile(r"^(.+?)\s*\(([^)]+)\)$")


def _slug(name: str) -> str:
    """An ASCII id part: "Bolloré SE" -> "bollore-se"."""
    folded = unicodedata.normalize("NFKD", normalize_key(name)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


def _key(name: str) -> str:
    return normalize_key(name).strip()


def _country(code: str) -> str | None:
    found = pycountry.countries.get(alpha_2=code.upper()) if len(code) == 2 else None
    return found.alpha_2 if found is not None else None


class _Groups:
    """Union-find over QIDs: entries that share a name are one actor."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, qid: str) -> str:
        root = self.parent.setdefault(qid, qid)
        while root != self.parent[root]:
            root = self.parent[root]
        self.parent[qid] = root
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb, key=_qid_order)] = min(ra, rb, key=_qid_order)


def _qid_order(qid: str) -> int:
    return int(qid[1:])


def _nsi_names(tags: dict[str, str], prefix: str) -> list[tuple[str, str]]:
    names = [(tags[prefix], "en")] if tags.get(prefix) else []
    names += [(tags[f"{prefix}:{lang}"], lang) for lang in LANGUAGES if tags.get(f"{prefix}:{lang}")]
    return names


def _nsi_type(path: Path, folder: Path) -> str:
    """The type: "organization" for the brands of schools, hospitals, charities, unions...; else "company"."""
    parts = path.relative_to(folder).with_suffix("").parts  # ("brands", "amenity", "school")
    kind = "/".join(parts[1:3])
    return "organization" if kind in _NON_COMMERCIAL or parts[1:2] in _NON_COMMERCIAL_KEYS else "company"


def read_nsi(folder: Path) -> list[Org]:
    """Brands and operators with a QID; one actor per group of QIDs that share their main name.

    Not notable (``languages`` 1): a brand's labels in Russian and Ukrainian are no sign of it
    ("Фасоль", a chain of shops, is "beans").
    """
    items: list[tuple[str, list[tuple[str, str]], str | None, str]] = []
    for path in sorted(folder.rglob("*.json")):
        kind = _nsi_type(path, folder)
        for item in json.loads(path.read_text(encoding="utf-8")).get("items", ()):
            tags, where = item.get("tags", {}), item.get("locationSet", {}).get("include", [])
            where = [w for w in where if isinstance(w, str)]
            country = _country(where[0]) if len(where) == 1 else None
            for prefix in _NSI_KEYS:
                qid = tags.get(f"{prefix}:wikidata", "")
                if _QID.match(qid) and (names := _nsi_names(tags, prefix)):
                    items.append((qid, names, country, kind))
    groups, by_name = _Groups(), dict[str, str]()
    uses: dict[str, Counter[str]] = defaultdict(Counter)  # per main name: the QIDs its entries give
    for qid, names, _, _ in items:
        key = _key(names[0][0])
        uses[key][qid] += 1
        groups.union(by_name.setdefault(key, qid), qid)
    orgs: dict[str, Org] = {}
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    for qid, names, country, kind in items:
        root = groups.find(qid)
        org = orgs.get(root)
        if org is None:
            org = orgs[root] = Org(root, names[0][0], "company", country, languages=1)
        elif org.country != country:
            org.country = None
        org.names += [n for n in names if n not in org.names]
        kinds[root][kind] += 1
    for root, org in orgs.items():
        # The id: the QID that most entries of the group's main name give ("Walmart": the company).
        found = uses[_key(org.name)]
        org.id = max(found, key=lambda q: (found[q], -_qid_order(q)))
        org.type = max(kinds[root], key=lambda k: (kinds[root][k], k))
        if _INSTITUTION.search(org.name):  # Yale University runs power plants too: no company
            org.type = "organization"
    return sorted(orgs.values(), key=lambda o: o.id)


def _plain_name(name: str) -> str:
    while (short := _LEGAL.sub("", name)) != name:
        name = short.rstrip(" ,")
    return name


def read_financedatabase(folder: Path, caps: frozenset[str] = CAPS) -> list[Org]:
    """Listed companies of ``caps``, one per ISIN, under their clean name (mixed case, no digits)."""
    names: dict[str, Counter[str]] = defaultdict(Counter)
    countries: dict[str, str] = {}
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                name = " ".join(row["name"].split())
                if row["market_cap"] not in caps or row.get("delisted") == "True":
                    continue
                if not re.search(r"[a-z]", name) or re.search(r"\d", name):
                    continue  # "FLEETCOR TECHS DL -,001": a foreign listing's ticker name
                ident = row["isin"] or f"{row['country']}:{name}"
                names[ident][name] += 1
                countries.setdefault(ident, row["country"])
    orgs: dict[str, Org] = {}
    for ident in sorted(names):
        full = min(names[ident], key=lambda n: (-names[ident][n], n))
        full = re.sub(r"\s+(?:Class [A-C]|Ordinary Shares)$", "", full)  # a share's, not the company's
        short = _plain_name(full)
        oid = "company:" + _slug(short)
        if not oid.removeprefix("company:") or oid in orgs:
            continue
        org = orgs[oid] = Org(oid, short, "company", _country_named(countries[ident]), languages=2)  # listed
        org.names += [(short, "en")] + ([(full, "en")] if full != short else [])
    return list(orgs.values())


def lowercase_words(folder: Path, share: float = LOWERCASE_SHARE) -> frozenset[str]:
    """English words, as FinanceDatabase's company summaries write them in lower case.

    A company's name is written capitalised; "tapestry", "booking" or "compass" in lower case are
    words, and the companies of those names are no alias ("Rheinmetall", "Walmart" never are). A
    word is one written in lower case at least ``share`` times as often as capitalised: a name is
    now and then too, by a slip ("the airbus airliners" once against 126 "Airbus").
    """
    lower: Counter[str] = Counter()
    upper: Counter[str] = Counter()
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                summary = row.get("summary") or ""
                lower.update(_LOWER_WORD.findall(summary))
                upper.update(w.casefold() for w in _CAPITAL_WORD.findall(summary))
    return frozenset(word for word, n in lower.items() if n >= share * (upper[word] + 1))


def read_fundus(folder: Path) -> list[Org]:
    """News publishers, by country ("Mitteldeutscher Rundfunk (MDR)": the name and "MDR")."""
    orgs: dict[str, Org] = {}
    for path in sorted(folder.glob("*/__init__.py")):
        country = _country(path.parent.name)
        for name in _PUBLISHER.findall(path.read_text(encoding="utf-8")):
            found = _ABBREVIATION.match(name)
            full = found.group(1) if found else name
            oid = "media:" + _slug(full)
            if oid == "media:":
                continue  # a name of no Latin letters: no id to give it
            org = orgs.setdefault(oid, Org(oid, full, "media", country, languages=2))  # notable
            org.names.append((full, "en"))
            # "Associated Press News" is the Associated Press; "The Japan News" is not "The Japan".
            if full.endswith(" News") and len(full.split()) > 2 and not full.startswith("The "):
                org.names.append((full.removesuffix(" News"), "en"))
            if found:
                org.abbreviations.append(found.group(2))
    return [orgs[k] for k in sorted(orgs)]


def read_newspapers(path: Path) -> list[Org]:
    """Newspapers of a Wikidata query's result (``item``, ``itemLabel``, ``countryLabel``), by QID.

    An item without an English label (the label is its QID) is left out, and so is one whose label
    an item of a far lower QID has (``_known``): two papers of one name would leave it to neither.
    """
    rows = json.loads(path.read_text(encoding="utf-8"))["results"]["bindings"]
    holders: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        holders[_key(row.get("itemLabel", {}).get("value", ""))].add(row["item"]["value"].rsplit("/", 1)[-1])
    orgs: dict[str, Org] = {}
    for row in rows:
        qid = row["item"]["value"].rsplit("/", 1)[-1]
        name = " ".join(row.get("itemLabel", {}).get("value", "").split())
        if not _QID.match(qid) or not name or _QID.match(name) or qid in orgs:
            continue
        if (known := _known(holders[_key(name)])) is not None and known != qid:
            continue
        orgs[qid] = Org(qid, name, "media", _country_named(row.get("countryLabel", {}).get("value", "")))
        orgs[qid].names.append((name, "en"))
        orgs[qid].languages = 1
    return [orgs[k] for k in sorted(orgs, key=_qid_order)]


# A newspaper's QID this low is one of Wikidata's first items (2012, made from the Wikipedia
# articles of many languages), and ten times lower than a namesake's: the paper known abroad.
KNOWN_QID = 1_000_000
KNOWN_RATIO = 10


def _known(qids: set[str]) -> str | None:
    """Of the items of one label, the known paper: "Novaya Gazeta" Q170135 (Moscow), not Q15043094.

    None when no item is that far the first ("The Herald", "The Gazette": many papers, none known).
    """
    valid = sorted((q for q in qids if _QID.match(q)), key=_qid_order)
    if len(valid) < 2 or _qid_order(valid[0]) >= KNOWN_QID:
        return None
    first = _qid_order(valid[0])
    return valid[0] if all(_qid_order(q) >= KNOWN_RATIO * first for q in valid[1:]) else None


def _country_named(name: str) -> str | None:
    try:
        return str(pycountry.countries.lookup(name).alpha_2) if name else None
    except LookupError:
        return None


def merge(brands: list[Org], listed: list[Org]) -> list[Org]:
    """Entries of ``listed`` that an entry of ``brands`` names join it (its QID); the rest stand alone.

    Listed companies join brands, fundus' publishers the newspapers of Wikidata; an entry of the same
    slug id (one company's name spelled otherwise by two lists) joins it too.
    """
    by_key = {_key(n): org for org in brands for n, _ in org.names}
    by_id = {org.id: org for org in brands}  # "Archer Daniels Midland", "Archer-Daniels-Midland"
    out = list(brands)
    for org in listed:
        brand = by_id.get(org.id) or next((by_key[_key(n)] for n, _ in org.names if _key(n) in by_key), None)
        if brand is None:
            out.append(org)
            continue
        brand.names += [n for n in org.names if n not in brand.names]
        brand.abbreviations += [a for a in org.abbreviations if a not in brand.abbreviations]
        brand.country = brand.country or org.country
        brand.languages = max(brand.languages, org.languages)  # listed, a publisher: notable
    return out


class CompanyPolicy(Policy):
    """``organisations.Policy`` with the other generated actors' names, given names and word tests."""

    def __init__(self, data_dir: Path = DATA_DIR) -> None:
        super().__init__(data_dir)
        for name in ("actors_wikidata.json", "actors_orgs.json", "actors_groups.json"):
            if (data_dir / name).exists():
                doc = json.loads((data_dir / name).read_text(encoding="utf-8"))
                self.curated.update(_key(n) for a in doc["actors"] for n in (a["name"], *a["aliases"]))
        given = json.loads((data_dir / "given_names.json").read_text(encoding="utf-8"))["names"]
        self.given = frozenset(given)
        self.town_words = frozenset(
            json.loads((data_dir / "place_words.json").read_text(encoding="utf-8"))["words"]
        )
        # The names of notable entries and of publishers (set by ``build_companies``).
        self.notable: set[str] = set()
        self.media: set[str] = set()
        self.phrases: set[str] = set()  # the names of notable entries and newspapers
        self.lowercase: frozenset[str] = frozenset()  # English words (``lowercase_words``)

    def name_ok(self, text: str) -> bool:
        """A full name that may be an alias: the organisations' tests, then the word tests here."""
        key = _key(text)
        words = key.split()
        if not words or sum(c.isalpha() for c in text) < SHORT or not self._plain(text, key):
            return False
        if text in _AMBIGUOUS:
            return False
        if len(words) == 1:
            return words[0] not in self.given and self.word_ok(text)
        if words[0] == "the" and ((rest := " ".join(words[1:])) in self.curated or rest in self.places):
            return False  # "The BBC": the curated BBC's, and it would hide it
        if len(words) <= 3 and words[0] in self.given:  # "Ralph Lauren", "Jack Wolfskin": people
            return False
        return self.phrase_ok(key)

    def phrase_ok(self, key: str) -> bool:
        """A name of several words: no stopwords only, and a word no common one or place, or notable.

        Phrases of common words and places only ("US Market", "Clean Energy", "Daily News") are
        the names of notable entries only, with a place ("Deutsche Bank") or of three words ("The
        Wall Street Journal"). A word of ours with its article ("The Sun") is none.
        """
        content = [w for w in key.split() if w not in self.words]  # "El Mundo", "Le Monde": none
        # One word with its article: rarer than a word ("La Sirena" 3.7 is a siren), a publisher's a
        # little less rare ("El Espectador" 3.9).
        if not content or (len(content) == 1 and _zipf(content[0]) >= self._word_zipf(key)):
            return False
        placed = [w in self.places and w not in self.town_words for w in content]
        if any(not place and _zipf(w) < PHRASE_ZIPF for w, place in zip(content, placed, strict=True)):
            return True  # "Krautwickel Werke"
        return key in self.phrases and (any(placed) or len(content) >= 3)

    def _word_zipf(self, key: str) -> float:
        return WORD_ZIPF if key in self.phrases else NAME_ZIPF

    def word_ok(self, text: str) -> bool:
        """A one-word name: rare; or a notable entry's and no English word; see the module's doc."""
        freqs = _zipfs(text)
        top = max(freqs)
        key = _key(text)
        notable = key in self.notable and key not in self.lowercase
        if text.isupper() and sum(c.isalpha() for c in text) <= SHORT:  # matched in capitals only
            return notable and top < NAME_ZIPF and text not in _AMBIGUOUS_SHORT
        if top < RARE_ZIPF:
            return True
        if key in self.media:  # a publisher's name is of its language ("Tageblatt")
            return top < NAME_ZIPF
        used = [f for f in freqs if f > 0]
        alike = len(used) >= ALIKE_LANGUAGES and top - statistics.median(used) <= SPREAD
        return notable and (top < NOTABLE_ZIPF or (alike and top < INTERNATIONAL_ZIPF))


def _zipfs(word: str) -> list[float]:
    from wordfreq import zipf_frequency  # noqa: PLC0415 - the build's extra, imported when used

    return [zipf_frequency(word.casefold(), lang) for lang in LANGUAGES]


def _zipf(word: str) -> float:
    return max(_zipfs(word))


def build_companies(orgs: list[Org], policy: CompanyPolicy) -> Built:
    """The alias policy over companies and media.

    Notable: a listed company (with the brand of its name) and a publisher of fundus'; a newspaper
    of Wikidata's list has a name of common words ("The Wall Street Journal") as a notable entry.
    """
    for org in orgs:  # the display name is an alias too: capitalised ("Cintas", not "cintas")
        if not org.name[:1].isupper():
            org.name = next(
                (n for n, _ in org.names if n[:1].isupper() and _key(n) == _key(org.name)), org.name
            )
    policy.notable = {_key(n) for org in orgs if org.languages > 1 for n, _ in org.names}
    policy.media = {
        _key(n) for org in orgs if org.languages > 1 and org.type == "media" for n, _ in org.names
    }
    policy.phrases = policy.notable | {_key(n) for org in orgs if org.type == "media" for n, _ in org.names}
    return build(orgs, policy)


def write(built: Built, source: Path, out: Path = OUT) -> None:
    """Write ``actors_companies.json`` (sorted by id: the same sources give the same bytes)."""
    doc = {
        "_doc": "Generated by `python -m processors.kb_build.companies` (make kb) from "
        f"osmlab/name-suggestion-index @ {commit(source, 'nsi')} data/brands, data/operators/power, "
        "data/operators/telecom (brands and operators with Wikidata QIDs; BSD 3-Clause, copyright "
        "name-suggestion-index contributors), JerBouma/FinanceDatabase @ "
        f"{commit(source, 'financedatabase')} database/equities (listed companies of "
        f"{' or '.join(sorted(CAPS))}; MIT, copyright Jeroen Bouma), {_listings().sources_doc(source)}"
        "flairNLP/fundus @ "
        f"{commit(source, 'fundus')} src/fundus/publishers (news publishers; MIT, copyright Max "
        "Dallabetta, Conrad Dobberstein, Aaron Wey) and patrickswickard/international_newspapers @ "
        f"{commit(source, 'newspapers')} full_list_of_newspapers.json (newspapers of a Wikidata query; "
        "Wikidata's data, CC0). Aliases: unique in the knowledge base, no place, "
        "demonym, common word, given name or other actor's name; ids: QIDs, else company:/media:/university: "
        "slugs; 'replaces': PETRARCH actors of the same name, which these take the place of.",
        "replaces": built.replaces,
        "actors": sorted((a for a in built.actors if _names_any(a)), key=lambda a: a["id"]),
    }
    write_json(doc, out)


def _names_any(actor: dict[str, Any]) -> bool:
    """Whether the actor has a name text can match (not only its display name with a country)."""
    return bool(actor["aliases"]) or "(" not in actor["name"]


def _listings() -> Any:  # the module (typed as such, mypy would follow the import cycle)
    # listings reads this module's name helpers: imported when used, once this module is loaded.
    from processors.kb_build import listings  # noqa: PLC0415

    return listings


def read_all(source: Path) -> list[Org]:
    """Every source's entries: brands with listed companies and universities, newspapers with publishers.

    Listed companies: FinanceDatabase's, the S&P 500's (``listings.py``).
    """
    brands = read_nsi(source / "nsi" / "data")
    listed = read_financedatabase(source / "financedatabase" / "database" / "equities")
    more = _listings().read_all(source)
    newspapers = read_newspapers(source / "newspapers" / "full_list_of_newspapers.json")
    publishers = read_fundus(source / "fundus" / "src" / "fundus" / "publishers")
    return merge(merge(brands, listed), more) + merge(newspapers, publishers)


def main(argv: list[str] | None = None) -> None:
    """``python -m processors.kb_build.companies [--source DIR]``."""
    source = source_arg(argv, __doc__)
    policy = CompanyPolicy()
    policy.lowercase = lowercase_words(source / "financedatabase" / "database" / "equities")
    built = build_companies(read_all(source), policy)
    write(built, source)
    kept = [a for a in built.actors if _names_any(a)]
    kinds = Counter(a["type"] for a in kept)
    print(  # noqa: T201
        f"wrote {len(kept)} actors ({dict(sorted(kinds.items()))}) to {OUT}; "
        f"{sum(len(a['aliases']) for a in kept)} aliases; {len(built.actors) - len(kept)} without a "
        f"name text may match left out; {built.skipped_curated} curated, "
        f"{len(built.replaces)} PETRARCH actors replaced"
    )


if __name__ == "__main__":
    main()
