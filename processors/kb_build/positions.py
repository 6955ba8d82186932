"""Positions of office holders (Peppercat/Wikidata English position labels) → role classes and names.

``classify`` reads a position label ("Minister for Foreign Affairs", "Chief of General Staff",
"Federal Chancellor") by keyword rules and gives its class, or None for what the knowledge base
leaves out: ambassadors, judges, spouses, deputy and junior ministers, regional offices other
than the heads of a state's parts (``regional_head``: governors of US states, Canadian and
Australian premiers, German minister-presidents, Indian chief ministers, who make national news).
``role_name`` gives the role's display name. The six classes that office titles resolve to
("Russia's foreign minister", "the German chancellor") get one canonical name per class and
country, equal to the curated offices' names (``offices.json``): "Minister of Foreign Affairs of
Russia", "Chancellor of Germany", "United States Secretary of State".
"""

from __future__ import annotations

import re
from typing import Final

#: The classes whose name is one per country (titles resolve to them).
CANONICAL: Final = frozenset(
    {"head_of_state", "head_of_government", "foreign", "defence", "interior", "finance"}
)

# Never kept: representatives abroad, courts, spouses, junior and regional posts.
_SKIP = re.compile(
    r"ambassador|envoy|consul|permanent representative|\bjudge|justice of the|chief justice|court|"
    r"first lady|first gentleman|spouse|consort|\bwife\b|husband|\bdeputy (?!prime|premier|head of gov)|"
    r"\bvice[- ](?!president|premier|chancellor)|assistant|under[- ]?secretary|parliamentary secretary|"
    r"state secretary|permanent secretary|minister of state for|mayor|lieutenant|advis[oe]r|counsel|"
    r"spokes|press secretary|secretary of state (?:of|for) (?!foreign|defen|home|the home|justice|"
    r"the treasury|health|education|work|business|transport|environment|culture|digital|energy|"
    r"international|levelling|northern|scotland|wales|exiting|housing|communities|trade)|"
    r"\bgovernor of (?!the (?:central|national|reserve) bank|the bank)|lord of the treasury|"
    r"secretary to the treasury|regent of|crown prince|\bheir\b|"
    r"chief of staff (?:of|to) the (?:president|prime|vice|presiden)|"
    r"chief whip|leader of the opposition|candidate|shadow",
    re.IGNORECASE,
)
_CENTRAL_BANK = re.compile(
    r"(?:governor|president|chair(?:man|person)?|head)\b.*\b(?:central bank|national bank|reserve bank|"
    r"federal reserve|bank of|monetary authority|people's bank)",
    re.IGNORECASE,
)
# The head of one of a state's parts: "Governor of California", "Premier of Ontario",
# "Minister-President of Bavaria", "Chief Minister of Punjab" (not their deputies or lieutenants, whose
# titles start otherwise, nor a central bank's governor, nor China's national "Premier of the State
# Council").
_REGIONAL_HEAD = re.compile(
    r"^(?:(?:regional |executive |provincial )?governor|premier|minister-president|chief minister) of "
    r"(?!.*\b(?:ban[kcq]\w*|monetary|reserve|state council|treasury)\b)",
    re.IGNORECASE,
)
_MILITARY = re.compile(
    r"chief of (?:the )?(?:general|defen[cs]e|joint) staff|head of the general staff|"
    r"chief of (?:the )?defen[cs]e(?: forces?)?$|chairman of the joint chiefs|"
    r"commander(?:-in-chief| in chief)? of the (?:armed|defen[cs]e|national armed) forces|"
    r"chief of (?:the )?(?:army|naval|air) staff|chief of staff of the (?:army|armed forces|air force|navy)|"
    r"commander of the (?:army|navy|air force)|chief of the armed forces|chief of army",
    re.IGNORECASE,
)
_INTELLIGENCE = re.compile(
    r"intelligence|security service|director of the (?:cia|fbi)|national security agency|"
    r"head of the (?:state )?security|director of (?:the )?(?:federal )?security|mossad|shin bet",
    re.IGNORECASE,
)
_CHAMBER = (
    r"(?:(?:grand|national|federal|supreme|people's|legislative|state|consultative|islamic|federal|"
    r"national people's) )*(?:assembly|senate|parliament|chamber of deputies|house of representatives|"
    r"house of commons|house of lords|federal council|house of assembly|house of councillors|"
    r"house of the people|"
    r"legislative assembly|legislative council|national council|bundestag|bundesrat|duma|state duma|"
    r"federation council|verkhovna rada|sejm|knesset|majlis|congress|congress of deputies|storting|riksdag|"
    r"folketing|althing|cortes|eduskunta|saeima|seimas|riigikogu|sabor|nationalrat|council of states|"
    r"chamber|dáil éireann|dáil|seanad|national people's congress|majlis al-shura|shura council|"
    r"council of the republic|house|diet|great hural|jogorku kenesh|mazhilis|oliy majlis|"
    r"legislative yuan|spanish senate|italian senate)"
)
_SPEAKER = re.compile(
    rf"^(?:speaker|marshal|president|chair(?:man|person)?)(?: of the {_CHAMBER}| of {_CHAMBER})?$|^speaker$",
    re.IGNORECASE,
)
_HEAD_OF_STATE = re.compile(
    r"^(?:federal president|president(?: of the (?:republic|state|nation|federation|union))?|head of state|"
    r"king|queen|monarch|emir|sultan|grand duke|reigning prince|prince|captain regent|co-prince|"
    r"supreme leader|yang di[_-]pertuan agong.*|chairman of the presidium.*|emperor|pope|sovereign)$",
    re.IGNORECASE,
)
_HEAD_OF_GOVERNMENT = re.compile(
    r"^(?:prime minister|premier(?: of the state council)?|(?:federal )?chancellor|first minister|"
    r"president of the (?:government|council of ministers)|chairman of the council of ministers|"
    r"head of government|taoiseach|first lord of the treasury|chief executive)$",
    re.IGNORECASE,
)
_DEPUTY_HEAD = re.compile(
    r"^(?:(?:first|second|third|fourth) )?(?:deputy prime minister|deputy premier|vice[- ]premier"
    r"(?: of the state council)?|vice[- ]chancellor|"
    r"vice[- ]president of the (?:government|council of ministers)|"
    r"deputy chairman of the council of ministers|deputy head of government|first secretary of state)$",
    re.IGNORECASE,
)
_VICE_PRESIDENT = re.compile(r"^(?:first |second )?vice[- ]president(?: of the republic)?$", re.IGNORECASE)
_MINISTER = re.compile(
    r"^(?:federal |union |cabinet |state )?(?:minister|secretary of state for|secretary of |home secretary|"
    r"foreign secretary|defen[cs]e secretary|chancellor of the exchequer|lord chancellor|treasurer$)",
    re.IGNORECASE,
)
_PORTFOLIOS: Final = (
    (
        "foreign",
        re.compile(
            r"foreign (?:affairs|relations|action|minister|secretary)|external (?:affairs|relations)|"
            r"^secretary of state$|foreign and commonwealth|foreign, commonwealth|foreign ministry",
            re.IGNORECASE,
        ),
    ),
    (
        "defence",
        re.compile(
            r"\bdefen[cs]e\b(?! industr| production| equipment| people)|"
            r"\barmed forces\b|\bwar\b|military affairs",
            re.IGNORECASE,
        ),
    ),
    (
        "interior",
        re.compile(
            r"\binterior\b|internal affairs|home affairs|home secretary|home office|home department|"
            r"public security",
            re.IGNORECASE,
        ),
    ),
    (
        "finance",
        re.compile(
            r"\bfinances?\b|\btreasury\b|exchequer|^treasurer$",
            re.IGNORECASE,
        ),
    ),
    ("justice", re.compile(r"\bjustice\b|lord chancellor", re.IGNORECASE)),
)
# International organisations' leaders (Peppercat's "World" and "European Union" lists).
_IO_LEADER = re.compile(
    r"\b(?:secretary[- ]general|director[- ]general|president|high representative|high commissioner|"
    r"european commissioner|managing director)\b",
    re.IGNORECASE,
)
_IO_SKIP = re.compile(
    r"\bjudge\b|court|ambassador|\bvice\b|deputy|under-secretary|secretary-general of the "
    r"european commission",
    re.IGNORECASE,
)


