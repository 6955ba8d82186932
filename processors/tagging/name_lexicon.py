"""The knowledge of people's names that step 6 of tagging reads (``names.py``), built once per knowledge base.

Given names (the knowledge base's people's and real people's, ``given_names.json``) and the
people with dated roles by surname. Not compiled: it runs once, when the tagger is built.
"""

from __future__ import annotations

import json
from pathlib import Path

from processors.kb import Entity, Kind, KnowledgeBase
from processors.tagging.name_words import NOT_FIRST
from processors.tagging.words import (
    NAME_TITLES,
    NOT_NAMES,
    ORG_CUES,
    PARTICLES,
    TITLE_MODIFIERS,
    fold_diacritics,
)


def given_lexicon(path: Path) -> frozenset[str]:
    """Given names of real people beyond the knowledge base's (``kb_build/given.py``); empty if absent."""
    try:
        names = json.loads(path.read_text(encoding="utf-8"))["names"]
    except FileNotFoundError:
        return frozenset()
    skip = NAME_TITLES | NOT_NAMES | ORG_CUES | TITLE_MODIFIERS | PARTICLES | NOT_FIRST
    return frozenset(w for f in names if f not in skip for w in (f, fold_diacritics(f)))


def office_holders(kb: KnowledgeBase, given: frozenset[str]) -> dict[str, list[Entity]]:
    """The knowledge base's people with dated roles, by the last word of their names (folded).

    Only words that can stand alone as a surname: three letters or more, no given name
    ("Martin", "Thomas": more often someone else's first name), none of a place's or a common
    word's (the reader checks the story's own words; the scanner claims places first).
    """
    out: dict[str, list[Entity]] = {}
    for ent in kb.entities.values():
        if ent.kind is not Kind.ACTOR or ent.type != "person" or not ent.roles:
            continue
        words = ent.name.split()
        last = words[-1].casefold() if len(words) >= 2 else ""
        if len(last) >= 3 and last.replace("-", "").isalpha() and last not in given:
            out.setdefault(last, []).append(ent)
    return out


def kb_given_names(kb: KnowledgeBase) -> frozenset[str]:
    """The given names of the knowledge base's people (the first words of their names)."""
    counts: dict[str, int] = {}
    skip = NAME_TITLES | NOT_NAMES | ORG_CUES | TITLE_MODIFIERS | PARTICLES | NOT_FIRST
    for ent in kb.entities.values():
        if ent.kind is not Kind.ACTOR or ent.type != "person":
            continue
        for name in {ent.name, *ent.aliases}:
            words = name.split()
            first = words[0].casefold() if len(words) >= 2 else ""
            if len(first) >= 2 and first.isalpha() and first not in skip:
                counts[first] = counts.get(first, 0) + 1
    return frozenset(w for f, n in counts.items() if n >= 1 for w in (f, fold_diacritics(f)))
