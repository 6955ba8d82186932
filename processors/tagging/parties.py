"""Parties named by their members' word: "Democratic senators", "the Tories", "Labour MPs".

News of two-party and Westminster systems names a party far more often by its members' noun or
adjective than by its name: "a Republican challenger", "Democrats in the House", "Tory MPs",
"Labour said". Those words name the party only in its country's news ("Democrats" are Sweden's
in "Sweden Democrats", "Labour" is any work elsewhere), so a mention counts when the story is
placed in that country or names the party in full, and the word stands alone: no capitalised
word before it ("Christian Democrats", "Irish Republican Army") or after it ("Republican Guard",
"Labour Day", "Tory Lanez"), and an adjective only before a word of politics ("Democratic
lawmakers", not "Democratic institutions").

The table is ours: no open data lists these nicknames with their party, and they are few. Its
ids are the parties' QIDs in the knowledge base; a party it lacks is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from processors.tagging.build import MAX_TAG_ALIASES, make_tag, sorted_tags
from processors.tagging.scan import FIELDS
from schemas.models import Mention, Tag

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from processors.kb import Entity
    from schemas.models import TextField

__all__ = ["NICKNAMES", "Nickname", "with_party_words"]

CONFIDENCE = 0.8
UNKNOWN = "name:"  # the ids of unknown names (tagging/names.py)


@dataclass(frozen=True, slots=True)
class Nickname:
    """A word that names ``party`` (a QID) in ``country``'s news; an adjective needs a word of politics."""

    word: str
    party: str
    country: str
    adjective: bool = False
    languages: frozenset[str] = frozenset({"en"})
    mid_sentence: bool = False  # "Labour" opening a sentence is as often the common noun


_EN = frozenset({"en"})
_EN_DE = frozenset({"en", "de"})
NICKNAMES: tuple[Nickname, ...] = (
    # United States: Democratic Party (Q29552), Republican Party (Q29468).
    Nickname("Democrats", "Q29552", "US"),
    Nickname("Democrat", "Q29552", "US"),
    Nickname("Democratic", "Q29552", "US", adjective=True),
    Nickname("Republican", "Q29468", "US"),
    Nickname("Republicans", "Q29468", "US"),
    Nickname("Demokraten", "Q29552", "US", languages=frozenset({"de"})),
    Nickname("Republikaner", "Q29468", "US", languages=frozenset({"de"})),
    # United Kingdom: Conservative Party (Q9626), Labour Party (Q9630), Liberal Democrats (Q9624).
    Nickname("Tories", "Q9626", "GB", languages=_EN_DE),
    Nickname("Tory", "Q9626", "GB", languages=_EN_DE),
    Nickname("Labour", "Q9630", "GB", languages=_EN_DE, mid_sentence=True),
    Nickname("Lib Dems", "Q9624", "GB"),
    Nickname("Lib Dem", "Q9624", "GB"),
    # Australia: Australian Labor Party (Q216082); Canada: Conservative Party of Canada (Q488523).
    Nickname("Labor", "Q216082", "AU", mid_sentence=True),
    Nickname("Tories", "Q488523", "CA"),
)

# Words of politics an adjective may stand before ("Democratic lawmakers", "Republican-led").
_POLITICS = frozenset(
    """
    senator senators sen. lawmaker lawmakers legislator legislators congressman congresswoman
    congressmen congresswomen representative representatives rep. candidate candidates nominee
    nominees governor governors gov. mayor leader leaders leadership majority minority primary
    primaries challenger challengers incumbent incumbents president presidential administration
    administrations voters voter members member colleagues caucus officials official strategist
    strategists donors base operatives operative establishment lawmaking senate house state
    states counterparts opponents opponent rivals rival hopefuls hopeful ticket platform agenda
    attorney attorneys lawmakers' mps mp ministers councillor councillors activists
    """.split()  # noqa: SIM905 - a word list kept by hand
)
_JOINED = ("-led", "-controlled", "-held", "-backed", "-leaning", "-run", "-dominated")
_WORD = re.compile(r"[\w.'’-]+")


def _next_word(text: str, end: int) -> str:
    found = _WORD.match(text, end + 1) if text[end : end + 1] == " " else None
    return found.group(0) if found else ""


def _previous_word(text: str, start: int) -> str:
    head = text[max(0, start - 40) : start]
    if not head.endswith(" "):
        return head.rsplit(" ", 1)[-1] if head and not head[-1].isspace() else ""
    words = head.split()
    return words[-1] if words else ""