# Whole positions of their own class (the skip rules would take them: "advisor", "spokes").
_SPECIAL: Final = {
    "national security advisor": "security_advisor",
    "national security adviser": "security_advisor",
    "government spokesperson": "spokesperson",
    "government spokesman": "spokesperson",
    "prosecutor general": "prosecutor",
    "prosecutor-general": "prosecutor",
    "attorney general": "prosecutor",
    "attorney-general": "prosecutor",
    "chairman of the presidency": "head_of_state",
}


def _clean(position: str) -> str:
    return " ".join(position.replace("_", "-").strip().strip('"').split())


def classify(position: str, *, international: bool = False, country: str = "") -> str | None:
    """The class of a position (``head_of_state``, ``foreign``, ``minister``…), or None to leave it out.

    ``international``: the position is an international organisation's (no country of its own);
    ``country``: the ISO code of the holder's state, for the few titles that depend on it (a bare
    "Secretary of State" is the US foreign minister, a German junior minister elsewhere).
    """
    text = _clean(position)
    if international:
        return "io_leader" if _IO_LEADER.search(text) and not _IO_SKIP.search(text) else None
    if _CENTRAL_BANK.search(text):
        return "central_bank"
    special = _SPECIAL.get(text.casefold()) or ("regional_head" if _REGIONAL_HEAD.search(text) else None)
    if special is not None:
        return "justice" if special == "prosecutor" and country == "US" else special
    if _SKIP.search(text) or (text.casefold() == "secretary of state" and country != "US"):
        return None
    if text.casefold() == "secretary of state":
        return "foreign"
    return _national(text)


