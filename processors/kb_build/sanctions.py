"""Build ``processors/data/actors_groups.json``: armed groups and terrorist organisations of sanctions lists.

``python -m processors.kb_build.sanctions [--source DIR]`` reads, from ``DIR/watchman`` (default
``../shared/kb-sources``, see ``watchman/SOURCE.txt``; nothing of it is copied here), the test
fixtures of moov-io/watchman:

- ``UN_consolidated.xml``: the UN Security Council consolidated list (entities and their a.k.a.
  names). Kept: the entities of the ISIL/Al-Qaida, Taliban and conflict lists (DRC, CAR,
  Somalia, Libya, Yemen, Haiti, Sudan, South Sudan) whose names are a group's, not a company's,
  a charity's or an exchange house's (``_NOT_GROUP``): the ADF, M23, Boko Haram, the Houthis.
- ``sdn.csv`` and ``alt.csv``: OFAC's SDN list (US public domain). Kept: the entities of the
  foreign terrorist organisations program (FTO), the group-named ones of SDGT, and of the
  Crimea/Donbas order (UKRAINE-EO13660: the Donbass People's Militia, Oplot).

Russia-related state-linked companies are not taken wholesale (most are obscure shells): a
sanctioned entity of another kind is kept only when PETRARCH's dictionaries know it by name,
which is the notability signal we have; it then replaces that actor and brings the list's names.
A state's forces that OFAC lists under SDGT (Iran's Revolutionary Guards, the Basij) are left out
the same way: they are no armed group.

Alias policy (an alias tags every actor that has it): a name is kept when it is Latin or
Cyrillic, no other actor of the knowledge base has it (curated, QID tables, PETRARCH, another
entry here), it is not a place, a region or a demonym, and it is not made of common words (a
one-word name needs wordfreq's Zipf < ``NAME_ZIPF``; a name of one or two content words may not
be all common words: "The Youth", "Supporters of God"). Acronyms need three letters or more.
An entity that a curated or QID actor has by its own name is left out: that actor wins.
"""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from processors.kb_build.forms import stopwords
from processors.kb_build.organisations import ACRONYM_ZIPF, PARTY_ACRONYM_ZIPF
from processors.kb_build.organisations import _script_ok as script_ok
from processors.kb_build.petrarch import _blocked_keys
from processors.kb_build.sources import commit, source_arg, write_json, wrote
from processors.kb_build.wordlike import zipf
from processors.text import normalize_key

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
OUT = DATA_DIR / "actors_groups.json"
ARMED = "armed group"
# UN lists of armed groups and terrorist organisations (the others: DPRK, Iran, Iraq, Guinea-Bissau
# are state companies, banks and a junta).
UN_LISTS = frozenset(
    {"Al-Qaida", "Taliban", "DRC", "CAR", "Somalia", "Libya", "Yemen", "Haiti", "Sudan", "SouthSudan"}
)
GROUP_PROGRAMS = frozenset({"FTO", "SDGT", "UKRAINE-EO13660"})
# A word this frequent in one of our languages is a common word in a name.
COMMON_ZIPF = 3.5
MIN_LETTERS = 3
# A one-word a.k.a. (not the entry's own name) this short or frequent is a given name or a word.
ONE_WORD_MIN = 6
ONE_WORD_ZIPF = 2.8  # "Houthis" 2.67, "Sentinels" 2.84, "Veiled" 3.26
# Names the lists give to the curated Islamic State (actors.json, Q2796) as an alias of its
# predecessors (Al-Qaida in Iraq, Tawhid and Jihad): the curated actor must keep them.
_NOT_ALIAS = frozenset(
    {"Islamic State of Iraq and the Levant", "Islamic State in Iraq and the Levant", "Islamic State of Iraq",
     "Islamic State of Iraq and Syria", "Islamic State in Iraq", "ISI", "ISIL", "ISIS", "Daesh", "Daish"}
)  # fmt: skip
# OFAC writes every name in capitals: a one-word name this short is an acronym ("LRA", "FARC").
ACRONYM_MAX = 4
# Words of a company's, charity's, exchange house's or institution's name: no armed group.
_NOT_GROUP = re.compile(
    r"\b(TRUST|FOUNDATION|FUND|CHARIT\w*|RELIEF|AID|SOCIETY|EXCHANGE|HAWALA|SARAFI|COMPANY|CO|LTD|"
    r"LIMITED|LLC|INC|CORP\w*|S\.?A|SARL|GMBH|OOO|OAO|ZAO|PAO|JSC|AO|TRADING|BANK|AIRLINES?|NGO|"
    r"COMMITTEE|BRANCH|INVESTMENTS?|PORTFOLIO|AUTHORITY|OFFICE|INSTITUTE|CENT(?:ER|RE)|ASSOCIATION|"
    r"AGENCY|SERVICES?|UNIVERSITY|SCHOOL|MEDIA|NEWS|RADIO|TV|TELEVISION|PUBLISH\w*|IMPEX|GOLD|"
    r"MINING|PETROLEUM|OIL|HOLDINGS?|ENTERPRISES?|INDUSTR\w*|PARTY|UNION|REPUBLIC|HOUSE|MOSQUE|"
    r"ESTABLISHMENT|CONSTRUCTION|IMPORT|EXPORT|TRAVEL|TOURS?|HOSPITAL|MEDICAL|BUREAU|OFFICES|PARTNERS|"
    r"CAPITAL|TOV|SP|Z O O|\w*NEFTEGAZ|ENERGY|AVIATION|AIR|AIRWAYS|PHARM\w*|SHIP\w*|LOGISTICS|SAL|FZE|"
    r"FZC|SPRL|NV|BVBA|SUPERMARKET|BAKER\w*|SWEETS|COMPAGNIE|SOCIETE|MINISTRY|CONSULT\w*|ENGINEER\w*|"
    r"TRADERS?|PROJECTS?|EXCHANGERS?|WELFARE|HUMANITARIAN|RECONSTRUCTION|SUPPORT|BENEVOLEN\w*)\b",
    re.IGNORECASE,
)
_COMPANY = re.compile(
    r"\b(COMPANY|CO|LTD|LIMITED|LLC|INC|CORP\w*|OOO|OAO|ZAO|PAO|JSC|AO|BANK|TRADING|EXCHANGE|SAL|TOV)\b",
    re.IGNORECASE,
)
# Words of an armed group's name (English and the transliterations the lists use): an SDGT
# entity needs one (the program also holds shops, airlines and exchange houses named otherwise).
_GROUP = re.compile(
    r"\b(BRIGADES?|BATTALIONS?|ARMY|ARMED|FRONT|MOVEMENT|NETWORK|MILITIAS?|FORCES?|LIBERATION|RESISTANCE|"
    r"REGIMENT|SQUADS?|COMMANDOS?|DEFENDERS|FIGHTERS?|FIGHTING|COMBATANTS?|GUERRILLAS?|REVOLUTIONARY|"
    r"REVOLUTIONARIES|JIHAD\w*|MUJAHID\w*|TALIBAN|ISLAMIC STATE|EMIRATE|CALIPHATE|WILAYAT|ANSAR\w*|"
    r"JAISH|JAYSH|LIWA|KATA'?IB|SARAYA|HARAKAT|HIZB\w*|JUND|JABHAT|JAMA'?A\w*|JEMAAH|TEHRIK|LASHKAR|"
    r"TANZIM|ASA'?IB|QA'?IDA|QAEDA|SHABAAB)\b",
    re.IGNORECASE,
)
# A state's forces that OFAC lists under SDGT (Iran's Revolutionary Guards, the Basij): the
# knowledge base's type for armed forces.
_STATE_FORCES = re.compile(
    r"\b(IRGC|REVOLUTIONARY GUARDS?|REVOLUTION GUARDS|PASDARAN|BASIJ)\b", re.IGNORECASE
)
_SMALL = frozenset(
    {"of", "the", "and", "in", "for", "on", "to", "at", "by", "wa", "wal", "fi", "li", "de", "du", "des",
     "la", "le", "les", "et", "el", "ul", "ut", "e", "i", "bin", "ibn", "min", "an", "ash", "as", "ad"}
)  # fmt: skip
_PAREN = re.compile(r"\(([^()]*)\)")
_PAREN_END = re.compile(r"\s*\([^()]*\)\s*$")
_QUOTES = "'\"‘’“”`"
_PEOPLE_TYPES = frozenset({"person"})