def _opens_sentence(text: str, start: int) -> bool:
    head = text[:start].rstrip(" \"'“‘(")
    return not head or head[-1] in ".!?:\n"


def _stands_alone(text: str, start: int, end: int, nick: Nickname) -> bool:
    """Whether the word at ``start:end`` names the party: alone, and as its kind needs."""
    if text[end : end + 1].isalnum() or (start and text[start - 1].isalnum()):
        return False
    joined = next((j for j in _JOINED if text.startswith(j, end)), None)
    after = "" if joined else _next_word(text, end)
    before = _previous_word(text, start)
    politics = joined is not None or after.casefold().rstrip(",.;:") in _POLITICS  # "Tory MPs"
    # A capitalised word before, unless it opens the sentence itself ("The Republican challenger").
    named_before = (
        before[:1].isupper() and before[-1:].isalnum() and not _opens_sentence(text, start - len(before) - 1)
    )
    if (after[:1].isupper() and not politics) or (named_before and before != "US-"):
        return False  # part of a longer name: "Republican Guard", "Christian Democrats"
    if before.endswith("-") and before != "US-":
        return False  # "Anti-Tory", "pro-Labour": about the party, not the party
    if nick.mid_sentence and _opens_sentence(text, start):
        return False
    return not nick.adjective or politics


def _overlaps(taken: Sequence[tuple[str, int, int, bool]], field: str, start: int, end: int) -> bool:
    """Whether another name's mention overlaps ``start:end`` (an unknown one just there does not)."""
    return any(
        f == field and s < end and start < e and not (unknown and (s, e) == (start, end))
        for f, s, e, unknown in taken
    )


def _evidence(mentions: list[Mention]) -> str:
    return f"party by its members' word: {', '.join(sorted({m.text for m in mentions}))}"


def _within(tag: Tag, spans: set[tuple[str, int]]) -> bool:
    """Whether every mention of ``tag`` starts where a party's word was found."""
    return all((m.field, m.start) in spans for m in tag.mentions)


def _patterns(nicknames: Iterable[Nickname]) -> re.Pattern[str]:
    words = sorted({n.word for n in nicknames}, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words))


_ALL = _patterns(NICKNAMES)


def with_party_words(
    actors: tuple[Tag, ...],
    texts: dict[TextField, str],
    countries: Iterable[str],
    entities: dict[str, Entity],
    language: str | None,
) -> tuple[Tag, ...]:
    """``actors`` with the parties their members' words name in this story (see the module doc)."""
    placed = set(countries)
    named = {t.id for t in actors}
    by_word: dict[str, list[Nickname]] = {}
    for nick in NICKNAMES:
        usable = (language or "en") in nick.languages and nick.party in entities
        if usable and (nick.country in placed or nick.party in named):
            by_word.setdefault(nick.word, []).append(nick)
    if not by_word:
        return actors
    # Other names keep their spans ("Sweden Democrats"); an unknown name read just there
    # ("name:tories") gives way.
    taken = [(m.field, m.start, m.end, t.id.startswith(UNKNOWN)) for t in actors for m in t.mentions]
    found: dict[str, list[Mention]] = {}
    for field, text in texts.items():
        for m in _ALL.finditer(text):
            nicks = by_word.get(m.group(0))
            if not nicks or _overlaps(taken, field, m.start(), m.end()):
                continue
            # Two parties of one word ("Tories": the UK's and Canada's): the one the story names.
            nick = next((n for n in nicks if n.party in named), nicks[0])
            if _stands_alone(text, m.start(), m.end(), nick):
                found.setdefault(nick.party, []).append(
                    Mention(field=field, start=m.start(), end=m.end(), text=m.group(0))
                )
    if not found:
        return actors
    spans: set[tuple[str, int]] = {(m.field, m.start) for ms in found.values() for m in ms}
    out = [t for t in actors if t.id not in found and not (t.id.startswith(UNKNOWN) and _within(t, spans))]
    for tag in actors:
        if tag.id in found:
            more = found.pop(tag.id)
            merged = sorted((*tag.mentions, *more), key=lambda x: (FIELDS.index(x.field), x.start))
            evidence = (*tag.evidence, _evidence(more))
            out.append(tag.model_copy(update={"mentions": tuple(merged), "evidence": evidence}))
    for party, mentions in found.items():
        ent = entities[party]
        out.append(
            make_tag(
                ent,
                tuple(mentions),
                CONFIDENCE,
                (_evidence(mentions),),
                aliases=ent.aliases[:MAX_TAG_ALIASES],
            )
        )
    return sorted_tags(out)