_NATIONAL: Final = (
    ("head_of_state", _HEAD_OF_STATE),
    ("head_of_government", _HEAD_OF_GOVERNMENT),
    ("deputy_head_of_government", _DEPUTY_HEAD),
    ("vice_president", _VICE_PRESIDENT),
    ("military_chief", _MILITARY),
    ("speaker", _SPEAKER),
)


def _national(text: str) -> str | None:
    """The class of a national position that no skip rule took."""
    found = next((cls for cls, pattern in _NATIONAL if pattern.search(text)), None)
    if found is None and _MINISTER.search(text):
        found = _portfolio(text)
    if found is None and _INTELLIGENCE.search(text) and not text.casefold().startswith("minister"):
        found = "intelligence_chief"
    return found


def _portfolio(text: str) -> str:
    if text.casefold().startswith(("secretary of state of", "secretary of the council")):
        return "minister"
    for cls, pattern in _PORTFOLIOS:
        if pattern.search(text):
            return cls
    return "minister"


# Country names that take "the" after "of" ("President of the United States").
_THE = re.compile(
    r"^(?:united |czech republic|central african|dominican republic|netherlands|philippines|bahamas|gambia|"
    r"maldives|comoros|seychelles|marshall islands|solomon islands|cook islands|faroe islands|"
    r"cayman islands|falkland|british virgin|turks and caicos|vatican|holy see|congo)",
    re.IGNORECASE,
)
_CANONICAL_NAMES: Final = {
    "foreign": "Minister of Foreign Affairs",
    "defence": "Minister of Defence",
    "interior": "Minister of the Interior",
    "finance": "Minister of Finance",
}
# Countries whose offices are named otherwise (and equal the curated offices.json names).
_NAMED: Final = {
    ("US", "foreign"): "United States Secretary of State",
    ("US", "defence"): "United States Secretary of Defense",
    ("US", "finance"): "United States Secretary of the Treasury",
}
_MONARCHS = (
    *("king", "queen", "emir", "sultan", "grand duke", "prince", "monarch", "emperor"),
    "captain regent",
)
_PREMIERS = (
    ("chancellor", "Chancellor"),
    ("premier", "Premier"),
    ("first minister", "First Minister"),
    ("taoiseach", "Taoiseach"),
)


def of_country(country: str) -> str:
    """``of <Country>``, with "the" where English puts it ("of the United States")."""
    return f"of the {country}" if _THE.match(country) else f"of {country}"


def _head_title(text: str, cls: str) -> str:
    low = text.casefold()
    if cls == "head_of_government":
        for word, title in _PREMIERS:
            if word in low and "first lord" not in low:
                return title
        return "Prime Minister"
    if "president" in low:
        return "President"
    for word in _MONARCHS:
        if word in low:
            return word.title()
    return "Head of State"


def role_name(position: str, country: str, *, code: str = "", cls: str | None = None) -> str:
    """The role's display name: ``<Position> of <Country>``, canonical for the six title classes.

    ``country``: the country's name as the knowledge base writes it; ``code``: its ISO code (for
    the US's own names); ``cls``: the position's class when known (else classified here).
    """
    text = _clean(position)
    if cls is None:
        cls = classify(text, country=code)
    # "Governor of California": the part it names is the role's place.
    named = f"{text[:1].upper()}{text[1:]}" if cls == "regional_head" else _NAMED.get((code, cls or ""))
    if named is not None:
        return named
    if cls in {"head_of_state", "head_of_government"}:
        return f"{_head_title(text, cls)} {of_country(country)}"
    if cls in _CANONICAL_NAMES:
        return f"{_CANONICAL_NAMES[cls]} {of_country(country)}"
    if code == "US" and text.startswith("Secretary of "):
        return f"United States {text}"
    if country.casefold() in text.casefold():
        return text
    return f"{text[:1].upper()}{text[1:]} {of_country(country)}"