@dataclass
class Group:
    """One listed entity: its names as the list gives them (the first is its own) and kind."""

    source: str  # "un:<reference>" or "ofac:<ent_num>"
    names: list[str]
    type: str
    programs: tuple[str, ...] = ()
    acronyms: list[str] = field(default_factory=list)


def title(text: str, acronyms: frozenset[str] = frozenset()) -> str:
    """A name in capitals as it is written: "AL-SHABAAB" -> "Al-Shabaab", "REAL IRA" -> "Real IRA".

    ``acronyms``: the lists' stand-alone acronyms, which stay in capitals inside a name.
    """
    if any(c.islower() for c in text):
        return text  # the UN list writes most aliases as they are spelt
    out = []
    for n, word in enumerate(text.split()):
        parts = word.split("-")
        cased = []
        for m, part in enumerate(parts):
            low = part.casefold()
            if part in acronyms:
                cased.append(part)
            elif (n or m) and (low in _SMALL or (low == "al" and m < len(parts) - 1)):
                cased.append(low)
            else:
                cased.append(part[:1] + part[1:].casefold())
        out.append("-".join(cased))
    return " ".join(out)


def _clean(text: str) -> str:
    text = " ".join(text.replace("’", "'").replace("`", "'").split())
    return text.strip(_QUOTES + " ;,.").strip()


def split_names(raw: str) -> tuple[list[str], list[str]]:
    """The names in one field of a list (as written: ``finish`` cases them) and its acronyms.

    "AL-ITIHAAD AL-ISLAMIYA / AIAI", "M23 (Mouvement du 23 mars)", "X (original script); Y; Z",
    "ADF/NALU". A lone word in capitals is an acronym when it is short ("LRA", "FDLR"); OFAC writes
    every name in capitals, so a longer one is a name ("HAMAS" -> "Hamas").
    """
    names: list[str] = []
    acronyms: list[str] = []
    inner: list[str] = []
    outer = raw
    while _PAREN.search(outer):  # innermost first: "X (HTS) (هيئة (original script); Y)"
        inner += [p for m in _PAREN.findall(outer) for p in re.split(r"[;,]", m)]
        outer = _PAREN.sub(" ; ", outer)
    for part in (*re.split(r"\s/\s|;", outer), *inner):
        text = _clean(part.replace("(", " ").replace(")", " "))
        if not text or text.casefold() == "original script":
            continue
        if " " not in text and text.replace("-", "").replace("/", "").isupper():
            for piece in text.split("/"):
                if _letters(piece) <= ACRONYM_MAX or any(c.isdigit() for c in piece):
                    acronyms.append(piece)
                else:
                    names.append(piece)
        else:
            names.append(text)
    return names, acronyms


def initials(name: str) -> set[str]:
    """The acronyms a name makes: its words' first letters, with and without the small words."""
    words = [w for w in re.split(r"[\s\-]+", name.replace("'", "")) if w[:1].isalpha()]
    full = "".join(w[0] for w in words).upper()
    with_al = "".join(w[0] for w in words if w.casefold() not in _SMALL).upper()  # AQAP, AIAI
    content = "".join(w[0] for w in words if w.casefold() not in _SMALL and w.casefold() != "al").upper()
    return {full, with_al, content}


def kind_of(names: list[str], programs: tuple[str, ...] = ()) -> str:
    """``armed group``, or ``company`` / ``organization`` when the names say it is one.

    The entry's own name decides when it names a group ("Lashkar-e-Tayyiba", whose a.k.a.s hold
    its charities); else any name that is a company's or a charity's ("Selselat al-Thahab", an
    exchange house: "Selselat al Thahab For Money Exchange"). An FTO entity is a group.
    """
    if "FTO" in programs:
        return ARMED
    primary = names[0].replace("'", " ")
    if _GROUP.search(primary) and _NOT_GROUP.search(primary) is None:
        return ARMED
    for name in names:
        if _NOT_GROUP.search(name.replace("'", " ")) is not None:
            return "company" if _COMPANY.search(name) else "organization"
    return ARMED


def finish(groups: list[Group]) -> list[Group]:
    """Case the names (the lists' stand-alone acronyms stay capitals) and tell the kind."""
    acronyms = frozenset(a.upper() for g in groups for a in g.acronyms if _letters(a) >= MIN_LETTERS)
    for group in groups:
        group.type = kind_of(group.names, group.programs)
        if "NGO" in group.acronyms:
            group.type = "organization"  # "TOUS POUR LA PAIX ET LE DEVELOPPEMENT (NGO)"
        elif group.type == ARMED and _STATE_FORCES.search(group.names[0]):
            group.type = "armed forces"
        group.names = [title(n, acronyms) for n in group.names]
    return groups


def read_un(path: Path) -> list[Group]:
    """The UN list's entities of the armed-group and terrorism lists."""
    root = ET.parse(path).getroot()  # noqa: S314 - a local file of the UN list, not untrusted input
    out = []
    for entity in root.iter("ENTITY"):
        if (entity.findtext("UN_LIST_TYPE") or "").strip() not in UN_LISTS:
            continue
        primary = entity.findtext("FIRST_NAME") or ""
        names, acronyms = split_names(primary.strip())
        for alias in entity.findall("ENTITY_ALIAS"):
            more, short = split_names((alias.findtext("ALIAS_NAME") or "").strip())
            names += more
            acronyms += short
        if not names and not acronyms:
            continue
        out.append(
            Group(f"un:{entity.findtext('REFERENCE_NUMBER')}", names or acronyms[:1], ARMED, (), acronyms)
        )
    return out


def read_ofac(folder: Path) -> list[Group]:
    """OFAC SDN entities (not people, vessels, aircraft) with their a.k.a. names."""
    alt: dict[str, list[str]] = defaultdict(list)
    with (folder / "alt.csv").open(encoding="utf-8", errors="replace", newline="") as fh:
        for row in csv.reader(fh):
            if len(row) > 3 and row[2].strip().strip('"') in {"aka", "fka", "nka"}:
                alt[row[0].strip()].append(row[3].strip())
    out = []
    with (folder / "sdn.csv").open(encoding="utf-8", errors="replace", newline="") as fh:
        for row in csv.reader(fh):
            if len(row) < 4 or row[2].strip() != "-0-":
                continue  # "individual", "vessel", "aircraft"
            programs = tuple(p.strip() for p in row[3].split("] ["))
            names, acronyms = split_names(row[1].strip())
            for alias in alt.get(row[0].strip(), ()):
                more, short = split_names(alias)
                names += more
                acronyms += short
            if names or acronyms:
                out.append(Group(f"ofac:{row[0].strip()}", names or acronyms[:1], ARMED, programs, acronyms))
    return out


def _content_words(text: str) -> list[str]:
    """The words of a name less the small ones ("of", "al", "wa")."""
    return [
        w for w in re.split(r"[\s\-]+", text) if w and w.casefold() not in _SMALL and w.casefold() != "al"
    ]


def _letters(text: str) -> int:
    return sum(c.isalpha() for c in text)


class Keys:
    """The keys the rest of the knowledge base holds: who has each, and what may not be a name."""

    def __init__(self, data_dir: Path = DATA_DIR) -> None:
        self.places, curated = _blocked_keys(set())
        self.words = stopwords()
        regions = json.loads((data_dir / "regions.json").read_text(encoding="utf-8"))["regions"]
        self.places |= {normalize_key(p).strip() for r in regions for p in (r["name"], *r["phrases"])}
        self.winners: set[str] = set(curated)  # keys of actors that win over this table
        self.petrarch: dict[str, dict[str, Any]] = {}
        self.petrarch_keys: dict[str, list[str]] = defaultdict(list)
        self.petrarch_loose: dict[str, set[str]] = defaultdict(set)  # organisations by _loose name
        replaced: set[str] = set()
        for name in ("actors.json", "actors_wikidata.json", "actors_orgs.json"):
            path = data_dir / name
            if not path.exists():
                continue
            data = json.loads(path.read_text(encoding="utf-8"))
            replaced |= set(data.get("replaces", {}))
            for actor in data["actors"]:
                self.winners |= {normalize_key(n).strip() for n in (actor["name"], *actor["aliases"])}
        for actor in json.loads((data_dir / "actors_petrarch.json").read_text(encoding="utf-8"))["actors"]:
            if actor["id"] in replaced:
                continue  # a QID table's actor now
            self.petrarch[actor["id"]] = actor
            for n in (actor["name"], *actor["aliases"]):
                self.petrarch_keys[normalize_key(n).strip()].append(actor["id"])
                if actor["type"] not in _PEOPLE_TYPES:
                    self.petrarch_loose[_loose(n)].add(actor["id"])

    def name_ok(self, text: str, *, primary: bool = False) -> bool:
        """A full name that may be an alias (before uniqueness).

        Not a place, region, demonym or common word; a one-word a.k.a. must be rare and six letters
        long ("Shabaab", "Askatasuna"; not "Ekin", "Waad"); a name of one or two content words may
        not be all common words ("The Youth", "Supporters of God") unless it is the entry's own.
        """
        key = normalize_key(text).strip()
        if _letters(text) < MIN_LETTERS or not script_ok(text) or not text[:1].isupper():
            return False
        if not key or key in self.places or key in self.words or text in _NOT_ALIAS:
            return False
        content = _content_words(text)
        if len(content) == 1 and not primary:  # "Shabaab", "The Houthis"; not "The Sentinels"
            return _letters(content[0]) >= ONE_WORD_MIN and zipf(content[0]) < ONE_WORD_ZIPF
        if len(content) <= 2 and all(self._common(w) for w in content):
            return primary and len(content) == 2  # "Night Wolves" is the entry's own name
        return True

    def acronym_ok(self, text: str, names: list[str]) -> bool:
        """An acronym of three letters or more, rarer in text than a word; a short one, a name's initials."""
        key = normalize_key(text).strip()
        letters = _letters(text)
        if letters < MIN_LETTERS or not script_ok(text) or key in self.places or text in _NOT_ALIAS:
            return False
        if letters <= ACRONYM_MAX and not any(text.replace("-", "").upper() in initials(n) for n in names):
            return False  # "JIT", "MIB": another group's or something else in the news; "EKIN" a name
        return zipf(text) < (PARTY_ACRONYM_ZIPF if letters <= MIN_LETTERS else ACRONYM_ZIPF)

    def _common(self, word: str) -> bool:
        folded = word.strip(_QUOTES).casefold()
        return (
            folded in self.words
            or zipf(folded) >= COMMON_ZIPF
            or normalize_key(folded).strip() in self.places
        )

    def generic(self, name: str) -> bool:
        """Whether a name is made of common words only ("Army of God", "National Liberation Army")."""
        return all(self._common(w) for w in _content_words(_PAREN_END.sub("", name)))

    def claimable(self, actor: dict[str, Any]) -> bool:
        """A PETRARCH group this table may replace: no state's forces, no name for one country."""
        if any(str(code).endswith("MIL") for code in actor.get("cameo", ())):
            return False
        found = _PAREN.search(actor["name"])
        return found is None or normalize_key(found.group(1)).strip() not in self.places

    def petrarch_org(self, key: str) -> list[str]:
        """PETRARCH non-person actors with this key."""
        return [p for p in self.petrarch_keys.get(key, ()) if self.petrarch[p]["type"] not in _PEOPLE_TYPES]


def _wanted(group: Group) -> bool:
    """A group of the lists we take: UN lists are filtered already; OFAC by program and name.

    FTO: every entity. SDGT: a group's name ("Brigades", "Jaish", "Taliban"; not "Group" alone,
    which companies have too). UKRAINE-EO13660 (Crimea and the Donbas): a group, or a "republic".
    """
    if group.source.startswith("un:") or "FTO" in group.programs:
        return True
    primary = group.names[0]
    if "SDGT" in group.programs and group.type == ARMED and _GROUP.search(primary):
        return True
    if "UKRAINE-EO13660" in group.programs:
        return group.type == ARMED or "republic" in primary.casefold()
    return False


@dataclass
class Built:
    """The actors in ``actors_orgs.json``'s shape, the PETRARCH ids they replace, counts."""

    actors: list[dict[str, Any]]
    replaces: dict[str, str]
    skipped: Counter[str]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")


def _candidates(group: Group, keys: Keys) -> list[tuple[str, str]]:
    """(alias, key) of a group that pass the word and place tests, first seen first."""
    seen: set[str] = set()
    out = []
    # A one-word a.k.a. that begins another of its names is a truncation, like a bare surname:
    # "Kahane" of "Kahane Chai".
    firsts = {normalize_key(n.split()[0]).strip() for n in group.names if " " in n.strip()}
    names = [n for n in group.names if " " in n.strip() or normalize_key(n).strip() not in firsts]
    tests = [(n, keys.name_ok(n, primary=n == group.names[0])) for n in names]
    tests += [(a, keys.acronym_ok(a, group.names)) for a in group.acronyms]
    for text, ok in tests:
        key = normalize_key(text).strip()
        if ok and key not in seen:
            seen.add(key)
            out.append((text, key))
    return out


def _loose(name: str) -> str:
    """A key for matching names across the lists: letters and digits only ("Al-Qa'ida" = "Al Qaida")."""
    name = re.sub(r"^the\s+", "", _PAREN_END.sub("", name.casefold()))  # "Egyptian Islamic Jihad (eij)"
    return re.sub(r"[^0-9a-z]+", "", normalize_key(name).replace("qaeda", "qaida"))


def _words(key: str) -> int:
    """Content words of a key ("al-nusra front": 2; "al-aqsa": 1)."""
    return sum(1 for w in re.split(r"[\s\-]+", key) if w and w not in _SMALL and w != "al")


def _merge(groups: list[Group]) -> list[Group]:
    """One group per entity: an OFAC entry joins the one UN entry whose own name it has, or that has its own.

    Matching on any a.k.a. would merge different groups: "Ansar Allah" is the Houthis' name and
    one of Hizballah's a.k.a.s in OFAC's list; "Ansar al-Sharia" is an alias of three UN entries.
    """
    un = [g for g in groups if g.source.startswith("un:")]
    by_name: dict[str, set[int]] = defaultdict(set)
    by_own: dict[str, set[int]] = defaultdict(set)
    for n, group in enumerate(un):
        by_own[_loose(group.names[0])].add(n)
        for name in group.names:
            by_name[_loose(name)].add(n)
    merged = list(un)
    for group in groups:
        if group.source.startswith("un:"):
            continue
        # Its own name first: OFAC's al-Qaida has Egyptian Islamic Jihad's names among its a.k.a.s.
        found = by_name.get(_loose(group.names[0])) or {
            n for name in group.names for n in by_own.get(_loose(name), ())
        }
        if len(found) != 1:
            merged.append(group)
            continue
        target = un[next(iter(found))]
        target.names += group.names
        target.acronyms += group.acronyms
        target.programs += group.programs
        target.source += f"+{group.source}"
    return merged


def _keep(group: Group, cands: list[tuple[str, str]], keys: Keys, skipped: Counter[str]) -> bool:
    """Whether a listed entity becomes an actor: a group, or a known (PETRARCH) organisation."""
    if not _wanted(group):
        skipped["program"] += 1
        return False
    if normalize_key(group.names[0]).strip() in keys.winners:
        skipped["curated or QID actor"] += 1
        return False
    if group.type != ARMED and not keys.petrarch_loose.get(_loose(group.names[0])):
        skipped["not a group, not known"] += 1
        return False
    if not cands:
        skipped["no usable name"] += 1
        return False
    return True


def _claims(kept: list[tuple[Group, list[tuple[str, str]]]], keys: Keys) -> dict[str, list[str]]:
    """Per entry, the PETRARCH organisations it replaces (their aliases come along).

    An entry claims a PETRARCH actor whose own name it lists, or that has the entry's own name
    (spelling aside: "Jabhat al-Nusrah" is "Jabhat Al Nusra"). A shared a.k.a. is no claim: PETRARCH
    gives Hamas's al-Qassam Brigades "Al-Quds Brigades", which is Palestinian Islamic Jihad's.
    An actor two entries claim stays as it is. A PETRARCH name of common words ("Army of God",
    "Peoples Liberation Army", "Mohammed's Army") must be the entry's own: OFAC gives those as
    a.k.a.s of Jundallah, Shining Path and Jaish-e-Mohammed, while PETRARCH's are a US group,
    China's army and a Yemeni group. A state's forces (CAMEO "...MIL") and a name for one
    country ("National Liberation Army (bolivia)") are never claimed.
    """
    claims: dict[str, set[str]] = defaultdict(set)
    for group, _ in kept:
        listed = {_loose(n) for n in group.names}
        primary = _loose(group.names[0])
        for pid in {p for name in listed for p in keys.petrarch_loose.get(name, ())}:
            actor = keys.petrarch[pid]
            if not keys.claimable(actor):
                continue
            own = {_loose(n) for n in (actor["name"], *actor["aliases"])}
            name = _loose(actor["name"])
            if (name in listed and (name == primary or not keys.generic(actor["name"]))) or primary in own:
                claims[pid].add(group.source)
    replaced_by: dict[str, list[str]] = defaultdict(list)
    for pid, sources in sorted(claims.items()):
        if len(sources) == 1:
            replaced_by[next(iter(sources))].append(pid)
    return replaced_by


def _display_name(group: Group, own: list[tuple[str, str]], olds: list[str], keys: Keys) -> str:
    """The name an entry's actor shows.

    A replaced PETRARCH actor's name that the list has ("Boko Haram", not the UN's "Jama'atu Ahlis
    Sunna Lidda'awati wal-Jihad"), the one of the entry's own name first; else the list's first
    usable name; else the replaced actor's name.
    """
    listed = [_loose(n) for n in group.names]
    names = sorted(
        (keys.petrarch[pid]["name"] for pid in olds if _loose(keys.petrarch[pid]["name"]) in listed),
        key=lambda n: listed.index(_loose(n)),
    )
    if names:
        # PETRARCH writes "Liberation Tigers of Tamil Eelam (ltte)": the list's spelling then.
        same = [text for text, _ in own if _loose(text) == _loose(names[0])]
        return same[0] if same and "(" in names[0] else str(names[0])
    return own[0][0] if own else str(keys.petrarch[olds[0]]["name"])


def build(groups: list[Group], keys: Keys) -> Built:
    """Apply the alias policy to the listed entities."""
    skipped: Counter[str] = Counter()
    kept = []
    for group in _merge(groups):
        cands = _candidates(group, keys)
        if _keep(group, cands, keys, skipped):
            kept.append((group, cands))
    holders: dict[str, set[str]] = defaultdict(set)
    for group, cands in kept:
        for _, key in cands:
            holders[key].add(group.source)
    replaced_by = _claims(kept, keys)
    actors: list[dict[str, Any]] = []
    replaces: dict[str, str] = {}
    taken: set[str] = set()
    for group, cands in kept:
        olds = replaced_by.get(group.source, [])
        # No other entry's, winning actor's, or PETRARCH actor's key (unless this one replaces it).
        own = [
            (text, key)
            for text, key in cands
            if len(holders[key]) == 1
            and key not in keys.winners
            and all(p in olds for p in keys.petrarch_keys.get(key, ()))
        ]
        if not own and not olds:
            skipped["names all shared"] += 1
            continue
        name = _display_name(group, own, olds, keys)
        aid = "org:" + _slug(name)
        if aid in taken:
            aid = f"{aid}-{_slug(group.source)}"
        taken.add(aid)
        kind = group.type
        for pid in olds:
            replaces[pid] = aid
            if keys.petrarch[pid]["type"] == ARMED:
                kind = ARMED
        # The old ids first: a tag carries its first aliases, and a subscription by id still matches.
        aliases = [*olds]
        old_names = [n for pid in olds for n in (keys.petrarch[pid]["name"], *keys.petrarch[pid]["aliases"])]
        for text in (*[t for t, _ in own], *old_names):
            if text != name and text not in aliases:
                aliases.append(text)
        actor = {
            "id": aid,
            "name": name,
            "type": kind,
            "country": None,
            "aliases": aliases,
            "source": group.source,
        }
        actors.append(actor)
    return Built(actors, replaces, skipped)


def write(built: Built, source: Path, out: Path = OUT) -> None:
    """Write ``actors_groups.json`` (sorted by id: the same sources give the same bytes)."""
    doc = {
        "_doc": "Generated by `python -m processors.kb_build.sanctions` (make kb) from the test fixtures "
        f"of moov-io/watchman @ {commit(source, 'watchman')}: the UN Security Council consolidated list "
        "(test/testdata/UN_consolidated.xml, generated 2026-02-27; ISIL/Al-Qaida, Taliban and conflict "
        "lists' entities named as groups) and OFAC's SDN list (test/testdata/bench/{sdn,alt}.csv, 2021; US "
        "public domain; FTO, SDGT and UKRAINE-EO13660 entities named as groups). Other entities only where "
        "PETRARCH knows them by name. Aliases: the lists' names and a.k.a.s, unique in the knowledge base, "
        "no place, region, demonym or common words; curated and QID actors win; 'replaces': PETRARCH "
        "actors of the same name, which these take the place of. 'source': the list entry.",
        "replaces": dict(sorted(built.replaces.items())),
        "actors": sorted(built.actors, key=lambda a: a["id"]),
    }
    write_json(doc, out)


def main(argv: list[str] | None = None) -> None:
    """``python -m processors.kb_build.sanctions [--source DIR]``."""
    source = source_arg(argv, __doc__)
    groups = finish(read_un(source / "watchman" / "UN_consolidated.xml") + read_ofac(source / "watchman"))
    built = build(groups, Keys())
    write(built, source)
    print(  # noqa: T201
        f"{wrote(built.actors, OUT)}; {len(built.replaces)} PETRARCH actors replaced; "
        f"skipped {dict(sorted(built.skipped.items()))}"
    )


if __name__ == "__main__":
    main()
